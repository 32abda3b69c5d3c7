"""Replicas starting together on one index folder, as real processes: one builds, the others wait on
the build lock and open its build; and a start never sweeps a build that is still being written."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from assistant.store import FolderStore

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "尘肺病防治攻坚行动由哪个部门牵头？"
REPLICAS = 20


def _start(args: list[str], index_dir: Path, log: Path) -> tuple[subprocess.Popen, Path]:
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir)}
    with (log.with_suffix(".out")).open("wb") as out, (log.with_suffix(".err")).open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err)
    return proc, log


def test_twenty_processes_start_together_on_an_empty_folder(tmp_path):
    """Before the build lock, 16 of 20 failed with "attempt to write a readonly database": a finished
    build swept the builds others were still writing."""
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    started = time.perf_counter()
    procs = [_start(["ask", "--json", QUESTION], index_dir, tmp_path / f"replica{i}") for i in range(REPLICAS)]
    codes = [proc.wait(timeout=1800) for proc, _ in procs]
    wall = time.perf_counter() - started
    errs = [log.with_suffix(".err").read_text() for _, log in procs]
    answers = [json.loads(log.with_suffix(".out").read_text() or "{}").get("answer", "") for _, log in procs]
    print(f"{REPLICAS} processes on an empty folder: {codes.count(0)} exited 0, "
          f"{sum('市卫生健康局' in a for a in answers)} answered, {wall:.1f} s wall")
    assert codes == [0] * REPLICAS, [e for e in errs if e][:3]
    assert all("市卫生健康局" in a for a in answers)
    assert not [e for e in errs if "Traceback" in e or "error" in e]
    assert sum("building it" in e for e in errs) == 1  # one built; the others waited, then opened its build
    builds = [p.name for p in index_dir.glob("build-*")]
    assert builds == [(index_dir / "CURRENT").read_text().strip()]


def test_a_start_never_sweeps_a_build_in_progress(tmp_path, index_dir, assistant):
    """A process that starts while another is building finds an extra build folder; it must leave it
    alone (the builder holds the lock), and the builder's build goes live intact. The builder is
    paused (SIGSTOP) while the other process runs, so the overlap is certain, not a race."""
    folder = tmp_path / "index"
    shutil.copytree(index_dir, folder, ignore=shutil.ignore_patterns(FolderStore.LOCK))
    old = (folder / "CURRENT").read_text().strip()
    builder, log = _start(["build", "--force"], folder, tmp_path / "builder")
    try:
        deadline = time.time() + 300
        while not (new := [p for p in folder.glob("build-*") if p.name != old and (p / "chroma").exists()]):
            assert builder.poll() is None and time.time() < deadline, log.with_suffix(".err").read_text()
            time.sleep(0.05)
        builder.send_signal(signal.SIGSTOP)
        in_progress = new[0]
        reader, rlog = _start(["ask", "--json", QUESTION], folder, tmp_path / "reader")
        assert reader.wait(timeout=300) == 0, rlog.with_suffix(".err").read_text()
        assert "市卫生健康局" in json.loads(rlog.with_suffix(".out").read_text())["answer"]
        assert in_progress.exists() and (folder / "CURRENT").read_text().strip() == old
        builder.send_signal(signal.SIGCONT)
        assert builder.wait(timeout=600) == 0, log.with_suffix(".err").read_text()
    finally:
        if builder.poll() is None:
            builder.kill()
            builder.wait()
    assert (folder / "CURRENT").read_text().strip() == in_progress.name
    assert [p.name for p in folder.glob("build-*")] == [in_progress.name]  # the old live build was swept
