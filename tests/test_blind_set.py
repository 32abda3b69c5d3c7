"""The blind split eval/blind.jsonl (and sealed batches): the format of ../shared/BLIND_EVAL.md, and every gold
string and citation a literal substring of the document once whitespace is removed and NFKC applied (counts the
writer computed are the exception, and say so in ``notes``)."""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "eval" / "blind.jsonl", ROOT / "eval" / "tune.jsonl", *sorted((ROOT / "eval" / "sealed").glob("*.jsonl"))]
COMPUTED = re.compile(r"count|sum|differ|计算|自算|合计|相差|差额", re.IGNORECASE)
KINDS = {"lookup", "aggregate", "time_slice", "series", "compare", "multi_part", "paraphrase", "english",
         "false_premise", "off_topic", "near_topic", "follow_up"}
FIELDS = {"id": str, "kind": str, "lang": str, "persona": str, "question": str, "answer_must_contain": list,
          "cite_must_contain": (list, str), "expect_refusal": bool, "ambiguous": bool, "notes": str}


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture(scope="module")
def document() -> str:
    return _fold((ROOT / "corpus" / "plan.txt").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_blind_batch_format_and_grounding(path, document):
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [i for i in items if "answer_must_contain" in i]  # tune.jsonl also holds the first release's format
    assert len(items) >= 60, f"{path.name}: a batch holds 60–130 questions"
    assert len({i["id"] for i in items}) == len(items)
    for item in items:
        for name, kind in FIELDS.items():
            assert isinstance(item.get(name), kind), f"{item.get('id')}: field {name}"
        assert item["kind"] in KINDS and item["lang"] in {"zh", "en", "mixed"}
        assert item["persona"] in {"worker", "union", "eval"}
        if "history" in item:
            assert isinstance(item["history"], list) and all(isinstance(h, str) and h for h in item["history"])
        counted = bool(COMPUTED.search(item["notes"]))
        for gold in item["answer_must_contain"]:
            if not (counted and re.fullmatch(r"[\d.]+\s*[^\d\s]{0,2}", gold)):
                assert _fold(gold) in document, f"{item['id']}: {gold!r} is not in the document"
        cites = item["cite_must_contain"]  # one string (BLIND_EVAL.md) or, in earlier batches, a list
        for cite in filter(None, [cites] if isinstance(cites, str) else cites):
            assert _fold(cite) in document, f"{item['id']}: citation {cite!r} is not in the document"
    kinds = {i["kind"] for i in items}
    assert kinds == KINDS, f"{path.name}: kinds missing {KINDS - kinds}"
    assert len({i["id"] for i in items}) == len(items), f"{path.name}: an id appears twice"
