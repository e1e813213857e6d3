"""Ideas and prompts through every door — the shared check (agent/limits.py), the `rewrite`
and `generate` commands, the chat (studio/session.py) and the REST API — with the odd input a
creative app meets: empty, whitespace, 100 000 characters, control characters,
right-to-left text and direction overrides, emoji, HTML and script tags, broken UTF-8.
Each is taken as typed or refused with one clear sentence; nothing is cut, nothing crashes,
and a refused message stores nothing."""

from __future__ import annotations

import json

import httpx
import pytest

from errors import DataFileError
from studio.director import Director
from agent.limits import LIMITS_FILE, TextRejected, check_text, load_limits
from api.config import ApiConfig
from api.server import build_app
from studio_support import open_test_services
from api_support import PREFIX, submit, thread_server
from errors import InputError
from styles.presets import StyleLibrary
from ui.views import chat_messages
from video.engines.pool import EnginePool

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)> a fox in the snow'
# (input, the reason it is refused) — None: taken, as typed but for its outer whitespace.
CASES = [
    ("", "empty"),
    (" \t\n\u3000 ", "empty"),
    ("a" * 100_000, "too_long"),
    ("a cat " * 20_000, "too_long"),
    ("a cat\x00 on a roof", "control"),
    ("a cat \x1b[31mon a roof", "control"),
    ("a cat\x07", "control"),
    ("a cat \x85on a roof", "control"),  # a C1 control
    ("a cat on a roof \u202e", "direction"),  # right-to-left override
    ("\u2066a cat\u2069 on a roof", "direction"),  # isolates
    ("a cat \ud800 on a roof", "broken"),  # a lone surrogate
    ("\udcff\udcfe a cat", "broken"),  # what Python makes of argv bytes that are not UTF-8
    ("قطة على السطح عند الغروب", None),  # Arabic
    ("חתול על הגג", None),  # Hebrew
    ("a cat \u200f on a roof", None),  # a plain right-to-left mark is text
    ("🐱 on a roof under the 🌙, an astronaut 👩‍🚀 waves", None),  # emoji, a ZWJ sequence
    (SCRIPT, None),
    ("a cat\non a roof\tat dusk", None),
    ("  猎豹卧在草地上  ", None),
    ("x" * 2000, None),
]


@pytest.mark.parametrize("text,reason", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_the_shared_check_takes_or_refuses_with_a_reason(text, reason):
    if reason is None:
        assert check_text(text) == text.strip()
        return
    with pytest.raises(TextRejected) as caught:
        check_text(text)
    assert caught.value.reason == reason and isinstance(caught.value, InputError)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("the idea")
    if reason == "too_long":
        assert f"{len(text.strip())} characters long; at most 2000" in message
    if reason in ("control", "direction", "broken"):
        assert "U+" in message


def test_messages_follow_the_language_and_the_door():
    with pytest.raises(TextRejected, match="想法是空的"):
        check_text("  ", language="zh")
    with pytest.raises(TextRejected, match=r"提示词含有控制字符（U\+0007）"):
        check_text("猫\x07", language="zh", what="prompt")
    with pytest.raises(TextRejected, match="the prompt is 11 characters long; at most 10"):
        check_text("a" * 11, what="prompt", limit=10)
    assert check_text("", allow_empty=True) == ""


def test_the_limits_file_is_checked_on_load(tmp_path):
    assert load_limits().max_idea_chars == 2000
    original = LIMITS_FILE.read_text(encoding="utf-8")
    for broken, words in [
        (original.replace("max_idea_chars = 2000", "max_idea_chars = -1"),
         "field 'max_idea_chars': must be at least 1, got -1"),
        (original.replace('idea = "idea"', 'ideas = "idea"'),
         r"\[what.en\]: field 'ideas': unknown field"),
        (original.replace("{limit} fit", "{limt} fit"), "field 'too_long': unknown placeholder"),
        (original.replace('[messages.zh]', '[messages.fr]'),
         r"\[messages\]: field 'fr': unknown field"),
        ("max_idea_chars = [", "not valid TOML"),
    ]:
        path = tmp_path / "limits.toml"
        path.write_text(broken, encoding="utf-8")
        with pytest.raises(DataFileError, match=words):
            load_limits(path)


# --- the command line --------------------------------------------------------------------------

@pytest.mark.parametrize("idea,words", [
    ("", "the idea is empty"), ("   ", "the idea is empty"),
    ("a" * 100_000, "100000 characters long; at most 2000"),
    ("a cat\x07", "control characters (U+0007)"),
    ("a cat \u202e", "text-direction character (U+202E)"),
    (b"a cat \xff on a roof", "broken character (U+DCFF)"),
], ids=["empty", "blank", "huge", "control", "override", "not-utf8"])
def test_rewrite_refuses_bad_ideas_in_one_line(run_cli, idea, words):
    result = run_cli("rewrite", idea)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == result.stderr.strip().splitlines()[0]  # one line
    assert result.stderr.startswith("error: ") and words in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("idea", [SCRIPT, "🐱 on a roof under the 🌙", "猎豹卧在草地上",
                                  "قطة على السطح a cat on a roof"], ids=range(4))
def test_rewrite_takes_odd_but_valid_ideas_as_text(run_cli, idea):
    result = run_cli("rewrite", idea, "--json", "--seed", "5")
    assert result.returncode == 0, result.stderr
    rewrite = json.loads(result.stdout)
    assert rewrite["prompt"] and rewrite["tokens"] <= 226


def test_generate_refuses_a_bad_idea_before_loading_anything(run_cli, tmp_path):
    out = tmp_path / "clip.mp4"
    for idea, words in [("", "idea is empty"), ("x" * 100_000, "at most 2000"),
                        ("a cat\x1b[2J", "control characters")]:
        result = run_cli("generate", idea, "--engine", "tiny", "--out", str(out), timeout=60)
        assert result.returncode == 2 and words in result.stderr, result.stderr
    assert not out.exists() and not (tmp_path / "data").exists()


# --- the chat ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def studio(tmp_path_factory, engine_settings):
    director = Director(EnginePool(engine_settings), styles=StyleLibrary.load(), music=None)
    # The queue is not started: the chat's turns are what is checked, not renders.
    services = open_test_services(tmp_path_factory.mktemp("limits-chat") / "data", director)
    yield services.studio
    services.close()


@pytest.mark.parametrize("text,reason", [c for c in CASES if c[1]],
                         ids=[f"case{i}" for i, c in enumerate(CASES) if c[1]])
def test_the_chat_refuses_what_the_check_refuses_and_stores_nothing(studio, text, reason):
    session = studio.open_session(None, "zh-CN")
    with pytest.raises(TextRejected) as caught:
        studio.say(session, text)
    assert caught.value.reason == reason and "想法" in str(caught.value)  # their language
    assert studio.history(session) == [] and studio.current_spec(session) is None


def test_the_chat_keeps_odd_text_whole_and_shows_it_escaped(studio):
    session = studio.open_session(None, "en-US")
    for text in (SCRIPT, "🐱 on a roof under the 🌙, an astronaut 👩‍🚀 waves",
                 "قطة على السطح a cat on a roof"):
        studio.say(session, text)
    said = [m.text for m in studio.history(session) if m.role == "user"]
    assert said[0] == SCRIPT and "👩‍🚀" in said[1] and said[2].startswith("قطة")
    shown = chat_messages(studio.history(session), {}, studio.strings, "en")
    for message in shown:
        content = message["content"]
        text = content if isinstance(content, str) else " ".join(
            part for part in content if isinstance(part, str))
        assert "<script" not in text and "<img" not in text, text
    assert "&lt;script&gt;" in shown[0]["content"]


# --- the REST API ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def api(tmp_path_factory, engine_settings):
    """An API whose queue is not started; yields (url, services, key)."""
    data = tmp_path_factory.mktemp("limits-api") / "data"
    director = Director(EnginePool(engine_settings), styles=StyleLibrary.load(), music=None)
    services = open_test_services(data, director)
    key = services.keys.create("limits", submits_per_minute=10_000, max_in_flight=10_000)[1]
    with thread_server(build_app(services, ApiConfig(engine="tiny"))) as url:
        yield url, services, key
    services.db.close()


def jobs_of(services, key: str) -> list:
    return services.queue.list("key:" + key.split(".")[0])


@pytest.mark.parametrize("prompt,words", [
    ("   ", "prompt is empty"), ("a" * 100_000, "100000 characters long; at most 2000"),
    ("a cat\x00", "control characters (U+0000)"), ("a cat\u202e", "U+202E"),
    ("a cat \ud800", "broken character (U+D800)"),
], ids=["blank", "huge", "nul", "override", "surrogate"])
def test_the_api_refuses_bad_prompts_with_a_400(api, prompt, words):
    url, services, key = api
    before = len(jobs_of(services, key))
    answer = submit(url, key, json.dumps({"model": "cogvideox-3", "prompt": prompt}).encode())
    assert answer.status_code == 400 and words in answer.json()["error"]["message"]
    assert len(jobs_of(services, key)) == before


def test_the_api_stores_odd_prompts_exactly(api):
    url, services, key = api
    longest = ("a cat on a roof at dusk, " * 100)[:1999] + "."
    for prompt in (SCRIPT, "🐱 on a roof 👩‍🚀", "قطة على السطح a cat on a roof", longest):
        answer = submit(url, key, {"model": "cogvideox-3", "prompt": prompt})
        assert answer.status_code == 200, answer.text
        job = services.queue.get(answer.json()["id"], "key:" + key.split(".")[0])
        assert job.spec.idea == prompt


@pytest.mark.parametrize("raw,status,words", [
    (b"[" * 100_000 + b"]" * 100_000, 400, "not valid JSON"),
    (b'{"model": "cogvideox-3", "prompt": ' + b"[" * 500 + b"]" * 500 + b"}", 400, "'prompt'"),
    (b'{"model": "cogvideox-3", "prompt": "a cat", "seed": ' + b"9" * 5000 + b"}", 400,
     "not valid JSON"),
    (b'{"model": "cogvideox-3", "prompt": "a cat", "duration": NaN}', 400, "duration"),
    (b'{"model": "cogvideox-3", "prompt": "a cat", "seed": 1e400}', 400, "'seed'"),
    (b'"just a string"', 400, "JSON object"),
    (b"\xff\xfe{", 400, "not valid JSON"),
    (b'{"model": "cogvideox-3", "prompt": "a cat", "fps": [16]}', 400, "'fps'"),
    (b'{"model": "cogvideox-3", "prompt": "a cat", "__proto__": {}}', 400, "'__proto__'"),
    (b'{"model": "cogvideox-3", "prompt": "a cat", "user_id": "\\udc80"}', 400, "'user_id'"),
], ids=["deep-array", "deep-field", "long-number", "nan", "inf", "string", "not-utf8",
        "list-for-int", "proto", "surrogate-user"])
def test_odd_bodies_get_a_400_and_the_server_stays_up(api, raw, status, words):
    url, services, key = api
    answer = submit(url, key, raw)
    assert answer.status_code == status and words in answer.json()["error"]["message"]
    assert submit(url, key, {"model": "cogvideox-3", "prompt": "a cat"}).status_code == 200


def test_a_huge_body_without_a_length_is_cut_off_with_413(api):
    url, services, key = api
    before = len(jobs_of(services, key))

    def chunks():  # chunked transfer: no Content-Length to refuse up front
        yield b'{"model": "cogvideox-3", "prompt": "'
        for _ in range(20):
            yield b"x" * 2**20

    try:
        answer = httpx.post(url + PREFIX + "/videos/generations", content=chunks(),
                            headers={"Authorization": f"Bearer {key}",
                                     "Content-Type": "application/json"}, timeout=60)
        assert answer.status_code == 413 and "MiB" in answer.json()["error"]["message"]
    except httpx.TransportError:
        pass  # the server may close the socket while the client still sends: refused too
    assert len(jobs_of(services, key)) == before
    assert submit(url, key, {"model": "cogvideox-3", "prompt": "a cat"}).status_code == 200
