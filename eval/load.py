"""``python -m eval.load`` (``make load``): drive the web app with concurrent sessions, on loopback only.

Starts ``app.py`` on a free 127.0.0.1 port, then N sessions ask eval questions until a time limit or a
per-session request cap, whichever comes first. Each session is a browser's chat (``--route chat``, the
default): it joins gradio's queue with the chat's submit event, reads the event stream until the answer
is complete, keeps the conversation it gets back and sends it with the next question, and starts a new
chat every ``--turns`` questions, as the page does. ``--route ask`` calls the gradio ``/ask`` API the
same way; ``--route api`` posts to the JSON API (``POST /api/ask``). Sessions ask one after another
with no pause (a closed loop): latency at N sessions is what N people pressing Enter at once see.

The client is one asyncio loop over httpx (a few ms of CPU per request), so on a 2-core machine
most of the CPU is left to the app. Per request it records the time to the queue's acknowledgement,
the wait in gradio's queue (until ``process_starts``) and the run (until ``process_completed``), so
the report says where the time goes. Reports requests, errors (should be 0), p50/p95, throughput and
the app's peak RSS; ``--users 1,20,50`` runs several loads in one app; writes eval/load.json.

``--oversized N`` adds N clients that send, over and over, the chat event that used to stall everyone
(a conversation of 40 turns of 50 000 characters), and measures the other sessions with and without
them; ``--browser`` times one user in Chromium, Enter → answer visible.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field

import httpx

from eval.metrics import EVAL_DIR, load_questions, percentile

ROOT = EVAL_DIR.parent
CHAT_TURNS = 6  # questions per chat before a session starts a new one


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


def children(pid: int) -> list[int]:
    """The process's live children (the engine workers and multiprocessing's resource tracker)."""
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
            out += [int(c) for c in f.read().split()]
    return out


def cpu_seconds(pid: int, with_children: bool = False) -> float:
    """User + system CPU time the process (and, if asked, its live children: the engine workers)
    has used so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    if with_children:
        total += sum(cpu_seconds(child) for child in children(pid))
    return total


@dataclass
class Sample:
    total: float  # ms, request sent → answer complete
    queued: float = 0.0  # ms, request sent → gradio's process_starts (HTTP join + queue wait)
    run: float = 0.0  # ms, process_starts → process_completed (handler, rendering, serialising)


@dataclass
class Tally:
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Target:
    """One way of asking the app: the chat's submit event, the gradio /ask API, or POST /api/ask."""

    def __init__(self, route: str, base: str, config: dict | None):
        self.route, self.base = route, base.rstrip("/")
        if route in ("chat", "ask") and config:
            name = "respond" if route == "chat" else "ask"
            dep = next(d for d in config["dependencies"] if d.get("api_name") == name)
            self.fn_index, self.trigger = dep["id"], (dep["targets"][0][0] if dep["targets"] else None)

    async def ask(self, client: httpx.AsyncClient, question: str, turns: list, session: str) -> tuple[Sample, list]:
        if self.route == "api":
            start = time.perf_counter()
            r = await client.post(f"{self.base}/api/ask", json={"question": question})
            r.raise_for_status()
            if not r.json().get("answer"):
                raise ValueError(f"empty answer for {question!r}")
            return Sample((time.perf_counter() - start) * 1000), turns
        data = [question, turns] if self.route == "chat" else [question, []]
        start = time.perf_counter()
        r = await client.post(f"{self.base}/gradio_api/queue/join", json={
            "data": data, "event_data": None, "fn_index": self.fn_index, "trigger_id": self.trigger,
            "session_hash": session})
        r.raise_for_status()
        started = None
        async with client.stream("GET", f"{self.base}/gradio_api/queue/data",
                                 params={"session_hash": session}) as stream:
            async for line in stream.aiter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg["msg"] == "process_starts":
                    started = time.perf_counter()
                elif msg["msg"] == "process_completed":
                    done = time.perf_counter()
                    if not msg.get("success"):
                        raise ValueError(f"failed: {str(msg.get('output'))[:120]}")
                    out = msg["output"]["data"]
                    if self.route == "chat":
                        turns = out[2] if isinstance(out[2], list) else turns
                        if not turns or turns[-1].get("error"):
                            raise ValueError(f"no answer for {question!r}: {str(turns[-1:])[:120]}")
                    elif not (isinstance(out[0], dict) and out[0].get("answer")):
                        raise ValueError(f"empty answer for {question!r}")
                    started = started or done
                    return Sample((done - start) * 1000, (started - start) * 1000, (done - started) * 1000), turns
                elif msg["msg"] == "unexpected_error":
                    raise ValueError(f"unexpected error: {msg.get('message')}")
        raise ValueError("event stream closed before the answer")


async def session(target: Target, client: httpx.AsyncClient, questions: list[str], deadline: float, cap: int,
                  tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    turns: list = []
    page = uuid.uuid4().hex[:11]  # gradio's session: one per page load, kept for every question asked there
    for i in range(cap):
        if time.perf_counter() >= deadline:
            break
        if i % CHAT_TURNS == 0:
            turns = []  # a new chat
        question = rng.choice(questions)
        try:
            sample, turns = await target.ask(client, question, turns, page)
            tally.samples.append(sample)
        except Exception as e:  # noqa: BLE001 - counted and reported
            tally.errors.append(f"{type(e).__name__}: {e}"[:200])


OVERSIZED_BESIDE = 5  # sessions measured beside the hostile clients
OVERSIZED_TURNS = [{"q": "问" * 50_000, "answer": "答" * 50_000, "citations": []}] * 40


async def oversized(target: Target, client: httpx.AsyncClient, deadline: float, refused: list[int]) -> None:
    """One hostile client: the 40 × 50 000-character conversation, again and again."""
    body = json.dumps({"data": ["尘肺病防治谁牵头？", OVERSIZED_TURNS], "event_data": None,
                       "fn_index": target.fn_index, "trigger_id": target.trigger, "session_hash": "oversized"})
    while time.perf_counter() < deadline:
        try:
            r = await client.post(f"{target.base}/gradio_api/queue/join", content=body,
                                  headers={"content-type": "application/json"})
            refused.append(r.status_code)
        except httpx.HTTPError as e:  # the server may close the connection on a refused body
            refused.append(type(e).__name__)


async def run_load(target: Target, sessions: int, seconds: float, cap: int, questions: list[str],
                   hostile: int = 0) -> dict:
    tally = Tally()
    refused: list = []
    limits = httpx.Limits(max_connections=2 * sessions + hostile + 10, max_keepalive_connections=2 * sessions + 10)
    async with httpx.AsyncClient(timeout=httpx.Timeout(120.0), limits=limits) as client:
        deadline = time.perf_counter() + seconds
        began = time.perf_counter()
        await asyncio.gather(*(session(target, client, questions, deadline, cap, tally, i) for i in range(sessions)),
                             *(oversized(target, client, deadline, refused) for _ in range(hostile)))
        wall = time.perf_counter() - began
    total = [s.total for s in tally.samples]
    queued = [s.queued for s in tally.samples]
    run = [s.run for s in tally.samples]
    return {"route": target.route, "sessions": sessions, "seconds": seconds, "requests": len(total),
            "errors": len(tally.errors), "error_samples": tally.errors[:5],
            "throughput_rps": round(len(total) / wall, 2) if wall else 0.0,
            "p50_ms": round(percentile(total, 0.5), 1), "p95_ms": round(percentile(total, 0.95), 1),
            "max_ms": round(max(total, default=0.0), 1),
            "queued_p50_ms": round(percentile(queued, 0.5), 1), "queued_p95_ms": round(percentile(queued, 0.95), 1),
            "run_p50_ms": round(percentile(run, 0.5), 1), "run_p95_ms": round(percentile(run, 0.95), 1),
            **({"oversized_clients": hostile, "oversized_requests": len(refused),
                "oversized_statuses": sorted({str(x) for x in refused})} if hostile else {})}


def start_app(port: int, tmp: str, extra_env: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, "ASSISTANT_FEEDBACK_DB": os.path.join(tmp, "feedback.sqlite3"),
           "GRADIO_ANALYTICS_ENABLED": "False", **(extra_env or {})}
    return subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def browser_latency(url: str, questions: list[str], n: int = 20) -> dict | None:
    """One user in Chromium: time from pressing Enter to the complete answer on screen (the page's
    own clock, from the keydown to the frame where the new answer is in the DOM)."""
    chromium = "/usr/bin/chromium"
    if not os.path.exists(chromium):
        return None
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=args)
        page = browser.new_page()
        page.set_default_timeout(30_000)
        page.goto(url, wait_until="load")
        page.wait_for_selector("#ask-box textarea")
        for i, q in enumerate(random.Random(7).sample(questions, n + 1)):
            if i % CHAT_TURNS == 0:
                page.click("#new-chat")
                page.wait_for_function("() => !document.querySelector('#chat [data-testid=bot]')")
            page.fill("#ask-box textarea", q)
            count = page.locator('#chat [data-testid="bot"] .answer:not(.streaming)').count()
            page.evaluate("""() => { window.__sent = null; document.querySelector('#ask-box textarea')
                .addEventListener('keydown', () => { window.__sent = performance.now(); }, {once: true}); }""")
            page.keyboard.press("Enter")
            page.wait_for_function("""n => document.querySelectorAll('#chat [data-testid=bot] .answer:not(.streaming)')
                .length > n""", arg=count, polling="raf")
            if i:  # the first answer warms the page up
                times.append(page.evaluate("() => performance.now() - window.__sent"))
        browser.close()
    return {"questions": len(times), "p50_ms": round(percentile(times, 0.5), 1),
            "p95_ms": round(percentile(times, 0.95), 1), "max_ms": round(max(times), 1)}


def print_table(results: list[dict]) -> None:
    print("| route | sessions | requests | errors | req/s | p50 ms | p95 ms | max ms | queued p50/p95 ms | run p50/p95 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['route']} | {r['sessions']} | {r['requests']} | {r['errors']} | {r['throughput_rps']:.1f} | "
              f"{r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['max_ms']:.0f} | {r['queued_p50_ms']:.0f} / "
              f"{r['queued_p95_ms']:.0f} | {r['run_p50_ms']:.0f} / {r['run_p95_ms']:.0f} |")
        for e in r["error_samples"]:
            print("  error:", e)
        if r.get("oversized_clients"):
            print(f"  beside {r['oversized_clients']} clients sending oversized events "
                  f"({r['oversized_requests']} sent, answered {', '.join(r['oversized_statuses'])})")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.load", description=__doc__.splitlines()[0])
    p.add_argument("--users", default="50", help="concurrent sessions; a comma list runs each in turn (default 50)")
    p.add_argument("--seconds", type=float, default=60.0, help="time limit for each load (default 60)")
    p.add_argument("--cap", type=int, default=2000, help="most requests per session (default 2000)")
    p.add_argument("--route", choices=("chat", "ask", "api"), default="chat")
    p.add_argument("--oversized", type=int, default=0, metavar="N",
                   help=f"then {OVERSIZED_BESIDE} sessions for 30 s, alone and beside N clients sending oversized events")
    p.add_argument("--browser", action="store_true", help="time one user in Chromium first (Enter → answer)")
    p.add_argument("--output", default=str(EVAL_DIR / "load.json"), help="where to write the figures")
    args = p.parse_args(argv)
    users = [int(u) for u in args.users.split(",")]
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    questions = [q["question"] for q in load_questions() if not q.get("history")]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        app = start_app(port, tmp)
        try:
            start_s = wait_ready(url)
            with urllib.request.urlopen(url + "config", timeout=10) as r:
                target = Target(args.route, url, json.load(r))
            asyncio.run(run_load(target, 2, 3, 5, questions))  # warm up (jieba, first queue events)
            browser = browser_latency(url, questions) if args.browser else None
            runs = [(n, 0, args.seconds) for n in users]
            if args.oversized:  # the same few sessions, without and then beside the hostile clients
                runs += [(OVERSIZED_BESIDE, 0, 30.0), (OVERSIZED_BESIDE, args.oversized, 30.0)]
            for n, hostile, seconds in runs:
                cpu0, all0 = cpu_seconds(app.pid), cpu_seconds(app.pid, with_children=True)
                result = asyncio.run(run_load(target, n, seconds, args.cap, questions, hostile))
                done = max(1, result["requests"])
                result["app_cpu_ms_per_request"] = round((cpu_seconds(app.pid) - cpu0) * 1000 / done, 1)
                result["app_and_workers_cpu_ms_per_request"] = round(
                    (cpu_seconds(app.pid, with_children=True) - all0) * 1000 / done, 1)
                result["load_average"] = round(os.getloadavg()[0], 2)
                results.append(result)
            rss = peak_rss_mb(app.pid)
            workers_rss = sum(peak_rss_mb(child) for child in children(app.pid))
        finally:
            app.terminate()
            app.wait(30)
    print_table(results)
    if browser:
        print(f"browser, one user, Enter → answer visible: p50 {browser['p50_ms']:.0f} ms, "
              f"p95 {browser['p95_ms']:.0f} ms ({browser['questions']} questions)")
    report = {"machine": {"cores": os.cpu_count(), "load_average_after": [round(x, 2) for x in os.getloadavg()]},
              "app_start_s": round(start_s, 2), "peak_rss_mb": round(rss, 1),
              "workers_peak_rss_mb": round(workers_rss, 1), "browser": browser, "loads": results}
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    return 0 if not any(r["errors"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
