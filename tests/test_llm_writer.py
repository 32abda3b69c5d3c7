"""The optional model writer against a real HTTP endpoint on loopback (``fake_openai``) speaking the
OpenAI chat-completions protocol: a good reply is used; a wrong number, an invented unit, a
timeout or an HTTP 500 fall back to the extractive answer, with the reason logged."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant import Answer, Assistant, Citation
from assistant.llm import violation
from assistant.records import Units
from fake_openai import FakeOpenAI, Reply  # tests/ is on sys.path under pytest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 1.5
Q = "尘肺病防治攻坚行动由哪个部门牵头？"
GOOD = "尘肺病防治攻坚行动由市卫生健康局牵头，市住建局、市财政局、市总工会配合；2019 年启动，2020 年制定方案。[1]"
REFUSAL_Q = "去考个证书政府补贴多少钱？"


@pytest.fixture(scope="module")
def server():
    with FakeOpenAI() as s:
        yield s


@pytest.fixture(scope="module")
def phrased(server, assistant, index_dir):
    """An Assistant whose answers the fake endpoint phrases (the shared index is already built)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSISTANT_LLM_BASE_URL", server.base_url)
        mp.setenv("ASSISTANT_LLM_MODEL", "fake-model")
        mp.setenv("ASSISTANT_LLM_API_KEY", "test-key")
        mp.setenv("ASSISTANT_LLM_TIMEOUT", str(TIMEOUT))
        a = Assistant(index_dir=index_dir, quiet=True)
    assert a.llm is not None
    return a


def test_good_reply_is_used_with_the_engines_found_and_citations(server, phrased):
    engine = phrased.compose(Q)
    server.reply = Reply(GOOD)
    ans = phrased.ask(Q)
    assert ans.answer == GOOD
    assert ans.found == engine.found and ans.citations == engine.citations and ans.facts == engine.facts
    headers, body = server.requests[-1]
    assert body["model"] == "fake-model" and headers.get("authorization") == "Bearer test-key"
    prompt = "\n".join(m["content"] for m in body["messages"])
    assert engine.citations[0].text in prompt and Q in prompt and "Simplified Chinese" in prompt


def test_refusal_stays_a_refusal(server, phrased):
    engine = phrased.compose(REFUSAL_Q)
    assert not engine.found and len(engine.citations) == 1  # the nearest text; no unit, as none leads this
    text = "文件没有写明考证补贴的具体金额；只说对参加企业新型学徒培训的在职职工给予一定标准的补贴[1]。"
    server.reply = Reply(text)
    ans = phrased.ask(REFUSAL_Q)
    assert ans.answer == text and not ans.found and ans.citations == engine.citations
    assert "does not answer" in server.requests[-1][1]["messages"][0]["content"]


def test_english_question_is_answered_in_english(server, phrased):
    server.reply = Reply("The lead unit is 市卫生健康局 (Health Bureau). [1]")
    ans = phrased.ask("who leads the 尘肺病 action?")
    assert ans.answer.startswith("The lead unit") and "English" in server.requests[-1][1]["messages"][0]["content"]


@pytest.mark.parametrize("reply, reason", [
    (Reply(GOOD.replace("2020", "2021")), "number 2021"),
    (Reply(GOOD.replace("市卫生健康局", "市教育局")), "unit 市教育局"),
    (Reply(GOOD.replace("[1]", "[2]")), "[2], which is not a source"),
    (Reply(GOOD.replace("[1]", "")), "leaves out source [1]"),
    (Reply(GOOD, status=500), "Error code: 500"),
    (Reply(GOOD, delay=TIMEOUT + 3), "Timeout"),
], ids=["wrong-number", "invented-unit", "invented-marker", "missing-marker", "http-500", "timeout"])
def test_bad_reply_falls_back_to_the_extractive_answer(server, phrased, caplog, reply, reason):
    engine = phrased.compose(Q)
    server.reply = reply
    start = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="assistant.llm"):
        ans = phrased.ask(Q)
    assert ans == engine
    assert time.monotonic() - start < TIMEOUT + 2  # promptly: no retries, no waiting out the server
    assert any(reason in r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]


def test_stream_yields_chunks_then_the_final_answer(server, phrased):
    server.reply = Reply(GOOD, chunks=5)
    items = list(phrased.ask_stream(Q))
    chunks, final = items[:-1], items[-1]
    assert len(chunks) >= 3 and all(isinstance(c, str) for c in chunks) and "".join(chunks) == GOOD
    assert isinstance(final, Answer) and final.answer == GOOD and final.citations == phrased.compose(Q).citations
    assert server.requests[-1][1]["stream"] is True


@pytest.mark.parametrize("reply", [Reply(GOOD.replace("2020", "2030")), Reply(GOOD, status=500),
                                   Reply(GOOD, delay=TIMEOUT + 3)], ids=["guard", "http-500", "timeout"])
def test_stream_ends_with_the_extractive_answer_when_the_model_fails(server, phrased, reply):
    server.reply = reply
    items = list(phrased.ask_stream(Q))
    assert items[-1] == phrased.compose(Q) and all(isinstance(c, str) for c in items[:-1])


def test_guard_reads_numbers_across_spacing_and_width():
    engine = Answer(question="q", answer="技能劳动者总数：“技能劳动者总数超过 23 万”（2025 年）[1]。", found=True,
                    route="target", lang="zh", citations=[Citation("general", "一、总体要求", "技能劳动者总数超过 23 万")])
    assert violation("到２０２５年超过23万人[1]。", engine, Units()) is None
    assert violation("到2025年超过24万人[1]。", engine, Units()) == "number 24 is not in the evidence"


def test_off_by_default_and_langchain_openai_not_imported(index_dir, assistant):
    code = ("import sys; from assistant import Assistant; a = Assistant(index_dir=sys.argv[1], quiet=True); "
            "items = list(a.ask_stream('尘肺病防治谁牵头？')); "
            "print(a.llm is None, len(items), 'langchain_openai' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_LLM_")}
    out = subprocess.run([sys.executable, "-c", code, str(index_dir)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.stdout.split() == ["True", "1", "False"], out.stderr


def test_requiring_a_model_without_endpoint_is_a_clear_error(index_dir, assistant, monkeypatch):
    monkeypatch.delenv("ASSISTANT_LLM_BASE_URL", raising=False)
    with pytest.raises(ValueError, match="ASSISTANT_LLM_BASE_URL"):
        Assistant(index_dir=index_dir, quiet=True, llm=True)


def _echo_draft(body: dict) -> Reply:
    """A model that returns the engine's draft unchanged: always passes the guard."""
    prompt = body["messages"][-1]["content"]
    return Reply(prompt.split("Draft:\n", 1)[1].split("\n\nSources:\n", 1)[0])


def test_eval_runs_the_llm_system(server, index_dir, assistant, tmp_path, monkeypatch, capsys):
    from eval.__main__ import main

    questions = tmp_path / "q.jsonl"
    lines = (ROOT / "eval" / "tune.jsonl").read_text(encoding="utf-8").splitlines()[:8]
    questions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(index_dir))
    monkeypatch.delenv("ASSISTANT_LLM_BASE_URL", raising=False)
    assert main(["--questions", str(questions), "--system", "llm"]) == 2
    assert "ASSISTANT_LLM_BASE_URL" in capsys.readouterr().err
    monkeypatch.setenv("ASSISTANT_LLM_BASE_URL", server.base_url)
    server.reply = _echo_draft
    assert main(["--questions", str(questions), "--system", "full", "--system", "llm"]) == 0
    out = capsys.readouterr().out
    assert "## llm" in out and "## full" in out


def test_guard_accepts_every_engine_draft(assistant):
    """No false alarms: the extractive answers themselves pass the guard, for every eval question."""
    for line in (ROOT / "eval" / "tune.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        engine = assistant.compose(item["question"], item.get("history"))
        assert violation(engine.answer, engine, assistant.units) is None, item["id"]
