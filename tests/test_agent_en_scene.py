"""English ideas of our own that the formula read or wrote wrongly: a clock time said as a
time of day ("at 3am" became "late afternoon"), a place alone with a time ("a cafe at
night" was refused as "only scene choices"), and moods that contradict what the user said
(an energetic buzz in an empty station, a melancholic quiet over cheering students)."""

from __future__ import annotations

import pytest

from agent.shot import ShotSpec
from errors import InputError, NotUnderstood


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


@pytest.mark.parametrize("idea", ["make the one i showed you but longer", "hjkl hjkl 123 ??",
                                  "do the same video again"])
def test_what_only_the_user_has_seen_or_noise_is_asked_about(formula, idea):
    with pytest.raises(NotUnderstood) as asked:
        formula.read(idea)
    assert "'hjkl', 'hjkl'" not in str(asked.value)  # an unknown word is named once


@pytest.mark.parametrize("idea, subject", [
    ("the same cat but at night", "the same cat"),  # "but" was the noun
    ("a thing of beauty", "a thing of beauty"),
    ("slow motion: the camera orbits a basketball player mid-dunk",
     "a basketball player mid-dunk"),  # a hyphenated word of two known words is known
])
def test_look_alikes_are_read(formula, idea, subject):
    assert formula.read(idea).subject == subject


def test_the_camera_drifting_through_a_place_is_a_glide(formula):
    brief = formula.read("the camera drifts slowly through an abandoned hospital corridor")
    pins = dict(brief.pins)
    assert pins["movement"] == ("steadicam",) and pins["pace"] == ("slow",)
    assert brief.subject == "an abandoned hospital corridor"
    ghost = formula.read("a ghost drifting through an abandoned hospital corridor")
    assert ghost.subject == "a ghost" and "movement" not in dict(ghost.pins)
