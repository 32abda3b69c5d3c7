"""Command line: ``python -m assistant ask "问题" [--json]``, ``ask --json -`` (batch, JSON lines),
``build [--force]``. Errors are one clear line, never a traceback."""
from __future__ import annotations

import argparse
import json
import sys
import time

from assistant.limits import MAX_QUESTION_CHARS

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


def _batch_line(raw: bytes, number: int) -> tuple[dict | None, dict]:
    """Decode one stdin line → (request, echo fields); request None with an ``error`` in echo."""
    echo: dict = {"line": number}
    if len(raw) > MAX_LINE_BYTES:
        return None, {**echo, "error": f"line too long ({len(raw)} bytes; the limit is {MAX_LINE_BYTES})"}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, {**echo, "error": "line is not valid UTF-8"}
    text = text.strip().lstrip("\ufeff")
    request = {"question": text, "history": []}
    if text.startswith("{"):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            obj = None
        if isinstance(obj, dict):
            if "id" in obj:
                echo["id"] = obj["id"]
            q, hist = obj.get("question"), obj.get("history") or []
            if not isinstance(q, str) or not isinstance(hist, list):
                return None, {**echo, "error": "JSON line needs a string 'question' (and a list 'history')"}
            request = {"question": q, "history": [h for h in hist if isinstance(h, str)]}
    q = request["question"]
    if not q.strip():
        return None, {**echo, "question": q, "error": "empty question"}
    if len(q) > MAX_QUESTION_CHARS:
        return None, {**echo, "question": q[:80] + "…",
                      "error": f"question too long ({len(q)} characters; the limit is {MAX_QUESTION_CHARS})"}
    return request, echo


def _batch(assistant, explain: bool = False) -> int:
    out = sys.stdout
    for number, raw in enumerate(sys.stdin.buffer, 1):
        raw = raw.rstrip(b"\r\n")
        request, echo = _batch_line(raw, number)
        if request is None:
            if echo.get("error") == "empty question" and not raw.strip():
                echo["question"] = ""
            out.write(json.dumps(echo, ensure_ascii=False) + "\n")
        else:
            start = time.perf_counter()
            try:
                answer = assistant.ask(request["question"], request["history"])
                record = {**echo, **_record(answer, (time.perf_counter() - start) * 1000, explain)}
            except Exception as e:  # noqa: BLE001 - one bad question must not end the batch
                record = {**echo, "question": request["question"], "error": f"internal error: {type(e).__name__}"}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
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
    question = args.question
    if len(question) > MAX_QUESTION_CHARS:
        print(f"error: question too long ({len(question)} characters; the limit is {MAX_QUESTION_CHARS})",
              file=sys.stderr)
        return 2
    start = time.perf_counter()
    answer = assistant.ask(question, args.history)
    elapsed = (time.perf_counter() - start) * 1000
    print(json.dumps(_record(answer, elapsed, args.explain), ensure_ascii=False) if args.json
          else _readable(answer, args.explain))
    return 0
