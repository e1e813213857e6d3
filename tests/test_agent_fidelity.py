"""Faithful reading (issue 16): every example of the user trial comes back right or as a
question; the fidelity check, the consistency rules and CC-CEDICT each do their one job."""

from __future__ import annotations

import re

import pytest

from agent.consistency import load_rules
from errors import DataFileError
from agent.fidelity import Fact, Facts, missing, shows
from agent.glossary import has_cjk
from agent.rewriter import FormulaRewriter
from agent.shot import ShotSpec
from errors import InputError, NotUnderstood


@pytest.fixture(scope="module")
def formula() -> FormulaRewriter:
    return FormulaRewriter()


def prompt_of(formula, idea: str, seed: int) -> str:
    return formula.rewrite(ShotSpec(idea=idea, seed=seed)).prompt


def has(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}", text, re.IGNORECASE) is not None


# The trial's table (issue 16): (idea, words that must appear, words that must not).
TRIAL = [
    ("小男孩在火车站台上吃面包", ["boy", "train platform", "eating bread"], ["living room",
                                                                       "standing"]),
    ("白天的马路上一个牛仔骑着自行车", ["cowboy", "riding a bicycle"], ["cow ", "nostrils"]),
    ("黄河壶口瀑布，航拍", ["Hukou", "Yellow River", "aerial"], ["a yellow river", "pine forest"]),
    ("a cat sleeping on a windowsill in Venice", ["cat sleeping on a windowsill in Venice"],
     ["living room", "tense", "bookshelves"]),
    ("a girl in a yellow raincoat jumping into puddles", ["yellow raincoat", "puddles"],
     ["living room", "calm breaths", "slow breaths"]),
    ("two astronauts playing chess on the moon", ["two astronauts", "chess", "moon"],
     ["hair", "breeze"]),
    ("an empty playground at dusk, no children", ["empty playground", "dusk"],
     ["children", "child", "people"]),
    ("a wedding video for my sister", ["bride", "wedding"], ["video for", "my sister",
                                                            "city street"]),
    ("a drone flying over a wheat field, camera follows it", ["drone", "wheat field",
                                                             "tracking"],
     ["rice paddies", "camera follows it"]),
]


@pytest.mark.parametrize("idea, must, must_not", TRIAL)
def test_every_trial_example_keeps_its_meaning(formula, idea, must, must_not):
    for seed in (1, 11, 23):
        prompt = prompt_of(formula, idea, seed)
        assert not has_cjk(prompt)
        for word in must:
            assert has(prompt, word), (seed, word, prompt)
        for word in must_not:
            assert not has(prompt, word), (seed, word, prompt)


def test_the_reply_says_what_came_from_the_user_and_what_was_chosen(formula):
    result = formula.rewrite(ShotSpec(idea="a cat sleeping on a windowsill in Venice", seed=11))
    assert "From you: a cat sleeping on a windowsill in Venice" in result.reply
    assert "I chose" in result.reply and "living room" not in result.reply
    occasion = formula.rewrite(ShotSpec(idea="a wedding video for my sister", seed=2))
    assert "sister" in occasion.reply and "pictured" in occasion.reply
    negated = formula.rewrite(ShotSpec(idea="an empty beach with no people", seed=2))
    assert "Left out, as you asked: people" in negated.reply


@pytest.mark.parametrize("idea, words", [
    ("a zorblax dancing in the rain", ("zorblax",)),
    ("the thing from yesterday", ()),
    ("做一个那个视频", ()),
    ("小明在跑步", ("小明",)),  # a name: never read as 小 "small" + 明 "bright"
])
def test_what_cannot_be_read_is_a_question_not_a_default(formula, idea, words):
    with pytest.raises(NotUnderstood) as caught:
        formula.rewrite(ShotSpec(idea=idea, seed=1))
    assert caught.value.words == words and re.search(r"[?？]", str(caught.value))


def test_chinese_words_are_read_as_words(formula):
    read = formula.read
    assert read("白天的马路上一个牛仔骑着自行车").subject == "a cowboy"
    boy = read("小男孩在火车站台上吃面包")
    assert (boy.subject, boy.place) == ("a little boy", "on a train platform")
    assert read("一千只纸鹤挂在天花板上").subject == "1,000 paper cranes"
    assert read("五个朋友围着篝火唱歌").subject == "five friends"
    students = read("穿着蓝色校服的学生们在操场上跑步")
    assert students.subject == "students wearing a blue school uniform" and students.plural
    assert read("金黄色的麦田里有一个穿白衬衫的男人").place == "in a golden wheat field"
    assert read("慢动作，水滴落进牛奶里").action == "falling into the milk"
    assert read("一只黑猫和一只橘猫在打架").subject == "a black cat and an orange cat"
    assert read("故宫下雪了").subject == "the Forbidden City"


def test_negations_leave_the_prompt_and_clear_the_sky(formula):
    brief = formula.read("a sunflower field without a single cloud in the sky")
    assert brief.avoid == ("cloud",) and brief.pinned("weather") == ("clear",)
    for seed in range(4):
        prompt = prompt_of(formula, "没有人的街道", seed)
        assert "empty" in prompt and not re.search(r"\b(?:people|pedestrians|crowd)\b", prompt)
        street = prompt_of(formula, "a city street at night with no cars", seed)
        assert not re.search(r"\b(?:cars?|traffic)\b", street)
    silent = formula.rewrite(ShotSpec(idea="no music, just waves on rocks", seed=1)).spec
    assert silent.music == "none" and "music" not in silent.prompt


def test_added_details_agree_with_the_action_and_the_subject(formula):
    for seed in range(6):
        sprint = prompt_of(formula, "a cheetah sprinting across the savanna", seed)
        assert not re.search(r"slow breaths|blinking slowly|lazily|resting", sprint)
        sleep = prompt_of(formula, "a cat sleeping on a sofa", seed)
        assert not re.search(r"tense|energetic|majestic|playful", sleep)
        assert not has(prompt_of(formula, "an astronaut floating in space", seed), "hair")


def test_a_refinement_keeps_count_and_colour_and_says_what_followed():
    from agent.conversation import Conversation, Session

    chat = Conversation(FormulaRewriter())
    session = Session()
    chat.turn(session, "two white cats sleeping on a sofa at midday")
    reply = chat.turn(session, "change the cats to dogs")
    assert "two white dogs" in reply.spec.camera
    before = dict(chat.formula.compose(session.spec.with_changes(camera="", scene="",
                                                                 details=""),
                                       session.brief).composition.picks)
    reply = chat.turn(session, "make it night")
    after = dict(reply.rewrite.composition.picks)
    changed = {slot for slot in after if after[slot] != before.get(slot)}
    assert "time" in changed and changed <= {"time", "lighting", "weather", "atmosphere"}
    if "lighting" in changed:  # the light had to follow the night: the reply says so
        assert chat.formula.vocabulary.get("lighting", after["lighting"]).en.split(",")[0] \
            in reply.text


def test_fidelity_check_names_what_was_lost_or_added():
    facts = Facts(required=(Fact("the place 'Venice'", ("Venice",)),
                            Fact("the count 'two'", ("two", "2"))), forbidden=("children",))
    assert missing(facts, "Two cats in Venice") == ()
    assert missing(facts, "Two cats in Rome with children") == (
        "lost the place 'Venice'", "added 'children', which the idea excludes")
    assert shows("a close up of a fox", "close-up") and not shows("enclosed", "close")


def test_consistency_rules_know_spaces_energy_and_clashes():
    rules = load_rules()
    assert rules.space_of("on a windowsill in Venice") == "indoor"
    assert rules.space_of("over a wheat field") == "outdoor"
    assert rules.space_of("on the moon") == "space"
    assert not rules.names_place("a yellow raincoat") and rules.names_place("a train platform")
    assert rules.energy_of("sleeping on a sofa") == "calm"
    assert rules.energy_of("sprinting across the field") == "lively"
    assert rules.clashes_in("at midnight under bright sunshine")
    assert "traffic" in rules.excluded(("cars",))
    assert rules.settings_for("surfing a huge wave") == ("ocean", "beach")


def test_a_broken_consistency_file_is_named(tmp_path):
    path = tmp_path / "consistency.toml"
    path.write_text("[places]\nindoor = [\"room\"]\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="consistency.toml"):
        load_rules(path)


def test_cc_cedict_gives_meanings_and_a_word_is_never_split_into_characters(formula):
    dictionary = formula.glossary.dictionary
    assert dictionary.meaning("牛仔").en == "cowboy"
    assert dictionary.meaning("站台").en == "platform"
    assert dictionary.meaning("睡觉").role == "action"
    assert dictionary.meaning("牛奶").en == "milk"  # not "cow's milk"
    words = formula.glossary.segment("牛仔")
    assert [(w.text, w.en) for w in words] == [("牛仔", "cowboy")]


def test_an_unreadable_idea_exits_2_on_the_command_line(capsys, monkeypatch):
    import app

    monkeypatch.setenv("CLIPWRIGHT_THREADS", "default")  # this worker's pools stay as they are
    code = app.main(["rewrite", "a zorblax dancing"])
    err = capsys.readouterr().err
    assert code == 2 and "zorblax" in err


def test_the_formula_check_runs_on_every_rewrite(formula):
    # A very long idea must be cut to fit the encoder: the user is told what the cut lost.
    idea = ", ".join(f"a {c} balloon" for c in ("red", "blue", "green", "yellow", "pink",
                                                 "purple", "orange", "white", "black",
                                                 "golden", "silver", "brown")) * 3
    result = formula.rewrite(ShotSpec(idea=idea, seed=1))
    assert result.warnings  # the cut is said, never silent
    with pytest.raises(InputError):
        formula.rewrite(ShotSpec(idea="", seed=1))


def test_emoji_are_read_as_the_words_they_stand_for(formula):
    prompt = prompt_of(formula, "😀 a 🐶 running on the 🏖️ 👍", 1)
    assert "dog running on the beach with umbrella" in prompt and not has_cjk(prompt)


def test_the_chinese_tables_are_cached_on_disk(tmp_path, monkeypatch):
    from agent import zh_cache
    from agent.dictionary_zh import Dictionary

    monkeypatch.setenv("CLIPWRIGHT_CACHE_DIR", str(tmp_path / "cache"))
    first = Dictionary(("火车站台",))
    assert first.cut("小男孩在火车站台上", lambda w: True, lambda w: False)
    names = sorted(p.name.split("-")[0] for p in (tmp_path / "cache").iterdir())
    assert "cedict" in names and "jieba" in names
    # A second process reads the same files, and gets the same meanings.
    again = Dictionary(("火车站台",))
    assert again.meaning("牛仔") == first.meaning("牛仔")
    # An unwritable cache costs time, never correctness.
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("CLIPWRIGHT_CACHE_DIR", str(blocked))
    assert zh_cache.cached_table("t", "k", lambda: {"a": 1}) == {"a": 1}
    assert Dictionary().meaning("站台").en == "platform"
