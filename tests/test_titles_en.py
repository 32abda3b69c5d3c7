"""corpus/titles_en.yaml: an English heading for every part of the plan, each next to the Chinese
heading it translates, checked against the plan so that no entry is missing, extra or misnumbered."""
from __future__ import annotations

import re

import pytest
import yaml

from assistant.corpus import group_titles, parse_plan, read_plan
from assistant.records import load_annex
from web.sources import TITLES_EN, english_headings

CJK = re.compile(r"[\u3400-\u9fff\uff08\uff09]")


@pytest.fixture(scope="module")
def data() -> dict:
    return yaml.safe_load(TITLES_EN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def clauses():
    return parse_plan(read_plan())


def _entries(data: dict):
    for section in ("clauses", "groups", "annex"):
        for key, entry in data[section].items():
            yield section, key, entry
    for key in ("document", "annex_table"):
        yield key, key, data[key]


def test_every_clause_has_its_heading(data, clauses):
    assert list(data["clauses"]) == [c.id for c in clauses]  # notice, intro, general, m1…m24, org, in order
    for c in clauses:
        printed = c.heading if c.number else c.title
        assert data["clauses"][c.id]["zh"] == printed, c.id


def test_every_group_has_its_heading(data, clauses):
    assert data["groups"] == {g: {"zh": t, "en": data["groups"][g]["en"]} for g, t in group_titles(clauses).items()}


def test_every_annex_item_has_its_heading(data):
    items = {row.item: row.item_title for row in load_annex()}
    assert sorted(data["annex"]) == sorted(items) == list(range(1, 23))
    for item, title in items.items():
        assert data["annex"][item]["zh"] == title, item


def test_document_titles_are_the_printed_ones(data):
    plan = read_plan()
    assert data["document"]["zh"] in plan
    assert data["annex_table"]["zh"] in plan


@pytest.mark.parametrize("section, key, entry", list(_entries(yaml.safe_load(TITLES_EN.read_text(encoding="utf-8")))))
def test_headings_are_english(section, key, entry):
    en = entry["en"]
    assert en and en == en.strip() and not CJK.search(en), (section, key, en)
    assert not re.match(r"(Measure|Annex item) \d", en)  # numbers are added by whoever shows the heading


def test_loader_reads_every_heading(data):
    h = english_headings()
    assert len(h.clauses) == len(data["clauses"]) and len(h.groups) == 6 and sorted(h.annex) == list(range(1, 23))
    assert h.annex[19] == data["annex"][19]["en"] and h.clauses["m22"] == data["clauses"]["m22"]["en"]
