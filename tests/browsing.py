"""Shared by the browser tests: the real app in a subprocess (`python app.py --port N`) and
Playwright on Debian's Chromium. Each test module starts one app and one browser. Waits are for
"load" and then for elements, never "networkidle" (gradio keeps a connection open)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from webapp import free_port

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
BOT = '#chat [data-testid="bot"]'
TIMEOUT = 30_000  # ms, per wait
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 768}}

needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} missing: install Debian's "
                                    "chromium (apt-get install chromium fonts-noto-cjk)")


@contextmanager
def app_server(index_dir: Path, folder: Path) -> Iterator[tuple[str, Path]]:
    """The app on a free loopback port, sharing the session's index; yields (url, feedback db)."""
    db, log = folder / "feedback.sqlite3", folder / "app.log"
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir), "ASSISTANT_FEEDBACK_DB": str(db)}
    port = free_port()
    started = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"app exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() - started > 240:
                pytest.fail(f"app did not answer within 240 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.25)
        print(f"\napp answered HTTP 200 after {time.monotonic() - started:.1f} s")
        yield url, db
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def open_page(browser, url: str, **context):
    """A new context (desktop 1280×900 unless told) with the chat loaded."""
    ctx = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, "accept_downloads": True, **context})
    ctx.set_default_timeout(TIMEOUT)
    page = ctx.new_page()
    page.goto(url, wait_until="load")
    page.wait_for_selector("#ask-box textarea")
    return page


def wait_answers(page, n: int):
    """Until the n-th answer is complete (no longer pending or streaming); returns its element."""
    page.wait_for_function(
        """([sel, n]) => { const m = document.querySelectorAll(sel);
             return m.length >= n && m[n - 1].querySelector('.answer:not(.streaming)'); }""", arg=[BOT, n])
    return page.locator(BOT).nth(n - 1)


def ask(page, question: str):
    n = page.locator(BOT).count()
    page.fill("#ask-box textarea", question)
    page.keyboard.press("Enter")
    return wait_answers(page, n + 1)


# The WCAG contrast ratio of an element's text against the first opaque background behind it.
CONTRAST_JS = """(el) => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
                               return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  let bg = null;
  for (let e = el; e; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) { bg = c.slice(0, 3); break; }
  }
  bg = bg || [255, 255, 255];
  const fg = rgb(getComputedStyle(el).color).slice(0, 3);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return { ratio: (a + 0.05) / (b + 0.05), fg, bg };
}"""
