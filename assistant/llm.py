"""Optional phrasing of answers by a chat model, guarded; the extractive answer is always the fallback.

Off unless ``ASSISTANT_LLM_BASE_URL`` names an OpenAI-compatible endpoint (e.g. ``http://127.0.0.1:8080/v1``);
also read: ``ASSISTANT_LLM_MODEL`` (default ``default``: single-model servers ignore it),
``ASSISTANT_LLM_API_KEY`` and ``ASSISTANT_LLM_TIMEOUT`` (seconds, default 20). The model sees only
the engine's Answer: its draft, its citations' texts and its structured facts. Its text replaces the
draft only if every number and every unit name in it occurs in that evidence and its markers [1], [2] …
are exactly the engine's citations; ``found`` and the citations stay the engine's. Any violation,
timeout or error returns the extractive answer and logs why (logger ``assistant.llm``).
"""
from __future__ import annotations

import json
import logging
import os
import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import replace

from assistant.answer import Answer
from assistant.records import Units

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 20.0
_MARKER = re.compile(r"\[(\d+)\]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")

SYSTEM = """You rewrite a draft answer about one policy document into clear, natural {language}.
Rules:
- Use only the draft, the sources and the facts given; add nothing from anywhere else.
- Copy every number, date and unit (department) name exactly as printed; never compute, convert or round.
- Put the markers {markers} after the statements they support. Cite every source; use no other marker.
- {found}
- Be brief: a few sentences, or one line per item when the draft lists items (keep every item).
Reply with the answer text only."""
FOUND = "The document answers the question: answer it directly."
NOT_FOUND = ("The document does not answer the question: say so first, then say what it states nearest, "
             "as the draft does. Never guess.")


def evidence(answer: Answer) -> str:
    """Everything the model may draw on: the draft, the cited titles and texts, the facts."""
    sources = [f"{c.title} {c.text}" for c in answer.citations]
    return "\n".join([answer.answer, *sources, json.dumps(answer.facts, ensure_ascii=False)])


def _numbers(text: str) -> set[str]:
    return set(_NUMBER.findall(_MARKER.sub(" ", unicodedata.normalize("NFKC", text))))


def violation(text: str, answer: Answer, units: Units) -> str | None:
    """Why ``text`` may not replace the engine's answer, or None when it may."""
    if not text.strip():
        return "empty reply"
    marks = {int(m) for m in _MARKER.findall(text)}
    sources = set(range(1, len(answer.citations) + 1))
    if marks - sources:
        return f"cites [{min(marks - sources)}], which is not a source"
    if sources - marks:
        return f"leaves out source [{min(sources - marks)}]"
    basis = evidence(answer)
    numbers = _numbers(text) - _numbers(basis)
    if numbers:
        return f"number {min(numbers)} is not in the evidence"
    invented = [u for u in units.find(text) if u not in set(units.find(basis))]
    if invented:
        return f"unit {invented[0]} is not in the evidence"
    return None


def messages(answer: Answer) -> list[tuple[str, str]]:
    """The chat prompt: rules, then the question and the engine's evidence."""
    language = "Simplified Chinese" if answer.lang == "zh" else \
        "English (keep Chinese names of units, tasks and titles as printed)"
    n = len(answer.citations)
    system = SYSTEM.format(language=language, markers=", ".join(f"[{i}]" for i in range(1, n + 1)),
                           found=FOUND if answer.found else NOT_FOUND)
    sources = "\n".join(f"[{i}] {c.title}: {c.text}" for i, c in enumerate(answer.citations, 1))
    user = (f"Question: {answer.question}\n\nDraft:\n{answer.answer}\n\nSources:\n{sources}\n\n"
            f"Facts (JSON):\n{json.dumps(answer.facts, ensure_ascii=False)}")
    return [("system", system), ("human", user)]


class LLMWriter:
    """Phrases an engine Answer with a chat model through langchain's ``ChatOpenAI``."""

    def __init__(self, base_url: str, units: Units, model: str = "default", api_key: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT):
        from langchain_openai import ChatOpenAI  # imported only when a model is configured

        self.units = units
        self.timeout = timeout
        self.chat = ChatOpenAI(base_url=base_url, model=model, api_key=api_key or "unused", timeout=timeout,
                               max_retries=0, temperature=0, use_responses_api=False)

    @classmethod
    def from_env(cls, units: Units) -> LLMWriter | None:
        """The writer the environment configures, or None when ``ASSISTANT_LLM_BASE_URL`` is unset."""
        base_url = os.environ.get("ASSISTANT_LLM_BASE_URL")
        if not base_url:
            return None
        raw = os.environ.get("ASSISTANT_LLM_TIMEOUT") or str(DEFAULT_TIMEOUT)
        try:
            timeout = float(raw)
        except ValueError:
            raise ValueError(f"ASSISTANT_LLM_TIMEOUT must be a number of seconds, not {raw!r}") from None
        return cls(base_url, units, os.environ.get("ASSISTANT_LLM_MODEL") or "default",
                   os.environ.get("ASSISTANT_LLM_API_KEY"), timeout)

    def write(self, answer: Answer) -> Answer:
        """The model's phrasing of ``answer`` if it passes the guard; else ``answer`` itself."""
        if not answer.citations:
            return answer  # nothing to phrase from (an empty question)
        try:
            text = str(self.chat.invoke(messages(answer)).text)
        except Exception as e:  # noqa: BLE001 - timeouts, HTTP errors, bad replies: all fall back
            return _fallback(answer, _reason(e))
        return self._checked(text, answer)

    def stream(self, answer: Answer) -> Iterator[str | Answer]:
        """Text chunks as the model writes them, then the final Answer — the model's text if it passed
        the guard, else the extractive one (which then replaces what was shown)."""
        if not answer.citations:
            yield answer
            return
        parts: list[str] = []
        deadline = time.monotonic() + self.timeout
        try:
            for chunk in self.chat.stream(messages(answer)):
                if chunk.text:
                    parts.append(str(chunk.text))
                    yield parts[-1]
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no complete reply within {self.timeout:g} s")
        except Exception as e:  # noqa: BLE001
            yield _fallback(answer, _reason(e))
            return
        yield self._checked("".join(parts), answer)

    def _checked(self, text: str, answer: Answer) -> Answer:
        problem = violation(text, answer, self.units)
        return _fallback(answer, problem) if problem else replace(answer, answer=text.strip())


def _reason(e: Exception) -> str:
    return f"{type(e).__name__}: {str(e)[:200]}"


def _fallback(answer: Answer, reason: str) -> Answer:
    log.warning("model answer not used (%s); returning the extractive answer", reason)
    return answer
