"""The curated corpus data checked against the document itself: plan.txt, the clause parser,
the annex records (annex.csv), the target register (targets.csv) and the unit table (units.yaml).

Everything here reads the real files; nothing is mocked. The annex checks re-read the PDF table
extraction in plan.txt cell by cell, so a lost, invented or mis-assigned row, a value copied from
the wrong cell, or a cell status that does not match the source fails a test.
"""
from __future__ import annotations

import csv
import hashlib
import re
import sys
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python -m pytest` from the repo root already has it
    sys.path.insert(0, str(ROOT))

from assistant.corpus import PLAN_FILE, parse_plan, read_plan, sha256  # noqa: E402
from assistant.records import ANNEX_FILE, TARGETS_FILE, UNITS_FILE, Units, load_annex, load_targets, split_units  # noqa: E402

PLAN_SHA256 = "df310192c11b4bad3925465e77994037ea513f039df84a4f210b4e49d7c9eff6"
SEED_FILE = ROOT.parent / "shared" / "seed" / "000_55ae1efa9dea3544.txt"

ANNEX_COLUMNS = ["id", "group", "item", "item_title", "measure", "see_also", "task", "timeline", "timeline_cell",
                 "lead", "lead_cell", "cooperating", "cooperating_cell", "source_lines", "note"]
TARGET_COLUMNS = ["id", "metric", "value", "unit", "comparator", "year", "printed", "source"]

CLAUSE_IDS = ["notice", "intro", "general", *(f"m{n}" for n in range(1, 25)), "org", "colophon"]
GROUP_OF_MEASURE = {n: f"（{g}）" for g, ns in (("一", range(1, 5)), ("二", range(5, 9)), ("三", range(9, 12)),
                                               ("四", range(12, 17)), ("五", range(17, 22)), ("六", range(22, 25)))
                    for n in ns}
# annex item → main-text measure (measure 17 has its task under item 2, measure 23 has no item)
MEASURE_OF_ITEM = {**{i: i for i in range(1, 17)}, 17: 18, 18: 19, 19: 20, 20: 21, 21: 22, 22: 24}
ANNEX_HEADER = ["主要举措", "", "责任分解", "时间进度", "牵头单位", "配合单位"]
FULL_WIDTH_NUMERALS = "一二三四五六"


# ---------------------------------------------------------------------------------------------- loading


@cache
def plan() -> str:
    return read_plan()


@cache
def plan_lines() -> tuple[str, ...]:
    """plan.txt split at \\n; line number n (1-based, as in source_lines) is plan_lines()[n - 1]."""
    return tuple(plan().split("\n"))


@cache
def clauses():
    return parse_plan(plan())


@cache
def clause_by_id():
    return {c.id: c for c in clauses()}


@cache
def annex():
    return load_annex()


@cache
def annex_by_id():
    return {r.id: r for r in annex()}


@cache
def targets():
    return load_targets()


@cache
def units() -> Units:
    return Units()


@cache
def units_yaml() -> dict:
    return yaml.safe_load(UNITS_FILE.read_text(encoding="utf-8"))


def raw_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def annex_heading_line() -> int:
    """1-based number of the line "附件：…" that ends the main text."""
    hits = [n for n, line in enumerate(plan_lines(), 1) if line.strip().startswith("附件：")]
    assert len(hits) == 1, hits
    return hits[0]


def cells(line: str) -> list[str]:
    s = line.strip()
    assert s.startswith("|") and s.endswith("|"), line
    return [c.strip() for c in s[1:-1].split("|")]


def is_separator(line: str) -> bool:
    return re.fullmatch(r"\|[-|]+\|", line.strip()) is not None


def is_blank_header(line: str) -> bool:
    return line.strip().startswith("|") and all(c == "" for c in cells(line))


def is_column_header(line: str) -> bool:
    return line.strip().startswith("|") and cells(line) == ANNEX_HEADER


@cache
def table_lines() -> tuple[int, ...]:
    """1-based numbers of every line of the annex table starting with "|"."""
    start = annex_heading_line()
    return tuple(n for n, line in enumerate(plan_lines(), 1) if n > start and line.strip().startswith("|"))


@cache
def data_lines() -> tuple[int, ...]:
    """Table lines that carry content: not the column header, not a blank page-break header, not a separator."""
    return tuple(n for n in table_lines()
                 if not (is_separator(plan_lines()[n - 1]) or is_blank_header(plan_lines()[n - 1])
                         or is_column_header(plan_lines()[n - 1])))


def source_lines(row) -> list[int]:
    return [int(x) for x in row.source_lines.split()]


def line_cells(n: int) -> list[str]:
    return cells(plan_lines()[n - 1])


def records_of_line() -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for r in annex():
        for n in source_lines(r):
            out[n].append(r)
    return out


def is_fused(row) -> bool:
    return "fused" in row.note.lower()


def task_pieces(row) -> list[tuple[int, int]]:
    """(line, cell index) of the cell(s) the row's task was read from, one per source line.

    A single-line task is a whole cell, or — for a fused source row — part of a cell holding the
    fused rows' tasks joined by a space. A task split by a page break is the concatenation of one
    cell from each of its consecutive source lines. Fails if the task cannot be read that way.
    """
    lines = source_lines(row)

    def search(i: int, rest: str) -> list[tuple[int, int]] | None:
        n = lines[i]
        for k, cell in enumerate(line_cells(n)):
            if not cell:
                continue
            if i == len(lines) - 1:
                if cell == rest:
                    return [(n, k)]
            elif rest.startswith(cell) and len(cell) < len(rest):
                found = search(i + 1, rest[len(cell):])
                if found:
                    return [(n, k), *found]
        return None

    if len(lines) == 1 and is_fused(row):
        n = lines[0]
        fused = records_of_line()[n]
        joined = " ".join(r.task for r in sorted(fused, key=lambda r: annex().index(r)))
        hits = [k for k, c in enumerate(line_cells(n)) if c == joined]
        assert len(hits) == 1, f"{row.id}: no cell of line {n} equals the fused tasks {joined!r}"
        return [(n, hits[0])]
    found = search(0, row.task)
    assert found, f"{row.id}: task {row.task!r} is not read from the cells of lines {lines}"
    return found


# ---------------------------------------------------------------------------------------------- 1. plan.txt


def test_plan_sha256():
    assert hashlib.sha256(PLAN_FILE.read_bytes()).hexdigest() == PLAN_SHA256
    assert sha256() == PLAN_SHA256


def test_plan_equals_seed():
    if not SEED_FILE.exists():
        pytest.skip(f"{SEED_FILE} not present")
    assert PLAN_FILE.read_bytes() == SEED_FILE.read_bytes()
    assert hashlib.sha256(SEED_FILE.read_bytes()).hexdigest() == PLAN_SHA256


# ---------------------------------------------------------------------------------------------- 2. parse_plan


def test_clause_ids_in_order():
    assert [c.id for c in clauses()] == CLAUSE_IDS


def test_measure_number_and_heading_match_first_line():
    for c in clauses():
        if not c.id.startswith("m"):
            assert c.number is None and c.heading == "" and c.group == "", c.id
            continue
        n = int(c.id[1:])
        assert c.number == n
        first = next(line.strip() for line in plan()[c.start:c.end].splitlines() if line.strip())
        m = re.match(r"^(\d{1,2})\. ([^。]+)。", first)
        assert m, f"{c.id}: first line {first!r} is not 'N. heading。'"
        assert int(m.group(1)) == n
        assert c.heading == m.group(2), c.id
        assert c.title == f"措施{n} · {c.heading}"
        assert c.text.startswith(f"{n}. {c.heading}。")


def test_measure_groups():
    groups = {c.number: c.group for c in clauses() if c.number}
    assert groups == GROUP_OF_MEASURE
    # the group title is the printed （X）line that precedes the measure, and nothing else comes between
    printed = {}
    for line in plan_lines()[:annex_heading_line()]:
        if m := re.match(r"^（([一二三四五六])）(.+)$", line.strip()):
            printed[f"（{m.group(1)}）"] = m.group(2)
    assert list(printed) == [f"（{g}）" for g in FULL_WIDTH_NUMERALS]
    for c in clauses():
        if c.number:
            assert c.group_title == printed[c.group], c.id
            header = f"{c.group}{c.group_title}"
            before = plan()[:c.start]
            assert header in before and before.rindex(header) > max(
                before.rfind(f"（{g}）") for g in FULL_WIDTH_NUMERALS if f"（{g}）" != c.group), c.id


def test_clause_text_is_its_source_slice():
    src = plan()
    for c in clauses():
        assert 0 <= c.start < c.end <= len(src), c.id
        lines = [line.strip() for line in src[c.start:c.end].splitlines() if line.strip()]
        assert lines, c.id
        expected = (" " if c.id in ("notice", "colophon") else "").join(lines)
        assert c.text == expected, c.id
        assert "\n" not in c.text
        assert c.sentences and all(s in c.text for s in c.sentences), c.id


def test_clause_slices_ordered_and_on_line_boundaries():
    src = plan()
    previous_end = 0
    for c in clauses():
        assert c.start >= previous_end, c.id
        assert c.start == 0 or src[c.start - 1] == "\n", c.id
        assert src[c.end - 1] == "\n", c.id
        previous_end = c.end
    annex_offset = src.index("附件：")
    *main_text, colophon = clauses()
    assert main_text[-1].end <= annex_offset
    assert clauses()[0].start == 0
    # the colophon is what follows the annex table, to the end of the document
    assert colophon.id == "colophon" and colophon.end == len(src)
    assert src.rindex("\n|", 0, colophon.start) > annex_offset and "|" not in src[colophon.start:]
    assert colophon.text == "中共慈溪市委办公室 2019年10月18日印发"


def test_every_main_text_line_is_in_a_clause_or_is_a_heading():
    plan()
    offsets, pos = [], 0
    for line in plan_lines():
        offsets.append(pos)
        pos += len(line) + 1
    uncovered = []
    for n, line in enumerate(plan_lines()[:annex_heading_line() - 1], 1):
        if not line.strip():
            continue
        start, end = offsets[n - 1], offsets[n - 1] + len(line)
        if not any(c.start <= start and end <= c.end for c in clauses()):
            uncovered.append(line.strip())
    # Only headings are outside the slices, and each is carried by a clause's title or group.
    by_id = clause_by_id()
    groups = {c.group: c.group_title for c in clauses() if c.group}
    headings = ["新时代慈溪产业工人队伍建设改革实施方案", by_id["general"].title, "二、主要举措",
                *(f"{g}{t}" for g, t in groups.items()), by_id["org"].title]
    assert uncovered == headings
    assert by_id["general"].title == "一、总体要求" and by_id["org"].title == "三、组织实施"


# ---------------------------------------------------------------------------------------------- 3. annex.csv


def test_annex_columns_and_count():
    columns, rows = raw_csv(ANNEX_FILE)
    assert columns == ANNEX_COLUMNS
    assert len(rows) == 57 == len(annex())


def test_annex_ids_unique_and_consecutive_within_item():
    ids = [r.id for r in annex()]
    assert len(set(ids)) == len(ids)
    seen: dict[int, list[int]] = defaultdict(list)
    for r in annex():
        m = re.fullmatch(r"a(\d+)\.(\d+)", r.id)
        assert m, r.id
        assert int(m.group(1)) == r.item, r.id
        seen[r.item].append(int(m.group(2)))
    for item, ks in seen.items():
        assert ks == list(range(1, len(ks) + 1)), (item, ks)
    # records are in document order: items ascending, source lines ascending
    assert [r.item for r in annex()] == sorted(r.item for r in annex())
    firsts = [source_lines(r)[0] for r in annex()]
    assert firsts == sorted(firsts)


def test_annex_items_all_present():
    assert sorted({r.item for r in annex()}) == list(range(1, 23))


def test_annex_measure_mapping():
    for r in annex():
        assert r.measure == MEASURE_OF_ITEM[r.item], r.id
    assert 17 not in {r.measure for r in annex()} and 23 not in {r.measure for r in annex()}
    # measure 17's 法律进企业 task sits under annex item 2
    assert [r.id for r in annex() if r.see_also == "m17"] == ["a2.1"]
    assert "法律进企业" in clause_by_id()["m17"].text and "法律进企业" in annex_by_id()["a2.1"].task


def test_annex_see_also_names_another_clause():
    for r in annex():
        if r.see_also:
            assert r.see_also in clause_by_id(), r.id
            assert r.see_also != f"m{r.measure}", f"{r.id}: see_also repeats the row's own measure"


def test_annex_group_is_the_main_text_group_of_its_measure():
    measure_group = {c.number: c.group for c in clauses() if c.number}
    for r in annex():
        assert r.group == measure_group[r.measure], r.id


def test_annex_item_title_is_printed():
    """Each item's "N. title" cell is on its first task's line (title pieces split by a page
    break sit in the item-title column of a later line), and only there."""
    by_item: dict[int, list] = defaultdict(list)
    for r in annex():
        by_item[r.item].append(r)
    for item, rows in by_item.items():
        assert len({r.item_title for r in rows}) == 1, item
        numbered, pieces = [], []
        for r in rows:
            for n in source_lines(r):
                task_cells = {k for (ln, k) in task_pieces(r) if ln == n}
                for k, cell in enumerate(line_cells(n)):
                    if not cell or k in task_cells:
                        continue
                    if m := re.match(r"^(\d+)\. (.+)$", cell):
                        numbered.append((r.id, n, int(m.group(1)), m.group(2)))
                    elif k == 1 and cell not in (r.timeline, r.lead, r.cooperating):
                        pieces.append(cell)
        assert len(numbered) == 1, (item, numbered)
        rid, _, number, title = numbered[0]
        assert rid == f"a{item}.1" and number == item
        assert rows[0].item_title == title + "".join(pieces), item


def test_annex_values_occur_in_plan():
    src = plan()
    for r in annex():
        assert r.timeline and r.timeline in src, r.id
        assert r.lead and r.lead in src, r.id
        if r.cooperating:
            assert r.cooperating in src, r.id
        for u in (*r.lead_units, *r.cooperating_units):
            assert u in src, (r.id, u)


def test_annex_task_is_read_from_its_source_cells():
    for r in annex():
        pieces = task_pieces(r)
        lines = source_lines(r)
        assert [n for n, _ in pieces] == lines, r.id
        positions = [data_lines().index(n) for n in lines]
        assert positions == list(range(positions[0], positions[0] + len(lines))), \
            f"{r.id}: source lines {lines} are not consecutive content lines of the table"
        if not is_fused(r):
            if len(lines) == 1:
                assert line_cells(lines[0])[pieces[0][1]] == r.task, r.id
            else:
                assert "".join(line_cells(n)[k] for n, k in pieces) == r.task, r.id


def test_annex_every_table_line_is_read_once():
    start = annex_heading_line()
    mapped = records_of_line()
    for r in annex():
        for n in source_lines(r):
            assert n > start and n in data_lines(), f"{r.id}: line {n} is not a content line of the annex table"
    assert set(mapped) == set(data_lines()), sorted(set(data_lines()) ^ set(mapped))
    fused_lines = {n for r in annex() if is_fused(r) for n in source_lines(r)}
    assert fused_lines, "the annex holds one fused row (two tasks in one source row)"
    for n in data_lines():
        ids = [r.id for r in mapped[n]]
        if n in fused_lines:
            assert len(ids) == 2 and all(is_fused(r) for r in mapped[n]), (n, ids)
        else:
            assert len(ids) == 1, (n, ids)
    # every table line has the six columns; structural lines are what they claim to be
    for n in table_lines():
        assert len(line_cells(n)) == 6, n


def test_annex_cell_status_values():
    for r in annex():
        assert r.timeline_cell in ("printed", "inherited"), r.id
        assert r.lead_cell in ("printed", "inherited"), r.id
        assert r.cooperating_cell in ("printed", "inherited", "empty"), r.id
        assert r.timeline and r.lead, r.id
        assert (r.cooperating == "") == (r.cooperating_cell == "empty"), r.id


def test_annex_blank_cooperating_beside_a_printed_lead_is_empty():
    """The curation's reading of merged cells: a row that prints its own 牵头单位 starts a new block,
    so a blank 配合单位 beside it means no cooperating unit, never one carried down from above."""
    for r in annex():
        if r.lead_cell == "printed":
            assert r.cooperating_cell in ("printed", "empty"), r.id


def test_annex_fused_row_prints_each_cell_once():
    for n in {n for r in annex() if is_fused(r) for n in source_lines(r)}:
        rows = records_of_line()[n]
        for field in ("timeline", "lead", "cooperating"):
            claims = [r.id for r in rows if getattr(r, f"{field}_cell") == "printed"]
            values = {getattr(r, field) for r in rows if getattr(r, f"{field}_cell") == "printed"}
            if field == "timeline":  # one 时间进度 cell printed for both tasks
                assert len(values) <= 1, (n, field, values)
            else:  # a unit cell printed once belongs to one of the two tasks
                assert len(claims) <= 1, (n, field, claims)


def test_annex_printed_cells_occur_in_own_source_lines():
    for r in annex():
        own = {c for n in source_lines(r) for c in line_cells(n)}
        for field in ("timeline", "lead", "cooperating"):
            if getattr(r, f"{field}_cell") == "printed":
                assert getattr(r, field) in own, (r.id, field, getattr(r, field))


def test_annex_inherited_cells_carry_down_from_the_row_above():
    rows = annex()
    for i, r in enumerate(rows):
        for field in ("timeline", "lead", "cooperating"):
            if getattr(r, f"{field}_cell") != "inherited":
                continue
            assert i > 0, (r.id, field)
            above = rows[i - 1]
            assert getattr(r, field) == getattr(above, field), (r.id, field)
            earlier_same_item = [x for x in rows[:i] if x.item == r.item]
            if not earlier_same_item:
                assert "judgement" in r.note, f"{r.id}: {field} carried across items without a judgement note"
            assert any(getattr(x, f"{field}_cell") == "printed" and getattr(x, field) == getattr(r, field)
                       for x in rows[:i]), (r.id, field)


def test_annex_cells_line_up_with_the_source_columns():
    """Read each record's first line column by column: the task, then 时间进度, 牵头单位, 配合单位
    (shifted left as the source row is); printed cells hold the value, inherited/empty cells are blank,
    and nothing is printed to the right of 配合单位 or left of the task except group/item labels."""
    for r in annex():
        pieces = task_pieces(r)
        first_line, task_idx = pieces[0]
        row = line_cells(first_line)
        if r.timeline_cell == "printed":
            after = [k for k in range(task_idx + 1, len(row)) if row[k] == r.timeline]
            assert after, (r.id, "timeline")
            t_idx = after[0]
            assert all(row[k] == "" for k in range(task_idx + 1, t_idx)), r.id
        else:
            t_idx = task_idx + 1
        columns = {"timeline": t_idx, "lead": t_idx + 1, "cooperating": t_idx + 2}
        assert columns["cooperating"] <= 5, r.id
        for field, k in columns.items():
            status = getattr(r, f"{field}_cell")
            if status == "printed":
                assert row[k] == getattr(r, field), (r.id, field, row[k])
            elif is_fused(r) and row[k]:
                # one source row holding two tasks: its printed cell belongs to exactly one of them
                owners = [x.id for x in records_of_line()[first_line]
                          if getattr(x, f"{field}_cell") == "printed" and getattr(x, field) == row[k]]
                assert len(owners) == 1 and owners != [r.id], (r.id, field, row[k], owners)
            else:
                assert row[k] == "", f"{r.id}: {field} is {status} but line {first_line} prints {row[k]!r}"
        assert all(c == "" for c in row[columns["cooperating"] + 1:]), r.id
        for n, k in pieces:
            line = line_cells(n)
            if (n, k) != pieces[0]:
                assert all(c == "" for c in line[k + 1:]), (r.id, n)
            for j, cell in enumerate(line[:k]):
                if not cell:
                    continue
                assert j <= 1, f"{r.id}: unexpected cell {cell!r} left of the task on line {n}"
                if m := re.match(r"^[（(]([一二三四五六])[)）]", cell):
                    assert f"（{m.group(1)}）" == r.group, (r.id, cell)
                if m := re.match(r"^(\d+)\. ", cell):
                    assert int(m.group(1)) == r.item, (r.id, cell)


def test_annex_units_are_in_the_unit_table():
    keys = set(units_yaml())
    for r in annex():
        for u in (*r.lead_units, *r.cooperating_units):
            assert units().canonical(u) in keys, (r.id, u)
    for r in annex():
        assert len(r.lead_units) == 1, r.id


def test_unit_table_printed_names_occur_in_plan():
    src = plan()
    for name, data in units_yaml().items():
        assert name in src, name
        for spelling in data.get("printed", []):
            assert spelling in src, spelling


def test_hr_bureau_has_one_canonical_name():
    u = units()
    assert u.canonical("市人社局") == u.canonical("市人力社保局") == "市人力社保局"
    assert "市人社局" in plan() and "市人力社保局" in plan()
    assert split_units("市人力社保局 市工商联") == ["市人力社保局", "市工商联"]


# ---------------------------------------------------------------------------------------------- 4. targets.csv


def target_source_text(source: str) -> list[str]:
    if source in clause_by_id():
        return [clause_by_id()[source].text]
    row = annex_by_id()[source]
    return [row.task, row.timeline]


def test_targets_columns_and_unique_ids():
    columns, rows = raw_csv(TARGETS_FILE)
    assert columns == TARGET_COLUMNS
    ids = [t.id for t in targets()]
    assert ids and len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"t\d+", i) for i in ids), ids


def test_target_sources_exist():
    known = set(clause_by_id()) | set(annex_by_id())
    for t in targets():
        assert t.source in known, (t.id, t.source)


def test_target_printed_is_verbatim_in_plan_and_its_source():
    src = plan()
    for t in targets():
        assert t.printed, t.id
        assert t.printed in src, (t.id, t.printed)
        assert any(t.printed in text for text in target_source_text(t.source)), (t.id, t.printed, t.source)


def test_target_value_and_unit_inside_printed():
    for t in targets():
        assert t.value and t.value in t.printed, (t.id, t.value, t.printed)
        assert t.unit in t.printed, (t.id, t.unit, t.printed)
        if t.unit:  # the unit is the one printed right after the value ("8 万", "2万人次", "50%")
            assert re.search(re.escape(t.value) + r" ?" + re.escape(t.unit), t.printed), (t.id, t.value, t.unit)


def test_headline_targets():
    headline = {(t.metric, t.value, t.unit, t.source) for t in targets()}
    assert ("技能劳动者总数", "23", "万", "general") in headline
    assert ("高技能人才", "8", "万", "general") in headline
    general = clause_by_id()["general"].text
    assert "技能劳动者总数超过 23 万" in general and "高技能人才超过 8 万" in general
