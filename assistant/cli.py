"""Command line: ``python -m assistant ask "问题" [--json]``, ``ask --json -`` (batch, JSON lines),
``build [--force]``. Errors are one clear line, never a traceback."""
from __future__ import annotations

import argparse
import json
import math
import sys
import time

from assistant.limits import MAX_QUESTION_CHARS, InputError, check_request

MAX_LINE_BYTES = 4 * MAX_QUESTION_CHARS + 1024


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m assistant",
                                description="Cited answers about 慈党发〔2019〕78号 (offline).")
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--chroma-url", metavar="URL",
                        help="keep the index on this Chroma server (default: env ASSISTANT_CHROMA_URL, else index/)")
    ask = sub.add_parser("ask", parents=[common],
                         help="answer a question ('-' reads one question per line from stdin)")
    ask.add_argument("question", help="the question, or - for a batch on stdin")
    ask.add_argument("--json", action="store_true", help="print JSON (one object per line for a batch)")
    ask.add_argument("--history", action="append", default=[], metavar="Q",
                     help="an earlier question, for follow-ups (repeatable, oldest first)")
    ask.add_argument("--explain", action="store_true",
                     help="show how the answer was reached (parsed asks, candidates, why found); with --json, a 'trace' field")
    build = sub.add_parser("build", parents=[common],
                           help="build the index (only when missing or stale, unless --force)")
    build.add_argument("--force", action="store_true", help="rebuild even if the index is up to date")
    return p


def _record(answer, elapsed_ms: float, explain: bool = False) -> dict:
    d = answer.to_dict(trace=explain)
    d["elapsed_ms"] = round(elapsed_ms, 1)
    return d


def _readable(answer, explain: bool = False) -> str:
    lines = [answer.answer]
    if answer.citations:
        lines.append("\n来源 Sources:")
        for i, c in enumerate(answer.citations, 1):
            text = c.text if len(c.text) <= 160 else c.text[:160] + "…"
            lines.append(f"[{i}] {c.title} ({c.id})\n    {text}")
    if not answer.found:
        lines.append("\n（文件未直接回答这个问题 / the document does not answer this directly）")
    if explain:
        lines.append("\n推理过程 Trace:\n" + json.dumps(answer.trace, ensure_ascii=False, indent=2))
    return "\n".join(lines)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text} is too large for JSON")
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _surrogate(obj) -> str | None:
    """The first lone surrogate anywhere in a parsed JSON value (keys too), as ``\\udXXX``; else None.
    JSON may escape one (``"\\ud83d"``), but it is half a character and cannot be written as UTF-8."""
    if isinstance(obj, str):
        bad = next((c for c in obj if "\ud800" <= c <= "\udfff"), None)
        return None if bad is None else f"\\u{ord(bad):04x}"
    if isinstance(obj, dict):
        obj = [*obj.keys(), *obj.values()]
    if isinstance(obj, list):
        return next((found for item in obj if (found := _surrogate(item))), None)
    return None


def _batch_line(raw: bytes, number: int) -> tuple[dict | None, dict]:
    """Decode one stdin line → (request, echo fields); request None with an ``error`` in echo.

    A line is a question as plain text, or a JSON object if it starts with ``{``; a line that starts
    with ``{`` but is not valid JSON is an error, never a question. Strict JSON: no NaN or Infinity,
    no number too large for a double, no lone surrogate."""
    echo: dict = {"line": number}
    if len(raw) > MAX_LINE_BYTES:
        return None, {**echo, "error": f"line too long ({len(raw)} bytes; the limit is {MAX_LINE_BYTES})"}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, {**echo, "error": "line is not valid UTF-8"}
    text = text.strip().lstrip("\ufeff")
    question, history = text, []
    if text.startswith("{"):
        try:
            obj = json.loads(text, parse_float=_finite, parse_constant=_no_constant)
        except json.JSONDecodeError as e:
            return None, {**echo, "error": f"invalid JSON: {e.msg} (column {e.colno})"}
        except ValueError as e:  # our strictness, or an integer with too many digits
            return None, {**echo, "error": f"invalid JSON: {e}"}
        if not isinstance(obj, dict):
            return None, {**echo, "error": "invalid JSON: a line starting with { must be one JSON object"}
        if (bad := _surrogate(obj)) is not None:
            return None, {**echo, "error": f"invalid text: a lone surrogate ({bad}) is half a character"}
        if "id" in obj:
            echo["id"] = obj["id"]
        question, history = obj.get("question"), obj.get("history")
        if not isinstance(question, str):
            return None, {**echo, "error": "JSON line needs a string 'question' (and a list 'history')"}
    try:
        question, history = check_request(question, history)
    except InputError as e:
        return None, {**echo, "question": question if len(question) <= 80 else question[:80] + "…",
                      "error": str(e)}
    return {"question": question, "history": history}, echo


def _json_line(record: dict) -> bytes:
    """One output line: strict JSON (no NaN or Infinity), valid UTF-8. If a record cannot be written
    so (it should never happen: input is checked), its line says so instead of ending the batch."""
    try:
        return (json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
    except (ValueError, UnicodeEncodeError) as e:
        fallback = {k: record[k] for k in ("line", "id") if k in record and not _surrogate(record[k])}
        fallback["error"] = f"internal error: the result could not be written as JSON ({type(e).__name__})"
        return (json.dumps(fallback, ensure_ascii=False, allow_nan=False, default=str) + "\n").encode("utf-8")


def _batch(assistant, explain: bool = False) -> int:
    """One JSON line out per line in, flushed per line, written as UTF-8 bytes whatever the locale."""
    out = sys.stdout.buffer
    for number, raw in enumerate(sys.stdin.buffer, 1):
        request, echo = _batch_line(raw.rstrip(b"\r\n"), number)
        if request is None:
            record = echo
        else:
            start = time.perf_counter()
            try:
                answer = assistant.ask(request["question"], request["history"])
                record = {**echo, **_record(answer, (time.perf_counter() - start) * 1000, explain)}
            except InputError as e:
                record = {**echo, "question": request["question"], "error": str(e)}
            except Exception as e:  # noqa: BLE001 - one bad question must not end the batch
                record = {**echo, "question": request["question"], "error": f"internal error: {type(e).__name__}"}
        out.write(_json_line(record))
        out.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from assistant import Assistant
    from assistant.index import IndexError_

    try:
        assistant = Assistant(force_rebuild=args.command == "build" and args.force, chroma_url=args.chroma_url)
    except IndexError_ as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.command == "build":
        state = "built" if assistant.built else "up to date"
        print(f"index {state}: {assistant.index.location} ({len(assistant.index.passages)} passages, "
              f"model {assistant.model})")
        return 0
    if args.question == "-":
        return _batch(assistant, args.explain)
    try:
        if _surrogate([args.question, *args.history]):  # bytes that were not UTF-8 on the command line
            raise InputError("the question is not valid UTF-8")
        question, history = check_request(args.question, args.history)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    answer = assistant.ask(question, history)
    elapsed = (time.perf_counter() - start) * 1000
    print(json.dumps(_record(answer, elapsed, args.explain), ensure_ascii=False) if args.json
          else _readable(answer, args.explain))
    return 0
