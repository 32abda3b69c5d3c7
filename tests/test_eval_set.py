"""The tuning split eval/tune.jsonl, its first-release questions: format, grounding in the document, coverage.

Gold strings must occur verbatim in corpus/plan.txt (whitespace exactly as printed); citations must
be real clause or annex-row ids; every measure, annex item and target of the register must be asked.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from assistant.corpus import PLAN_FILE, parse_plan, read_plan
from assistant.records import load_annex, load_targets

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS_FILE = ROOT / "eval" / "tune.jsonl"

REQUIRED = {"id": str, "question": str, "persona": str, "lang": str, "route": str, "gold": list, "cite": list,
            "found": bool}
OPTIONAL = {"history": list}
PERSONAS = {"worker", "union", "eval"}
LANGS = {"zh", "en", "mixed"}
ROUTES = {"responsibility", "unit_lookup", "target", "policy"}
CLAUSE_IDS = {"notice", "intro", "general", "org", *(f"m{n}" for n in range(1, 25))}

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_NUMERIC = re.compile(r"[\d.\-]+")


def _load_lines() -> list[str]:
    """The first release's questions (blind batches moved into tune are checked by test_blind_set.py)."""
    return [line for line in QUESTIONS_FILE.read_text(encoding="utf-8").splitlines()
            if line.strip() and '"answer_must_contain"' not in line]


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    return [json.loads(line) for line in _load_lines()]


@pytest.fixture(scope="module")
def plan() -> str:
    return read_plan(PLAN_FILE)


@pytest.fixture(scope="module")
def valid_cites(plan) -> set[str]:
    return {c.id for c in parse_plan(plan)} | {r.id for r in load_annex()}


def mentions_value(value: str, gold: str) -> bool:
    """Whether a gold string states a target value: numbers as whole numbers ("2" is not in "2025",
    "1.2" is not in "1.25"), text values (全覆盖, 启动, 两 …) as substrings."""
    if _NUMERIC.fullmatch(value):
        return re.search(rf"(?<![\d.]){re.escape(value)}(?![\d.])", gold) is not None
    return value in gold


def asks_about(question: dict, target) -> bool:
    return target.source in question["cite"] and any(mentions_value(target.value, g) for g in question["gold"])


# --- the matcher itself ---

@pytest.mark.parametrize("value, gold, expected", [
    ("50", "2020 年达到 50%", True),
    ("50", "50%", True),
    ("2", "2025", False),
    ("2", "2 所品牌职业院校", True),
    ("1.2", "超过 1.2 倍", True),
    ("1.2", "1.25", False),
    ("1", "1.1", False),
    ("0.8", "每年完成 0.8 万人培训", True),
    ("1-2", "每年新建 1-2 家", True),
    ("全覆盖", "2025 年全覆盖", True),
    ("启动", "2019 年启动", True),
    ("启动", "2020 年制定方案", False),
])
def test_value_matcher(value, gold, expected):
    assert mentions_value(value, gold) is expected


# --- format ---

def test_every_line_parses():
    for n, line in enumerate(_load_lines(), start=1):
        try:
            item = json.loads(line)
        except json.JSONDecodeError as e:  # pragma: no cover - the failure message is the point
            pytest.fail(f"line {n} is not JSON: {e}")
        assert isinstance(item, dict), f"line {n} is not an object"


def test_fields_and_values(questions):
    problems = []
    for q in questions:
        qid = q.get("id", "?")
        for key, typ in REQUIRED.items():
            if key not in q:
                problems.append(f"{qid}: missing {key}")
            elif not isinstance(q[key], typ):
                problems.append(f"{qid}: {key} is not {typ.__name__}")
        for key in set(q) - set(REQUIRED) - set(OPTIONAL):
            problems.append(f"{qid}: unknown field {key}")
        if problems and problems[-1].startswith(qid):
            continue
        if not re.fullmatch(r"q\d{3,}", q["id"]):
            problems.append(f"{qid}: bad id")
        if not q["question"].strip():
            problems.append(f"{qid}: empty question")
        if q["persona"] not in PERSONAS:
            problems.append(f"{qid}: persona {q['persona']!r}")
        if q["lang"] not in LANGS:
            problems.append(f"{qid}: lang {q['lang']!r}")
        if q["route"] not in ROUTES:
            problems.append(f"{qid}: route {q['route']!r}")
        if not q["gold"] or not all(isinstance(g, str) and g for g in q["gold"]):
            problems.append(f"{qid}: gold must be a non-empty list of non-empty strings")
        if not q["cite"] or not all(isinstance(c, str) and c for c in q["cite"]):
            problems.append(f"{qid}: cite must be a non-empty list of non-empty strings")
        if "history" in q:
            h = q["history"]
            if not isinstance(h, list) or not h or not all(isinstance(s, str) and s.strip() for s in h):
                problems.append(f"{qid}: history must be a non-empty list of non-empty strings")
    assert not problems, "\n".join(problems)


def test_language_tag_matches_text(questions):
    problems = []
    for q in questions:
        text = q["question"]
        if q["lang"] == "zh" and not _CJK.search(text):
            problems.append(f"{q['id']}: zh without Chinese")
        if q["lang"] in ("en", "mixed") and not _LATIN.search(text):
            problems.append(f"{q['id']}: {q['lang']} without Latin letters")
        if q["lang"] == "mixed" and not _CJK.search(text):
            problems.append(f"{q['id']}: mixed without Chinese")
    assert not problems, "\n".join(problems)


def test_ids_unique(questions):
    dupes = [i for i, n in Counter(q["id"] for q in questions).items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"


def test_questions_unique(questions):
    """The same wording with the same history would be one case counted twice."""
    keys = Counter((q["question"].strip(), tuple(q.get("history", []))) for q in questions)
    dupes = [k[0] for k, n in keys.items() if n > 1]
    assert not dupes, f"duplicate questions: {dupes}"


# --- grounding ---

def test_gold_verbatim_in_plan(questions, plan):
    missing = [(q["id"], g) for q in questions for g in q["gold"] if g not in plan]
    assert not missing, f"gold strings not printed in plan.txt: {missing}"


def test_cites_exist(questions, valid_cites):
    # the loaders must yield what the ids below rely on, or the check would be vacuous
    assert CLAUSE_IDS <= valid_cites
    assert {r.item for r in load_annex()} == set(range(1, 23))
    bad = [(q["id"], c) for q in questions for c in q["cite"] if c not in valid_cites]
    assert not bad, f"unknown citation ids: {bad}"


# --- counts ---

def test_counts(questions):
    n = len(questions)
    assert n >= 150, f"only {n} questions"
    non_zh = sum(q["lang"] in ("en", "mixed") for q in questions)
    assert non_zh >= 0.2 * n, f"only {non_zh}/{n} English or mixed"
    not_found = sum(q["found"] is False for q in questions)
    assert not_found >= 15, f"only {not_found} questions the plan does not answer"
    with_history = sum(bool(q.get("history")) for q in questions)
    assert with_history >= 5, f"only {with_history} follow-up questions"


# --- coverage ---

def test_every_measure_cited(questions):
    cited = {c for q in questions for c in q["cite"]}
    missing = [f"m{n}" for n in range(1, 25) if f"m{n}" not in cited]
    assert not missing, f"measures never cited: {missing}"


def test_every_annex_item_cited(questions):
    rows = {r.id: r.item for r in load_annex()}
    cited_items = {rows[c] for q in questions for c in q["cite"] if c in rows}
    missing = sorted(set(range(1, 23)) - cited_items)
    assert not missing, f"annex items never cited: {missing}"


def test_every_target_asked_about(questions):
    targets = load_targets()
    assert targets, "target register is empty"
    missing = [f"{t.id} ({t.source}: {t.printed})" for t in targets if not any(asks_about(q, t) for q in questions)]
    assert not missing, "targets no question asks about:\n" + "\n".join(missing)


def test_target_values_printed_in_their_source(plan, valid_cites):
    """The coverage check compares against the register; the register's values must be real."""
    bad = [t.id for t in load_targets() if t.source not in valid_cites or t.value not in t.printed
           or t.printed not in plan]
    assert not bad, f"targets whose value/printed/source do not check out: {bad}"
