"""👍/👎 feedback on answers, kept in a local SQLite file so it survives restarts and can be reviewed.

Why SQLite: one file, no server, safe under several threads and processes. The file is opened in
WAL mode (readers never block the writer), every write is one short ``BEGIN IMMEDIATE`` transaction
with a busy timeout, and the schema is versioned (``schema_version``) so later columns arrive by
migration instead of by hand. Every SQLite failure surfaces as ``FeedbackError``: callers (the web
chat) log it and carry on, so a locked or corrupt database never stops answering.

A row is one verdict on one server-issued turn (``turn_id``, see ``web.turns``): rating the same
answer again changes its verdict instead of adding a row. Comments are limited to
``MAX_COMMENT_CHARS``. The CSV export neutralises cells a spreadsheet would run as formulas.

Command line::

    python -m web.feedback export [--format csv|jsonl] [--db PATH] [--output FILE]
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import secrets
import sqlite3
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

DEFAULT_DB = Path(__file__).resolve().parent.parent / "feedback.sqlite3"
VERDICTS = ("up", "down")
FIELDS = ("id", "created_at", "updated_at", "turn_id", "question", "answer", "citations", "verdict", "comment",
          "found", "route", "lang")
MAX_COMMENT_CHARS = 2000  # as the page's comment box
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell starting with these

# Each entry moves the schema one version up; never edit a released one, append a new one.
MIGRATIONS: list[str] = [
    # 1: the feedback itself
    """CREATE TABLE feedback (
           id INTEGER PRIMARY KEY AUTOINCREMENT,
           created_at TEXT NOT NULL,
           question TEXT NOT NULL,
           answer TEXT NOT NULL,
           citations TEXT NOT NULL DEFAULT '[]',
           verdict TEXT NOT NULL CHECK (verdict IN ('up', 'down')),
           comment TEXT NOT NULL DEFAULT ''
       );
       CREATE INDEX feedback_created ON feedback (created_at);""",
    # 2: what kind of answer it was, and when the comment was last changed
    """ALTER TABLE feedback ADD COLUMN found INTEGER;
       ALTER TABLE feedback ADD COLUMN route TEXT NOT NULL DEFAULT '';
       ALTER TABLE feedback ADD COLUMN lang TEXT NOT NULL DEFAULT '';
       ALTER TABLE feedback ADD COLUMN updated_at TEXT;""",
    # 3: the server-issued turn a verdict is about (one row per turn), and the key that signs turn ids
    """ALTER TABLE feedback ADD COLUMN turn_id TEXT;
       CREATE UNIQUE INDEX feedback_turn ON feedback (turn_id);
       CREATE TABLE secret (name TEXT PRIMARY KEY, value TEXT NOT NULL);""",
]
SCHEMA_VERSION = len(MIGRATIONS)


class FeedbackError(RuntimeError):
    """The feedback database could not be read or written (locked, corrupt, unwritable …)."""


def default_path() -> Path:
    return Path(os.environ.get("ASSISTANT_FEEDBACK_DB") or DEFAULT_DB)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class FeedbackStore:
    """Append-only store of verdicts on answers (comments may be added to a verdict later).

    Nothing touches the file until the first call, so constructing a store never fails; each call
    opens its own short-lived connection, which makes the store safe to share between threads.
    """

    def __init__(self, path: str | Path | None = None, timeout: float = 5.0, max_versions: int | None = None):
        self.path = Path(path) if path else default_path()
        self.timeout = timeout
        self._target = SCHEMA_VERSION if max_versions is None else max_versions  # tests stop early
        self._lock = threading.Lock()  # one writer per process at a time: less busy-waiting in SQLite
        self._ready = False

    # --- connection and schema ----------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        con = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            con.row_factory = sqlite3.Row
            con.execute("PRAGMA busy_timeout = %d" % int(self.timeout * 1000))
            if not self._ready:
                self._prepare(con)
            return con
        except (sqlite3.Error, OSError) as e:
            if con is not None:
                con.close()
            raise FeedbackError(f"feedback database {self.path}: {e}") from e

    def _prepare(self, con: sqlite3.Connection) -> None:
        """WAL mode and migrations up to the current schema version (once per store)."""
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = NORMAL")
        con.execute("BEGIN IMMEDIATE")
        try:
            con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
            current = con.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
            for version in range(current + 1, self._target + 1):
                for statement in MIGRATIONS[version - 1].split(";"):
                    if statement.strip():
                        con.execute(statement)
                con.execute("INSERT INTO schema_version VALUES (?, ?)", (version, _now()))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        self._ready = True

    def _open(self):
        return _Closing(self._connect())

    def _read(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        try:
            with self._open() as con:
                return con.execute(sql, params).fetchall()
        except sqlite3.Error as e:
            raise FeedbackError(f"feedback database {self.path}: {e}") from e

    def version(self) -> int:
        """The schema version the file is at."""
        return self._read("SELECT MAX(version) FROM schema_version")[0][0]

    def _write(self, sql: str, params: tuple) -> list[sqlite3.Row]:
        """One statement in its own immediate transaction; retried briefly if the file is busy.
        Returns the rows it returns (``RETURNING``)."""
        deadline = time.monotonic() + self.timeout
        with self._lock:
            while True:
                try:
                    with self._open() as con:
                        con.execute("BEGIN IMMEDIATE")
                        try:
                            rows = con.execute(sql, params).fetchall()
                            con.execute("COMMIT")
                            return rows
                        except BaseException:
                            con.execute("ROLLBACK")
                            raise
                except sqlite3.OperationalError as e:
                    busy = "locked" in str(e) or "busy" in str(e)
                    if not busy or time.monotonic() > deadline:
                        raise FeedbackError(f"feedback database {self.path}: {e}") from e
                    time.sleep(0.05)
                except sqlite3.Error as e:
                    raise FeedbackError(f"feedback database {self.path}: {e}") from e

    # --- API ---------------------------------------------------------------------------------
    def add(self, question: str, answer: str, citations: Iterable | str = (), verdict: str = "up",
            comment: str = "", found: bool | None = None, route: str = "", lang: str = "",
            turn_id: str | None = None) -> int:
        """Record one verdict ('up' or 'down'); returns the row id (to attach a comment later).
        A verdict on a ``turn_id`` already rated replaces that row's verdict."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, not {verdict!r}")
        _check_comment(comment)
        cites = citations if isinstance(citations, str) else json.dumps(list(citations), ensure_ascii=False)
        now = _now()
        rows = self._write(
            "INSERT INTO feedback (created_at, turn_id, question, answer, citations, verdict, comment, found, route,"
            " lang) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (turn_id) DO UPDATE SET"
            " verdict = excluded.verdict, updated_at = ? RETURNING id",
            (now, turn_id, question, answer, cites, verdict, comment or "", None if found is None else int(found),
             route, lang, now))
        return rows[0][0]

    def set_comment(self, row_id: int, comment: str) -> None:
        """Attach (or replace) the free-text comment of a verdict already recorded."""
        _check_comment(comment)
        cur = self._write("UPDATE feedback SET comment = ?, updated_at = ? WHERE id = ? RETURNING id",
                          (comment or "", _now(), int(row_id)))
        if not cur:
            raise FeedbackError(f"no feedback row {row_id}")

    def secret(self, name: str) -> bytes:
        """A random key kept in the database, made on first use (the same for every process)."""
        self._write("INSERT OR IGNORE INTO secret (name, value) VALUES (?, ?)", (name, secrets.token_hex(32)))
        return bytes.fromhex(self._read("SELECT value FROM secret WHERE name = ?", (name,))[0][0])

    def rows(self) -> list[dict]:
        """Every row, oldest first, citations decoded from JSON."""
        cols = {r[1] for r in self._read("PRAGMA table_info(feedback)")}
        out = [dict(r) for r in self._read(f"SELECT {', '.join(f for f in FIELDS if f in cols)} FROM feedback ORDER BY id")]
        for r in out:
            r["citations"] = json.loads(r["citations"] or "[]")
        return out

    def count(self) -> int:
        return self._read("SELECT COUNT(*) FROM feedback")[0][0]

    def export(self, out: io.TextIOBase, fmt: str = "csv") -> int:
        """Write every row as CSV (citations as a JSON string; formula-like cells neutralised, see
        ``spreadsheet_safe``) or JSON lines (exactly as stored); returns the count."""
        rows = self.rows()
        if fmt == "jsonl":
            for r in rows:
                out.write(json.dumps(r, ensure_ascii=False) + "\n")
        elif fmt == "csv":
            # RFC 4180 line ends: with "\n" alone, a cell holding a bare CR would go out unquoted
            writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else list(FIELDS), lineterminator="\r\n")
            writer.writeheader()
            for r in rows:
                r = {**r, "citations": json.dumps(r["citations"], ensure_ascii=False)}
                writer.writerow({k: spreadsheet_safe(v) for k, v in r.items()})
        else:
            raise ValueError(f"unknown format {fmt!r}: use csv or jsonl")
        return len(rows)


def spreadsheet_safe(value):
    """A CSV cell no spreadsheet runs as a formula: text starting with = + - @, tab or CR gets a
    leading apostrophe (OWASP's advice for CSV injection). Other values are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _check_comment(comment: str) -> None:
    if comment and len(comment) > MAX_COMMENT_CHARS:
        raise ValueError(f"说明太长（{len(comment)} 字，上限 {MAX_COMMENT_CHARS}）· comment too long "
                         f"({len(comment)} characters; the limit is {MAX_COMMENT_CHARS})")


class _Closing:
    """``with`` for a connection that closes it (sqlite3's own context manager only commits)."""

    def __init__(self, con: sqlite3.Connection):
        self.con = con

    def __enter__(self) -> sqlite3.Connection:
        return self.con

    def __exit__(self, *exc) -> None:
        self.con.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m web.feedback", description="Feedback on answers.")
    sub = p.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("export", help="write every feedback row to stdout (or --output)")
    ex.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    ex.add_argument("--db", help=f"database file (default: $ASSISTANT_FEEDBACK_DB or {DEFAULT_DB.name})")
    ex.add_argument("--output", "-o", help="file to write instead of stdout")
    args = p.parse_args(argv)
    path = Path(args.db) if args.db else default_path()
    if not path.exists():
        print(f"error: no feedback database at {path}", file=sys.stderr)
        return 1
    store = FeedbackStore(path)
    try:
        if args.output:
            with open(args.output, "w", encoding="utf-8", newline="") as f:
                n = store.export(f, args.format)
        else:
            n = store.export(sys.stdout, args.format)
    except FeedbackError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{n} rows exported from {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
