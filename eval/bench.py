"""``python -m eval.bench`` (``make bench``): speed and memory, measured, never asserted.

Cold start of the CLI (process start → first answer printed, median of 5), warm latency over the
eval set for the full pipeline and the tutorial pipeline (p50/p95/max and their ratio), index build
time from nothing, peak RSS of the CLI answering the whole eval set, web app start → first
HTTP 200, and per-request latency of the HTTP API (``POST /api/ask``) against gradio's ``/ask`` route
at 1 and 20 concurrent clients in the same app. Prints a table and writes eval/bench.json;
``--api-only`` measures only the last and updates that part of the file.
"""
from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from eval.metrics import EVAL_DIR, load_questions, percentile

ROOT = EVAL_DIR.parent
QUESTION = "尘肺病防治攻坚行动由哪个部门牵头？"


def _env(**extra: str) -> dict:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
            "ANONYMIZED_TELEMETRY": "False", **extra}


def cli_cold_start(index_dir: str, runs: int = 5) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant", "ask", QUESTION], cwd=ROOT, capture_output=True,
                       env=_env(ASSISTANT_INDEX_DIR=index_dir), check=True)
        times.append(time.perf_counter() - start)
    return times


def build_time() -> float:
    with tempfile.TemporaryDirectory() as d:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant", "build"], cwd=ROOT, capture_output=True,
                       env=_env(ASSISTANT_INDEX_DIR=d), check=True)
        return time.perf_counter() - start


def cli_batch_peak_rss(index_dir: str) -> tuple[int, float]:
    """Peak RSS (MB) of `python -m assistant ask --json -` answering every eval question.

    Read from the child's own VmHWM while it runs: rusage's maxrss would also count the pages the
    child inherited from this (large) process between fork and exec."""
    lines = "\n".join(json.dumps({"question": q["question"], "history": q.get("history", [])}, ensure_ascii=False)
                      for q in load_questions()).encode() + b"\n"
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "ask", "--json", "-"], cwd=ROOT,
                            env=_env(ASSISTANT_INDEX_DIR=index_dir), stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    threading.Thread(target=lambda: (proc.stdin.write(lines), proc.stdin.close()), daemon=True).start()
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _vm_hwm_kb(proc.pid))
        time.sleep(0.02)
    return peak // 1024, time.perf_counter() - start


def _vm_hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def web_start(index_dir: str) -> float | None:
    if not (ROOT / "app.py").exists():
        return None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT,
                            env=_env(ASSISTANT_INDEX_DIR=index_dir), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < 120:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    if r.status == 200:
                        return time.perf_counter() - start
            except OSError:
                time.sleep(0.05)
        return None
    finally:
        proc.terminate()
        proc.wait(10)


def warm_latency() -> dict:
    from eval.systems import make_system

    items = [{"question": q["question"], "history": q.get("history") or []} for q in load_questions()]
    out = {}
    for name in ("full", "tutorial"):
        system = make_system(name)
        for item in items[:10]:
            system.run(item)  # warm up
        ms = [system.run(item)["elapsed_ms"] for item in items]
        out[name] = {"p50": statistics.median(ms), "p95": percentile(ms, 0.95), "max": max(ms)}
    return out


def api_vs_gradio(index_dir: str, seconds: float = 20.0) -> list[dict]:
    """The same questions through ``POST /api/ask`` and through gradio's queue (the ``/ask`` event,
    as the page and gradio_client send it), at 1 and 20 concurrent clients, alternating routes in one
    app so both see the same machine. Client: one asyncio loop over httpx (``eval.load``)."""
    import asyncio

    from eval.load import Target, free_port, run_load, start_app, wait_ready

    questions = [q["question"] for q in load_questions() if not q.get("history")]
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory() as tmp:
        app = start_app(port, tmp, {"ASSISTANT_INDEX_DIR": index_dir})
        try:
            wait_ready(url)
            with urllib.request.urlopen(url + "config", timeout=10) as r:
                config = json.load(r)
            targets = {route: Target(route, url, config) for route in ("api", "ask")}
            for t in targets.values():
                asyncio.run(run_load(t, 2, 2, 5, questions))  # warm up
            out = []
            for clients in (1, 20):
                for route in ("api", "ask"):
                    r = asyncio.run(run_load(targets[route], clients, seconds, 100_000, questions))
                    out.append({k: r[k] for k in ("route", "sessions", "requests", "errors", "throughput_rps",
                                                  "p50_ms", "p95_ms", "max_ms")})
            return out
        finally:
            app.terminate()
            app.wait(30)


def print_api_table(rows: list[dict]) -> None:
    names = {"api": "POST /api/ask", "ask": "gradio /ask (queue)"}
    print("| route | clients | requests | errors | req/s | p50 ms | p95 ms |\n|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {names[r['route']]} | {r['sessions']} | {r['requests']} | {r['errors']} | {r['throughput_rps']:.1f} | "
              f"{r['p50_ms']:.0f} | {r['p95_ms']:.0f} |")


def main() -> int:
    from assistant import Assistant

    index_dir = str(Assistant(quiet=True).index_dir)  # make sure the shared index exists
    if "--api-only" in sys.argv[1:]:
        results = json.loads((EVAL_DIR / "bench.json").read_text(encoding="utf-8"))
        results["api_vs_gradio"] = api_vs_gradio(index_dir)
        results["api_vs_gradio_date"] = time.strftime("%Y-%m-%d")
        print_api_table(results["api_vs_gradio"])
        (EVAL_DIR / "bench.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
        return 0
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "platform": platform.platform(), "date": time.strftime("%Y-%m-%d")}}
    print("index build from nothing …", file=sys.stderr)
    results["index_build_s"] = build_time()
    print("CLI cold start …", file=sys.stderr)
    cold = cli_cold_start(index_dir)
    results["cli_cold_start_s"] = {"median": statistics.median(cold), "runs": cold}
    print("warm latency …", file=sys.stderr)
    results["warm_ms"] = warm_latency()
    full, tut = results["warm_ms"]["full"], results["warm_ms"]["tutorial"]
    results["warm_speedup_vs_tutorial"] = {"p50": tut["p50"] / full["p50"], "p95": tut["p95"] / full["p95"]}
    print("CLI peak RSS on the eval set …", file=sys.stderr)
    rss, batch_s = cli_batch_peak_rss(index_dir)
    results["cli_batch"] = {"peak_rss_mb": rss, "wall_s": batch_s}
    print("web start …", file=sys.stderr)
    results["web_start_s"] = web_start(index_dir)
    print("HTTP API against gradio's route …", file=sys.stderr)
    results["api_vs_gradio"] = api_vs_gradio(index_dir)

    rows = [
        ("index build from nothing", f"{results['index_build_s']:.1f} s", "≤ 30 s"),
        ("CLI cold start → first answer (median of 5)", f"{results['cli_cold_start_s']['median']:.2f} s", "≤ 2.5 s"),
        ("warm latency full p50 / p95 / max",
         f"{full['p50']:.1f} / {full['p95']:.1f} / {full['max']:.1f} ms", "p50 ≤ 25, p95 ≤ 60 ms"),
        ("warm latency tutorial p50 / p95 / max", f"{tut['p50']:.1f} / {tut['p95']:.1f} / {tut['max']:.1f} ms", ""),
        ("full speed-up vs tutorial (p50, p95)",
         f"{results['warm_speedup_vs_tutorial']['p50']:.2f}× / {results['warm_speedup_vs_tutorial']['p95']:.2f}×", "≥ 2×"),
        ("CLI peak RSS answering the eval set", f"{rss} MB", "≤ 400 MB"),
        ("web app start → first HTTP 200",
         f"{results['web_start_s']:.1f} s" if results["web_start_s"] else "n/a", ""),
    ]
    print("| measure | value | target |\n|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")
    print()
    print_api_table(results["api_vs_gradio"])
    print(f"\nmachine: {results['machine']}")
    (EVAL_DIR / "bench.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
