"""The question sets, scoring one answer against one gold item, and summing scores by slice.

Two splits (see eval/README.md): ``tune.jsonl`` (tuned on) and ``blind.jsonl`` (written by someone who had read
only the document; measured, never tuned on). They come in two formats, read into one form here:
- tune: ``gold`` (strings), ``cite`` (source ids), ``found``, ``route``;
- blind (../shared/BLIND_EVAL.md): ``answer_must_contain``, ``cite_must_contain`` (text copied from the passage
  that answers), ``expect_refusal``, ``kind``, ``ambiguous``.
"""
from __future__ import annotations

import json
import statistics
from collections import defaultdict
from pathlib import Path

from assistant.text import fold

EVAL_DIR = Path(__file__).resolve().parent
TUNE_FILE = EVAL_DIR / "tune.jsonl"
BLIND_FILE = EVAL_DIR / "blind.jsonl"
SPLITS = {"tune": TUNE_FILE, "blind": BLIND_FILE}


def load_questions(path: Path = TUNE_FILE) -> list[dict]:
    """Raw items as written (either format)."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def normalise(item: dict, sources: dict[str, str]) -> dict:
    """One item in the common form. ``sources`` maps every clause and annex-row id to its text, so that a
    blind item's citation text can be turned into the ids that hold it (for retrieval figures)."""
    common = {"id": item["id"], "question": item["question"], "history": item.get("history") or [],
              "lang": item["lang"], "persona": item["persona"]}
    if "gold" in item:  # tune format
        kind = item.get("kind") or item["route"]
        return {**common, "kind": kind, "must": item["gold"], "cite_ids": item["cite"], "cite_text": [],
                "found": item["found"], "ambiguous": False, "all_cites": item["route"] == "unit_lookup"}
    cite_text = item.get("cite_must_contain") or []
    if isinstance(cite_text, str):  # BLIND_EVAL.md describes one string; earlier batches wrote a list of them
        cite_text = [cite_text]
    ids = [sid for sid, text in sources.items() if any(fold(c) in fold(text) for c in cite_text)]
    return {**common, "kind": item["kind"], "must": item.get("answer_must_contain") or [], "cite_ids": ids,
            "cite_text": cite_text, "found": not item["expect_refusal"], "ambiguous": bool(item.get("ambiguous")),
            "all_cites": False}


def score(item: dict, result: dict, sources: dict[str, str]) -> dict:
    """Per-question marks. ``result``: answer, found, citations (ids), ranked (parent ids, best first),
    follow_up (whether the engine read the question as continuing the history)."""
    answer = fold(result["answer"])
    cited = [c["id"] for c in result["citations"]]
    gold_ids = set(item["cite_ids"])
    if item["cite_text"]:  # blind: a cited source must hold the text that answers
        citation = any(fold(t) in fold(sources.get(cid, "")) for cid in cited for t in item["cite_text"])
    elif item["all_cites"]:
        citation = gold_ids <= set(cited)  # a list must be complete
    else:
        citation = not gold_ids or bool(gold_ids & set(cited))
    if not item["found"]:
        citation = True  # a refusal is judged by `found` and its must-strings, not by what it quotes
    ranked = result.get("ranked", [])
    first = next((i for i, pid in enumerate(ranked) if pid in gold_ids), None)
    marks = {
        "answer": all(fold(g) in answer for g in item["must"]),
        "citation": citation,
        "refusal": result["found"] == item["found"],
        "false_refusal": item["found"] and not result["found"],
        "answerable": item["found"],
        "retrieval": bool(gold_ids) and item["found"],  # whether r@k counts for this item
        "r@1": first is not None and first < 1,
        "r@5": first is not None and first < 5,
        "mrr": 1.0 / (first + 1) if first is not None else 0.0,
        "ms": result.get("elapsed_ms", 0.0),
    }
    marks["correct"] = marks["answer"] and marks["citation"] and marks["refusal"]
    marks["hijack"] = bool(result.get("follow_up")) and not marks["correct"]
    return marks


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def summarise(rows: list[tuple[dict, dict]]) -> dict:
    """rows: (item, marks) → {slice: {metric: value}} for all, each kind, persona and language."""
    slices: dict[str, list[dict]] = defaultdict(list)
    for item, marks in rows:
        keys = ["all", f"kind={item['kind']}", f"persona={item['persona']}", f"lang={item['lang']}"]
        keys += ["unambiguous"] if not item["ambiguous"] else []
        for key in keys:
            slices[key].append(marks)
    out = {}
    for key, ms in sorted(slices.items(), key=lambda kv: (kv[0] != "all", kv[0])):
        n = len(ms)
        ranked = [m for m in ms if m["retrieval"]]
        out[key] = {
            "n": n,
            "correct": sum(m["correct"] for m in ms) / n,
            "answer": sum(m["answer"] for m in ms) / n,
            "citation": sum(m["citation"] for m in ms) / n,
            "refusal": sum(m["refusal"] for m in ms) / n,
            "false_refusals": sum(m["false_refusal"] for m in ms),
            "answerable": sum(m["answerable"] for m in ms),
            "hijacks": sum(m["hijack"] for m in ms),
            "r@1": sum(m["r@1"] for m in ranked) / len(ranked) if ranked else 0.0,
            "r@5": sum(m["r@5"] for m in ranked) / len(ranked) if ranked else 0.0,
            "mrr": sum(m["mrr"] for m in ranked) / len(ranked) if ranked else 0.0,
            "p50_ms": statistics.median(m["ms"] for m in ms),
            "p95_ms": percentile([m["ms"] for m in ms], 0.95),
        }
    return out
