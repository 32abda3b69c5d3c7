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


def strict_records(stdout: bytes) -> list[dict]:
    """Output lines parsed as the strictest reader would: UTF-8 with no lone surrogate, JSON with no
    NaN or Infinity."""
    def refuse(name):
        raise ValueError(f"{name} is not JSON")

    text = stdout.decode("utf-8")  # strict: raises on invalid UTF-8 (surrogates included)
    return [json.loads(line, parse_constant=refuse) for line in text.splitlines()]


def test_batch_reads_lines_and_survives_bad_ones(assistant, index_dir):
    lines = [
        "尘肺病谁牵头".encode(),
        b"",
        b"\xff\xfe broken",
        json.dumps({"id": "x1", "question": "那配合单位呢？", "history": ["尘肺病谁牵头"]}, ensure_ascii=False).encode(),
        ("长" * 3000).encode(),
        b'{"question": 5}',
        "who leads the 尘肺病 action".encode(),
        b'{"question": "x", "history": "not a list"}',
    ]
    out = run(["ask", "--json", "-"], index_dir, stdin=b"\n".join(lines) + b"\n")
    assert out.returncode == 0, out.stderr
    assert b"Traceback" not in out.stderr
    records = strict_records(out.stdout)
    assert len(records) == len(lines)  # one line out per line in: nothing lost
    assert [r["line"] for r in records] == list(range(1, len(lines) + 1))
    assert "市卫生健康局" in records[0]["answer"]
    assert "empty" in records[1]["error"]
    assert "UTF-8" in records[2]["error"]
    assert records[3]["id"] == "x1" and "市住建局" in records[3]["answer"]
    assert "too long" in records[4]["error"]
    assert "question" in records[5]["error"]
    assert records[6]["lang"] == "mixed" and "市卫生健康局" in records[6]["answer"]
    assert "history must be a list" in records[7]["error"]
    for r in records:
        assert "error" in r or {"question", "answer", "found", "citations", "route", "elapsed_ms"} <= r.keys()


def test_batch_survives_json_that_is_not_strict(assistant, index_dir):
    """Each of these once ended the batch, was answered as a question, or was echoed as invalid JSON."""
    bad = [
        (rb'{"question": "\ud83d"}', "surrogate"),  # a lone surrogate: half an emoji, not UTF-8-writable
        (rb'{"id": "\udc00", "question": "\u5c18\u80ba\u75c5\u8c01\u7275\u5934"}', "surrogate"),
        (rb'{"question": "\u5c18\u80ba\u75c5", "history": ["\ud800"]}', "surrogate"),
        (b'{"question": ', "invalid JSON"),  # broken JSON is an error, not a question
        (b'{"question": "x"', "invalid JSON"),
        (b'{"id": 1e999, "question": "x"}', "too large"),  # would echo Infinity
        (b'{"id": -1e999, "question": "x"}', "too large"),
        (b'{"id": NaN, "question": "x"}', "NaN"),
        (b'{"id": Infinity, "question": "x"}', "Infinity"),
        (b'{"id": 1' + b"0" * 5000 + b', "question": "x"}', "invalid JSON"),  # an integer too long to read
        (b'{"question": "x"} trailing', "invalid JSON"),
    ]
    good = json.dumps({"id": 7, "question": "尘肺病防治攻坚行动由哪个部门牵头？"}, ensure_ascii=False).encode()
    emoji = rb'{"id": 8, "question": "\ud83d\ude00 \u5c18\u80ba\u75c5\u8c01\u7275\u5934"}'  # a valid pair
    lines = [line for pair in zip([b for b, _ in bad], [good] * len(bad)) for line in pair] + [emoji]
    out = run(["ask", "--json", "-"], index_dir, stdin=b"\n".join(lines) + b"\n")
    assert out.returncode == 0 and b"Traceback" not in out.stderr, out.stderr
    records = strict_records(out.stdout)
    assert len(records) == len(lines)
    for i, (_, why) in enumerate(bad):
        err, after = records[2 * i], records[2 * i + 1]
        assert why in err["error"] and "answer" not in err, (i, err)
        assert after["id"] == 7 and "市卫生健康局" in after["answer"]  # the batch went on
    assert records[-1]["id"] == 8 and "市卫生健康局" in records[-1]["answer"]


def test_build_reports_up_to_date(assistant, index_dir):
    out = run(["build"], index_dir)
    assert out.returncode == 0 and "up to date" in out.stdout.decode()


def test_bad_usage_is_a_message_not_a_traceback(index_dir):
    out = run(["ask"], index_dir)
    assert out.returncode == 2 and b"Traceback" not in out.stderr and b"usage" in out.stderr
