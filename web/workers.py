"""Engine worker processes: the web app's answers computed beside gradio, not under its lock.

Why processes: the engine is mostly Python (parsing, jieba, BM25, evidence checks), so in gradio's
process every answer competes with the queue, the HTTP server and the page rendering for one GIL.
Off by default (``ASSISTANT_ENGINE_WORKERS=0``), because on this project's 2-core machines it did not
pay: with two workers the main process's CPU per answer fell from 33–39 ms to 17–21 ms, but passing
questions and answers between processes raised the total to 42–59 ms, and p50 at 20 and 50 chat
sessions was 14–36 % worse (``python -m eval.load``, same machine, same hour; in an earlier run on a
busier machine it gave more answers per second: not a gain to count on). With more cores than
the one the main process needs, the main process's share is what limits throughput: try it there.
Each worker opens the same index (``rebuild=False``) and answers with the extractive engine; an LLM
writer, when configured, stays in the main process (its work is waiting on the network, and its
text is streamed).

Until the workers are up (a few seconds after start) and if the pool ever breaks, questions are
answered in the main process, so a failed worker costs speed, never an answer. A worker exits when
the app that started it is gone.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

log = logging.getLogger("web")

_assistant = None  # the worker's own engine


def _start(index_dir: str, parent: int) -> None:
    global _assistant
    from assistant import Assistant

    _assistant = Assistant(index_dir=index_dir, rebuild=False, quiet=True, llm=False)

    def orphaned() -> None:  # the app was killed: do not linger
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=orphaned, daemon=True).start()


def _ask(question, history):
    return _assistant.ask(question, history)


class EnginePool:
    """``ask`` in one of ``size`` worker processes; None while they start or after a failure."""

    def __init__(self, index_dir: str, size: int):
        self.size = size
        self._pool = ProcessPoolExecutor(size, mp_context=multiprocessing.get_context("spawn"), initializer=_start,
                                         initargs=(index_dir, os.getpid()))
        self._ready = False
        threading.Thread(target=self._warm_up, name="engine-pool-start", daemon=True).start()

    def _warm_up(self) -> None:
        started = time.monotonic()
        try:
            list(self._pool.map(_ask, ["尘肺病防治谁牵头？"] * self.size, [[]] * self.size))
            self._ready = True
            log.info("%d engine workers ready in %.1f s", self.size, time.monotonic() - started)
        except Exception as e:  # noqa: BLE001 - the main process answers instead
            log.error("engine workers did not start (%s); answering in the main process", e)

    @property
    def ready(self) -> int:
        """Workers answering now (0 while they start or after a failure)."""
        return self.size if self._ready else 0

    def ask(self, question, history):
        """The worker's Answer; None when the pool cannot answer (the caller answers itself).
        InputError and other engine errors are raised here as they would be in the main process."""
        if not self._ready:
            return None
        try:
            return self._pool.submit(_ask, question, history).result()
        except BrokenProcessPool as e:
            self._ready = False
            log.error("engine workers stopped (%s); answering in the main process", e)
            return None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
