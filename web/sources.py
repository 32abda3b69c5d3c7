"""Source cards: each citation of an answer shown in full, in the document's own numbering.

A citation only carries the id and the quoted text; the card looks the whole measure or annex row
up in ``assistant.plan`` so the reader can check the quote in context. Cards are built from stored
citation dicts (id, title, text), so a conversation restored from the browser renders the same.
"""
from __future__ import annotations

from assistant.text import sentences
from web.html import INHERITED_NOTE, cell, esc, has_inherited, marked, row_number, source_link


def clause_heading(clause) -> str:
    """Where a clause sits in the plan, e.g. 二、主要举措 › （五）强化产业工人队伍建设支撑保障."""
    if clause.number:
        return f"二、主要举措 › {clause.group}{clause.group_title}"
    return "慈党发〔2019〕78号"


def citation_title(plan, cite: dict) -> str:
    """措施22 · 完善产业工人住房保障; 附件 19 · 完善产业工人权益保障机制 · 第 4 项."""
    row = plan.annex.get(cite["id"])
    if row is not None:
        return f"{row.title} · {row_number(row)}"
    clause = plan.clauses.get(cite["id"])
    return clause.title if clause else cite.get("title") or cite["id"]


def _clause_card(clause, cite: dict, terms: list[str]) -> str:
    quoted = sentences(cite.get("text") or "") if cite.get("text") != clause.text else []
    body = marked(clause.text, terms, quoted)
    return f'<div class="src-sub">{esc(clause_heading(clause))}</div><div class="src-body">{body}</div>'


def annex_row_html(row, terms: list[str] = ()) -> str:
    """An annex row as labelled fields (used in cards; the tables tab has its own grid)."""
    fields = [("责任分解", marked(row.task, terms)), ("时间进度", cell(row, "timeline", terms)),
              ("牵头单位", cell(row, "lead", terms)), ("配合单位", cell(row, "cooperating", terms))]
    items = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in fields)
    extra = f'<div class="src-note">{esc(INHERITED_NOTE)}</div>' if has_inherited([row]) else ""
    return f'<dl class="annex-row">{items}</dl>{extra}'


def _row_card(plan, row, terms: list[str]) -> str:
    measure = plan.clauses.get(f"m{row.measure}")
    sub = f"附件《重点任务责任分工》 › {row.group} › 对应 {measure.title if measure else f'措施{row.measure}'}"
    return f'<div class="src-sub">{esc(sub)}</div>{annex_row_html(row, terms)}'


def card(plan, n: int, cite: dict, terms: list[str]) -> str:
    """One numbered card; the title links to the clause or row in the 原文 tab."""
    sid = cite["id"]
    title = source_link(sid, citation_title(plan, cite))
    head = f'<div class="src-head"><span class="src-num">[{n}]</span> {title} <span class="src-id">{esc(sid)}</span></div>'
    if sid in plan.annex:
        body = _row_card(plan, plan.annex[sid], terms)
    elif sid in plan.clauses:
        body = _clause_card(plan.clauses[sid], cite, terms)
    else:  # a citation from an older engine: show what was stored
        body = f'<div class="src-body">{marked(cite.get("text", ""), terms)}</div>'
    return f'<div class="src-card">{head}{body}</div>'


def cards(plan, citations: list[dict], terms: list[str]) -> str:
    return "".join(card(plan, i, c, terms) for i, c in enumerate(citations, 1))


def details(plan, citations: list[dict], terms: list[str]) -> str:
    """The collapsible 来源 section kept inside each assistant message."""
    if not citations:
        return ""
    return (f'<details class="msg-sources"><summary>来源 Sources（{len(citations)}）</summary>'
            f"{cards(plan, citations, terms)}</details>")


def panel(plan, turn: dict | None, number: int, terms: list[str]) -> str:
    """The sources panel beside the chat, for one turn (or an explanation when there is none)."""
    if not turn:
        return ('<div class="panel-empty"><b>来源 · Sources</b><p>提问后，这里逐条列出答案引用的原文'
                '（措施或附件任务），并<mark>标出</mark>与问题相关的词；点标题可跳到「原文」。</p>'
                "<p>After a question, every source the answer cites appears here in full.</p></div>")
    cites = turn.get("citations") or []
    head = (f'<div class="panel-head"><b>来源 · Sources</b> <span class="panel-q">第 {number} 问：'
            f'{esc(turn.get("q", ""))}</span></div>')
    if not cites:
        return head + '<p class="panel-none">这个回答没有引用原文。</p>'
    return head + cards(plan, cites, terms)
