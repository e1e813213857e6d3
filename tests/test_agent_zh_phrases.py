"""Chinese phrasings the reader got wrong on a blind set (bench/agent_ideas_zh_unseen.toml,
its odd-numbered half read): what someone wears before 的, a verb with 在/着 cut as one word,
a verb said twice around 来…去, an animal's baby, a verb that takes its object after a
preposition, "X风" as a style, a word of degree before an adjective, a measure word for a
boat. Each is a general pattern, tested here on phrasings beyond the ones that were seen."""

from __future__ import annotations

import pytest

from agent.formula_rewriter import FormulaRewriter
from agent.shot import ShotSpec


@pytest.fixture(scope="module")
def formula():
    return FormulaRewriter()


def _read(formula, idea: str):
    return formula.read(idea)


@pytest.mark.parametrize("idea, subject", [
    ("一个穿红裙子的女孩在跳舞", "a girl wearing a red dress"),  # was "a red-dressed son's girl"
    ("动漫风，一个戴红围巾的男孩站在屋顶上", "a boy wearing a red scarf"),  # the scarf was lost
    ("穿着蓝色外套的老人在公园散步", "an old man wearing a blue coat"),
    ("戴着黄色帽子的小狗在草地上跑", "a puppy wearing a yellow hat"),
])
def test_what_someone_wears_before_de_stays_with_them(formula, idea, subject):
    assert _read(formula, idea).subject == subject


@pytest.mark.parametrize("idea, action", [
    ("一叶竹筏慢慢漂在漓江上", "floating"),  # 漂在 was an unknown word: the idea was refused
    ("一片叶子漂在水面上", "floating on the water"),
    ("一只猫趴在窗台上", "lying on a windowsill"),
])
def test_a_verb_cut_with_zai_is_read_and_its_place_kept(formula, idea, action):
    brief = _read(formula, idea)
    assert action in brief.action and not brief.untranslated


def test_a_boat_counted_with_ye_is_one_raft(formula):
    brief = _read(formula, "桂林山水，一叶竹筏慢慢漂在漓江上，清晨有雾")
    assert brief.subject == "a bamboo raft"
    assert "the Li River" in brief.place and dict(brief.pins)["weather"] == ("fog",)


@pytest.mark.parametrize("idea, action", [
    ("两只熊猫宝宝在木架上抢一个苹果，滚来滚去", "rolling around"),  # not "boiling and coming"
    ("蝴蝶在花丛中飞来飞去", "flying around"),
    ("孩子们在院子里跑来跑去", "running around"),
])
def test_a_verb_said_twice_around_lai_qu_is_done_all_around(formula, idea, action):
    brief = _read(formula, idea)
    assert action in brief.action and "coming" not in brief.action


@pytest.mark.parametrize("idea, subject", [
    ("两只熊猫宝宝在木架上抢一个苹果", "two baby pandas"),
    ("熊猫宝宝在吃竹子", "a baby panda"),
])
def test_an_animals_baby_is_the_animal_not_a_person(formula, idea, subject):
    brief = _read(formula, idea)
    assert brief.subject == subject and brief.kind == "animal"


@pytest.mark.parametrize("idea, action", [
    ("一个男孩站在屋顶上看流星雨", "looking at a meteor shower"),
    ("一个女孩在听音乐", "listening to music"),
    ("小狗在门口等主人", "waiting for an owner"),
    ("熊猫吃竹子", "eating bamboo"),  # a verb that takes its object directly stays so
])
def test_a_verbs_object_comes_after_the_preposition_it_takes(formula, idea, action):
    assert action in _read(formula, idea).action


@pytest.mark.parametrize("idea, look", [
    ("动漫风，一个男孩站在屋顶上", "anime"),
    ("赛博朋克风的城市夜景", "cyberpunk"),
])
def test_a_style_named_with_feng_is_a_style_not_a_breeze(formula, idea, look):
    pins = dict(_read(formula, idea).pins)
    assert pins["look"] == (look,) and "weather" not in pins


@pytest.mark.parametrize("idea, words", [
    ("环绕拍摄一棵巨大的银杏树，叶子全黄了，秋天", "yellow leaves"),  # 全黄 was unknown
    ("一只很胖的橘猫", "a chubby orange cat"),
    ("一个孤独的老人坐在长椅上", "a lonely old man"),
    ("想要那种一个人坐在末班地铁上的孤独感", "a lonely person"),  # 那种 was the subject
])
def test_degree_words_and_feelings_before_a_noun(formula, idea, words):
    brief = _read(formula, idea)
    assert words in " ".join([brief.subject, *brief.details]) and not brief.untranslated


def test_a_festive_new_year_feel_is_said(formula):
    spec = formula.rewrite(ShotSpec(idea="红灯笼挂满整条老街，晚上，很有年味", seed=1)).spec
    assert "festive New Year" in spec.prompt


@pytest.mark.parametrize("idea", ["轻轨从大楼中间穿过去", "刚下过雨的地面反着光"])
def test_through_and_reflecting_are_verbs_not_wearing_or_unknown(formula, idea):
    brief = _read(formula, idea)
    assert "wearing" not in brief.action and not brief.untranslated
    assert "passing through" in brief.action or "reflecting light" in brief.action
