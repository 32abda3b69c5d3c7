"""A conversation as plain JSON turns, and how it is drawn as chat messages.

Why turns and not chat messages: the browser keeps the conversation (gr.BrowserState), and what
must survive a reload is the answer *with its citations*. A turn stores the question, the engine's
answer and citations exactly as ``Answer`` gave them; messages, the sources section in each
message and the sources panel are all redrawn from turns, so a restored chat looks the same.
"""
from __future__ import annotations

import re
import time
from dataclasses import asdict

from web.html import esc, highlight_terms
from web.sources import details, plain_sources

MAX_TURNS = 40  # kept in the browser; localStorage holds a few MB
_MARKER = re.compile(r"\[(\d{1,2})\]")

NOT_FOUND_LABEL = "文件没有直接回答这个问题 · The plan does not answer this directly"
COPY_LABEL = "复制 Copy"  # the page script shows "已复制 Copied" for a moment after a click
PENDING = '<div class="pending">正在查阅文件… · Searching the plan…</div>'


def make_turn(answer) -> dict:
    """The JSON record of one question and the engine's answer (nothing added, nothing judged)."""
    return {"q": answer.question, "answer": answer.answer, "found": bool(answer.found), "route": answer.route,
            "lang": answer.lang, "citations": [asdict(c) for c in answer.citations], "feedback": None,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S")}


def error_turn(question: str, message: str) -> dict:
    return {"q": question, "answer": message, "found": False, "route": "error", "lang": "zh",
            "citations": [], "feedback": None, "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "error": True}


def clean(turns) -> list[dict]:
    """Turns read back from the browser: anything malformed is dropped, never trusted."""
    out = []
    for t in turns if isinstance(turns, list) else []:
        if isinstance(t, dict) and isinstance(t.get("q"), str) and isinstance(t.get("answer"), str):
            cites = [c for c in t.get("citations") or [] if isinstance(c, dict) and isinstance(c.get("id"), str)]
            out.append({**t, "citations": cites})
    return out[-MAX_TURNS:]


def history(turns: list[dict]) -> list[str]:
    """Earlier questions, for the engine's follow-up handling."""
    return [t["q"] for t in turns if not t.get("error")]


def answer_text_html(text: str, anchor_prefix: str = "", cited: int = 0) -> str:
    """The answer with its [n] markers as superscripts (the text itself is unchanged). With an
    ``anchor_prefix`` each marker that has a source card is a link to that card."""
    def marker(m: re.Match) -> str:
        n = int(m.group(1))
        if anchor_prefix and 1 <= n <= cited:
            return (f'<sup class="cite"><span class="sr-only">来源 source </span>'
                    f'<a class="cite-link" href="#{anchor_prefix}{n}">[{n}]</a></sup>')
        return f'<sup class="cite">[{n}]</sup>'

    return _MARKER.sub(marker, esc(text))


def plain_text(turn: dict, plan) -> str:
    """What the copy button copies: the answer as written, then its numbered sources, no markup."""
    lines = [turn["answer"].strip()]
    cites = turn.get("citations") or []
    if cites:
        lines += ["", "来源 Sources:", *plain_sources(plan, cites, turn.get("lang") or "zh")]
    if not turn.get("found") and not turn.get("error"):
        lines += ["", f"（{NOT_FOUND_LABEL}）"]
    return "\n".join(lines)


def answer_html(turn: dict, plan, terms: list[str], k: int = 0) -> str:
    """One assistant message (the ``k``-th turn): the answer (with a visible note when the plan is
    silent), the collapsible sources section its [n] markers link to, so the citations stay
    attached to this very message, and a copy button with the plain text it copies."""
    cls = "answer" if turn.get("found") else "answer notfound"
    label = "" if turn.get("found") or turn.get("error") else f'<div class="nf-label">{esc(NOT_FOUND_LABEL)}</div>'
    cites = turn.get("citations") or []
    prefix = f"t{k}-s"
    text = answer_text_html(turn["answer"], prefix, len(cites))
    body = f'<div class="{cls}">{label}<div class="answer-text">{text}</div></div>'
    lang = turn.get("lang") or "zh"
    foot = (f'<div class="msg-foot">{details(plan, cites, terms, lang, prefix)}'
            f'<button type="button" class="copy-answer">{COPY_LABEL}</button></div>')
    return body + foot + f'<div class="copy-text" hidden>{esc(plain_text(turn, plan))}</div>'


def streaming_html(partial: str) -> str:
    return f'<div class="answer streaming"><div class="answer-text">{answer_text_html(partial)}<span class="cursor">…</span></div></div>'


def messages(turns: list[dict], assistant) -> list[dict]:
    out = []
    for k, t in enumerate(turns):
        terms = highlight_terms(t["q"], assistant)
        out.append({"role": "user", "content": esc(t["q"])})
        out.append({"role": "assistant", "content": answer_html(t, assistant.plan, terms, k)})
    return out


def feedback_values(turns: list[dict]) -> list[str | None]:
    """Thumb state per assistant message, so a reload shows what was already rated."""
    return [t.get("feedback") for t in turns]
