"""``python -m eval [--questions FILE] [--show-failures]``: accuracy of the assistant on a question set."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from eval.metrics import QUESTIONS_FILE, load_questions, score, summarise


def run_assistant(assistant, items: list[dict]) -> list[dict]:
    from assistant.evidence import parent_scores

    results = []
    for item in items:
        start = time.perf_counter()
        answer = assistant.ask(item["question"], item.get("history"))
        elapsed = (time.perf_counter() - start) * 1000
        q = assistant.parser.parse(item["question"], item.get("history"))
        ranked = list(parent_scores(assistant.search.search(q.topic, q.expansions)))
        results.append({"answer": answer.answer, "found": answer.found, "route": answer.route,
                        "citations": [{"id": c.id} for c in answer.citations], "ranked": ranked,
                        "elapsed_ms": elapsed})
    return results


def table(summary: dict) -> str:
    cols = ["n", "correct", "answer", "citation", "refusal", "false_refusals", "r@1", "r@5", "mrr", "p50_ms", "p95_ms"]
    lines = ["| slice | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for key, m in summary.items():
        cells = [f"{m[c]:.3f}" if isinstance(m[c], float) and not c.endswith("ms") else
                 f"{m[c]:.1f}" if c.endswith("ms") else str(m[c]) for c in cols]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval")
    p.add_argument("--questions", type=Path, default=QUESTIONS_FILE)
    p.add_argument("--show-failures", action="store_true")
    args = p.parse_args(argv)
    from assistant import Assistant

    items = load_questions(args.questions)
    assistant = Assistant()
    results = run_assistant(assistant, items)
    rows = [(item, score(item, r)) for item, r in zip(items, results)]
    print(table(summarise(rows)))
    if args.show_failures:
        for (item, marks), r in zip(rows, results):
            if not marks["correct"]:
                bad = [k for k in ("answer", "citation", "refusal") if not marks[k]]
                print(f"\n{item['id']} [{item['route']}→{r['route']}] {item['question']}  fails: {bad}")
                print(f"  gold {item['gold']} cite {item['cite']} found {item['found']}")
                print(f"  got  found {r['found']} cites {[c['id'] for c in r['citations']]}: {r['answer'][:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
