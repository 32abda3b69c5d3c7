"""Grounding over the whole eval set: every number an answer states occurs in its citations, and
every unit name it states is a real unit of the plan."""
from __future__ import annotations

import re

import pytest

from assistant.text import fold, numbers
from eval.metrics import load_questions

_MARKER = re.compile(r"\[\d+\]")


@pytest.fixture(scope="module")
def answers(assistant):
    return [assistant.ask(item["question"], item.get("history")) for item in load_questions()]


def test_every_number_in_an_answer_is_in_a_cited_text(answers):
    for ans in answers:
        cited = " ".join(f"{c.title} {c.text}" for c in ans.citations)
        allowed = set(numbers(cited))
        for n in numbers(_MARKER.sub(" ", ans.answer)):
            assert n in allowed, f"{n} not cited in answer to {ans.question!r}: {ans.answer}"


def test_every_unit_named_is_printed_in_a_citation(assistant, answers):
    for ans in answers:
        cited = fold(" ".join(c.text for c in ans.citations))
        for unit in assistant.units.find(ans.answer):
            printed = assistant.units.units[unit].printed
            assert any(fold(p) in cited for p in printed), f"{unit} not in citations of {ans.question!r}"


def test_found_answers_cite_something(answers):
    assert all(ans.citations for ans in answers if ans.found)
