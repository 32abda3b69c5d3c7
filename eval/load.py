"""``python -m eval.load`` (``make load``): drive the web app with concurrent sessions, on loopback only.

Starts ``app.py`` on a free 127.0.0.1 port, then N sessions (threads, each its own gradio Client)
ask eval questions through the app's ``/ask`` API until a time limit or a per-session request cap,
whichever comes first. Reports requests, errors (should be 0), latency p50/p95 and the app's peak
RSS, writes eval/load.json, and stops the app. Bounded in count and time; never leaves loopback.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from eval.metrics import load_questions, percentile
from eval.report import EVAL_DIR

ROOT = EVAL_DIR.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, limit: float = 180) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {limit} s")


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's peak resident set size so far."""
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def session(url: str, questions: list[str], deadline: float, cap: int, out: list, errors: list, offset: int) -> None:
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
    except Exception as e:  # noqa: BLE001 - a failed session is counted, not fatal
        errors.append(f"connect: {type(e).__name__}: {e}")
        return
    for i in range(cap):
        if time.perf_counter() >= deadline:
            break
        q = questions[(offset + i) % len(questions)]
        start = time.perf_counter()
        try:
            result = client.predict(q, api_name="/ask")
            if not isinstance(result, dict) or not result.get("answer"):
                raise ValueError(f"empty result for {q!r}")
            out.append((time.perf_counter() - start) * 1000)
        except Exception as e:  # noqa: BLE001
            errors.append(f"{type(e).__name__}: {e}"[:200])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.load", description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=50)
    p.add_argument("--seconds", type=float, default=60.0, help="time limit for asking (default 60)")
    p.add_argument("--cap", type=int, default=200, help="most requests per session (default 200)")
    args = p.parse_args(argv)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    questions = [q["question"] for q in load_questions() if not q.get("history")]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ASSISTANT_FEEDBACK_DB": os.path.join(tmp, "feedback.sqlite3"),
               "GRADIO_ANALYTICS_ENABLED": "False"}
        app = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            start_s = wait_ready(url)
            latencies: list[float] = []
            errors: list[str] = []
            deadline = time.perf_counter() + args.seconds
            threads = [threading.Thread(target=session, args=(url, questions, deadline, args.cap, latencies,
                                                               errors, i * 7), daemon=True)
                       for i in range(args.sessions)]
            began = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join(args.seconds + 120)
            wall = time.perf_counter() - began
            rss = peak_rss_mb(app.pid)
        finally:
            app.terminate()
            app.wait(30)
    result = {"sessions": args.sessions, "seconds": args.seconds, "requests": len(latencies), "errors": len(errors),
              "error_samples": errors[:5], "throughput_rps": len(latencies) / wall if wall else 0.0,
              "p50_ms": percentile(latencies, 0.5), "p95_ms": percentile(latencies, 0.95),
              "peak_rss_mb": rss, "app_start_s": start_s}
    print("| sessions | requests | errors | req/s | p50 ms | p95 ms | peak RSS MB |\n|---|---|---|---|---|---|---|")
    print(f"| {args.sessions} | {len(latencies)} | {len(errors)} | {result['throughput_rps']:.1f} | "
          f"{result['p50_ms']:.0f} | {result['p95_ms']:.0f} | {rss:.0f} |")
    for e in errors[:5]:
        print("error:", e)
    (EVAL_DIR / "load.json").write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
