"""``python -m eval [--split tune|blind ...] [--questions FILE] [--system NAME ...] [--show-failures]``

Runs each system on the tuning split and the blind split (or one question file) and prints and writes the
figures side by side: eval/report.md, eval/report.json and eval/accuracy_by_kind.png (a run on another
--questions file, or on chosen systems, writes nothing unless --out is given). Deterministic: the same inputs
give the same accuracy figures.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eval.metrics import EVAL_DIR, SPLITS, load_questions, normalise, score, summarise
from eval.report import comparison, kinds_side_by_side, table, write_chart, write_json, write_markdown
from eval.systems import OPTIONAL_SYSTEMS, SYSTEMS, make_system, source_texts


def evaluate(system, items: list[dict], sources: dict[str, str]) -> tuple[dict, list[dict]]:
    rows, failures = [], []
    for item in items:
        result = system.run(item)
        marks = score(item, result, sources)
        rows.append((item, marks))
        if not marks["correct"]:
            failures.append({"id": item["id"], "kind": item["kind"], "question": item["question"],
                             "history": item["history"], "must": item["must"], "cite": item["cite_ids"],
                             "found": item["found"], "got_found": result["found"],
                             "got_cites": [c["id"] for c in result["citations"]], "answer": result["answer"][:600],
                             "marks": {k: marks[k] for k in ("answer", "citation", "refusal")}})
    return summarise(rows), failures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval", description=__doc__.splitlines()[0])
    p.add_argument("--split", action="append", choices=list(SPLITS), help="run this split (repeatable; default both)")
    p.add_argument("--questions", type=Path, help="run this question file instead of the splits")
    p.add_argument("--system", action="append", choices=SYSTEMS + OPTIONAL_SYSTEMS,
                   help="run only this system (repeatable; 'llm' needs ASSISTANT_LLM_BASE_URL)")
    p.add_argument("--out", type=Path, help="folder for report files (default: eval/ for a default run)")
    p.add_argument("--show-failures", action="store_true")
    args = p.parse_args(argv)
    files = {args.questions.stem: args.questions} if args.questions else \
        {name: SPLITS[name] for name in (args.split or SPLITS)}
    sources = source_texts()
    try:
        sets = {name: [normalise(q, sources) for q in load_questions(path)] for name, path in files.items()}
    except (OSError, ValueError, KeyError) as e:
        print(f"error: cannot read questions: {e}", file=sys.stderr)
        return 2
    results: dict[str, dict[str, dict]] = {}  # system → split → summary
    failures: dict[str, dict[str, list]] = {}
    for name in args.system or SYSTEMS:
        try:
            system = make_system(name)
        except ValueError as e:
            print(f"error: system {name}: {e}", file=sys.stderr)
            return 2
        for split, items in sets.items():
            print(f"running {name} on {split} ({len(items)} questions) …", file=sys.stderr)
            summary, fails = evaluate(system, items, sources)
            results.setdefault(name, {})[split] = summary
            failures.setdefault(name, {})[split] = fails
    print(comparison(results))
    if "full" in results and len(sets) > 1:
        print("\n" + kinds_side_by_side(results["full"]))
    for name, by_split in results.items():
        for split, s in by_split.items():
            print(f"\n## {name} · {split}\n{table(s)}")
    if args.show_failures:
        for name, by_split in failures.items():
            for split, fs in by_split.items():
                for f in fs:
                    print(f"\n[{name}/{split}] {f['id']} ({f['kind']}) {f['question']}"
                          + (f"\n  history {f['history']}" if f["history"] else "")
                          + f"\n  must {f['must']} cite {f['cite']} found {f['found']} · marks {f['marks']}"
                          f"\n  got found {f['got_found']} cites {f['got_cites']}: {f['answer'][:400]}")
    default_run = not args.questions and not args.system and not args.split
    out = args.out or (EVAL_DIR if default_run else None)
    if out:
        out.mkdir(parents=True, exist_ok=True)
        write_markdown(results, {k: str(v.name) for k, v in files.items()}, out / "report.md")
        write_json(results, failures, out / "report.json")
        write_chart(results, out / "accuracy_by_kind.png")
        print(f"\nwrote {out / 'report.md'}, report.json, accuracy_by_kind.png", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
