"""Small HTML helpers shared by every tab: escaping, <mark> highlighting, anchors and annex cells.

Everything the UI shows is plan text or user text, so everything is escaped here, once. Chat
messages go through gradio's Markdown renderer: the helpers emit one line of HTML (no blank lines)
and escape the characters Markdown would otherwise read (* _ ` ~ $, and ! ( ) : so that no image or link is made).
"""
from __future__ import annotations

import html
import re

INHERITED = "†"
INHERITED_NOTE = "† 附件原表为合并单元格（此格空白），沿用上方单位或进度 · merged cell in the printed table, value carried down"

_MD_SPECIAL = str.maketrans({"*": "&#42;", "_": "&#95;", "`": "&#96;", "~": "&#126;", "$": "&#36;",
                             # no ![](http://…) image, [](…) or bare http:// link: user text stays text
                             "!": "&#33;", "(": "&#40;", ")": "&#41;", ":": "&#58;",
                             "\n": "<br>", "\r": ""})
_LATIN = re.compile(r"[A-Za-z]")


def esc(text: str) -> str:
    """HTML-escape, and neutralise Markdown so plan text is shown exactly as printed."""
    return html.escape(text or "", quote=True).translate(_MD_SPECIAL)


def anchor(source_id: str) -> str:
    """The HTML id of a clause or annex row in the 原文 tab (m22 → src-m22, a19.4 → src-a19.4)."""
    return f"src-{source_id}"


def source_link(source_id: str, label: str, cls: str = "src-link") -> str:
    return f'<a class="{cls}" href="#{anchor(source_id)}">{esc(label)}</a>'


def highlight_terms(question: str, assistant) -> list[str]:
    """Words of the question worth marking in the cited text: the engine's own tokens (jieba with
    the plan's vocabulary), the plan's terms for colloquial words, and unit names in every printed
    spelling. Single characters and short Latin fragments would mark noise, so they are dropped."""
    terms = list(assistant.tokenizer(question)) + list(assistant.lexicon.expand(question))
    for unit in assistant.units.find(question):
        u = assistant.units.units.get(unit)
        terms += [unit] + ([*u.printed, *u.aliases] if u else [])
    keep = []
    for t in terms:
        t = t.strip()
        if len(t) >= (3 if _LATIN.search(t) else 2) and t not in keep:
            keep.append(t)
    return sorted(keep, key=len, reverse=True)


def _spans(text: str, needles: list[str], ignore_case: bool = True) -> list[bool]:
    """Per character: inside an occurrence of any needle."""
    flags = [False] * len(text)
    hay = text.lower() if ignore_case else text
    for n in needles:
        if not n:
            continue
        n = n.lower() if ignore_case else n
        start = hay.find(n)
        while start >= 0:
            flags[start:start + len(n)] = [True] * len(n)
            start = hay.find(n, start + len(n))
    return flags


def marked(text: str, terms: list[str], quoted: list[str] = ()) -> str:
    """Escaped ``text`` with ``terms`` in <mark> and the ``quoted`` passages (what the answer cites)
    in <span class="quoted">, so the reader sees both why it matched and what was quoted."""
    marks = _spans(text, terms)
    quotes = _spans(text, [q for q in quoted if q], ignore_case=False)
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and marks[j] == marks[i] and quotes[j] == quotes[i]:
            j += 1
        piece = esc(text[i:j])
        if marks[i]:
            piece = f"<mark>{piece}</mark>"
        if quotes[i]:
            piece = f'<span class="quoted">{piece}</span>'
        out.append(piece)
        i = j
    return "".join(out)


def cell(row, field: str, terms: list[str] = ()) -> str:
    """One annex cell (timeline, lead or cooperating) with † when the printed cell was blank."""
    value = getattr(row, field)
    state = getattr(row, f"{field}_cell", "printed")
    body = marked(value, terms) if value else '<span class="empty">（未列）</span>'
    if state == "inherited":
        body += f'<sup class="inherited" title="合并单元格，沿用上方">{INHERITED}</sup>'
    return body


def row_number(row) -> str:
    """An annex row's place in the table: a19.4 → 第 4 项."""
    return f"第 {row.id.split('.')[-1]} 项"


def has_inherited(rows) -> bool:
    return any("inherited" in (r.timeline_cell, r.lead_cell, r.cooperating_cell) for r in rows)
