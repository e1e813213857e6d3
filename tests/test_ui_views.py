"""studio/i18n.py and ui/views.py: strings checked on load, and what the page shows."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from store.creations import Creation, Message
from errors import DataFileError
from studio.i18n import language_from_header, load_strings
from studio.messages import Choice, proposal_text, reply_markdown
from ui.views import (EngineState, chat_messages, creation_details, format_seconds, header_html,
                      progress_html, share_html)

STRINGS = load_strings()


def test_every_key_exists_in_both_languages_with_the_same_placeholders():
    assert set(STRINGS.table["en"]) == set(STRINGS.table["zh"])
    assert STRINGS.text("zh", "queue_position", n=3) == "前面第 3 位"
    assert STRINGS.text("fr", "btn_generate") == "Generate"  # unknown language: English


@pytest.mark.parametrize("body, complaint", [
    ('[en]\na = "x"\n', "field 'zh': needs a [zh] table"),
    ('[en]\na = "x"\nb = "y"\n[zh]\na = "x"\n', "[zh] 'b': is missing ([en] has it)"),
    ('[en]\na = "x"\n[zh]\na = "x"\nc = "z"\n', "[zh] 'c': is not in [en]"),
    ('[en]\na = "{n} left"\n[zh]\na = "剩余"\n', "[zh] 'a': has placeholders []"),
    ('[en]\na = 3\n[zh]\na = "x"\n', "[en] 'a': must be text, got 3"),
    ('[en\n', "not valid TOML"),
])
def test_a_broken_strings_file_names_the_language_and_key(tmp_path, body, complaint):
    path = tmp_path / "strings.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_strings(path)
    assert complaint in str(caught.value) and str(path) in str(caught.value)


@pytest.mark.parametrize("header, language", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("en-US,en;q=0.9,zh;q=0.8", "en"), (None, "en"),
    ("fr-FR,fr;q=0.9", "en"), ("fr, zh-TW;q=0.5", "zh"), ("zh;q=0.2, en;q=0.9", "en"),
    ("garbage;;;,", "en"), ("x" * 10_000, "en"),
])
def test_language_from_accept_language(header, language):
    assert language_from_header(header) == language


def test_agent_replies_keep_their_lines_and_lose_any_markup():
    reply = "Here is the shot.\n\nCamera: slow dolly in.\nScene: dusk <b>bold</b> *x*"
    shown = reply_markdown(reply)
    assert shown.split("  \n") == ["Here is the shot.", "", "Camera: slow dolly in.",
                                    r"Scene: dusk &lt;b&gt;bold&lt;/b&gt; \*x\*"]


def test_style_and_music_lines_under_the_reply():
    text = proposal_text(STRINGS, "en", "Cinematic", "Calm <Lake>", ["Still Water"])
    assert "**Style** · Cinematic · **Music** · Calm &lt;Lake&gt;" in text
    assert "Also fits: Still Water." in text and "Generate" in text
    bare = proposal_text(STRINGS, "zh", None, None)
    assert "无风格" in bare and "自动挑选" in bare and "同样合适" not in bare


def test_progress_card_says_stage_steps_time_and_place_in_line():
    running = progress_html(STRINGS, "en", "generating", 0.42, "3/8", 12.4, 0)
    assert "Generating" in running and "step 3 of 8" in running and "about 12 s left" in running
    assert 'aria-valuenow="42"' in running
    queued = progress_html(STRINGS, "zh", "queued", 0.0, "", 95, 3)
    assert "排队中" in queued and "前面第 3 位" in queued and "约 2 分钟" in queued
    assert "estimating" in progress_html(STRINGS, "en", "rewriting", 0.0, "x", None, 0)
    assert format_seconds(-5, "en") == "about 0 s"


def test_header_is_honest_about_the_engine():
    tiny = header_html(STRINGS, "en", EngineState("tiny", test_pattern=True))
    assert "Engine: tiny · test patterns" in tiny and "cw-badge-test" in tiny
    real = header_html(STRINGS, "zh", EngineState("cogvideox"))
    assert "引擎：cogvideox" in real and "测试" not in real
    # Nothing renders text-to-video: plain words and what works now, once; the developer's
    # reason (flags, variables) is the terminal's (issue #19: it repeated itself in flags).
    none = header_html(STRINGS, "en", EngineState(None, problem="needs a <GPU> --engine"))
    assert "No video engine" in none and "GPU>" not in none and "--" not in none
    assert "attach a photo" in none and "test patterns" in none and "API key" in none
    assert none.count("No engine here can make a video") == 1
    assert "照片" in header_html(STRINGS, "zh", EngineState(None, problem="x"))
    assert "Checking" in header_html(STRINGS, "en", None)


def make_creation(tmp_path: Path, **changes) -> Creation:
    mp4 = tmp_path / "video.mp4"
    mp4.write_bytes(b"mp4")
    values = dict(id="c1", session_id="s1", idea="a cat <script>", prompt="close-up, a cat",
                  engine="tiny", model="tiny", seed=5, mp4=mp4, poster=tmp_path / "p.jpg",
                  width=192, height=128, fps=16.0, frames=17, style="cinematic",
                  track="calm", test_pattern=True, created_at=0.0)
    values.update(changes)
    return Creation(**values)


def test_chat_messages_show_videos_photos_and_deleted_videos(tmp_path):
    creation = make_creation(tmp_path)
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"png")
    history = [
        Message(1, "s1", "user", "a cat <i>", 0.0),
        Message(2, "s1", "user", "", 0.0, attachment=photo),
        Message(3, "s1", "assistant", "here", 0.0, creation_id="c1", had_creation=True),
        Message(4, "s1", "assistant", "gone", 0.0, creation_id=None, had_creation=False),
    ]
    shown = chat_messages(history, {"c1": creation}, STRINGS, "en")
    assert shown[0] == {"role": "user", "content": "a cat &lt;i&gt;"}
    assert shown[1]["content"][0] == {"path": str(photo), "mime_type": "image/png"}
    assert shown[2]["content"] == ["here", {"path": str(creation.mp4), "mime_type": "video/mp4"}]
    assert shown[3] == {"role": "assistant", "content": "gone"}
    deleted = chat_messages([Message(5, "s1", "assistant", "old", 0.0, creation_id="zz",
                                     had_creation=True)], {}, STRINGS, "en")
    assert "deleted" in deleted[0]["content"]


def test_details_and_share_box_escape_everything(tmp_path):
    creation = make_creation(tmp_path)
    styles = [Choice("cinematic", {"en": "Cinematic", "zh": "电影感"}, {})]
    tracks = [Choice("calm", {"en": "Calm Lake", "zh": "静湖"}, {})]
    details = creation_details(STRINGS, "zh", creation, styles, tracks)
    assert "电影感" in details and "静湖" in details and "&lt;script&gt;" in details
    assert "测试图样" in details
    # The engine once when the model is the engine's own name (issue #19: "tiny (tiny)").
    same = dataclasses.replace(creation, engine="tiny", model="tiny")
    assert "· tiny, " in creation_details(STRINGS, "en", same, styles, tracks)
    other = dataclasses.replace(creation, engine="cogvideox", model="cogvideox-5b")
    assert "· cogvideox (cogvideox-5b), " in creation_details(STRINGS, "en", other, styles, tracks)
    box = share_html(STRINGS, "en", 'http://h/s/abc"><script>')
    assert "<script>" not in box and "&quot;&gt;&lt;script&gt;" in box
    assert share_html(STRINGS, "en", None) == ""


def test_progress_card_says_loading_before_the_first_step():
    from ui.views import progress_html

    loading = progress_html(STRINGS, "en", "generating", 0.02, "0/2", None, 0)
    assert "Loading the model" in loading and "step 0" not in loading.lower()
    stepping = progress_html(STRINGS, "en", "generating", 0.5, "1/2", 3.0, 0)
    assert "Generating" in stepping and "1" in stepping and "about 3 s" in stepping
    assert "正在加载模型" in progress_html(STRINGS, "zh", "generating", 0.0, "0/50", None, 0)


def test_progress_card_shows_a_live_preview_only_from_our_own_encoder():
    from ui.views import progress_html

    uri = "data:image/webp;base64,UklGRg=="
    card = progress_html(STRINGS, "en", "generating", 0.4, "10/50", 30.0, 0, uri)
    assert f'<img src="{uri}"' in card and "Live preview" in card
    for hostile in ('javascript:alert(1)', 'x" onerror="alert(1)', "https://example.com/a.webp"):
        assert "<img" not in progress_html(STRINGS, "en", "generating", 0.4, "10/50", 30.0, 0,
                                           hostile)
    assert "<img" not in progress_html(STRINGS, "en", "generating", 0.4, "10/50", 30.0, 0)
