"""``python -m eval [--questions FILE] [--system NAME ...] [--show-failures]``

Runs each system on the same questions and prints and writes the figures: eval/report.md,
eval/report.json and eval/accuracy_by_route.png (a run on another --questions file writes nothing
unless --out is given). Deterministic: the same inputs give the same accuracy figures.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eval.metrics import QUESTIONS_FILE, load_questions, score, summarise
from eval.report import EVAL_DIR, comparison, table, write_chart, write_json, write_markdown
from eval.systems import OPTIONAL_SYSTEMS, SYSTEMS, make_system


def evaluate(system, items: list[dict]) -> tuple[dict, list[dict]]:
    rows, failures = [], []
    for item in items:
        result = system.run(item)
        marks = score(item, result)
        rows.append((item, marks))
        if not marks["correct"]:
            failures.append({"id": item["id"], "question": item["question"], "gold": item["gold"],
                             "cite": item["cite"], "found": item["found"], "got_found": result["found"],
                             "got_cites": [c["id"] for c in result["citations"]], "answer": result["answer"][:400]})
    return summarise(rows), failures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval", description=__doc__.splitlines()[0])
    p.add_argument("--questions", type=Path, default=QUESTIONS_FILE)
    p.add_argument("--system", action="append", choices=SYSTEMS + OPTIONAL_SYSTEMS,
                   help="run only this system (repeatable; 'llm' needs ASSISTANT_LLM_BASE_URL)")
    p.add_argument("--out", type=Path, help="folder for report files (default: eval/ for the default set)")
    p.add_argument("--show-failures", action="store_true")
    args = p.parse_args(argv)
    try:
        items = load_questions(args.questions)
    except (OSError, ValueError) as e:
        print(f"error: cannot read questions from {args.questions}: {e}", file=sys.stderr)
        return 2
    summaries, failures = {}, {}
    for name in args.system or SYSTEMS:
        print(f"running {name} on {len(items)} questions …", file=sys.stderr)
        try:
            system = make_system(name)
        except ValueError as e:
            print(f"error: system {name}: {e}", file=sys.stderr)
            return 2
        summaries[name], failures[name] = evaluate(system, items)
    print(comparison(summaries))
    for name, s in summaries.items():
        print(f"\n## {name}\n{table(s)}")
    if args.show_failures:
        for name, fs in failures.items():
            for f in fs:
                print(f"\n[{name}] {f['id']} {f['question']}\n  gold {f['gold']} cite {f['cite']} found {f['found']}"
                      f"\n  got found {f['got_found']} cites {f['got_cites']}: {f['answer'][:300]}")
    out = args.out or (EVAL_DIR if args.questions == QUESTIONS_FILE and not args.system else None)
    if out:
        out.mkdir(parents=True, exist_ok=True)
        write_markdown(summaries, str(args.questions.name), out / "report.md")
        write_json(summaries, failures, out / "report.json")
        write_chart(summaries, out / "accuracy_by_route.png")
        print(f"\nwrote {out / 'report.md'}, report.json, accuracy_by_route.png", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
