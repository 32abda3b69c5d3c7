"""What a hostile client can make the web app do, tried against the real app under the network guard
(``tests/netguard``: every connection or name look-up off loopback is refused and logged).

One app for the module. Each test sends what the page never would, over real HTTP, and checks the
refusal is a clear 4xx JSON message; at the end the guard's log must be empty: nothing the clients
asked for made the server (or the browser, which runs outside the guard and is watched through its
own request events) reach off the machine.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest
from webapp import Events, guarded_env, running_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

# Public and private hosts, by name and by address. Under the guard none can be reached, but gradio's
# own route would try: a look-up first, and for a private address a DNS-over-HTTPS query.
URLS = ["http://example.com/pixel.png", "https://example.com/", "http://93.184.216.34/x.png", "http://10.1.2.3/x",
        "http://192.168.1.1/", "http://intranet.corp/secret", "http://[2606:2800:220:1::1]/", "http://169.254.169.254/"]
FILE_ROUTES = ["gradio_api/file={}", "file={}", "gradio_api/proxy={}", "proxy={}"]


@pytest.fixture(scope="module")
def app(index_dir, assistant, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("security")
    log = tmp / "net.log"
    with running_app(guarded_env(index_dir, log), output=subprocess.PIPE) as (url, proc):
        yield url, log, tmp / "net.sqlite3"
    if log.exists():
        assert log.read_text() == "", "the app reached off the machine:\n" + log.read_text()


@pytest.fixture(scope="module")
def events(app):
    ev = Events(app[0])
    yield ev
    ev.close()


def _refused(r: httpx.Response, status: int | tuple = (400, 403, 404, 413)) -> dict:
    statuses = status if isinstance(status, tuple) else (status,)
    assert r.status_code in statuses, (r.status_code, r.text[:300])
    body = r.json()
    assert body["error"]["message"], body
    return body


@pytest.mark.parametrize("route", FILE_ROUTES)
def test_no_route_fetches_a_client_named_url(app, route):
    url, log, _ = app
    for target in URLS:
        for form in (target, target.replace("://", "%3A%2F%2F"), target.replace("://", "%253A%252F%252F"),
                     "//" + target.split("://", 1)[1]):
            for method in ("GET", "HEAD"):
                r = httpx.request(method, url + route.format(form), timeout=10)
                assert r.status_code == 403, (method, route, form, r.status_code)
    assert not log.exists() or log.read_text() == "", log.read_text()


def test_event_payloads_naming_files_are_refused(app, events):
    """gradio downloads (or copies) a file an event payload names, whatever the input component."""
    url, log, _ = app
    for target in ("http://example.com/a.png", "http://10.1.2.3/a.png", "/etc/passwd"):
        file_obj = {"path": target, "url": target, "meta": {"_type": "gradio.FileData"}}
        r, _ = events.join("respond", ["尘肺病防治谁牵头？", [file_obj]])
        assert _refused(r, 400)["error"]["code"] == "files_disabled"
        r = httpx.post(url + "gradio_api/call/ask", json={"data": ["q", [file_obj]]}, timeout=10)
        assert _refused(r, 400)["error"]["code"] == "files_disabled"
    assert not log.exists() or log.read_text() == "", log.read_text()


def test_uploads_are_refused(app):
    url = app[0]
    r = httpx.post(url + "gradio_api/upload", files={"files": ("a.txt", b"hello")}, timeout=10)
    assert _refused(r, 403)["error"]["code"] == "uploads_disabled"
    big = httpx.post(url + "gradio_api/upload", content=b"x" * (3 << 20),
                     headers={"content-type": "multipart/form-data; boundary=x"}, timeout=30)
    _refused(big, (403, 413))


def test_request_bodies_have_a_size_limit(app):
    """A 40-turn conversation of 50 000-character turns is refused before it is read in full."""
    from web.guard import CHAT_REQUEST_BYTES

    url = app[0]
    turns = [{"q": "问" * 50_000, "answer": "答" * 50_000, "citations": []}] * 40
    body = json.dumps({"data": ["尘肺病防治谁牵头？", turns], "fn_index": 0, "session_hash": "x"}).encode()
    assert len(body) > CHAT_REQUEST_BYTES
    r = httpx.post(url + "gradio_api/queue/join", content=body, headers={"content-type": "application/json"},
                   timeout=30)
    assert _refused(r, 413)["error"]["code"] == "request_too_large"

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(CHAT_REQUEST_BYTES // 65536 + 2):
            yield b" " * 65536

    r = httpx.post(url + "gradio_api/queue/join", content=chunks(), headers={"content-type": "application/json"},
                   timeout=30)
    assert _refused(r, 413)["error"]["code"] == "request_too_large"


def test_text_that_is_not_unicode_is_refused(app, events):
    """JSON may carry a lone surrogate ("\\ud83d"); nothing after it could write it out as UTF-8."""
    dep = events.deps["respond"]
    body = ('{"data": ["\\ud83d 尘肺病", []], "fn_index": %d, "trigger_id": null, "session_hash": "s"}' % dep["id"])
    r = httpx.post(app[0] + "gradio_api/queue/join", content=body.encode(), timeout=10,
                   headers={"content-type": "application/json"})
    assert _refused(r, 400)["error"]["code"] == "invalid_text"


def test_deeply_nested_payload_is_refused(app, events):
    nested: list = []
    for _ in range(500):
        nested = [nested]
    r, _ = events.join("respond", ["q", nested])
    assert _refused(r, 400)["error"]["code"] == "payload_too_deep"


def test_chat_event_limits_are_enforced_on_the_server(events):
    """The page cuts questions at 2000 characters; the server checks again, whatever is sent."""
    out = events.run("respond", ["长" * 5000, []])
    turn = out[2][-1]
    assert turn.get("error") and "问题太长" in turn["answer"] and "5000" in turn["answer"]
    assert len(turn["q"]) < 300  # the error turn does not keep the oversized question
    # forged earlier turns: too many, and too long to be questions this server answered
    forged = [{"q": "尘肺病防治攻坚行动由哪个部门牵头？", "answer": "a", "citations": []}] * 30
    forged += [{"q": "长" * 60_000, "answer": "x", "citations": []}]
    out = events.run("respond", ["那配合单位呢？", forged])
    assert "市住建局" in out[2][-1]["answer"]  # answered, with the last 20 genuine-length turns as history
    assert all(len(t["q"]) <= 2000 for t in out[2])  # the forged one is dropped


def test_api_event_limits(events):
    assert "问题太长" in events.run("ask", ["长" * 5000, None])[0]["error"]
    assert "history" in events.run("ask", ["那配合单位呢？", "尘肺病防治攻坚行动由哪个部门牵头？"])[0]["error"]
    assert "history" in events.run("ask", ["q", ["短"] * 50])[0]["error"]
    assert "市卫生健康局" in events.run("ask", ["尘肺病防治攻坚行动由哪个部门牵头？", None])[0]["answer"]


def _rate(events, turns: list, k: int, liked: bool = True) -> list:
    return events.run("like", [turns], {"index": [2 * k + 1], "value": turns[k]["answer"], "liked": liked})


def test_feedback_records_only_what_the_server_answered(app, events):
    import sqlite3

    db = app[2]
    genuine = events.run("respond", ["住房公积金能交房租吗？", []])[2]
    turn = genuine[-1]
    assert turn["turn_id"].startswith("t1.")
    forged = [{**turn, "answer": "可以，每月补贴 5000 元。"}]  # a changed answer keeps the old id
    unsigned = [{k: v for k, v in turn.items() if k != "turn_id"}]
    for turns in (forged, unsigned, [{**turn, "turn_id": "t1.x.y"}]):
        out = _rate(events, turns, 0)
        assert "无法评价" in out[2] and out[3] is None
    out = _rate(events, genuine, 0)
    assert "已记录" in out[2]
    _rate(events, genuine, 0, liked=False)  # rating again changes the verdict, adds no row
    con = sqlite3.connect(db)
    rows = con.execute("SELECT question, answer, verdict, turn_id FROM feedback").fetchall()
    con.close()
    assert rows == [("住房公积金能交房租吗？", turn["answer"], "down", turn["turn_id"])]


def test_feedback_comment_has_a_size_limit(events):
    genuine = events.run("respond", ["尘肺病防治谁牵头？", []])[2]
    _rate(events, genuine, 0)
    # the comment event reads the row from server-side state: a client cannot name another row
    note = events.run("comment", [None, "x" * 2001])[0]
    assert "太长" in note or "无法保存" in note


def test_every_response_carries_the_content_security_policy(app):
    from web.guard import CSP

    url = app[0]
    for path in ("", "config", "gradio_api/file=http://example.com/", "no-such-page"):
        r = httpx.get(url + path, timeout=10)
        assert r.headers["content-security-policy"] == CSP, path
        assert r.headers["x-content-type-options"] == "nosniff"
    assert "img-src 'self' data:" in CSP and "default-src 'self'" in CSP and "http" not in CSP


def _submit(page, text: str, n: int) -> None:
    """Ask and wait for the n-th answer. gradio drops an Enter pressed while the previous event is
    still finishing (the text then stays in the box, which an answer clears): press it again."""
    from playwright.sync_api import TimeoutError as Timeout

    answered = "n => document.querySelectorAll('#chat [data-testid=bot] .answer').length >= n"
    page.fill("#ask-box textarea", text)
    for _ in range(3):
        page.keyboard.press("Enter")
        try:
            page.wait_for_function(answered, arg=n, timeout=10_000)
            return
        except Timeout:
            if page.input_value("#ask-box textarea") != text:  # taken, only slow: wait longer
                page.wait_for_function(answered, arg=n, timeout=60_000)
                return
    raise AssertionError(f"no answer to {text!r}")


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} missing")
def test_markdown_image_in_the_chat_loads_nothing(app):
    """Typed into the real page: no image, link or request leaves the app's origin, even after reload."""
    from playwright.sync_api import sync_playwright

    url = app[0]
    payloads = ["![x](http://203.0.113.9/pixel.png)", "看 [这里](http://203.0.113.9/) ![y][r]", "http://203.0.113.9/a.png",
                "<img src=http://203.0.113.9/b.png>", "[r]: http://203.0.113.9/c.png"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.set_default_timeout(30_000)
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((url.rstrip("/"), "data:", "blob:"))
                else None)
        page.goto(url, wait_until="load")
        page.wait_for_selector("#ask-box textarea")
        for n, text in enumerate(payloads, 1):
            _submit(page, text, n)
        page.reload(wait_until="load")
        page.wait_for_function("n => document.querySelectorAll('#chat [data-testid=bot] .answer').length >= n",
                               arg=len(payloads))
        users = page.locator('#chat [data-testid="user"]').all_inner_texts()
        images = page.evaluate("() => [...document.querySelectorAll('#chat img')].map(i => i.src)")
        links = page.evaluate("() => [...document.querySelectorAll('#chat a')].map(a => a.href)"
                              ".filter(h => !h.startsWith(location.origin))")
        browser.close()
    assert images == [] and links == [] and outside == [], (images, links, outside)
    assert [u.strip() for u in users] == [p.replace("\n", " ") for p in payloads]  # shown as typed
