"""Nothing leaves the machine: the CLI and the web app run under a guard that refuses and records
any connection or name lookup that is not to loopback (covers chromadb, gradio, jieba, the model)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from webapp import guarded_env, running_app

ROOT = Path(__file__).resolve().parent.parent


def test_guard_is_active(tmp_path):
    log = tmp_path / "net.log"
    code = "import urllib.request\ntry:\n urllib.request.urlopen('http://example.com', timeout=3)\nexcept Exception as e: print(e)"
    out = subprocess.run([sys.executable, "-c", code], env=guarded_env(tmp_path, log), capture_output=True, text=True)
    assert "netguard" in out.stdout and "example.com" in log.read_text()


def test_cli_build_and_answer_make_no_outbound_connection(tmp_path):
    """A build from nothing and a batch of answers, with the library environment variables unset
    (the code itself must turn telemetry and hub look-ups off)."""
    log = tmp_path / "net.log"
    env = guarded_env(tmp_path / "index", log)
    questions = "尘肺病防治谁牵头？\nwho leads the 尘肺病 action\n住房公积金能交房租吗？\n".encode()
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "--json", "-"], input=questions, cwd=ROOT,
                         env=env, capture_output=True, timeout=300)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    assert "市卫生健康局" in out.stdout.decode()
    assert not log.exists() or log.read_text() == "", log.read_text()


def test_web_app_answering_makes_no_outbound_connection(tmp_path):
    from gradio_client import Client

    log = tmp_path / "net.log"
    with running_app(guarded_env(tmp_path / "index", log), limit=180, output=subprocess.PIPE) as (url, proc):
        result = Client(url, verbose=False).predict("尘肺病防治攻坚行动由哪个部门牵头？", api_name="/ask")
        assert "市卫生健康局" in str(result)
    output = proc.stdout.read().decode(errors="replace")
    assert not log.exists() or log.read_text() == "", log.read_text() + output[-2000:]
