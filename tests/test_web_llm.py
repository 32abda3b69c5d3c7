"""The web chat with the optional LLM writer: the app streams the model's guarded text, and shows
the extractive answer when the model's text fails the guard. Real app, real browser, and a real
OpenAI-compatible HTTP endpoint on loopback (``fake_openai``)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI, Reply
from webapp import running_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
BOT = '#chat [data-testid="bot"]'
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} missing (apt-get install chromium)")

GOOD = "尘肺病防治攻坚行动由市卫生健康局牵头，市住建局、市财政局、市总工会配合，2020 年制定方案。[1]"
WRONG = "尘肺病防治攻坚行动由市卫生健康局牵头，2021 年制定方案。[1]"  # 2021 is not in the evidence


@pytest.fixture(scope="module")
def app(index_dir, assistant, tmp_path_factory):
    with FakeOpenAI() as llm:
        env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir), "ASSISTANT_LLM_BASE_URL": llm.base_url,
               "ASSISTANT_LLM_API_KEY": "k", "ASSISTANT_LLM_TIMEOUT": "10",
               "ASSISTANT_FEEDBACK_DB": str(tmp_path_factory.mktemp("llmweb") / "fb.sqlite3")}
        with running_app(env) as (url, _):
            yield url, llm


def _ask(page, question: str) -> str:
    n = page.locator(BOT).count()
    page.fill("#ask-box textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function("""([sel, n]) => { const m = document.querySelectorAll(sel);
        return m.length >= n && m[n - 1].querySelector('.answer:not(.streaming)'); }""", arg=[BOT, n + 1])
    return page.locator(BOT).nth(n).inner_text()


def test_chat_streams_the_model_text_and_falls_back_when_it_is_wrong(app):
    from playwright.sync_api import sync_playwright

    url, llm = app
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.set_default_timeout(60_000)
        page.goto(url, wait_until="load")
        page.wait_for_selector("#ask-box textarea")
        llm.reply = Reply(GOOD, chunks=6)
        shown = _ask(page, "尘肺病防治攻坚行动由哪个部门牵头？")
        assert "市住建局、市财政局、市总工会配合" in shown  # the model's own wording
        assert any(body.get("stream") for _, body in llm.requests)  # it was asked to stream
        llm.reply = Reply(WRONG, chunks=3)
        shown = _ask(page, "三项岗位安全技能培训谁负责？")
        assert "2021" not in shown and "市应急管理局" in shown  # the extractive answer replaced it
        browser.close()
