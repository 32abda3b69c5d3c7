"""Operators over the plan's records: select annex rows and targets, split a timeline into milestones, and
reduce a selection (count, largest, smallest).

Every count and every "largest" is computed here, at answer time, from corpus/annex.csv and corpus/targets.csv;
none is written down anywhere. Each operator is a pure function of the records and its filters, so a test can
derive the expected answer from the CSV files itself.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from assistant.records import AnnexRow, Target, Units

_PIECE = re.compile(r"[，,；;]")
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_RANGE = re.compile(r"(20\d\d)\s*-\s*(20\d\d)")


@dataclass(frozen=True)
class Milestone:
    """One comma-separated piece of a timeline cell, as printed ("2020 年达到 35%")."""

    text: str
    years: tuple[int, ...]  # every year it names; a range 2021-2025 names each year in it
    base: bool  # "以 2018 年为基数": the year is a baseline, not a milestone

    def matches(self, year: int | None = None, milestones: tuple[str, ...] = (), unit: str | None = None) -> bool:
        if year is not None and ((self.base and "基数" not in milestones) or year not in self.years):
            # a base year ("以 2018 年为基数") is no milestone of that year, unless the base itself is asked about
            return False
        if milestones and not any(m in self.text for m in milestones):
            return False
        return unit is None or unit in self.text


def milestones(timeline: str) -> list[Milestone]:
    """A timeline cell split into its milestones, in printed order."""
    out = []
    for piece in (p.strip() for p in _PIECE.split(timeline)):
        if not piece:
            continue
        years = [int(y) for y in _YEAR.findall(piece)]
        for a, b in _RANGE.findall(piece):
            years += range(int(a), int(b) + 1)
        out.append(Milestone(piece, tuple(sorted(set(years))), "基数" in piece))
    return out


@dataclass(frozen=True)
class RowFilter:
    """What a row must satisfy. Every field is optional; an empty filter selects every row."""

    units: tuple[tuple[str, str], ...] = ()  # (canonical unit, lead | cooperating | any), all must hold
    printed_only: bool = False  # the unit's cell must be printed, not carried down from a merged cell
    years: tuple[int, ...] = ()  # a milestone names one of these years
    milestones: tuple[str, ...] = ()  # a milestone holds one of these words (启动, 完成, 全覆盖 …)
    measure_unit: str | None = None  # a milestone holds this unit (%, 万人 …)
    not_milestones: tuple[str, ...] = ()  # not a row whose every milestone holds one of these ("不是常态化那种")
    keep: Callable[[AnnexRow], bool] | None = None  # e.g. the row is about the question's topic


@dataclass
class RowMatch:
    row: AnnexRow
    roles: dict[str, str]  # unit → the role it has in this row (lead | cooperating)
    milestones: list[Milestone] = field(default_factory=list)  # those the filter asked for
    inherited: bool = False  # a cell the match relies on was carried down from a merged cell


def role_of(row: AnnexRow, unit: str, units: Units, wanted: str = "any", printed_only: bool = False) -> str | None:
    """The role (lead | cooperating) a canonical unit has in a row, or None. A unit may be both (a8.3 lists
    市人力社保局 as lead, carried down, and as cooperating, printed): ``wanted`` says which one counts."""
    for role, names, cell in (("lead", row.lead_units, row.lead_cell),
                              ("cooperating", row.cooperating_units, row.cooperating_cell)):
        if wanted in ("any", role) and any(units.canonical(u) == unit for u in names) \
                and not (printed_only and cell != "printed"):
            return role
    return None


def select_rows(rows: Iterable[AnnexRow], units: Units, f: RowFilter) -> list[RowMatch]:
    """The rows that satisfy every part of the filter, in table order."""
    out = []
    for row in rows:
        roles, inherited = {}, False
        for unit, wanted in f.units:
            role = role_of(row, unit, units, wanted, f.printed_only)
            if role is None:
                break
            roles[unit] = role
            inherited |= (row.lead_cell if role == "lead" else row.cooperating_cell) == "inherited"
        else:
            timed = bool(f.years) or bool(f.milestones) or f.measure_unit is not None
            hits = [m for m in milestones(row.timeline)
                    if any(m.matches(y, f.milestones, f.measure_unit) for y in f.years or (None,))]
            if timed and not hits:
                continue
            if f.not_milestones and all(m.matches(None, f.not_milestones) for m in milestones(row.timeline)):
                continue
            if f.keep is not None and not f.keep(row):
                continue
            inherited |= timed and row.timeline_cell == "inherited"
            out.append(RowMatch(row, roles, hits, inherited))
    return out


def items_of(matches: list[RowMatch]) -> dict[int, list[RowMatch]]:
    """Matches grouped by annex item (举措), in table order."""
    grouped: dict[int, list[RowMatch]] = {}
    for m in matches:
        grouped.setdefault(m.row.item, []).append(m)
    return grouped


# --- targets -----------------------------------------------------------------------------------
def numeric(target: Target) -> float | None:
    """The target's value as a number (None for 全覆盖, 启动, 1-2 …)."""
    try:
        return float(target.value)
    except ValueError:
        return None


def in_year(target: Target, year: int) -> bool:
    """Whether a target is set for a year: its own year, or a range holding it."""
    years = [int(y) for y in _YEAR.findall(target.year)]
    if len(years) == 2:
        return years[0] <= year <= years[1]
    return year in years


UNIT_FAMILIES = (("元", "万元"), ("人", "名", "万人", "人次", "万人次"), ("个月", "年"), ("个", "家", "所", "项"))


def same_family(asked: str, unit: str) -> bool:
    """Whether a target's unit answers a question asking for ``asked`` (名 answers 多少人, 万元 answers 多少钱)."""
    return asked == unit or any(asked in f and unit in f for f in UNIT_FAMILIES)


def select_targets(targets: Iterable[Target], year: int | None = None, measure_unit: str | None = None,
                   keep: Callable[[Target], bool] | None = None) -> list[Target]:
    return [t for t in targets if (year is None or in_year(t, year))
            and (measure_unit is None or same_family(measure_unit, t.unit))
            and (keep is None or keep(t))]


def metric_name(metric: str) -> str:
    """What a figure measures, without quotes and the year or period in brackets: "“首席工人”（每年培育）" →
    首席工人, "岗位津贴（月均）" → 岗位津贴."""
    return re.sub(r"[“”\"]", "", re.sub(r"（[^）]*）|\([^)]*\)", "", metric))


_core = metric_name


def twins(a: Target, b: Target) -> bool:
    """The same figure stated twice (main text and annex): same value, unit and year, and metrics that
    share most of their characters."""
    if (a.value, a.unit) != (b.value, b.unit) or (a.year and b.year and a.year != b.year):
        return False  # (the annex often leaves the year out: 2 个中心 "常态化开展" is m6's 2 个中心 by 2025)
    x, y = _core(a.metric), _core(b.metric)
    if x in y or y in x:
        return True
    shared = sum(min(x.count(ch), y.count(ch)) for ch in set(x))
    return shared >= 0.6 * max(len(x), len(y))


def group_twins(targets: Iterable[Target]) -> list[list[Target]]:
    """Targets with their restatements: each group is one figure, first-stated source first."""
    groups: list[list[Target]] = []
    for t in targets:
        for g in groups:
            if twins(g[0], t):
                g.append(t)
                break
        else:
            groups.append([t])
    return groups


def extreme(groups: list[list[Target]], largest: bool = True) -> list[list[Target]]:
    """The figure(s) with the largest (or smallest) numeric value; ties are all returned."""
    valued = [(numeric(g[0]), g) for g in groups if numeric(g[0]) is not None]
    if not valued:
        return []
    best = max(v for v, _ in valued) if largest else min(v for v, _ in valued)
    return [g for v, g in valued if v == best]
