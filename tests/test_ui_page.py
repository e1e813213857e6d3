"""ui/page.py and ui/actions.py: the page's typed components, built with the real catalogue,
and the chat's typed actions."""

from __future__ import annotations

import dataclasses
import logging
import types
import typing
from enum import StrEnum

import gradio as gr
import pytest
from gradio.blocks import Block

from music.soundtrack import Soundtrack
from studio.catalog import choices_of
from studio.i18n import load_strings
from styles.presets import StyleLibrary
from ui.actions import KINDS, ChatAction
from ui.catalog import load_catalog
from ui.events import Handlers
from ui.page import Page, build_page

STRINGS = load_strings()


@pytest.fixture(scope="module")
def page() -> Page:
    catalog = load_catalog(choices_of(StyleLibrary.load(), Soundtrack()), "auto")
    assert catalog.styles and catalog.tracks  # the real libraries, not empty ones
    return build_page(STRINGS, catalog)


def typed_fields(holder) -> list[tuple[str, object, type]]:
    """(path, value, declared type) of every component field under `holder`."""
    result = []
    hints = typing.get_type_hints(type(holder))
    for field in dataclasses.fields(holder):
        value = getattr(holder, field.name)
        if dataclasses.is_dataclass(value):
            result += [(f"{field.name}.{path}", v, t) for path, v, t in typed_fields(value)]
        elif field.name not in ("blocks", "labels"):
            result.append((field.name, value, hints[field.name]))
    return result


def test_every_typed_field_is_the_gradio_component_it_declares(page):
    fields = typed_fields(page)
    assert len(fields) > 50
    for path, value, declared in fields:
        assert isinstance(value, Block), path
        assert isinstance(value, declared), f"{path} is a {type(value).__name__}, " \
                                            f"declared {declared.__name__}"
    # One component per field: no two names for the same thing.
    assert len({id(value) for _, value, _ in fields}) == len(fields)
    assert isinstance(page.create.camera, gr.Textbox)
    assert page.create.camera.elem_id == "shot-camera"
    assert page.videos.gallery.elem_id == "cw-videos"
    assert isinstance(page.state.chat_action, gr.State)


def test_a_misspelt_component_is_an_attribute_error(page):
    with pytest.raises(AttributeError):
        page.create.camrea  # noqa: B018
    with pytest.raises(dataclasses.FrozenInstanceError):
        page.create.camera = gr.Textbox()


@pytest.mark.parametrize("intent, music, expected", [
    ("generate", None, ChatAction("generate")),
    ("draw_again", "calm", ChatAction("draw_again")),  # music goes with change_music only
    ("share", None, ChatAction("share")),
    ("change_music", "none", ChatAction("change_music", "none")),
    ("change_music", "calm", ChatAction("change_music", "calm")),
    ("change_music", None, ChatAction("change_music", "next")),
    ("change_music", "", ChatAction("change_music", "next")),
    ("new_idea", None, None), ("refine", None, None), ("unclear", None, None),
])
def test_a_turns_intent_becomes_the_action_the_page_takes(intent, music, expected):
    action = ChatAction.from_turn(intent, music)
    assert action == expected
    if action is not None:  # what it holds makes the same action again
        assert ChatAction.from_turn(action.kind, action.music) == action
        assert action.renders == (intent in ("generate", "draw_again"))


def test_an_intent_given_as_a_str_enum_member_gives_the_plain_kind():
    class Intent(StrEnum):  # as agent.conversation names them
        GENERATE = "generate"
        CHANGE_MUSIC = "change_music"

    action = ChatAction.from_turn(Intent.GENERATE)
    assert action == ChatAction("generate") and type(action.kind) is str
    assert ChatAction.from_turn(Intent.CHANGE_MUSIC, "calm") == ChatAction("change_music", "calm")


def test_an_unknown_action_is_refused():
    assert set(KINDS) == {"generate", "draw_again", "share", "change_music"}
    with pytest.raises(ValueError, match="unknown chat action 'dance'"):
        ChatAction("dance")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ChatAction("share", "calm")
    with pytest.raises(ValueError):
        ChatAction("change_music")
    assert ChatAction.check(None) is None
    assert ChatAction.check(ChatAction("share")) == ChatAction("share")


def test_the_chat_step_ignores_a_stray_value_with_a_log_line(page, caplog):
    studio = types.SimpleNamespace(strings=STRINGS)  # untouched: the step stops first
    handlers = Handlers(page, studio, catalog=None, engine_state=lambda: None)
    session = types.SimpleNamespace(language="en")
    with caplog.at_level(logging.WARNING, logger="ui.actions"):
        result = handlers.on_chat_action(session, "change_music:next", None, "c1", "", "",
                                         "", "", "auto", "auto", "", None, None, None, 0,
                                         request=None)
    assert result == {page.state.chat_job: None}
    assert "ignored a chat action" in caplog.text
