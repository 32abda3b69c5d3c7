"""The evaluation runner as a user runs it: another question file, chosen systems, report files,
and the same accuracy figures on a second run."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from eval.metrics import load_questions

ROOT = Path(__file__).resolve().parent.parent


def test_two_runs_give_the_same_figures(tmp_path, index_dir, assistant):
    subset = tmp_path / "subset.jsonl"
    subset.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in load_questions()[:25]) + "\n",
                      encoding="utf-8")
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir)}
    figures = []
    for run in ("a", "b"):
        out = tmp_path / run
        done = subprocess.run([sys.executable, "-m", "eval", "--questions", str(subset), "--system", "full",
                               "--system", "bm25", "--out", str(out)], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        assert (out / "report.md").exists() and (out / "accuracy_by_kind.png").stat().st_size > 1000
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        figures.append({system: {k: v for k, v in s["subset"]["all"].items() if not k.endswith("_ms")}
                        for system, s in report["summaries"].items()})
    assert figures[0] == figures[1] and set(figures[0]) == {"full", "bm25"}
    assert figures[0]["full"]["n"] == 25


def test_unreadable_question_file_is_a_clear_error(tmp_path):
    out = subprocess.run([sys.executable, "-m", "eval", "--questions", str(tmp_path / "missing.jsonl")], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "cannot read questions" in out.stderr and "Traceback" not in out.stderr


def test_benchmark_scripts_import():
    """`make bench` and `make load` are not run in CI (they measure, and take minutes); their imports are."""
    import importlib

    for name in ("eval.bench", "eval.load"):
        assert callable(importlib.import_module(name).main)
