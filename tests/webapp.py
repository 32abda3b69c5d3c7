"""Starting the real web app for tests: ``with running_app(env) as (url, proc): …``."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(env: dict, limit: float = 240, output=subprocess.DEVNULL) -> Iterator[tuple[str, subprocess.Popen]]:
    """``python app.py`` on a free loopback port, yielded once it answers HTTP 200; stopped after."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=output, stderr=subprocess.STDOUT if output is not subprocess.DEVNULL else output)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.25)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


GUARD = Path(__file__).resolve().parent / "netguard"


def guarded_env(index_dir: Path, log: Path, **extra: str) -> dict:
    """An environment under the project's network guard (``tests/netguard``): every connection or
    name look-up that is not to loopback is refused and written to ``log``. The library variables
    that switch telemetry off are unset, so the code itself must switch it off."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "GRADIO_", "ANONYMIZED"))}
    return {**env, "PYTHONPATH": str(GUARD), "NETGUARD_LOG": str(log), "ASSISTANT_INDEX_DIR": str(index_dir),
            "ASSISTANT_FEEDBACK_DB": str(log.with_suffix(".sqlite3")), **extra}


class Events:
    """Gradio events over HTTP as the page sends them: join the queue, read the event stream.

    Lets a test send what a hostile client would (any payload for any event), which the page
    itself never does."""

    def __init__(self, url: str):
        import httpx

        self.url = url.rstrip("/")
        self.http = httpx.Client(timeout=60)
        config = self.http.get(self.url + "/config").json()
        self.deps = {d["api_name"]: d for d in config["dependencies"] if d.get("api_name")}

    def join(self, api_name: str, data: list, event_data=None, session: str | None = None):
        """POST /gradio_api/queue/join; the raw response."""
        import uuid

        dep = self.deps[api_name]
        session = session or uuid.uuid4().hex[:11]
        body = {"data": data, "event_data": event_data, "fn_index": dep["id"],
                "trigger_id": dep["targets"][0][0] if dep["targets"] else None, "session_hash": session}
        return self.http.post(self.url + "/gradio_api/queue/join", json=body), session

    def run(self, api_name: str, data: list, event_data=None) -> list:
        """The event's outputs (the last message of its stream); AssertionError if it failed."""
        import json

        response, session = self.join(api_name, data, event_data)
        assert response.status_code == 200, (response.status_code, response.text[:300])
        with self.http.stream("GET", self.url + "/gradio_api/queue/data", params={"session_hash": session}) as s:
            for line in s.iter_lines():
                if line.startswith("data:"):
                    msg = json.loads(line[5:])
                    if msg["msg"] == "process_completed":
                        assert msg.get("success"), msg
                        return msg["output"]["data"]
        raise AssertionError("event stream ended without a result")

    def close(self) -> None:
        self.http.close()
