"""Scoring one answer against one gold item, and summing scores by route, persona and language."""
from __future__ import annotations

import json
import statistics
from collections import defaultdict
from pathlib import Path

from assistant.text import fold

QUESTIONS_FILE = Path(__file__).resolve().parent / "questions.jsonl"


def load_questions(path: Path = QUESTIONS_FILE) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score(item: dict, result: dict) -> dict:
    """Per-question marks. ``result`` has answer, found, citations (ids) and ranked (parent ids)."""
    answer = fold(result["answer"])
    cited = [c["id"] for c in result["citations"]]
    gold_ids = set(item["cite"])
    ranked = result.get("ranked", [])
    first = next((i for i, pid in enumerate(ranked) if pid in gold_ids), None)
    marks = {
        "answer": all(fold(g) in answer for g in item["gold"]),
        "citation": bool(gold_ids & set(cited)),
        "refusal": result["found"] == item["found"],
        "false_refusal": item["found"] and not result["found"],
        "r@1": first is not None and first < 1,
        "r@5": first is not None and first < 5,
        "mrr": 1.0 / (first + 1) if first is not None else 0.0,
        "ms": result.get("elapsed_ms", 0.0),
    }
    if item["route"] == "unit_lookup":
        marks["citation"] = gold_ids <= set(cited)  # a list must be complete
    marks["correct"] = marks["answer"] and marks["citation"] and marks["refusal"]
    return marks


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def summarise(rows: list[tuple[dict, dict]]) -> dict:
    """rows: (item, marks) → {slice: {metric: value}} for all, each route, persona and language."""
    slices: dict[str, list[dict]] = defaultdict(list)
    for item, marks in rows:
        for key in ("all", f"route={item['route']}", f"persona={item['persona']}", f"lang={item['lang']}"):
            slices[key].append(marks)
    out = {}
    for key, ms in sorted(slices.items(), key=lambda kv: (kv[0] != "all", kv[0])):
        n = len(ms)
        out[key] = {
            "n": n,
            "correct": sum(m["correct"] for m in ms) / n,
            "answer": sum(m["answer"] for m in ms) / n,
            "citation": sum(m["citation"] for m in ms) / n,
            "refusal": sum(m["refusal"] for m in ms) / n,
            "false_refusals": sum(m["false_refusal"] for m in ms),
            "r@1": sum(m["r@1"] for m in ms) / n,
            "r@5": sum(m["r@5"] for m in ms) / n,
            "mrr": sum(m["mrr"] for m in ms) / n,
            "p50_ms": statistics.median(m["ms"] for m in ms),
            "p95_ms": percentile([m["ms"] for m in ms], 0.95),
        }
    return out
