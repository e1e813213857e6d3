"""The page's shot fields meet the limits every door shares (issue #20, items 4 and 9).

Before: the page's Generate took the camera, scene and details fields at any length (100 000
characters rendered into a 107 KB share page; 5 000 000 were stored and run) and any seed
(2**80 failed later, in the job), while the API and the CLI refused. Now `Studio.generate`
and `draw_again` check the shot with agent/limits.py's `check_shot`, the same data and
sentences as the API, in the page's language, before anything is stored or queued."""

from __future__ import annotations

import pytest
from studio_support import open_test_services

from agent.limits import TextRejected, check_seed, check_text, default_limits
from agent.shot import ShotSpec
from errors import InputError
from studio.director import Director, RenderOptions
from studio.session import ShotEdits, Studio
from styles.presets import StyleLibrary
from video.engines.pool import EnginePool

TINY = RenderOptions(engine="tiny", steps=1)


@pytest.fixture(scope="module")
def studio(tmp_path_factory, engine_settings):
    director = Director(EnginePool(engine_settings), styles=StyleLibrary.load(), music=None)
    # The queue is not started: what is checked is what is taken, not renders.
    services = open_test_services(tmp_path_factory.mktemp("limits-shot") / "data", director)
    yield services.studio
    services.close()


def with_shot(studio: Studio, language: str = "en-US"):
    session = studio.open_session(None, language)
    studio.say(session, "a cat on a roof at dusk")
    assert studio.current_spec(session) is not None
    return session


def queued(studio: Studio, session) -> list:
    return studio.queue.list(session.owner)


@pytest.mark.parametrize("field", ["camera", "scene", "details"])
@pytest.mark.parametrize("length", [2001, 100_000, 5_000_000])
def test_a_shot_field_over_the_limit_is_refused_before_anything_is_stored(studio, field,
                                                                          length):
    session = with_shot(studio)
    before = studio.current_spec(session)
    with pytest.raises(TextRejected) as caught:
        studio.generate(session, ShotEdits(music="none", **{field: "a" * length}), TINY)
    assert caught.value.reason == "too_long"
    assert str(caught.value) == (f"the {field} field is {length} characters long; at most "
                                 f"2000 fit, so describe the video in fewer words")
    assert queued(studio, session) == [] and studio.current_spec(session) == before


def test_a_field_at_the_limit_is_taken_whole(studio):
    session = with_shot(studio)
    details = ("warm light on the tiles, " * 100)[:1999] + "."
    job = studio.generate(session, ShotEdits(music="none", details=details), TINY)
    assert job.spec.details == details and len(details) == default_limits().max_field_chars


@pytest.mark.parametrize("text,reason", [
    ("slow push in\x00", "control"), ("slow \x1b[31mpush in", "control"),
    ("slow push in \u202e", "direction"), ("slow push in \ud800", "broken"),
])
def test_a_shot_field_refuses_what_an_idea_refuses(studio, text, reason):
    session = with_shot(studio, "zh-CN")
    with pytest.raises(TextRejected) as caught:
        studio.generate(session, ShotEdits(music="none", camera=text), TINY)
    assert caught.value.reason == reason and "镜头栏" in str(caught.value)  # their language
    assert queued(studio, session) == []


@pytest.mark.parametrize("seed", [2**80, 2**63, -1])
def test_a_seed_out_of_range_is_refused_with_the_apis_sentence(studio, seed):
    """Before: 2**80 was queued and the job failed later; the API said 400."""
    session = with_shot(studio)
    with pytest.raises(TextRejected) as caught:
        studio.generate(session, ShotEdits(music="none", seed=seed), TINY)
    with pytest.raises(TextRejected) as shared:
        check_seed(seed)  # the API answers "field 'seed': " + this sentence
    assert str(caught.value) == str(shared.value) and caught.value.reason == "seed"
    assert queued(studio, session) == []
    job = studio.generate(session, ShotEdits(music="none", seed=2**63 - 1), TINY)
    assert job.spec.seed == 2**63 - 1


def test_the_page_may_not_name_a_file_as_music(studio, tmp_path):
    """The page offers auto, none and library tracks; a file path sent to its event would
    put one of the server's files into a video (the API refuses it too)."""
    song = tmp_path / "private.wav"
    song.write_bytes(b"RIFF")
    session = with_shot(studio)
    for music in (str(song), "../secrets/browser-state", "/etc/passwd"):
        with pytest.raises(InputError, match="track id"):
            studio.generate(session, ShotEdits(music=music), TINY)
    assert queued(studio, session) == []


def test_draw_again_refuses_a_shot_kept_from_before_the_limits(studio):
    """A creation made before the limits (the attack's 5 000 000 characters of details)
    cannot be rendered again as it is."""
    session = with_shot(studio)
    spec = ShotSpec(idea="a cat on a roof", details="a" * 100_000, music="none")
    creation_id = "c" * 32
    studio.creation_spec = lambda s, c: spec if c == creation_id else None  # as stored
    try:
        with pytest.raises(TextRejected, match="100000 characters long"):
            studio.draw_again(session, creation_id, TINY)
    finally:
        del studio.creation_spec
    assert queued(studio, session) == []


def test_one_definition_of_the_longest_text():
    """The API's prompt limit is the same number as the chat's and the page's."""
    from api.platform import load_rules

    limits = default_limits()
    assert load_rules().max_prompt_chars == limits.max_idea_chars == 2000
    assert limits.max_field_chars == 2000 and limits.max_seed == 2**63 - 1
    with pytest.raises(TextRejected):
        check_text("a" * 2001, what="prompt")
