"""What the browser tests share: a real `python app.py serve` on a temporary data folder,
Debian's Chromium driven by Playwright, a fresh browser context per page (its own cookie, so
its own session), and the steps a user takes. A test module imports the fixtures it uses
(`server`, `browser`, `open_page`); each module gets its own server.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
START_TIMEOUT_S = 120
RENDER_TIMEOUT_MS = 180_000


def skip_without_a_browser() -> None:
    """Skip the calling module where Playwright or Debian's Chromium is missing."""
    pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).is_file():
        pytest.skip("Debian's chromium is not installed (tests/run.sh installs it)",
                    allow_module_level=True)


class AppServer:
    """`python app.py serve` in a subprocess; restartable on the same data folder."""

    def __init__(self, data_dir: Path, cache_dir: Path, log_path: Path, engine: str = "tiny",
                 args: tuple[str, ...] = ()):
        self.data_dir, self.cache_dir, self.log_path = data_dir, cache_dir, log_path
        self.engine, self.args = engine, args  # args: more serve flags
        self.gradio_cache = data_dir.parent / "gradio"
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self, port: int = 0) -> None:
        env = dict(os.environ, CLIPWRIGHT_CACHE_DIR=str(self.cache_dir), HF_HUB_OFFLINE="1",
                   CLIPWRIGHT_DATA_DIR=str(self.data_dir), GRADIO_ANALYTICS_ENABLED="False",
                   CLIPWRIGHT_LOG="INFO",  # what the page was refused shows in the log
                   GRADIO_TEMP_DIR=str(self.gradio_cache))
        log = open(self.log_path, "a", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "serve", "--engine", self.engine,
             "--data-dir", str(self.data_dir), "--port", str(port), *self.args],
            cwd=self.data_dir.parent, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
        found: list[str] = []

        def read() -> None:
            for line in self.process.stdout:
                log.write(line)
                log.flush()
                if match := re.search(r"running on (http://\S+)", line):
                    found.append(match[1])

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not found:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start; see {self.log_path}:\n"
                                   + self.log_path.read_text(encoding="utf-8")[-3000:])
            time.sleep(0.2)
        self.url = found[0]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Stop and start again on the same port: the same origin keeps the browser's
        localStorage, as a real restart does."""
        port = int(self.url.rsplit(":", 1)[1])
        self.stop()
        self.start(port)


@pytest.fixture(scope="module")
def server(tmp_path_factory, shared_cache):
    root = tmp_path_factory.mktemp("ui-browser")
    app = AppServer(root / "data", shared_cache, root / "server.log")
    app.start()
    yield app
    app.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, server, request, tmp_path_factory):
    """open_page(locale) → a page on the app in a fresh browser context (a new browser)."""
    contexts, console = [], []

    def open_(locale: str = "en-US", viewport: tuple[int, int] = (1360, 1000)):
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                      locale=locale, has_touch=viewport[0] < 820)
        contexts.append(context)
        page = context.new_page()
        # What the page said, for the report of a failing test (an "Error" badge says little).
        page.on("console", lambda m: console.append(f"{len(contexts)} {m.type}: {m.text}"))
        page.on("pageerror", lambda e: console.append(f"{len(contexts)} pageerror: {e}"))
        streams = []  # the page's Gradio event streams (see ui/web.py _hold_the_stream)
        page.on("request", lambda r: streams.append(r.url) if "/queue/data" in r.url else None)
        page.event_streams = streams
        page.set_default_timeout(90_000)  # CI runs two workers on two cores
        page.goto(server.url)
        wait_ready(page)
        return page

    yield open_
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        folder = Path(os.environ.get("CLIPWRIGHT_TEST_ARTIFACTS") or
                      tmp_path_factory.getbasetemp() / "screenshots")
        folder.mkdir(parents=True, exist_ok=True)
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                path = folder / f"{request.node.name}-{i}-{j}.png"
                page.screenshot(path=str(path), full_page=True)
                print(f"screenshot: {path}")
                print("toasts:", page.evaluate(
                    "() => [...document.querySelectorAll('.toast-body')].map(t => t.innerText)"))
        print("browser console (last 40):", *console[-40:], sep="\n  ")
        log = server.log_path.read_text(encoding="utf-8", errors="replace")
        print(f"server log ({server.log_path}), last 4000 characters:\n{log[-4000:]}")
    for context in contexts:
        context.close()


def wait_ready(page) -> None:
    """The page is up and the browser's session is loaded (the header says the engine)."""
    page.wait_for_selector("#cw-box textarea")
    page.wait_for_selector("#cw-engine", timeout=60_000)


def send(page, text: str) -> None:
    page.fill("#cw-box textarea", text)
    page.keyboard.press("Enter")
    page.wait_for_function("() => !document.querySelector('#btn-generate').disabled")


def chat_videos(page) -> int:
    return page.locator("#cw-chat video").count()


def wait_for_video(page, count: int) -> dict:
    """Wait until the chat shows `count` videos and the last one has data to play."""
    page.wait_for_function(
        "n => { const v = document.querySelectorAll('#cw-chat video');"
        " return v.length >= n && v[v.length - 1].readyState >= 2; }",
        arg=count, timeout=RENDER_TIMEOUT_MS)
    return page.evaluate(
        "() => { const v = [...document.querySelectorAll('#cw-chat video')].pop();"
        " return {src: v.currentSrc, ready: v.readyState, duration: v.duration}; }")


def expected_duration() -> float:
    """The tiny model's clip after post-production: frames doubled to 16 fps."""
    from video.engines.registry import load_registry

    info = load_registry()["tiny"]
    return (2 * (info.frames - 1) + 1) / (info.fps * 2)


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def pick(page, dropdown: str, option: str) -> None:
    """Choose an option of a Gradio dropdown, as a user does: open it, click the option."""
    page.click(f"{dropdown} input")
    page.get_by_role("option", name=option).first.click()


# Elements wider than the screen or poking out of it: visible ones, not clipped by a
# scrolling strip that itself fits (a gallery row scrolls sideways on purpose).
OVERFLOW = """() => {
  const out = e => { const r = e.getBoundingClientRect();
                     return r.right > innerWidth + 1 || r.left < -1; };
  const clipped = e => { for (let a = e.parentElement; a; a = a.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)
          && !out(a)) return true; }
    return false; };
  const found = [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'
           && out(e) && !clipped(e); });
  if (document.documentElement.scrollWidth > innerWidth) found.unshift(document.documentElement);
  return found.map(e => (e.id || e.className || e.tagName).toString().slice(0, 50)).slice(0, 5);
}"""
IN_VIEW = """sel => { const all = document.querySelectorAll(sel), e = all[all.length - 1];
  if (!e) return false; const r = e.getBoundingClientRect();
  return r.top >= -1 && r.bottom <= innerHeight + 1 && r.height > 0; }"""
