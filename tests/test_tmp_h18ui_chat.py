"""TEMPORARY (helper h18-ui, removed after the run): chat-driven actions in a real browser."""
from test_ui_browser import browser, open_page, send, server, wait_for_video  # noqa: F401


def test_chat_actions_generate_share_and_music(open_page, server):
    page = open_page()
    send(page, "a cheetah lying in the grass")
    page.fill("#cw-box textarea", "generate")
    page.keyboard.press("Enter")
    wait_for_video(page, 1)
    page.fill("#cw-box textarea", "share it")
    page.keyboard.press("Enter")
    page.locator("#cw-share-box a.cw-share-link").wait_for()
    before = page.locator("#cw-chat").inner_text()
    page.fill("#cw-box textarea", "calm music")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#cw-chat').innerText.includes('calm')")
    page.fill("#cw-box textarea", "no music")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#cw-chat').innerText.includes('Music removed')")
    page.wait_for_timeout(3000)
    log = server.log_path.read_text(encoding="utf-8", errors="replace")
    print(page.locator("#cw-chat").inner_text()[-1500:])
    print(log[-3000:])
    assert "Traceback" not in log and "ignored a chat action" not in log
    assert page.locator(".toast-body").count() == 0
