"""Who a browser is (issue #20): a session id in a signed, HttpOnly cookie, never an id the
page sends. Before, the id lived in Gradio's BrowserState "encrypted" with a key /config
handed to every page, and the load event believed any id at all (even {"sid": "a"})."""

from __future__ import annotations

import types

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from fault_support import AppProcess
from ui.session_cookie import COOKIE, SessionCookies, proven_session, with_session_cookie

KEY = "k" * 43


def echo_app(cookies: SessionCookies):
    """A page stand-in answering the session the routes below the middleware would see."""
    def who(request):
        return PlainTextResponse(str(cookies.session_of(request.headers.get("cookie"))))
    return with_session_cookie(Starlette(routes=[Route("/", who)]), cookies)


def test_a_minted_cookie_proves_its_session_and_nothing_else_does():
    cookies = SessionCookies(KEY)
    session_id, value = cookies.mint()
    assert cookies.verify(value) == session_id
    other_id, _ = cookies.mint()
    forged = [None, "", "a", session_id, f"{other_id}.{value.split('.')[1]}",
              f"{session_id}.{'0' * 64}", f"{value}.x", "." + value.split(".")[1],
              SessionCookies("x" * 43).mint()[1]]  # signed with another server's key
    assert [cookies.verify(v) for v in forged] == [None] * len(forged)
    assert cookies.session_of(f"a=b; {COOKIE}={value}") == session_id
    assert cookies.session_of('bad"cookie; ===') is None


def test_the_middleware_mints_a_session_for_a_browser_without_a_valid_cookie():
    cookies = SessionCookies(KEY)
    client = TestClient(echo_app(cookies))
    first = client.get("/")
    set_cookie = first.headers["set-cookie"]
    assert set_cookie.startswith(f"{COOKIE}=") and "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie and "Path=/" in set_cookie
    minted = set_cookie.split(";")[0].split("=", 1)[1]
    assert first.text == cookies.verify(minted)  # the routes below see the new session

    again = TestClient(echo_app(cookies), cookies={COOKIE: minted}).get("/")
    assert again.text == first.text and "set-cookie" not in again.headers

    # A forged cookie (another's id, a made-up signature) is replaced by a fresh session.
    for forged in (first.text, f"{first.text}.{'0' * 64}", "a"):
        answer = TestClient(echo_app(cookies), cookies={COOKIE: forged}).get("/")
        assert answer.text not in (first.text, "None") and "set-cookie" in answer.headers


def test_the_load_event_opens_only_the_session_the_cookie_proves():
    from ui.events import Handlers

    cookies = SessionCookies(KEY)
    session_id, value = cookies.mint()
    opened = []

    class Stop(Exception):
        pass

    def open_session(saved, accept):
        opened.append(saved)
        raise Stop  # what follows the opening is other tests' business

    studio = types.SimpleNamespace(strings=None, open_session=open_session)
    handlers = Handlers(types.SimpleNamespace(), studio, None, lambda: None, cookies)

    def load(cookie_header):
        request = types.SimpleNamespace(headers={"cookie": cookie_header} if cookie_header
                                        else {})
        with pytest.raises(Stop):
            handlers.on_load(request)
        return opened[-1]

    assert load(f"{COOKIE}={value}") == {"sid": session_id}
    for forged in (None, f"{COOKIE}={session_id}", f"{COOKIE}={session_id}.{'0' * 64}",
                   f"{COOKIE}=a"):
        assert load(forged) is None  # a new session, never the named one
    assert proven_session(None, types.SimpleNamespace(headers={})) is None


@pytest.mark.slow  # a `python app.py serve` process
def test_the_page_sets_the_cookie_and_config_carries_no_key(tmp_path, shared_cache):
    data = tmp_path / "data"
    server = AppProcess("serve", data, shared_cache)
    try:
        page = httpx.get(server.url + "/", timeout=60)
        assert page.status_code == 200
        set_cookie = page.headers["set-cookie"]
        assert set_cookie.startswith(f"{COOKIE}=") and "HttpOnly" in set_cookie
        config = httpx.get(server.url + "/config", timeout=60)
        assert config.status_code == 200
        key = (data / "secrets" / "session-cookie").read_text().strip()
        assert len(key) >= 32 and key not in config.text and key not in page.text
        # No browser state kept in the page's storage, and no key for one.
        assert "browser_state" not in config.text and "clipwright-session" not in config.text
        assert not (data / "secrets" / "browser-state").exists()
    finally:
        server.stop()
