"""Source cards: each citation of an answer shown in full, in the document's own numbering.

A citation only carries the id and the quoted text; the card looks the whole measure or annex row
up in ``assistant.plan`` so the reader can check the quote in context. Cards are built from stored
citation dicts (id, title, text), so a conversation restored from the browser renders the same.
For an English or mixed turn the card also gives the English heading (corpus/titles_en.yaml),
with the Chinese heading kept alongside: the plan itself is only in Chinese.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.corpus import CORPUS_DIR, GROUP_NUMERALS
from assistant.text import sentences
from web.html import INHERITED_NOTE, cell, esc, has_inherited, marked, row_number, source_link

TITLES_EN = CORPUS_DIR / "titles_en.yaml"
ENGLISH = ("en", "mixed")  # turn languages whose cards get English headings
FIELDS = [("责任分解", "Task", "task"), ("时间进度", "Timeline", "timeline"), ("牵头单位", "Lead unit", "lead"),
          ("配合单位", "Cooperating units", "cooperating")]


@dataclass(frozen=True)
class Headings:
    """English headings of the plan's parts (Chinese as printed → English)."""

    document: str
    annex_table: str
    clauses: dict[str, str]  # clause id → heading (measures without "Measure n")
    groups: dict[str, str]  # （一） → heading
    annex: dict[int, str]  # annex item number → heading


@lru_cache(maxsize=4)
def english_headings(path: Path = TITLES_EN) -> Headings:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Headings(document=data["document"]["en"], annex_table=data["annex_table"]["en"],
                    clauses={k: v["en"] for k, v in data["clauses"].items()},
                    groups={k: v["en"] for k, v in data["groups"].items()},
                    annex={int(k): v["en"] for k, v in data["annex"].items()})


def group_en(group: str) -> str:
    """（五） → "(5) Strengthen support and safeguards for building the industrial workforce"."""
    numeral = group.strip("（）")
    number = GROUP_NUMERALS.index(numeral) + 1 if numeral in GROUP_NUMERALS else numeral
    return f"({number}) {english_headings().groups.get(group, '')}".strip()


def citation_title_en(plan, cite: dict) -> str:
    """Measure 22 · Improve housing support…; Annex item 19 · Improve the protection… · task 4."""
    en = english_headings()
    row = plan.annex.get(cite["id"])
    if row is not None:
        return f"Annex item {row.item} · {en.annex.get(row.item, row.item_title)} · task {row.id.split('.')[-1]}"
    clause = plan.clauses.get(cite["id"])
    if clause is None:
        return cite.get("title") or cite["id"]
    heading = en.clauses.get(clause.id, clause.title)
    return f"Measure {clause.number} · {heading}" if clause.number else heading


def clause_heading(clause, english: bool = False) -> str:
    """Where a clause sits in the plan, e.g. 二、主要举措 › （五）强化产业工人队伍建设支撑保障."""
    if clause.number:
        zh = f"二、主要举措 › {clause.group}{clause.group_title}"
        return f"{zh} · II. Main measures › {group_en(clause.group)}" if english else zh
    return "慈党发〔2019〕78号"


def citation_title(plan, cite: dict) -> str:
    """措施22 · 完善产业工人住房保障; 附件 19 · 完善产业工人权益保障机制 · 第 4 项."""
    row = plan.annex.get(cite["id"])
    if row is not None:
        return f"{row.title} · {row_number(row)}"
    clause = plan.clauses.get(cite["id"])
    return clause.title if clause else cite.get("title") or cite["id"]


def _clause_card(clause, cite: dict, terms: list[str], english: bool) -> str:
    quoted = sentences(cite.get("text") or "") if cite.get("text") != clause.text else []
    body = marked(clause.text, terms, quoted)
    return f'<div class="src-sub">{esc(clause_heading(clause, english))}</div><div class="src-body">{body}</div>'


def annex_row_html(row, terms: list[str] = (), english: bool = False) -> str:
    """An annex row as labelled fields (used in cards; the tables tab has its own grid)."""
    items = []
    for zh, en, key in FIELDS:
        value = marked(row.task, terms) if key == "task" else cell(row, key, terms)
        items.append(f"<dt>{zh}{' ' + en if english else ''}</dt><dd>{value}</dd>")
    extra = f'<div class="src-note">{esc(INHERITED_NOTE)}</div>' if has_inherited([row]) else ""
    return f'<dl class="annex-row">{"".join(items)}</dl>{extra}'


def _row_card(plan, row, terms: list[str], english: bool) -> str:
    measure = plan.clauses.get(f"m{row.measure}")
    sub = f"附件《重点任务责任分工》 › {row.group} › 对应 {measure.title if measure else f'措施{row.measure}'}"
    if english:
        sub += f" · Annex › {group_en(row.group)} › Measure {row.measure}"
    return f'<div class="src-sub">{esc(sub)}</div>{annex_row_html(row, terms, english)}'


def card(plan, n: int, cite: dict, terms: list[str], lang: str = "zh", anchor_id: str = "") -> str:
    """One numbered card; the title links to the clause or row in the 原文 tab. ``anchor_id`` gives
    the card an id the answer's [n] marker links to (cards inside chat messages only)."""
    sid = cite["id"]
    english = lang in ENGLISH
    zh_title = citation_title(plan, cite)
    if english:
        title = (f'{source_link(sid, citation_title_en(plan, cite))} <span class="src-zh">{esc(zh_title)}</span>')
    else:
        title = source_link(sid, zh_title)
    head = f'<div class="src-head"><span class="src-num">[{n}]</span> {title} <span class="src-id">{esc(sid)}</span></div>'
    if sid in plan.annex:
        body = _row_card(plan, plan.annex[sid], terms, english)
    elif sid in plan.clauses:
        body = _clause_card(plan.clauses[sid], cite, terms, english)
    else:  # a citation from an older engine: show what was stored
        body = f'<div class="src-body">{marked(cite.get("text", ""), terms)}</div>'
    ident = f' id="{esc(anchor_id)}" tabindex="-1"' if anchor_id else ""
    return f'<div class="src-card"{ident}>{head}{body}</div>'


def cards(plan, citations: list[dict], terms: list[str], lang: str = "zh", anchor_prefix: str = "") -> str:
    return "".join(card(plan, i, c, terms, lang, f"{anchor_prefix}{i}" if anchor_prefix else "")
                   for i, c in enumerate(citations, 1))


def details(plan, citations: list[dict], terms: list[str], lang: str = "zh", anchor_prefix: str = "") -> str:
    """The collapsible 来源 section kept inside each assistant message."""
    if not citations:
        return ""
    return (f'<details class="msg-sources"><summary>来源 Sources（{len(citations)}）</summary>'
            f"{cards(plan, citations, terms, lang, anchor_prefix)}</details>")


def plain_sources(plan, citations: list[dict], lang: str = "zh") -> list[str]:
    """The numbered sources as plain lines, for copying: title, id, then the quoted text."""
    lines = []
    for i, c in enumerate(citations, 1):
        title = citation_title(plan, c)
        if lang in ENGLISH:
            title = f"{citation_title_en(plan, c)} / {title}"
        lines.append(f"[{i}] {title} ({c['id']})")
        text = (c.get("text") or "").strip()
        if text:
            lines.append(f"    {text}")
    return lines


def panel(plan, turn: dict | None, number: int, terms: list[str]) -> str:
    """The sources panel beside the chat, for one turn (or an explanation when there is none)."""
    if not turn:
        return ('<div class="panel-empty"><b>来源 · Sources</b><p>提问后，这里逐条列出答案引用的原文'
                '（措施或附件任务），并<mark>标出</mark>与问题相关的词；点标题可跳到「原文」。</p>'
                "<p>After a question, every source the answer cites appears here in full.</p></div>")
    cites = turn.get("citations") or []
    head = (f'<div class="panel-head"><b>来源 · Sources</b> <span class="panel-q">第 {number} 问 · Q{number}：'
            f'{esc(turn.get("q", ""))}</span></div>')
    if not cites:
        return head + '<p class="panel-none">这个回答没有引用原文。</p>'
    return head + cards(plan, cites, terms, turn.get("lang") or "zh")
