"""One ASGI app on one port: the ``Guard`` in front, then gradio's chat mounted at ``/``.

Why not ``demo.launch``: launch builds and starts its own server, with no place for middleware that
must see every request before gradio does (``web.guard``). ``gr.mount_gradio_app`` mounts the same
Blocks on a FastAPI app of ours, and uvicorn serves it.
"""
from __future__ import annotations

import logging

import gradio as gr
import uvicorn
from fastapi import FastAPI

from web.guard import Guard, refuse_remote_fetches

log = logging.getLogger("app")


def build(demo: gr.Blocks, style: dict) -> FastAPI:
    """The whole app: guard → gradio at ``/`` (launch's options, as app.py had them)."""
    refuse_remote_fetches()
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(Guard)
    gr.mount_gradio_app(app, demo, path="/", ssr_mode=False, pwa=False, mcp_server=False, enable_monitoring=False,
                        run_history=False, show_error=False, footer_links=[], max_file_size=0, **style)
    # launch() sets this; gradio checks the paths named in event payloads only once it is set
    demo.has_launched = True
    return app


def serve(app: FastAPI, host: str, port: int) -> None:
    """Serve until SIGINT/SIGTERM; open event streams get 5 s to finish."""
    config = uvicorn.Config(app, host=host, port=port, log_level="info", access_log=False,
                            timeout_graceful_shutdown=5, server_header=False)
    uvicorn.Server(config).run()
