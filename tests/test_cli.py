"""The command line as a user runs it: a real subprocess with a real index on disk."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], index_dir: Path, stdin: bytes | None = None, timeout: int = 120):
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir)}
    return subprocess.run([sys.executable, "-m", "assistant", *args], input=stdin, capture_output=True,
                          cwd=ROOT, env=env, timeout=timeout)


def test_ask_prints_answer_and_sources(assistant, index_dir):
    out = run(["ask", "尘肺病防治攻坚行动由哪个部门牵头？"], index_dir)
    text = out.stdout.decode()
    assert out.returncode == 0 and "市卫生健康局" in text and "附件 19" in text and "a19.4" in text


def test_ask_json_is_one_object(assistant, index_dir):
    out = run(["ask", "--json", "住房公积金能交房租吗？"], index_dir)
    record = json.loads(out.stdout)
    assert record["found"] and record["route"] == "clause" and record["citations"][0]["id"] == "m22"
    assert {"question", "answer", "found", "citations", "route", "elapsed_ms"} <= record.keys()


def test_batch_reads_lines_and_survives_bad_ones(assistant, index_dir):
    lines = [
        "尘肺病谁牵头".encode(),
        b"",
        b"\xff\xfe broken",
        json.dumps({"id": "x1", "question": "那配合单位呢？", "history": ["尘肺病谁牵头"]}, ensure_ascii=False).encode(),
        ("长" * 3000).encode(),
        b'{"question": 5}',
        "who leads the 尘肺病 action".encode(),
    ]
    out = run(["ask", "--json", "-"], index_dir, stdin=b"\n".join(lines) + b"\n")
    assert out.returncode == 0, out.stderr
    assert b"Traceback" not in out.stderr
    records = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert len(records) == len(lines)  # one line out per line in: nothing lost
    assert "市卫生健康局" in records[0]["answer"]
    assert records[1]["error"] == "empty question"
    assert "UTF-8" in records[2]["error"]
    assert records[3]["id"] == "x1" and "市住建局" in records[3]["answer"]
    assert "too long" in records[4]["error"]
    assert "question" in records[5]["error"]
    assert records[6]["lang"] == "mixed" and "市卫生健康局" in records[6]["answer"]
    for r in records:
        assert "error" in r or {"question", "answer", "found", "citations", "route", "elapsed_ms"} <= r.keys()


def test_build_reports_up_to_date(assistant, index_dir):
    out = run(["build"], index_dir)
    assert out.returncode == 0 and "up to date" in out.stdout.decode()


def test_bad_usage_is_a_message_not_a_traceback(index_dir):
    out = run(["ask"], index_dir)
    assert out.returncode == 2 and b"Traceback" not in out.stderr and b"usage" in out.stderr
