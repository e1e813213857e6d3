"""The operator's Settings tab in a real browser (issue #19): on a machine with no GPU the
operator pastes a platform API key and the next idea renders as real footage through the
platform — here a second Clipwright serving the platform's API on 127.0.0.1 — while nobody
else sees the tab, reads the key, or can set one, even by sending the page's event by hand.
"""

from __future__ import annotations

import secrets
import time

import pytest

from api_support import platform_server
from browser_support import (CHROMIUM, CHROMIUM_ARGS, OVERFLOW, AppServer, open_tab, send,
                             skip_without_a_browser, wait_for_video)
from studio.platform_key import SECRET_NAME

pytestmark = [pytest.mark.browser, pytest.mark.slow]
skip_without_a_browser()

STRANGER_HOST = "clips.test"  # a name this browser resolves to 127.0.0.1 (see `browsers`)

# What a stranger's script does with the page's own Save key event: read the page's config,
# then send the event as the page would (POST queue/join, then its event stream).
SEND_SAVE_EVENT = """async (key) => {
  const config = await (await fetch('/config')).json();
  const target = config.components.find(c => c.props && c.props.elem_id === 'btn-save-key').id;
  const dep = config.dependencies.find(d => d.targets.some(t => t[0] === target && t[1] === 'click'));
  const hash = Math.random().toString(36).slice(2);
  const joined = await fetch('/gradio_api/queue/join', {method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({data: [null, key], event_data: null, fn_index: dep.id,
                          trigger_id: target, session_hash: hash})});
  if (!joined.ok) return 'join ' + joined.status;
  const reader = (await fetch('/gradio_api/queue/data?session_hash=' + hash)).body.getReader();
  let text = '';
  for (;;) {
    const {value, done} = await reader.read();
    if (done) return text;
    text += new TextDecoder().decode(value);
    if (text.includes('process_completed')) return text;
  }
}"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory, shared_cache):
    """A second Clipwright serving the platform's API (tiny engine): (base URL, API key)."""
    with platform_server(tmp_path_factory.mktemp("platform") / "data", shared_cache,
                         "operator's key") as served:
        yield served


@pytest.fixture(scope="module")
def browsers():
    """Chromium as the operator's browser, which also reaches this computer as STRANGER_HOST
    (as a proxy's or a rebinding site's visitors do)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {STRANGER_HOST} 127.0.0.1"])
        yield chromium
        chromium.close()


def new_page(browser, url: str):
    page = browser.new_context(viewport={"width": 1360, "height": 1000}).new_page()
    page.set_default_timeout(90_000)
    page.goto(url)
    page.wait_for_selector("#cw-header-box .cw-badge", timeout=60_000)
    return page


def settings_tabs(page) -> int:
    return page.get_by_role("tab", name="Settings").count()


def test_the_operator_adds_a_key_and_words_become_real_footage(browsers, platform, tmp_path,
                                                                shared_cache, monkeypatch):
    base_url, platform_key = platform
    monkeypatch.delenv("ZHIPUAI_API_KEY", raising=False)
    monkeypatch.setenv("CLIPWRIGHT_CLOUD_BASE_URL", base_url)
    app = AppServer(tmp_path / "data", shared_cache, tmp_path / "server.log", engine="auto")
    app.start()
    kept = tmp_path / "data" / "secrets" / SECRET_NAME
    try:
        page = new_page(browsers, app.url)
        page.wait_for_selector("#cw-engine-notice")
        assert "Settings tab" in page.locator("#cw-engine-notice").inner_text()
        open_tab(page, "Settings")
        assert "No platform API key" in page.locator("#cw-key-status").inner_text()
        page.fill("#cw-key input", "my key is 1234")  # a sentence, not a key
        page.click("#btn-save-key")
        page.wait_for_function("() => document.querySelector('#cw-key-note').innerText"
                               ".includes('does not look like an API key')")
        assert not kept.exists()
        page.fill("#cw-key input", platform_key)
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.querySelector('#cw-key-note').innerText"
                               ".includes('Saved')")
        assert page.locator("#cw-key input").input_value() == ""  # the field is emptied
        assert f"…{platform_key[-4:]}" in page.locator("#cw-key-status").inner_text()
        assert page.locator("#cw-engine").inner_text() == "Engine: cloud"
        assert page.locator("#cw-engine-notice").count() == 0
        assert kept.read_text() == platform_key and oct(kept.stat().st_mode)[-3:] == "600"

        open_tab(page, "Create")
        send(page, "a red train crossing a bridge")
        page.click("#btn-generate")
        wait_for_video(page, 1)  # rendered by the platform, no GPU here

        # Another visitor: no tab, nothing about the key in the page, and the page's own
        # event sent by hand is refused with nothing changed.
        stranger = new_page(browsers, app.url.replace("127.0.0.1", STRANGER_HOST))
        assert settings_tabs(stranger) == 0
        assert platform_key[-4:] not in stranger.content()
        answer = stranger.evaluate(SEND_SAVE_EVENT, "stranger-key-0123456789abcdef")
        assert "Only the operator" in answer, answer[-600:]
        assert kept.read_text() == platform_key
        assert "a settings change was refused" in app.log_path.read_text()
        assert platform_key not in app.log_path.read_text()  # the key is never logged
    finally:
        app.stop()
    # A restart starts with the kept key: the terminal says so.
    app.start()
    try:
        deadline = time.monotonic() + 30  # the line follows "running on" at once
        while "engine:" not in app.log_path.read_text().split("running on")[-1] and \
                time.monotonic() < deadline:
            time.sleep(0.2)
        assert "engine: cloud" in app.log_path.read_text().split("running on")[-1]
    finally:
        app.stop()


def test_on_an_auth_server_the_signed_in_operator_has_the_tab(browsers, tmp_path,
                                                              shared_cache, monkeypatch):
    monkeypatch.delenv("ZHIPUAI_API_KEY", raising=False)
    password = secrets.token_urlsafe(12)
    app = AppServer(tmp_path / "data", shared_cache, tmp_path / "server.log", engine="auto",
                    args=("--auth", f"ops:{password}"))
    app.start()
    try:
        # Reached by another name (as through a proxy): signing in is what makes the operator.
        page = browsers.new_context(viewport={"width": 390, "height": 844}).new_page()
        page.set_default_timeout(90_000)
        page.goto(app.url.replace("127.0.0.1", STRANGER_HOST))
        page.fill("input[type=text]", "ops")
        page.fill("input[type=password]", password)
        page.keyboard.press("Enter")
        page.wait_for_selector("#cw-header-box .cw-badge", timeout=60_000)
        open_tab(page, "Settings")  # on a phone: four tabs, and nothing wider than it
        page.wait_for_selector("#btn-save-key")
        assert page.evaluate(OVERFLOW) == []
        page.fill("#cw-key input", "0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp")
        page.click("#btn-save-key")
        page.wait_for_function("() => document.querySelector('#cw-key-note').innerText"
                               ".includes('Saved')")
        kept = tmp_path / "data" / "secrets" / SECRET_NAME
        assert kept.read_text().endswith("MnOp")
    finally:
        app.stop()
