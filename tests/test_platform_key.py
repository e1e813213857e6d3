"""The operator's platform API key (issue #19): kept in the data folder with the care of the
other secrets, used by the engines at once and at every start, and changed only by the
operator (ui/operator.py) — real data folders, real engine pools, real gr.Requests."""

from __future__ import annotations

import stat
import types

import gradio as gr
import pytest
from starlette.requests import Request

from errors import EngineUnavailable, InputError
from studio.director import Director
from studio.i18n import load_strings
from studio.platform_key import (ENV_VAR, FROM_DATA_FOLDER, FROM_ENVIRONMENT, SECRET_NAME,
                                 PlatformKey, kept_key)
from studio_support import open_test_services
from store.layout import DataLayout
from ui.operator import OperatorRule, is_loopback
from ui.server import engine_probe
from video.engines.pool import EnginePool

STRINGS = load_strings()
KEY = "0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp"  # Zhipu's "<id>.<secret>" shape
# What people paste by mistake: nothing, a sentence, two keys, a quoted key, a cut-off one,
# a key with its line break or a tab, a huge paste, a non-ASCII look-alike, a shell line.
NOT_KEYS = ["", "   ", "not a key", f"{KEY} {KEY}", f'"{KEY}"', "0123456789", f"{KEY}\n{KEY}",
            f"{KEY}\tx", "a" * 300, "0123456789abcdef０１２３", f"export {ENV_VAR}={KEY}",
            "<script>alert(1)</script>0123456789"]


@pytest.fixture
def keyed(tmp_path, engine_settings):
    """(layout, engine pool, PlatformKey) on a fresh data folder, no key in the environment."""
    layout = DataLayout(tmp_path / "data").ensure()
    pool = EnginePool(engine_settings)
    return layout, pool, PlatformKey(layout, pool, STRINGS, env={})


def secret_file(layout: DataLayout):
    return layout.root / "secrets" / SECRET_NAME


def test_no_key_then_a_kept_key_renders_text_to_video_through_the_platform(keyed):
    layout, pool, key = keyed
    assert key.state().source is None and key.state().editable
    with pytest.raises(EngineUnavailable):  # no GPU here, no key: nothing renders words
        pool.get("auto", "t2v")
    version = pool.version
    state = key.save(f"  {KEY}\n", "en")  # the copy's stray spaces and line end go
    assert (state.source, state.ending) == (FROM_DATA_FOLDER, "MnOp")
    assert secret_file(layout).read_text() == KEY
    assert stat.S_IMODE(secret_file(layout).stat().st_mode) == 0o600
    assert pool.version > version and pool.settings.cloud_api_key == KEY
    assert pool.get("auto", "t2v").name == "cloud"  # `auto` follows at once


def test_a_new_key_replaces_the_cloud_engine_and_remove_forgets_it(keyed):
    layout, pool, key = keyed
    key.save(KEY, "en")
    first = pool.get("cloud", "t2v")
    key.save(KEY.replace("MnOp", "WxYz"), "en")
    second = pool.get("cloud", "t2v")
    assert second is not first and second.settings.cloud_api_key.endswith("WxYz")
    state = key.remove("en")
    assert state.source is None and not secret_file(layout).exists()
    with pytest.raises(EngineUnavailable):
        pool.get("auto", "t2v")
    key.remove("en")  # removing twice is no error


@pytest.mark.parametrize("text", NOT_KEYS)
def test_what_is_not_a_key_is_refused_in_the_users_language_and_nothing_is_kept(keyed, text):
    layout, pool, key = keyed
    for language, words in (("en", ("API key",)), ("zh", ("密钥",))):
        with pytest.raises(InputError) as refused:
            key.save(text, language)
        message = str(refused.value)
        assert any(w in message for w in words) and "\n" not in message
        assert text.strip() == "" or text.strip() not in message  # a key is never echoed
    assert not secret_file(layout).exists() and pool.settings.cloud_api_key is None


def test_the_kept_key_is_used_again_at_every_start(tmp_path, engine_settings):
    data = tmp_path / "data"
    first = open_test_services(data, Director(EnginePool(engine_settings)))
    first.studio.platform_key.save(KEY, "en")
    first.db.close()
    again = open_test_services(data, Director(EnginePool(engine_settings)))
    try:
        assert again.parts.engines.settings.cloud_api_key == KEY
        assert again.studio.platform_key.state().source == FROM_DATA_FOLDER
        assert again.parts.engines.get("auto", "t2v").name == "cloud"
    finally:
        again.db.close()
    # The command line starts with it too (app.py's settings), unless its environment
    # names another; a folder that was never made has none.
    assert kept_key(data, {}) == KEY
    assert kept_key(data, {ENV_VAR: "from-the-environment-0123"}) == "from-the-environment-0123"
    assert kept_key(tmp_path / "never-made", {}) is None


def test_a_key_from_the_environment_is_changed_there_not_on_the_page(tmp_path,
                                                                     engine_settings):
    layout = DataLayout(tmp_path / "data").ensure()
    env_key = "environment-key-0123456789"
    pool = EnginePool(engine_settings.__class__(**{**engine_settings.__dict__,
                                                   "cloud_api_key": env_key}))
    key = PlatformKey(layout, pool, STRINGS, env={ENV_VAR: env_key})
    layout.keep_secret(SECRET_NAME, KEY)  # an older key kept here loses to the environment
    key.load()
    state = key.state()
    assert (state.source, state.ending, state.editable) == (FROM_ENVIRONMENT, "6789", False)
    for change in (lambda: key.save(KEY, "en"), lambda: key.remove("en")):
        with pytest.raises(InputError, match="ZHIPUAI_API_KEY"):
            change()
    assert pool.settings.cloud_api_key == env_key and secret_file(layout).read_text() == KEY


def test_on_a_ray_cluster_the_page_does_not_set_the_key(tmp_path, engine_settings):
    layout = DataLayout(tmp_path / "data").ensure()
    key = PlatformKey(layout, EnginePool(engine_settings), STRINGS, env={}, on_cluster=True)
    assert not key.state().editable
    with pytest.raises(InputError, match="serve --cluster"):
        key.save(KEY, "en")
    assert not secret_file(layout).exists()


def test_the_header_follows_the_key(keyed):
    _, pool, key = keyed
    probe = engine_probe(pool, "auto")
    assert probe().name is None and "GPU" in probe().problem
    assert probe() is probe()  # asked once while nothing changes
    key.save(KEY, "en")
    assert probe().name == "cloud" and not probe().test_pattern
    key.remove("en")
    assert probe().name is None


# --- who the operator is ---------------------------------------------------------------------

def request(client: str = "127.0.0.1", host: str | None = "127.0.0.1:7860",
            origin: str | None = "http://127.0.0.1:7860", username: str | None = None):
    """A gr.Request as Gradio makes one for an event, from a real Starlette request."""
    headers = [(b"host", host.encode())] if host is not None else []
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    scope = {"type": "http", "method": "POST", "path": "/gradio_api/queue/join",
             "headers": headers, "client": (client, 50123), "query_string": b""}
    return gr.Request(request=Request(scope), username=username)


LOCAL = OperatorRule.for_server("127.0.0.1", auth=False, share=False, public_url="")


@pytest.mark.parametrize("who", [
    request(),
    request(host="localhost:7860", origin="http://localhost:7860"),
    request(client="::1", host="[::1]:7860", origin="http://[::1]:7860"),
    request(client="127.0.0.5"),
])
def test_a_browser_on_this_computer_is_the_operator_of_a_local_server(who):
    assert LOCAL.admits(who)


@pytest.mark.parametrize("who, why", [
    (request(client="192.168.1.20"), "another computer"),
    (request(host="clips.example.com:7860", origin="http://clips.example.com:7860"),
     "a site that pointed its name at 127.0.0.1 (DNS rebinding)"),
    (request(origin="https://clips.example.com"), "a proxy on this computer"),
    (request(origin="null"), "a sandboxed page"),
    (request(origin=None), "no Origin: not a browser's POST"),
    (request(host=None), "no Host"),
    (request(host="127.0.0.1.nip.io:7860", origin="http://127.0.0.1.nip.io:7860"),
     "a name that only looks local"),
    (None, "no request at all"),
])
def test_anyone_else_is_not(who, why):
    assert not LOCAL.admits(who), why


@pytest.mark.parametrize("host, share, public_url", [
    ("0.0.0.0", False, ""), ("192.168.1.5", False, ""), ("::", False, ""),
    ("127.0.0.1", True, ""), ("127.0.0.1", False, "https://clips.example.com")])
def test_a_server_others_reach_has_no_local_operator(host, share, public_url):
    rule = OperatorRule.for_server(host, auth=False, share=share, public_url=public_url)
    assert not rule.admits(request())


def test_with_auth_the_signed_in_user_is_the_operator_from_anywhere():
    rule = OperatorRule.for_server("0.0.0.0", auth=True, share=True, public_url="")
    assert rule.admits(request(client="203.0.113.9", host="clips.example.com",
                               origin="https://clips.example.com", username="ada"))
    assert not rule.admits(request())  # not signed in (no user name): not the operator
    assert not OperatorRule().admits(request())  # the default rule admits nobody


def test_loopback_names():
    assert all(map(is_loopback, ["127.0.0.1", "localhost", "LOCALHOST", "::1", "[::1]",
                                 "127.1.2.3"]))
    assert not any(map(is_loopback, ["", None, "0.0.0.0", "::", "10.0.0.1",
                                     "localhost.example.com", "127.0.0.1.nip.io"]))


def test_the_settings_events_ask_the_rule_themselves(keyed):
    """A hidden tab is no lock: a save sent by someone else is refused, nothing kept."""
    from ui.choices import Catalog
    from ui.page import build_page
    from ui.events import Handlers

    layout, pool, key = keyed
    page = build_page(STRINGS, Catalog())
    studio = types.SimpleNamespace(strings=STRINGS, platform_key=key)
    handlers = Handlers(page, studio, Catalog(), engine_state=lambda: None, operator=LOCAL)
    session = types.SimpleNamespace(language="zh")
    stranger = request(host="clips.example.com", origin="http://clips.example.com")
    refused = handlers.on_save_key(session, KEY, stranger)
    assert "运行者" in refused[page.settings.note]["value"]
    assert refused[page.settings.key]["value"] == ""  # the field is emptied either way
    assert not secret_file(layout).exists()
    done = handlers.on_save_key(session, KEY, request())
    assert "MnOp" in done[page.settings.status]["value"] and secret_file(layout).exists()
