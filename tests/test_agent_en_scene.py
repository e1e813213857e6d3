"""English ideas of our own that the formula read or wrote wrongly: a clock time said as a
time of day ("at 3am" became "late afternoon"), a place alone with a time ("a cafe at
night" was refused as "only scene choices"), and moods that contradict what the user said
(an energetic buzz in an empty station, a melancholic quiet over cheering students)."""

from __future__ import annotations

import pytest

from agent.formula_rewriter import FormulaRewriter
from agent.shot import ShotSpec
from errors import InputError


@pytest.fixture(scope="module")
def formula():
    return FormulaRewriter()


@pytest.mark.parametrize("idea, time", [
    ("no people, just an empty subway station at 3am", "pre-dawn"),
    ("a fisherman leaving the harbor at 5 am", "dawn"),
    ("a cafe at 8 am", "morning"),
    ("a busy street at 2 p.m.", "afternoon"),
    ("a rooftop party at 10pm", "night"),
    ("fireworks over the river at 12am", "midnight"),
])
def test_a_clock_time_is_a_time_of_day(formula, idea, time):
    assert dict(formula.read(idea).pins)["time"] == (time,)


@pytest.mark.parametrize("idea, place", [
    ("a cafe at night", "a cafe"),
    ("a library at dusk", "a library"),
    ("a cathedral at sunset", "a cathedral"),
    ("a kitchen in the morning, warm light", "a kitchen"),
])
def test_a_place_alone_with_a_time_is_what_to_show(formula, idea, place):
    brief = formula.read(idea)
    assert brief.subject == place and brief.place == place


def test_camera_and_time_alone_still_ask_what_to_show(formula):
    with pytest.raises(InputError):
        formula.read("at night, slow motion")


@pytest.mark.parametrize("seed", range(1, 9))
def test_an_empty_place_gets_no_bustle_and_cheering_no_melancholy(formula, seed):
    empty = formula.rewrite(ShotSpec(idea="no people, just an empty subway station at 3am",
                                     seed=seed)).spec.prompt
    assert not any(w in empty for w in ("buzz", "vibrant", "bustling", "energetic"))
    assert "late afternoon" not in empty and "small hours before dawn" in empty
    cheering = formula.rewrite(ShotSpec(
        idea="a paper airplane flying over a classroom full of cheering students",
        seed=seed)).spec.prompt
    assert "melancholic quiet" not in cheering and "wistful" not in cheering


@pytest.mark.parametrize("idea, subject", [
    ("lanterns floating up into the night sky over a river", "lanterns"),  # was "a lanterns"
    ("raindrops sliding down a car window at night", "raindrops"),
    ("a glass of wine", "a glass of wine"),  # a noun ending in -ss is one thing
])
def test_an_unknown_plural_noun_gets_no_article(formula, idea, subject):
    brief = formula.read(idea)
    assert brief.subject == subject
