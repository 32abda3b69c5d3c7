"""What a worker on a phone, a union officer at a desk and an English reader meet on the page
(issue 12): the page opens at the top, copy gives plain text, a source opens in place and closes,
quotes are readable in dark mode, English answers get English source headings, a cut question is
announced, Enter while answering is answered, and data tabs fit a phone. One app, one browser.
"""
from __future__ import annotations

import statistics

import pytest
from browsing import BOT, CONTRAST_JS, DESKTOP, PHONE, app_server, ask, chromium, needs_chromium, open_page, wait_answers

from assistant.limits import MAX_QUESTION_CHARS
from web.sources import english_headings

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(assistant, index_dir, tmp_path_factory):
    with app_server(index_dir, tmp_path_factory.mktemp("web-page")) as running:
        yield running[0]


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def phone(browser, server):
    page = open_page(browser, server, **PHONE)
    yield page
    page.context.close()


def _selected_tab(page) -> str:
    return page.evaluate("document.querySelector('[role=tab][aria-selected=true]').textContent.trim()")


def test_page_opens_at_the_top_also_with_a_restored_chat(phone):
    phone.wait_for_timeout(300)  # give any focus or scroll a chance to happen
    assert phone.evaluate("scrollY") == 0
    assert phone.evaluate("document.activeElement.tagName") != "TEXTAREA"  # no keyboard popping up
    ask(phone, "住房公积金能交房租吗？")
    phone.reload(wait_until="load")
    wait_answers(phone, 1)
    phone.wait_for_timeout(300)
    assert phone.evaluate("scrollY") == 0


def test_copy_gives_plain_text_with_numbered_sources(browser, server):
    page = open_page(browser, server, **DESKTOP)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    answer = ask(page, "尘肺病防治攻坚行动由哪个部门牵头？")
    answer.locator("button.copy-answer").click()
    page.wait_for_function("() => document.querySelector('button.copy-answer').textContent.includes('已复制')")
    text = page.evaluate("navigator.clipboard.readText()")
    page.context.close()
    assert "<" not in text and "&" not in text and "class=" not in text
    first, _, sources = text.partition("\n\n来源 Sources:\n")
    assert "市卫生健康局" in first and first.rstrip().endswith("[1]")
    assert sources.startswith("[1] 附件 19 · 完善产业工人权益保障机制 · 第 4 项 (a19.4)\n    ")


def test_a_source_opens_in_place_on_a_phone_and_closes(phone):
    answer = ask(phone, "尘肺病防治攻坚行动由哪个部门牵头？")
    marker = answer.locator("a.cite-link").first
    assert marker.get_attribute("href") == "#t0-s1"  # the [1] marker is a link to its source
    marker.tap()
    dialog = phone.locator("#src-dialog")
    dialog.wait_for(state="visible")
    y = phone.evaluate("scrollY")
    assert "组织开展尘肺病防治攻坚行动" in dialog.inner_text() and "市住建局" in dialog.inner_text()
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # fits the phone
    dialog.get_by_role("button", name="← 返回对话 Back to chat").click()
    dialog.wait_for(state="hidden")
    assert phone.evaluate("scrollY") == y and _selected_tab(phone).startswith("对话")
    assert phone.locator(BOT).count() == 1
    marker.tap()  # the phone's Back button closes it too, and stays on the page
    dialog.wait_for(state="visible")
    url = phone.url
    phone.go_back()
    dialog.wait_for(state="hidden")
    assert phone.url == url and phone.locator(BOT).count() == 1


def test_a_marker_on_a_desktop_opens_the_card_in_the_message(browser, server):
    page = open_page(browser, server, **DESKTOP)
    answer = ask(page, "住房公积金能交房租吗？")
    assert not answer.locator("details.msg-sources").evaluate("d => d.open")
    answer.locator("a.cite-link").first.click()
    page.wait_for_function("() => document.activeElement.id === 't0-s1'")
    assert answer.locator("details.msg-sources").evaluate("d => d.open")
    assert page.locator("#src-dialog[open]").count() == 0
    page.context.close()


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_quotes_and_highlights_are_readable(browser, server, scheme):
    page = open_page(browser, server, color_scheme=scheme, **DESKTOP)
    answer = ask(page, "住房公积金能交房租吗？")
    answer.locator("details.msg-sources summary").click()
    ratios = {}
    for sel in (".quoted", "mark", ".quoted mark", "sup.cite a", "details.msg-sources summary"):
        for where in (answer, page.locator("#sources-panel")):
            found = where.locator(sel)
            if found.count():
                ratios[sel] = min(ratios.get(sel, 99), found.first.evaluate(CONTRAST_JS)["ratio"])
    page.context.close()
    assert {".quoted", "mark"} <= set(ratios)
    assert all(r >= 4.5 for r in ratios.values()), ratios


def test_english_answer_has_english_source_headings(browser, server, assistant):
    question = "who leads the 尘肺病 action"
    assert assistant.ask(question, []).lang in ("en", "mixed")  # the engine reads it as English
    page = open_page(browser, server, **DESKTOP)
    answer = ask(page, question)
    heading = f"Annex item 19 · {english_headings().annex[19]} · task 4"
    head = answer.locator(".src-card .src-head").first.text_content()
    assert heading in head and "附件 19 · 完善产业工人权益保障机制" in head  # Chinese kept alongside
    assert heading in page.locator("#sources-panel").inner_text()
    chinese = ask(page, "尘肺病防治攻坚行动由哪个部门牵头？")  # a Chinese turn keeps Chinese headings only
    assert "Annex item" not in chinese.locator(".src-card").first.text_content()
    page.context.close()


def test_a_cut_question_is_announced(browser, server):
    page = open_page(browser, server, **DESKTOP)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    box = page.locator("#ask-box textarea")
    box.click()
    box.type("问")
    assert page.inner_text("#ask-count") == f"1 / {MAX_QUESTION_CHARS}"
    page.evaluate("n => navigator.clipboard.writeText('长'.repeat(n))", MAX_QUESTION_CHARS + 1000)
    page.keyboard.press("Control+V")
    page.wait_for_function("() => document.querySelector('#ask-warn').textContent.length > 0")
    assert len(box.input_value()) == MAX_QUESTION_CHARS
    warning = page.inner_text("#ask-warn")
    assert "截断" in warning and "1001" in warning and str(MAX_QUESTION_CHARS) in warning
    assert page.locator("#ask-warn").is_visible()
    assert page.inner_text("#ask-count") == f"{MAX_QUESTION_CHARS} / {MAX_QUESTION_CHARS}"
    page.keyboard.press("Backspace")  # back under the limit by the user's own edit: the warning goes
    page.wait_for_function("() => document.querySelector('#ask-warn').textContent === ''")
    page.context.close()


def test_enter_while_answering_is_not_ignored(browser, server):
    page = open_page(browser, server, **DESKTOP)
    held = []  # hold the first question's request, so "while answering" lasts as long as the test needs
    page.route("**/gradio_api/queue/join*", lambda route: held.append(route))
    page.fill("#ask-box textarea", "住房公积金能交房租吗？")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#ask-btn').getAttribute('aria-busy') === 'true'")
    assert "正在回答" in page.inner_text("#ask-status")
    page.fill("#ask-box textarea", "尘肺病防治谁牵头？")
    page.keyboard.press("Enter")
    assert "还在回答" in page.inner_text("#ask-status")  # said, not silently dropped
    assert page.input_value("#ask-box textarea") == "尘肺病防治谁牵头？"  # the new question is kept
    for route in held:
        route.continue_()
    page.unroute("**/gradio_api/queue/join*")
    wait_answers(page, 1)
    page.wait_for_function("() => document.querySelector('#ask-btn').getAttribute('aria-busy') === 'false'")
    assert page.input_value("#ask-box textarea") == "尘肺病防治谁牵头？"  # still there once the answer is done
    page.keyboard.press("Enter")
    assert "市卫生健康局" in wait_answers(page, 2).inner_text()
    page.context.close()


def test_data_tabs_fit_a_phone(phone):
    phone.get_by_role("tab", name="责任分工").click()
    row = phone.locator("#duties-table tbody tr").first
    row.wait_for()
    for cls in ("c-task", "c-lead", "c-coop"):  # 牵头/配合 on screen without sideways scrolling
        box = row.locator(f"td.{cls}").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (cls, box)
    label = row.locator("td.c-lead").evaluate("td => getComputedStyle(td, '::before').content")
    assert "牵头单位" in label
    phone.get_by_role("tab", name="目标").click()
    phone.wait_for_function("""() => { const i = document.querySelector('#milestone-chart img');
        return i && i.complete && i.naturalWidth > 0; }""")
    img = phone.locator("#milestone-chart img").evaluate(
        "i => ({shown: i.getBoundingClientRect().width, natural: i.naturalWidth})")
    assert img["shown"] <= 390 and img["natural"] >= 2 * img["shown"]  # sharp at the phone's pixel ratio
    wrap = phone.locator("#milestone-table .table-wrap").evaluate("w => [w.scrollWidth, w.clientWidth]")
    assert wrap[0] <= wrap[1], wrap


def test_time_from_enter_to_a_visible_answer(browser, server):
    """A figure, not a test of speed: printed for the README (run with -s)."""
    page = open_page(browser, server, **DESKTOP)
    page.evaluate("""() => {
      window.__t = [];
      document.addEventListener('keydown', (e) => { if (e.key === 'Enter') window.__t0 = performance.now(); }, true);
      new MutationObserver(() => {
        const m = document.querySelectorAll('#chat [data-testid="bot"]');
        const last = m[m.length - 1];
        const rec = window.__t[m.length - 1] || (window.__t[m.length - 1] = {});
        if (last && !rec.first && last.querySelector('.answer-text') && last.querySelector('.answer-text').textContent.trim())
          rec.first = performance.now() - window.__t0;
        if (last && !rec.done && last.querySelector('.answer:not(.streaming)')) rec.done = performance.now() - window.__t0;
      }).observe(document.querySelector('#chat'), { subtree: true, childList: true, characterData: true });
    }""")
    questions = ["住房公积金能交房租吗？", "尘肺病防治攻坚行动由哪个部门牵头？", "who leads the 尘肺病 action",
                 "高技能人才目标是多少？", "市总工会牵头哪些任务？", "评上技师有啥补贴？"]
    for q in questions:
        ask(page, q)
    times = page.evaluate("window.__t")
    page.context.close()
    first = [t["first"] for t in times]
    done = [t["done"] for t in times]
    print(f"\nEnter → first answer text visible: median {statistics.median(first):.0f} ms, max {max(first):.0f} ms; "
          f"Enter → complete answer: median {statistics.median(done):.0f} ms, max {max(done):.0f} ms "
          f"({len(times)} questions, one user)")
    assert len(times) == len(questions)
