"""The plan's main text as clauses with stable ids, in the document's own numbering.

Ids: ``notice`` (文件头 and 通知), ``intro`` (the plan's opening paragraph), ``general`` (一、总体要求),
``m1``…``m24`` (二、主要举措), ``org`` (三、组织实施), ``colophon`` (the line under the annex: 印发 and its date). Each clause keeps the exact slice of the source
it came from; ``text`` is that slice with the page-break line breaks removed.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from assistant.text import sentences

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"
PLAN_FILE = CORPUS_DIR / "plan.txt"

_GROUP = re.compile(r"^（([一二三四五六])）(.+)$")
_MEASURE = re.compile(r"^(\d{1,2})\. (.+?)。")
_SECTION = re.compile(r"^([一二三])、(.+)$")
GROUP_NUMERALS = "一二三四五六"


@dataclass(frozen=True)
class Clause:
    """One citable unit of the main text."""

    id: str
    title: str  # e.g. "措施20 · 完善产业工人权益保障机制" or "一、总体要求"
    text: str  # source slice with page-break newlines removed
    start: int  # character offsets of the slice in plan.txt
    end: int
    number: int | None = None  # measure number 1–24
    heading: str = ""  # measure heading, e.g. 完善产业工人权益保障机制
    group: str = ""  # e.g. （五）
    group_title: str = ""  # e.g. 强化产业工人队伍建设支撑保障
    sentences: tuple[str, ...] = field(default=())


def read_plan(path: Path = PLAN_FILE) -> str:
    return path.read_text(encoding="utf-8")


def sha256(path: Path = PLAN_FILE) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _join(raw: str, sep: str = "") -> str:
    """Undo page breaks: a clause's lines are one paragraph; blank-line gaps are PDF page breaks."""
    return sep.join(line.strip() for line in raw.splitlines() if line.strip())


def _clause(src: str, cid: str, title: str, start: int, end: int, **kw) -> Clause:
    # The notice and the colophon are short lines, not one paragraph: keep their lines apart.
    text = _join(src[start:end], " " if cid in ("notice", "colophon") else "")
    return Clause(cid, title, text, start, end, sentences=tuple(sentences(text)), **kw)


def parse_plan(src: str) -> list[Clause]:
    """Split the plan's main text (everything before the annex) into clauses, in order."""
    lines = src.split("\n")
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1

    marks: list[tuple[int, str, dict]] = []  # (line index where a clause starts, id, extra)
    group, group_title = "", ""
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("附件："):
            marks.append((i, "end", {}))
            break
        if s == "新时代慈溪产业工人队伍建设改革实施方案":
            marks.append((i, "intro", {}))
        elif m := _SECTION.match(s):
            num = m.group(1)
            if num == "一":
                marks.append((i, "general", {"title": s}))
            elif num == "二":
                marks.append((i, "measures", {}))
            else:
                marks.append((i, "org", {"title": s}))
        elif m := _GROUP.match(s):
            group, group_title = f"（{m.group(1)}）", m.group(2)
            marks.append((i, "group", {}))
        elif m := _MEASURE.match(s):
            marks.append((i, f"m{m.group(1)}", {"number": int(m.group(1)), "heading": m.group(2),
                                                 "group": group, "group_title": group_title}))

    clauses = [_clause(src, "notice", "通知 · 慈党发〔2019〕78号", 0, offsets[marks[0][0]])]
    for (i, cid, kw), (j, _, _) in zip(marks, marks[1:]):
        if cid in ("measures", "group", "end"):
            continue
        body_start = offsets[i] if cid.startswith("m") else offsets[i + 1]
        body = (body_start, offsets[j])
        if cid == "intro":
            clauses.append(_clause(src, "intro", "实施方案 · 前言", offsets[i + 1], offsets[j]))
        elif cid.startswith("m"):
            title = f"措施{kw['number']} · {kw['heading']}"
            clauses.append(_clause(src, cid, title, *body, **kw))
        else:
            clauses.append(_clause(src, cid, kw["title"], *body))
    # The colophon under the annex table: who issued the document, and when (2019年10月18日印发)
    last_row = max(i for i, line in enumerate(lines) if line.startswith("|"))
    start = next(i for i in range(last_row + 1, len(lines)) if lines[i].strip())
    clauses.append(_clause(src, "colophon", "印发 · 中共慈溪市委办公室", offsets[start], len(src)))
    return clauses


def group_titles(clauses: list[Clause]) -> dict[str, str]:
    """（一）…（六） → the group's title as printed in the main text."""
    return {c.group: c.group_title for c in clauses if c.group}
