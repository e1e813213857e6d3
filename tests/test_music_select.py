"""The selector on the real offline model: sensible picks in English and Chinese, the
style prior, the user's mood and choice, determinism, and Chinese glossing."""

import pytest

from errors import InputError
from music.library import Library
from music.select import Embedder, Selector, english_view, load_glossary

LIBRARY = Library.load()


@pytest.fixture(scope="module")
def selector():
    """One selector (one model load) for the module."""
    return Selector(LIBRARY)


# prompt → moods a fitting top pick may lead with
SENSIBLE = [
    ("an epic battle between two armies on a burning field", {"epic", "tense"}),
    ("a sleeping baby in a soft crib", {"calm", "dreamy"}),
    ("水墨山水", {"chinese-traditional", "calm"}),
    ("a birthday party with balloons and cake", {"playful", "uplifting"}),
    ("a detective walks down a dark alley at night", {"tense"}),
    ("a couple kissing at sunset on the beach", {"romantic"}),
    ("rain on a window, an old man remembers his late wife", {"melancholic"}),
    ("a girl studying at her desk late at night with coffee", {"lofi", "calm"}),
    ("a new smartphone rotating on a white table", {"corporate", "uplifting"}),
    ("astronaut floating among the stars", {"dreamy", "calm"}),
    ("a runner crossing the finish line at sunrise", {"uplifting", "epic"}),
    ("birds singing in a misty forest at dawn", {"nature-ambient", "calm"}),
    ("一只猎豹趴在草地上", {"nature-ambient", "calm"}),
    ("宝宝在睡觉", {"calm", "dreamy"}),
    ("两军对垒的激烈战斗", {"epic", "tense"}),
    ("春节的红灯笼和舞龙", {"chinese-traditional", "playful", "uplifting"}),
    ("一对情侣在雨中告别", {"melancholic", "romantic"}),
    ("小狗在草地上玩耍", {"playful", "nature-ambient"}),
]


@pytest.mark.parametrize("prompt, moods", SENSIBLE, ids=[p for p, _ in SENSIBLE])
def test_sensible_first_choice(selector, prompt, moods):
    picks = selector.rank(prompt)
    assert picks[0].track.moods[0] in moods, [(p.track.id, p.score) for p in picks]


def test_top_three_distinct_and_ordered(selector):
    picks = selector.rank("a cheetah lying in the grass")
    assert len(picks) == 3 and len({p.track.id for p in picks}) == 3
    assert picks[0].score >= picks[1].score >= picks[2].score


def test_ranking_is_deterministic(selector):
    first = [(p.track.id, p.score) for p in selector.rank("waves on a quiet beach", ["calm"])]
    again = [(p.track.id, p.score) for p in Selector(LIBRARY, selector.embedder).rank(
        "waves on a quiet beach", ["calm"])]
    assert first == again


def test_style_moods_tip_an_open_prompt(selector):
    prompt = "a woman walks across a bridge"
    plain = selector.rank(prompt, top=len(LIBRARY.tracks))
    styled = selector.rank(prompt, ["chinese-traditional", "calm"])
    assert styled[0].track.moods[0] == "chinese-traditional"
    position = [p.track.id for p in plain].index(styled[0].track.id)
    assert position > 0, "the style moved a track up"


def test_user_mood_wins(selector):
    picks = selector.rank("a sleeping baby", mood="tense")
    assert "tense" in picks[0].track.moods
    with pytest.raises(InputError, match="unknown mood 'angry'"):
        selector.rank("x", mood="angry")


def test_choose_honours_auto_none_and_an_id(selector):
    assert selector.choose("none", "anything") is None
    named = selector.choose("grey-rain", "a birthday party")
    assert named.track.id == "grey-rain" and named.score is None
    auto = selector.choose("auto", "a birthday party")
    assert auto.track.moods[0] in {"playful", "uplifting"} and auto.score > 0
    with pytest.raises(InputError, match="unknown music choice 'disco'"):
        selector.choose("disco", "x")


def test_english_view_glosses_chinese():
    glossary = load_glossary()
    assert english_view("a cat", glossary) == "a cat"
    view = english_view("一只猎豹趴在草地上 slow motion", glossary)
    assert "cheetah" in view and "grass" in view and "slow motion" in view
    assert english_view("城市夜景", glossary).startswith("city lights at night")
    assert english_view("嗯嗯", glossary) == ""


def test_model_loads_lazily():
    embedder = Embedder()
    Selector(LIBRARY, embedder)
    assert embedder._parts is None
