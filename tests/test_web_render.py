"""The web layer's pure parts, on the real engine and plan: what it draws must match the plan
(every clause and row anchored, filters counting what the engine counts, the chart's series
taken from the register) and must never let text through unescaped."""
from __future__ import annotations

import csv
import html
import re
import struct

import pytest

from web import conversation as conv
from web.chart import describe, milestone_series, render_png
from web.document import document_html
from web.html import highlight_terms, marked
from web.sources import card, citation_title, panel
from web.tables import CELL_STATES, CSV_COLUMNS, csv_name, filter_rows, resolve_unit, table_html, unit_choices, write_csv
from web.targets import milestones_html, register_html


def _lead_count(a, unit: str, role: str = "lead") -> int:
    attr = "lead_units" if role == "lead" else "cooperating_units"
    return sum(1 for r in a.plan.annex.values() if any(a.units.canonical(u) == unit for u in getattr(r, attr)))


def test_answer_turn_renders_with_full_sources(assistant):
    turn = conv.make_turn(assistant.ask("住房公积金能交房租吗？", []))
    html = conv.answer_html(turn, assistant.plan, highlight_terms(turn["q"], assistant))
    assert "支付房租" in html and "<details" in html and 'href="#src-m22"' in html
    assert "措施22" in html and "<mark>" in html
    # the full clause is shown, with the quoted sentences set apart
    assert "将符合条件的非慈溪籍" in html and 'class="quoted"' in html  # the rest of the clause


def test_not_found_answer_is_labelled(assistant):
    turn = conv.make_turn(assistant.ask("慈溪的最低工资是多少？", []))
    assert turn["found"] is False
    html = conv.answer_html(turn, assistant.plan, [])
    assert 'class="answer notfound"' in html and conv.NOT_FOUND_LABEL in html


def test_user_text_is_escaped(assistant):
    evil = '<img src=x onerror=alert(1)> **bold** $$x$$'
    turn = {"q": evil, "answer": evil, "found": True, "citations": []}
    html = conv.messages([turn], assistant)
    assert "<img" not in html[0]["content"] and "<img" not in html[1]["content"]
    assert "**" not in html[1]["content"] and "$$" not in html[1]["content"]
    assert "<img" not in panel(assistant.plan, turn, 1, [])


def test_marked_highlights_and_escapes():
    assert marked("a<b>住房公积金</b>", ["公积金"]) == "a&lt;b&gt;住房<mark>公积金</mark>&lt;/b&gt;"


def test_restored_turns_are_validated():
    good = {"q": "q", "answer": "a", "citations": [{"id": "m1"}, "junk", {"id": 3}]}
    assert conv.clean([good, "x", {"q": 1}, None]) == [{**good, "citations": [{"id": "m1"}]}]
    assert conv.clean("not a list") == []
    assert len(conv.clean([good] * (conv.MAX_TURNS + 5))) == conv.MAX_TURNS


def test_every_clause_and_annex_row_has_an_anchor_and_a_card(assistant):
    doc = document_html(assistant.plan)
    ids = [*assistant.plan.clauses, *assistant.plan.annex]
    for sid in ids:
        assert f'id="src-{sid}"' in doc, sid
        html = card(assistant.plan, 1, {"id": sid, "title": "", "text": ""}, [])
        assert citation_title(assistant.plan, {"id": sid}) in html.replace("&#95;", "_")
    assert citation_title(assistant.plan, {"id": "a19.4"}).startswith("附件 19 · ")
    assert citation_title(assistant.plan, {"id": "m22"}) == "措施22 · 完善产业工人住房保障"


def test_inherited_cells_are_marked(assistant):
    rows = [r for r in assistant.plan.annex.values() if r.lead_cell == "inherited"]
    assert rows
    html = table_html(assistant, rows)
    assert html.count('class="inherited"') >= len(rows) and "合并单元格" in html


@pytest.mark.parametrize("unit", ["市总工会", "市人力社保局", "市卫生健康局", "市委组织部"])
def test_unit_filter_counts_what_the_plan_says(assistant, unit):
    for role in ("lead", "cooperating"):
        assert len(filter_rows(assistant, unit, role)) == _lead_count(assistant, unit, role)
    either = {r.id for r in filter_rows(assistant, unit, "lead")} | {r.id for r in filter_rows(assistant, unit, "cooperating")}
    assert {r.id for r in filter_rows(assistant, unit, "any")} == either


def test_unit_aliases_are_understood(assistant):
    assert resolve_unit(assistant, "总工会") == "市总工会"
    assert resolve_unit(assistant, "市人社局") == resolve_unit(assistant, "市人力社保局")
    assert len(filter_rows(assistant, "总工会", "lead")) == _lead_count(assistant, "市总工会")
    assert {name for _, name in unit_choices(assistant)} >= {"市总工会", "市人力社保局"}


def test_group_and_keyword_filters_and_count(assistant):
    rows = filter_rows(assistant, group="（五）", keyword="尘肺病")
    assert [r.id for r in rows] == ["a19.4"]
    assert 'data-count="1"' in table_html(assistant, rows, keyword="尘肺病")
    assert filter_rows(assistant, keyword="no such words") == []


def test_csv_has_the_filtered_rows_with_readable_headers_and_name(assistant):
    rows = filter_rows(assistant, "市总工会", "lead")
    path = write_csv(rows, csv_name("市总工会", "lead"))
    assert path.endswith("/责任分工-市总工会-牵头.csv")
    with open(path, encoding="utf-8-sig", newline="") as f:
        back = list(csv.DictReader(f))
    assert list(back[0]) == list(CSV_COLUMNS.values())
    assert [r["编号 ID"] for r in back] == [r.id for r in rows]
    assert all(assistant.units.canonical(r["牵头单位 Lead unit"]) == "市总工会" for r in back)
    assert {r["牵头单位出处 Lead unit cell"] for r in back} <= set(CELL_STATES.values())


@pytest.mark.parametrize("args, name", [((), "责任分工-全部.csv"), (("市人力社保局", "any"), "责任分工-市人力社保局.csv"),
                                        (("", "lead", "（五）", "尘肺病"), "责任分工-（五）-尘肺病.csv"),
                                        (("", "any", "", "../../etc/x y"), "责任分工-etc_x_y.csv")])
def test_csv_file_names_say_what_was_exported(args, name):
    assert csv_name(*args) == name


def test_markers_link_to_their_cards_and_copy_text_is_plain(assistant):
    turn = conv.make_turn(assistant.ask("尘肺病防治攻坚行动由哪个部门牵头？", []))
    html = conv.answer_html(turn, assistant.plan, [], k=3)
    assert 'href="#t3-s1"' in html and 'id="t3-s1"' in html
    text = conv.plain_text(turn, assistant.plan)
    assert "<" not in text and text.startswith(turn["answer"])
    assert "\n\n来源 Sources:\n[1] 附件 19 · 完善产业工人权益保障机制 · 第 4 项 (a19.4)\n    " in text
    assert conv.answer_text_html("见 [7]", "t0-s", 1) == '见 <sup class="cite">[7]</sup>'  # no card, no link


def test_english_turns_get_english_headings_with_the_chinese(assistant):
    en = {"id": "m22", "title": "", "text": ""}
    english = html.unescape(card(assistant.plan, 1, en, [], "en"))  # ( ) are escaped against Markdown links
    assert "Measure 22 · Improve housing support for industrial workers" in english
    assert "措施22 · 完善产业工人住房保障" in english and "(6) Advance public services" in english
    row = card(assistant.plan, 2, {"id": "a19.4", "title": "", "text": ""}, [], "mixed")
    assert "Annex item 19 · Improve the protection of industrial workers' rights" in html.unescape(row)
    assert "牵头单位 Lead unit" in row
    assert "Measure" not in card(assistant.plan, 1, en, [], "zh")


def test_tables_label_every_cell_for_narrow_screens(assistant):
    html = table_html(assistant, filter_rows(assistant, "市总工会", "lead"))
    cells = re.findall(r"<td class=\"(c-[a-z]+)(?: cont)?\"( data-label=\"[^\"]+\")?", html)
    assert cells and all(label or cls in ("c-group", "c-item") for cls, label in cells)
    assert 'data-label="牵头单位 Lead unit"' in document_html(assistant.plan)


def test_milestone_series_come_from_the_register(assistant):
    series = {s.source: s for s in milestone_series(assistant.plan)}
    assert {"a1.1", "a1.2", "a2.1", "a3.3", "a4.2", "a5.3"} <= set(series)
    for s in series.values():
        assert s.source in assistant.plan.annex and s.label
        printed = {(int(t.year), float(t.value)) for t in assistant.plan.targets
                   if t.source == s.source and t.unit == "%" and t.year.isdigit()}
        assert set(s.points) == printed
    assert series["a4.2"].points == [(2019, 35.0), (2020, 50.0), (2025, 85.0)]


def test_chart_data_in_words(assistant):
    series = milestone_series(assistant.plan)
    words, table = describe(series), milestones_html(assistant.plan)
    for s in series:
        for printed in [*s.printed, *([s.end_state] if s.end_state else [])]:
            assert printed in words and printed in table
    assert table.count("<tr>") == len(series) + 1


def test_chart_png_is_drawn(assistant, tmp_path):
    path = render_png(assistant.plan, tmp_path / "chart.png")
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 400 and height > 300


def test_target_register_lists_every_target(assistant):
    html = register_html(assistant.plan)
    assert f'data-count="{len(assistant.plan.targets)}"' in html
    assert all(f">{t.id}<" in html for t in assistant.plan.targets)
