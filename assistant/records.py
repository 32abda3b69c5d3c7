"""Curated structured data derived from the plan: the annex rows, the target register, the units.

All three live in ``corpus/`` as CSV/YAML (reviewed against the source by tests); this module only
loads them into typed records. Unit names keep their printed form; ``Units`` maps any spelling
(市人社局, 人社局, "human resources") to one canonical name for matching.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

from assistant.corpus import CORPUS_DIR

ANNEX_FILE = CORPUS_DIR / "annex.csv"
TARGETS_FILE = CORPUS_DIR / "targets.csv"
UNITS_FILE = CORPUS_DIR / "units.yaml"

_UNIT_SEPARATORS = re.compile(r"[、，,\s]+")


def split_units(cell: str) -> list[str]:
    """A unit cell as printed → unit names; the annex separates them by 、 and sometimes a space."""
    return [u for u in _UNIT_SEPARATORS.split(cell.strip()) if u]


@dataclass(frozen=True)
class AnnexRow:
    """One task of the annex 《…重点任务责任分工》, repaired from the PDF table extraction."""

    id: str  # a{item}.{k}: k-th task of annex item {item}
    group: str  # （一）…（六）, in the main text's grouping
    item: int  # annex item number 1–22 (not the measure number)
    item_title: str
    measure: int  # matching measure 1–24 of the main text
    see_also: str  # another clause the task belongs to, e.g. m17
    task: str
    timeline: str
    timeline_cell: str  # printed | inherited
    lead: str  # as printed (or as carried down from a merged cell)
    lead_cell: str  # printed | inherited
    cooperating: str  # as printed; units separated by 、 or a space
    cooperating_cell: str  # printed | inherited | empty
    source_lines: str  # 1-based line numbers in plan.txt the row was read from
    note: str  # how a judgement call was made

    @property
    def title(self) -> str:
        return f"附件 {self.item} · {self.item_title}"

    @property
    def cooperating_units(self) -> list[str]:
        return split_units(self.cooperating)

    @property
    def lead_units(self) -> list[str]:
        return split_units(self.lead)

    def render(self) -> str:
        """The row as one citable text, with inherited cells marked."""
        mark = "（表中为合并单元格，沿用上方）"
        lead = self.lead + (mark if self.lead_cell == "inherited" else "")
        coop = (self.cooperating or "（未列）") + (mark if self.cooperating_cell == "inherited" else "")
        return f"责任分解：{self.task}；时间进度：{self.timeline}；牵头单位：{lead}；配合单位：{coop}"


@dataclass(frozen=True)
class Target:
    """One quantitative target or milestone, exactly as printed."""

    id: str
    metric: str
    value: str
    unit: str
    comparator: str
    year: str
    printed: str  # exact substring of the source clause or row
    source: str  # clause id (general, m5 …) or annex row id (a5.4 …)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_annex(path: Path = ANNEX_FILE) -> list[AnnexRow]:
    rows = []
    for r in _read_csv(path):
        r["item"], r["measure"] = int(r["item"]), int(r["measure"])
        rows.append(AnnexRow(**r))
    return rows


def load_targets(path: Path = TARGETS_FILE) -> list[Target]:
    return [Target(**r) for r in _read_csv(path)]


@dataclass
class Unit:
    name: str  # canonical
    printed: list[str]  # every printed form, canonical first
    aliases: list[str]  # colloquial Chinese forms
    en: str
    en_aliases: list[str]


class Units:
    """The unit alias table: one canonical name per unit, every spelling mapped to it."""

    def __init__(self, path: Path = UNITS_FILE):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.units = {
            name: Unit(name, [name, *d.get("printed", [])], d.get("aliases", []), d.get("en", ""),
                       [a.lower() for a in d.get("en_aliases", [])])
            for name, d in data.items()
        }

    @cached_property
    def _spellings(self) -> list[tuple[str, str]]:
        """(spelling, canonical), longest first so 市委组织部(市委人才办) wins over 市委组织部."""
        pairs = [(s, u.name) for u in self.units.values() for s in (*u.printed, *u.aliases)]
        pairs += [(s, u.name) for u in self.units.values() for s in u.en_aliases]
        return sorted(pairs, key=lambda p: -len(p[0]))

    def canonical(self, name: str) -> str:
        """A printed or alias spelling → canonical name (unknown names come back unchanged)."""
        for spelling, canon in self._spellings:
            if name == spelling or name.lower() == spelling:
                return canon
        return name

    def mentions(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, canonical name) of every unit mentioned in ``text``, in order; a longer spelling
        wins over a shorter one inside it."""
        found: list[tuple[int, int, str]] = []
        lowered = text.lower()
        taken = [False] * len(text)
        for spelling, canon in self._spellings:
            start = lowered.find(spelling.lower())
            while start >= 0:
                end = start + len(spelling)
                if not any(taken[start:end]):
                    taken[start:end] = [True] * (end - start)
                    found.append((start, end, canon))
                start = lowered.find(spelling.lower(), end)
        return sorted(found)

    def find(self, text: str) -> list[str]:
        """Canonical names of every unit mentioned in ``text``, in order of first mention."""
        return list(dict.fromkeys(canon for _, _, canon in self.mentions(text)))

    def english(self, name: str) -> str:
        unit = self.units.get(self.canonical(name))
        return unit.en if unit else ""

    def words(self) -> list[str]:
        """Every Chinese spelling, for the tokenizer's dictionary."""
        return [s for u in self.units.values() for s in (*u.printed, *u.aliases)]
