"""Web chat and HTTP API for the policy assistant: ``python app.py [--host 127.0.0.1] [--port 7860]``.

One port serves the chat (``/``), the JSON API (``/api/…``), the OpenAI-compatible endpoint (``/v1/…``)
and the API docs (``/docs``). Local only: binds to 127.0.0.1 unless told otherwise, never creates a
share link, loads nothing from a CDN and sends no analytics. Environment: ASSISTANT_INDEX_DIR (index,
built if missing), ASSISTANT_FEEDBACK_DB (feedback SQLite file, default feedback.sqlite3 here),
ASSISTANT_EMBEDDINGS, ASSISTANT_BROWSER_SECRET (key of the browser-stored chat; default derived from
the plan text), ASSISTANT_TURN_SECRET (key of turn ids; default kept in the feedback database),
ASSISTANT_API_KEY (bearer key for /api and /v1; default none), ASSISTANT_WEB_WORKERS (chat events
run at once; default two per core), ASSISTANT_ENGINE_WORKERS (engine worker processes; default 0:
answers in this process, which measured faster on 2 cores; see web/workers.py).

``cixi-assistant`` (the console script of ``pip install -e .``) is ``cli``: ``cixi-assistant serve``
is this app, anything else is ``python -m assistant``.
"""
import os

# Before anything imports gradio or a model library: no telemetry, no hub look-ups.
for _var, _value in (("GRADIO_ANALYTICS_ENABLED", "False"), ("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"),
                     ("HF_HUB_DISABLE_TELEMETRY", "1"), ("ANONYMIZED_TELEMETRY", "False"),
                     ("TOKENIZERS_PARALLELISM", "false"), ("GRADIO_SHARE", "False"),
                     # gradio's queue rebuilds a pandas summary of its last 10 000 events after every event,
                     # for a monitoring page this app does not serve: keep 100 and never summarise them
                     ("GRADIO_ANALYTICS_MAX_EVENTS", "100"), ("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000000000"),
                     # one OpenMP thread per embedding call: answers already run side by side, and spare
                     # OpenMP threads spin on a busy machine (measured 172 → 20 ms of CPU per answer)
                     ("OMP_NUM_THREADS", "1")):
    os.environ.setdefault(_var, _value)
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # never overridable: the app must not phone home

import argparse  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402


def main(argv: list[str] | None = None, prog: str | None = None) -> None:
    started = time.monotonic()
    p = argparse.ArgumentParser(prog=prog, description="Web chat and HTTP API for 慈党发〔2019〕78号 (offline).")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # gradio's own start-up probes
    log = logging.getLogger("app")

    from assistant import Assistant
    from web.feedback import FeedbackStore
    import web
    from web import api, server
    from web.services import Engine

    assistant = Assistant()
    store = FeedbackStore()
    log.info("engine ready in %.1f s; feedback database %s", time.monotonic() - started, store.path)
    engine = Engine(assistant, workers=int(os.environ.get("ASSISTANT_ENGINE_WORKERS") or 0))
    demo, style = web.create_app(assistant, store, engine)
    app = server.build(demo, style, api.router(engine, assistant))
    log.info("starting on http://%s:%d (%.1f s): chat /, API /api and /v1, docs /docs",
             args.host, args.port, time.monotonic() - started)
    try:
        server.serve(app, args.host, args.port)
    finally:
        if engine.pool:
            engine.pool.close()


def cli(argv: list[str] | None = None) -> int:
    """``cixi-assistant serve [--host H] [--port P]`` runs this app; ``cixi-assistant ask …`` and
    ``cixi-assistant build …`` are ``python -m assistant ask …`` and ``build …``."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        main(argv[1:], prog="cixi-assistant serve")
        return 0
    if argv[:1] in (["-h"], ["--help"], []):
        print("usage: cixi-assistant {ask,build,serve} …\n\n  ask     answer a question (see: cixi-assistant ask -h)\n"
              "  build   build the index (see: cixi-assistant build -h)\n"
              "  serve   the web chat and HTTP API (see: cixi-assistant serve -h)")
        return 0 if argv else 2
    from assistant.cli import main as assistant_main

    try:
        return assistant_main(argv)
    except BrokenPipeError:  # the reader went away (`… | head`): stop quietly, as python -m assistant does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    main()
