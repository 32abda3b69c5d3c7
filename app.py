"""Web chat for the policy assistant: ``python app.py [--host 127.0.0.1] [--port 7860]``.

Local only: binds to 127.0.0.1 unless told otherwise, never creates a share link, loads nothing
from a CDN and sends no analytics. Environment: ASSISTANT_INDEX_DIR (index, built if missing),
ASSISTANT_FEEDBACK_DB (feedback SQLite file, default feedback.sqlite3 here), ASSISTANT_EMBEDDINGS,
ASSISTANT_BROWSER_SECRET (key of the browser-stored chat; default derived from the plan text).
"""
import os

# Before anything imports gradio or a model library: no telemetry, no hub look-ups.
for _var, _value in (("GRADIO_ANALYTICS_ENABLED", "False"), ("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"),
                     ("HF_HUB_DISABLE_TELEMETRY", "1"), ("ANONYMIZED_TELEMETRY", "False"),
                     ("TOKENIZERS_PARALLELISM", "false"), ("GRADIO_SHARE", "False")):
    os.environ.setdefault(_var, _value)
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # never overridable: the app must not phone home

import argparse  # noqa: E402
import logging  # noqa: E402
import time  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    started = time.monotonic()
    p = argparse.ArgumentParser(description="Web chat for 慈党发〔2019〕78号 (offline).")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # gradio's own start-up probes
    log = logging.getLogger("app")

    from assistant import Assistant
    from web.feedback import FeedbackStore
    import web
    from web import server

    assistant = Assistant()
    store = FeedbackStore()
    log.info("engine ready in %.1f s; feedback database %s", time.monotonic() - started, store.path)
    demo, style = web.create_app(assistant, store)
    app = server.build(demo, style)
    log.info("starting on http://%s:%d (%.1f s)", args.host, args.port, time.monotonic() - started)
    server.serve(app, args.host, args.port)


if __name__ == "__main__":
    main()
