"""The two back-end services the UI calls, wrapped so the UI can rely on them.

- ``Engine`` serialises ``Assistant.ask``: the engine does not promise thread safety (its
  embedding model is a C library with one context), and gradio runs events on worker threads.
- ``Feedback`` records 👍/👎 in ``web.feedback.FeedbackStore`` and never raises: a locked
  or corrupt database is logged and reported to the user, and answering carries on.
"""
from __future__ import annotations

import logging
import threading

from web.feedback import FeedbackError, FeedbackStore

log = logging.getLogger("web")


class Engine:
    def __init__(self, assistant):
        self.assistant = assistant
        self._lock = threading.Lock()

    def ask(self, question: str, history: list[str]):
        with self._lock:
            return self.assistant.ask(question, history)

    @property
    def streams_model_text(self) -> bool:
        """True when an LLM writer is configured: its text arrives piece by piece."""
        return getattr(self.assistant, "llm", None) is not None

    def stream(self, question: str, history: list[str]):
        """The model's text pieces (str), then the final Answer (the extractive one when the
        writer's text failed the guard)."""
        with self._lock:
            yield from self.assistant.ask_stream(question, history)


class Feedback:
    def __init__(self, store: FeedbackStore):
        self.store = store

    def record(self, turn: dict, verdict: str) -> int | None:
        """Store a verdict on one turn; the row id, or None if the database refused."""
        try:
            return self.store.add(turn["q"], turn["answer"], turn.get("citations") or [], verdict,
                                  found=turn.get("found"), route=turn.get("route", ""), lang=turn.get("lang", ""))
        except (FeedbackError, ValueError, KeyError) as e:
            log.error("feedback not saved: %s", e)
            return None

    def comment(self, row_id: int | None, text: str) -> bool:
        if row_id is None:
            return False
        try:
            self.store.set_comment(row_id, text)
            return True
        except FeedbackError as e:
            log.error("feedback comment not saved: %s", e)
            return False
