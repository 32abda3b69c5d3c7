"""One ASGI app on one port: the ``Guard`` in front, the HTTP API (``web.api``) and its docs, then
gradio's chat mounted at ``/``.

Why not ``demo.launch``: launch builds and starts its own server, with no place for middleware that
must see every request before gradio does (``web.guard``) nor for routes of ours. ``gr.mount_gradio_app``
mounts the same Blocks on a FastAPI app of ours, and uvicorn serves it. The API docs (``/docs``) use
Swagger UI files shipped in the ``fastapi-offline`` wheel, not FastAPI's default CDN.
"""
from __future__ import annotations

import importlib.metadata

import gradio as gr
import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi_offline import FastAPIOffline

from web.api import install_error_handlers
from web.guard import Guard, refuse_remote_fetches

DESCRIPTION = """Cited answers about 慈党发〔2019〕78号 (the 2019 Cixi plan for reforming the industrial workforce),
offline. `/api/…` is this app's own JSON (the same as `python -m assistant ask --json`); `/v1/…` speaks OpenAI's
chat-completions protocol (model `cixi-policy`). Errors are `{"error": {"message", "type", "code"}}` with a 4xx
status. With `ASSISTANT_API_KEY` set, send `Authorization: Bearer <key>` (not needed for `/api/health`)."""


def version() -> str:
    """The installed package's version (pyproject.toml), or a marker when run from a plain checkout."""
    try:
        return importlib.metadata.version("cixi-policy-assistant")
    except importlib.metadata.PackageNotFoundError:
        return "0+checkout"


def build(demo: gr.Blocks, style: dict, api: APIRouter | None = None) -> FastAPI:
    """The whole app: guard → API routes and docs → gradio at ``/`` (launch's options, as app.py had them)."""
    refuse_remote_fetches()
    app = FastAPIOffline(title="慈溪产业工人政策助手 API", version=version(), description=DESCRIPTION,
                         docs_url="/docs", redoc_url=None, static_url="/docs-assets",
                         swagger_ui_parameters={"validatorUrl": None})  # no badge fetched from swagger.io
    app.add_middleware(Guard)
    if api is not None:
        app.include_router(api)
        install_error_handlers(app)
        app.openapi = lambda: _openapi(app)
    gr.mount_gradio_app(app, demo, path="/", ssr_mode=False, pwa=False, mcp_server=False, enable_monitoring=False,
                        run_history=False, show_error=False, footer_links=[], max_file_size=0, **style)
    # launch() sets this; gradio checks the paths named in event payloads only once it is set
    demo.has_launched = True
    return app


def _openapi(app: FastAPI) -> dict:
    """FastAPI's schema without its 422 responses: this API answers bad input with 400 (ErrorBody)."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                operation.get("responses", {}).pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


def serve(app: FastAPI, host: str, port: int) -> None:
    """Serve until SIGINT/SIGTERM; open event streams get 5 s to finish."""
    config = uvicorn.Config(app, host=host, port=port, log_level="info", access_log=False,
                            timeout_graceful_shutdown=5, server_header=False)
    uvicorn.Server(config).run()
