"""Limits on what a client may send, and the one check every interface runs (CLI, web chat, HTTP API).

Why here, below every interface: a limit enforced only in the page is no limit. The engine itself
calls ``check_request``, so a program that bypasses the page, the CLI or the API still cannot send a
history that is not a list or a 50 000-character turn. Messages are bilingual and say what to change.
"""
from __future__ import annotations

MAX_QUESTION_CHARS = 2000  # the longest real question in the eval sets is under 200 characters
MAX_HISTORY_TURNS = 20  # earlier turns accepted; the engine reads at most the last 3
MAX_TURN_CHARS = 2000  # each earlier turn, as for a question
MAX_BATCH_QUESTIONS = 100  # questions in one HTTP batch request
MAX_REQUEST_BYTES = 512 * 1024  # one HTTP request body: 100 questions with full histories fit


class InputError(ValueError):
    """What the client sent cannot be answered as it is; ``str(e)`` is the message to show."""


def check_question(question: object) -> str:
    """The question as a string, or InputError (not a string, empty, or too long)."""
    if not isinstance(question, str):
        raise InputError(f"问题必须是文字 · the question must be a string, not {type(question).__name__}")
    if not question.strip():
        raise InputError("请输入一个问题 · the question is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"问题太长（{len(question)} 字，上限 {MAX_QUESTION_CHARS}）· question too long "
                         f"({len(question)} characters; the limit is {MAX_QUESTION_CHARS})")
    return question


def check_history(history: object) -> list[str]:
    """Earlier user questions as a list of strings. Accepts None, a list of strings, or a list of chat
    messages ({"role", "content"}; only user messages count). Anything else is an InputError, so a
    history sent as one string is never split into characters."""
    if history is None:
        return []
    if not isinstance(history, (list, tuple)):
        raise InputError(f"history 必须是列表 · history must be a list of earlier questions, "
                         f"not {type(history).__name__}")
    if len(history) > MAX_HISTORY_TURNS:
        raise InputError(f"history 太长（{len(history)} 轮，上限 {MAX_HISTORY_TURNS}）· too many history turns "
                         f"({len(history)}; the limit is {MAX_HISTORY_TURNS})")
    turns = []
    for i, turn in enumerate(history):
        if isinstance(turn, dict):
            if turn.get("role") != "user":
                continue  # the assistant's own earlier answers are not needed
            turn = turn.get("content")
        if not isinstance(turn, str):
            raise InputError(f"history[{i}] 必须是文字 · history[{i}] must be a string (or a chat message "
                             f"with role and content)")
        if len(turn) > MAX_TURN_CHARS:
            raise InputError(f"history[{i}] 太长（上限 {MAX_TURN_CHARS} 字）· history[{i}] is too long "
                             f"({len(turn)} characters; the limit is {MAX_TURN_CHARS})")
        turns.append(turn)
    return turns


def check_request(question: object, history: object = None) -> tuple[str, list[str]]:
    """Both checks at once: what ``Assistant.ask`` runs first."""
    return check_question(question), check_history(history)
