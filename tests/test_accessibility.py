"""Accessibility of the page, measured: axe-core (through axe-playwright-python) on every tab, on a
phone and a desktop, light and dark, with answers and their sources on screen; what a screen reader
gets for a chat message; the tab order; a visible focus ring. One app, one browser.
"""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from browsing import BOT, DESKTOP, PHONE, app_server, ask, chromium, needs_chromium, open_page

pytestmark = needs_chromium

TABS = {"对话 Chat": "#chat", "责任分工": "#duties-table tbody tr", "目标": "#milestone-chart img", "原文": "#src-m22"}
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def server(assistant, index_dir, tmp_path_factory):
    with app_server(index_dir, tmp_path_factory.mktemp("a11y")) as running:
        yield running[0]


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def axe():
    return Axe()


def _problems(axe, page, where: str) -> list[str]:
    found = axe.run(page).response["violations"]
    return [f"{where}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes'][:3]]}"
            for v in found if v["impact"] in BLOCKING]


# Every tab on a phone and on a desktop, each tab in both colour schemes; the chat (where most of
# the page's own colours are) in all four combinations. axe takes seconds on the long tabs.
@pytest.mark.parametrize("device, scheme, tabs", [("phone", "light", TABS), ("desktop", "dark", TABS),
                                                  ("phone", "dark", ["对话 Chat"]), ("desktop", "light", ["对话 Chat"])],
                         ids=["phone-light", "desktop-dark", "phone-dark-chat", "desktop-light-chat"])
def test_no_serious_axe_violations_on_any_tab(browser, server, axe, device, scheme, tabs):
    page = open_page(browser, server, color_scheme=scheme, **(PHONE if device == "phone" else DESKTOP))
    ask(page, "住房公积金能交房租吗？")
    answer = ask(page, "who leads the 尘肺病 action")
    answer.locator("details.msg-sources summary").click()
    problems = []
    for tab in tabs:
        ready = TABS[tab]
        page.get_by_role("tab", name=tab).click()
        page.locator(ready).first.wait_for()
        problems += _problems(axe, page, f"{device}/{scheme}/{tab}")
    if device == "phone":  # the source dialog, open
        page.get_by_role("tab", name="对话 Chat").click()
        answer.locator("a.cite-link").first.tap()
        page.locator("#src-dialog").wait_for(state="visible")
        problems += _problems(axe, page, f"{device}/{scheme}/source dialog")
    page.context.close()
    assert problems == []


def test_chat_messages_expose_their_text_not_markup(browser, server):
    page = open_page(browser, server, **DESKTOP)
    ask(page, "尘肺病防治攻坚行动由哪个部门牵头？")
    labels = page.evaluate("[...document.querySelectorAll('#chat [aria-label]')].map(e => e.getAttribute('aria-label'))")
    assert not [label for label in labels if "<" in label], labels
    tree = page.locator(BOT).first.aria_snapshot()
    page.context.close()
    assert "市卫生健康局" in tree and "<div" not in tree and "class=" not in tree
    assert 'link "[1]"' in tree  # the marker is a link to its source


def test_tab_reaches_the_question_box_before_old_answers(browser, server):
    page = open_page(browser, server, **DESKTOP)
    for q in ("住房公积金能交房租吗？", "尘肺病防治攻坚行动由哪个部门牵头？", "市总工会牵头哪些任务？"):
        ask(page, q)
    page.get_by_role("tab", name="对话 Chat").focus()
    passed = []
    for _ in range(12):
        page.keyboard.press("Tab")
        where = page.evaluate("""() => { const e = document.activeElement;
            return e.closest('#ask-box') ? 'box' : e.closest('#chat') ? 'chat' : e.tagName; }""")
        if where == "box":
            break
        passed.append(where)
    page.context.close()
    assert where == "box" and "chat" not in passed, passed


def test_focus_is_visible_on_the_ask_button_and_answer_controls(browser, server):
    page = open_page(browser, server, **DESKTOP)
    ask(page, "住房公积金能交房租吗？")
    page.focus("#ask-box textarea")
    rings = {}
    for target in ("#ask-btn", "#chat a.cite-link", "#chat details.msg-sources summary", "#chat button.copy-answer"):
        page.keyboard.press("Tab")
        while not page.evaluate("s => document.activeElement.matches(s)", target):
            page.keyboard.press("Tab")
        rings[target] = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
            return [s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
    page.context.close()
    assert all(style != "none" and width >= 2 for style, width in rings.values()), rings
