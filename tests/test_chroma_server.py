"""The index on a real Chroma server (``chroma run`` on loopback): built once, shared by a second
Assistant, the same answers as the embedded folder, a stale manifest rebuilt, a half-built collection
ignored."""
from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.index import embedding_function
from assistant.store import ServerStore, new_build_name

ROOT = Path(__file__).resolve().parent.parent
CHROMA = Path(sys.executable).parent / "chroma"
QUESTIONS = ROOT / "eval" / "tune.jsonl"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    if not CHROMA.exists():
        pytest.skip(f"no Chroma server executable at {CHROMA}")
    folder = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    log = (folder / "server.log").open("wb")
    proc = subprocess.Popen([str(CHROMA), "run", "--path", str(folder / "data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                tail = (folder / "server.log").read_text(errors="replace")[-800:]
                pytest.skip(f"`chroma run` did not start (exit {proc.poll()}): {tail}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def served(chroma_url):
    a = Assistant(chroma_url=chroma_url, quiet=True)
    assert a.built and a.index.location.startswith(chroma_url)
    return a


def _answers(a: Assistant, items: list[dict]) -> list[tuple]:
    out = []
    for item in items:
        ans = a.ask(item["question"], item.get("history"))
        out.append((item["id"], ans.answer, ans.found, [c.id for c in ans.citations]))
    return out


def test_answers_match_the_embedded_index(served, assistant):
    with QUESTIONS.open(encoding="utf-8") as f:
        items = [json.loads(line) for line in itertools.islice(f, 40)]
    assert _answers(served, items) == _answers(assistant, items)


def test_second_assistant_reuses_the_index(served, chroma_url):
    other = Assistant(chroma_url=chroma_url, quiet=True)
    assert not other.built and other.index.location == served.index.location
    assert "市卫生健康局" in other.ask("尘肺病防治攻坚行动由哪个部门牵头？").answer


def test_cli_uses_the_server(served, chroma_url, tmp_path):
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(tmp_path / "unused")}
    out = subprocess.run([sys.executable, "-m", "assistant", "build", "--chroma-url", chroma_url], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "up to date" in out.stdout and chroma_url in out.stdout, out.stderr
    assert not (tmp_path / "unused").exists()


def test_half_built_collection_is_ignored_then_swept(served, chroma_url):
    """What a build killed halfway leaves on the server: a collection the pointer never named."""
    store = ServerStore(chroma_url)
    live = store.live()
    dead = new_build_name()
    collection = store.create(dead, embedding_function(served.embeddings, served.model), dict(served.index.manifest))
    collection.add(ids=["x"], embeddings=[served.embeddings.embed_query("x")], documents=["x"])
    a = Assistant(chroma_url=chroma_url, quiet=True)
    assert not a.built and store.live() == live and dead in store.builds()
    assert "市卫生健康局" in a.ask("尘肺病防治攻坚行动由哪个部门牵头？").answer


def test_stale_manifest_on_the_server_is_rebuilt(served, chroma_url):
    """Last in this file: the rebuild sweeps the build the other Assistants read."""
    store = ServerStore(chroma_url)
    old = store.live()
    collection = store.client.get_collection(store.PREFIX + old, embedding_function=None)
    collection.modify(metadata={**collection.metadata, "corpus_sha256": "an-older-corpus"})
    a = Assistant(chroma_url=chroma_url, quiet=True)
    assert a.built and store.live() != old
    assert store.builds() == [store.live()]  # the stale build and the half-built one are gone
    assert "市卫生健康局" in a.ask("尘肺病防治攻坚行动由哪个部门牵头？").answer
    assert not Assistant(chroma_url=chroma_url, quiet=True).built
