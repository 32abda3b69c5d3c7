"""Grounding over both eval splits: every number an answer states occurs in its citations, and
every unit name it states is a real unit of the plan."""
from __future__ import annotations

import re

import pytest

from assistant.text import fold, numbers
from eval.metrics import SPLITS, load_questions

_MARKER = re.compile(r"\[\d+\]|[①-⑩]")  # citation markers and the numbering of a question's parts


@pytest.fixture(scope="module")
def answers(assistant):
    return [assistant.ask(item["question"], item.get("history")) for path in SPLITS.values()
            for item in load_questions(path)]


def test_every_number_in_an_answer_is_in_a_cited_text(answers):
    for ans in answers:
        if ans.route == "off_topic":
            continue  # the reply names the document itself (慈党发〔2019〕78号) and cites nothing
        cited = " ".join(f"{c.title} {c.text}" for c in ans.citations)
        computed = " ".join(str(f.get(k, "")) for f in ans.facts if f.get("computed") for k in ("count", "items", "inherited", "measures", "groups", "measure", "units"))
        allowed = set(numbers(cited)) | set(numbers(computed))  # counts are computed from the cited rows
        allowed |= {str(round(float(n) * 10_000)) for n in re.findall(r"(\d+(?:\.\d+)?)\s*万", cited)}  # 8 万 = 80,000
        allowed |= set(numbers(ans.question))  # a correction repeats the question's figure: "文件没有写“3000块”"
        for n in numbers(re.sub(r"(\d),(?=\d{3})", r"\1", _MARKER.sub(" ", ans.answer))):
            assert n in allowed, f"{n} not cited in answer to {ans.question!r}: {ans.answer}"


def test_every_unit_named_is_printed_in_a_citation(assistant, answers):
    """(A unit the question itself names may be repeated: "the annex names 市总工会 as lead, not 市财政局".)"""
    for ans in answers:
        cited = fold(" ".join(c.text for c in ans.citations))
        quoted = f"{ans.question} {ans.trace.get('follow_up') or ''}"  # the question, and the earlier one it continues
        for unit in set(assistant.units.find(ans.answer)) - set(assistant.units.find(quoted)):
            printed = assistant.units.units[unit].printed
            assert any(fold(p) in cited for p in printed), f"{unit} not in citations of {ans.question!r}"


def test_found_answers_cite_something(answers):
    assert all(ans.citations for ans in answers if ans.found)
