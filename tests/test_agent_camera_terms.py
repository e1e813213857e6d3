"""Camera terms, English and Chinese, are read as the camera language they name — shot size,
angle, movement, lens, speed of time — and written into the prompt; words that are also
ordinary language ("vultures circling", "小狗跟随主人") are left to the idea."""

from __future__ import annotations

import re

import pytest

from agent.glossary import has_cjk
from agent.rewriter import FormulaRewriter
from agent.shot import ShotSpec
from errors import InputError

# (idea, "slot:id" it must pin)
ENGLISH = [
    # shot sizes
    ("a fox in the snow, extreme close-up", "shot:extreme-close-up"),
    ("a fox in the snow, detail shot", "shot:extreme-close-up"),
    ("close-up of a red fox in the snow", "shot:close-up"),
    ("an insert shot of a watch on a wrist", "shot:close-up"),
    ("a woman reading, medium close-up", "shot:medium-close-up"),
    ("a woman reading, MCU", "shot:medium-close-up"),
    ("a woman reading, medium shot", "shot:medium"),
    ("a woman reading, waist-up shot", "shot:medium"),
    ("a cowboy shot of a gunslinger in a desert town", "shot:medium-full"),
    ("a woman in a meadow, medium full shot", "shot:medium-full"),
    ("a dancer on a stage, full shot", "shot:full"),
    ("a dancer on a stage, full body", "shot:full"),
    ("a lighthouse on a cliff, wide shot", "shot:wide"),
    ("a lighthouse on a cliff, long shot", "shot:wide"),
    ("an establishing shot of a mountain village", "shot:extreme-wide"),
    ("a mountain village, extreme wide shot", "shot:extreme-wide"),
    ("a two-shot of two friends talking in a cafe", "shot:two-shot"),
    # angles
    ("a man talking, over-the-shoulder shot", "angle:over-shoulder"),
    ("a woman walking in a park, eye level", "angle:eye-level"),
    ("a skyscraper, low angle", "angle:low"),
    ("a skyscraper, shot from below", "angle:low"),
    ("a child on a playground, high angle", "angle:high"),
    ("a bowl of ramen, bird's-eye view", "angle:overhead"),
    ("a bowl of ramen, top-down", "angle:overhead"),
    ("a bowl of ramen, overhead shot", "angle:overhead"),
    ("a cat walking, worm's-eye view", "angle:ground"),
    ("a man running down a hallway, Dutch angle", "angle:dutch"),
    ("a man running down a hallway, tilted camera", "angle:dutch"),
    ("aerial view of a river delta", "angle:aerial"),
    ("a castle, drone footage", "angle:aerial"),
    ("POV of a bird flying over a canyon", "angle:pov"),
    ("a skier racing down a slope, first-person view", "angle:pov"),
    ("a woman in a cafe, side profile", "angle:profile"),
    ("a woman on a beach, in profile", "angle:profile"),
    ("a woman walking away on a beach, shot from behind", "angle:behind"),
    # movements
    ("a koi pond, static camera", "movement:static"),
    ("a koi pond, locked-off shot", "movement:static"),
    ("a koi pond, fixed camera", "movement:static"),
    ("a waterfall, slow pan left", "movement:pan-left"),
    ("a waterfall, pan right", "movement:pan-right"),
    ("a woman in a field, the camera pans across", "movement:pan-left"),
    ("a woman in a field, the camera pans across", "movement:pan-right"),
    ("a skyscraper, tilt up", "movement:tilt-up"),
    ("a waterfall, tilt down", "movement:tilt-down"),
    ("a fox in the snow, dolly in", "movement:push-in"),
    ("a fox in the snow, push in", "movement:push-in"),
    ("a woman smiling, zoom in on her face", "movement:zoom-in"),
    ("a fox in the snow, dolly out", "movement:pull-out"),
    ("a lighthouse on a cliff, pull back to reveal the city", "movement:pull-out"),
    ("a city skyline, zoom out", "movement:zoom-out"),
    ("a runner on a track, truck left", "movement:truck-left"),
    ("a runner on a track, track right", "movement:truck-right"),
    ("a runner on a track, trucking shot", "movement:truck"),
    ("a fox in the snow, camera follows it", "movement:tracking"),
    ("a fox in the snow, following shot", "movement:tracking"),
    ("a man walking, the camera tracks him", "movement:tracking"),
    ("a marathon on a city street, tracking the runner", "movement:tracking"),
    ("a lighthouse, orbit", "movement:orbit"),
    ("a statue in a plaza, arc shot", "movement:orbit"),
    ("a statue in a plaza, 360-degree orbit", "movement:orbit"),
    ("a castle on a hill, a crane shot", "movement:crane-up"),
    ("a castle on a hill, jib up", "movement:crane-up"),
    ("a chef in a kitchen, pedestal up", "movement:crane-up"),
    ("a castle on a hill, crane down", "movement:crane-down"),
    ("a street protest, handheld", "movement:handheld"),
    ("a street protest, shaky cam", "movement:handheld"),
    ("a woman walking through a market, steadicam", "movement:steadicam"),
    ("a woman walking through a market, gimbal shot", "movement:steadicam"),
    ("a man screaming, crash zoom", "movement:crash-zoom"),
    ("a fox in the snow, dolly zoom", "movement:dolly-zoom"),
    ("a man on a rooftop, vertigo effect", "movement:dolly-zoom"),
    ("a boxer in a ring, whip pan", "movement:whip-pan"),
    ("a waterfall, FPV drone dive", "movement:fpv"),
    ("a forest, flyover shot", "movement:drone-forward"),
    ("a city at night, drone flyover", "movement:drone-forward"),
    ("an ancient temple in a jungle, reveal shot", "movement:reveal"),
    ("a dancer spinning, rotating camera", "movement:roll"),
    ("a harbor at dawn, slow pan", "movement:pan-left"),
    ("a fox in the snow, the camera slowly follows it", "movement:tracking"),
    # lenses
    ("a canyon, wide-angle lens", "lens:24mm-deep"),
    ("a canyon, wide angle", "lens:24mm-deep"),
    ("a canyon, ultra-wide", "lens:wide-ultra"),
    ("a skateboarder, fisheye lens", "lens:fisheye"),
    ("a cheetah running, telephoto lens", "lens:telephoto"),
    ("a cheetah running, long lens", "lens:telephoto"),
    ("a woman reading, 35mm", "lens:35mm"),
    ("a woman reading, 50mm lens", "lens:50mm-natural"),
    ("a woman reading, 85mm", "lens:85mm-shallow"),
    ("a bee on a flower, macro", "lens:macro"),
    ("a car chase at night, anamorphic", "lens:anamorphic"),
    ("a busy train station, tilt-shift", "lens:tilt-shift"),
    ("a busy city intersection, miniature effect", "lens:tilt-shift"),
    ("a woman in a garden, shallow depth of field", "lens:85mm-shallow"),
    ("a woman in a garden, bokeh", "lens:85mm-shallow"),
    ("a village street, deep focus", "lens:24mm-deep"),
    ("a bottle of wine on a table, rack focus", "lens:rack-focus"),
    ("a bottle of wine on a table, focus pull", "lens:rack-focus"),
    # speed of time
    ("a ballerina spinning, slow motion", "speed:slow-motion"),
    ("a water balloon bursting, super slow motion", "speed:super-slow-motion"),
    ("clouds over a city, time-lapse", "speed:time-lapse"),
    ("a city street at night, hyperlapse", "speed:hyperlapse"),
    ("people walking in a station, fast motion", "speed:fast-motion"),
    ("a glass shattering, played in reverse", "speed:reverse"),
    ("a skier jumping, freeze frame", "speed:freeze-frame"),
    ("a samurai leaping, bullet time", "speed:bullet-time"),
    ("a man walking through a party, one continuous take", "speed:long-take"),
    ("waves on a beach, real time", "speed:real-time"),
]

CHINESE = [
    # movements
    ("镜头推近一只猫", "movement:push-in"),
    ("推镜头，一只猫在窗台上", "movement:push-in"),
    ("变焦，一只猫", "movement:zoom-in"),
    ("变焦拉远，一座城市", "movement:zoom-out"),
    ("拉镜头，一座雪山", "movement:pull-out"),
    ("镜头拉远，一座城市", "movement:pull-out"),
    ("摇镜头，一片森林", "movement:pan-right"),
    ("左摇，一片森林", "movement:pan-left"),
    ("右摇，一片森林", "movement:pan-right"),
    ("上摇，一座高楼", "movement:tilt-up"),
    ("下摇，一座高楼", "movement:tilt-down"),
    ("移镜头，一辆汽车在路上", "movement:truck"),
    ("横移拍摄一辆汽车", "movement:truck"),
    ("跟拍一个女孩在跑步", "movement:tracking"),
    ("跟镜头，一只狗在奔跑", "movement:tracking"),
    ("镜头跟随一只狗", "movement:tracking"),
    ("跟随拍摄一个骑车的男人", "movement:tracking"),
    ("环绕拍摄一只猫", "movement:orbit"),
    ("环绕镜头，一座灯塔", "movement:orbit"),
    ("360度环绕拍摄一只猫", "movement:orbit"),
    ("升降镜头，一座城堡", "movement:crane-up"),
    ("升镜头，一座城堡", "movement:crane-up"),
    ("降镜头，一座城堡", "movement:crane-down"),
    ("手持拍摄，一个女孩在街上", "movement:handheld"),
    ("手持镜头，一个女孩在街上", "movement:handheld"),
    ("稳定器拍摄一个女孩在街上走", "movement:steadicam"),
    ("固定镜头，一只猫在睡觉", "movement:static"),
    ("固定机位，一只猫在睡觉", "movement:static"),
    ("推拉变焦，一个男人", "movement:dolly-zoom"),
    ("希区柯克变焦，一个男人", "movement:dolly-zoom"),
    ("甩镜头，一只猫", "movement:whip-pan"),
    ("旋转镜头，一个舞者在跳舞", "movement:roll"),
    ("穿越机，一座瀑布", "movement:fpv"),
    ("无人机飞越一片森林", "movement:drone-forward"),
    ("镜头左移，一辆汽车在路上", "movement:truck-left"),
    ("镜头右移，一辆汽车在路上", "movement:truck-right"),
    ("急推，一只猫", "movement:crash-zoom"),
    ("揭示镜头，一座城堡", "movement:reveal"),
    # angles
    ("俯拍一碗拉面", "angle:high"),
    ("俯视一座城市", "angle:high"),
    ("仰拍一座高楼", "angle:low"),
    ("仰视一座高楼", "angle:low"),
    ("平视一个女孩", "angle:eye-level"),
    ("鸟瞰一座城市", "angle:aerial"),
    ("顶视一碗拉面", "angle:overhead"),
    ("航拍一座雪山", "angle:aerial"),
    ("无人机航拍一片海滩", "angle:aerial"),
    ("第一人称，一个人在森林里奔跑", "angle:pov"),
    ("主观视角，一辆车在山路上", "angle:pov"),
    ("POV，一只猫在跑", "angle:pov"),
    ("荷兰角，一个男人在奔跑", "angle:dutch"),
    ("倾斜镜头，一个男人在奔跑", "angle:dutch"),
    ("侧拍一个女孩在咖啡馆", "angle:profile"),
    ("一个女孩的背影", "angle:behind"),
    ("过肩镜头，一个男人", "angle:over-shoulder"),
    ("贴地拍摄一只猫", "angle:ground"),
    # shot sizes
    ("特写一只猫", "shot:close-up"),
    ("大特写一只猫的眼睛", "shot:extreme-close-up"),
    ("近景一个女孩", "shot:medium-close-up"),
    ("中近景一个女孩", "shot:medium-close-up"),
    ("中景一个女孩", "shot:medium"),
    ("中全景一个女孩", "shot:medium-full"),
    ("全景一个女孩在跳舞", "shot:full"),
    ("远景一座雪山", "shot:wide"),
    ("大远景一座雪山", "shot:extreme-wide"),
    ("全身一个女孩", "shot:full"),
    ("半身一个女孩", "shot:medium"),
    ("双人镜头，两个女孩在咖啡馆", "shot:two-shot"),
    # speed of time
    ("慢动作一个女孩在跳舞", "speed:slow-motion"),
    ("慢镜头一只鸟在飞", "speed:slow-motion"),
    ("升格拍摄一只鸟在飞", "speed:slow-motion"),
    ("延时摄影，城市的夜景", "speed:time-lapse"),
    ("延时，云海翻滚", "speed:time-lapse"),
    ("缩时摄影，一座城市", "speed:time-lapse"),
    ("快进，城市街头的行人", "speed:fast-motion"),
    ("一镜到底，一个男人在街上", "speed:long-take"),
    ("长镜头，一个男人走在街上", "speed:long-take"),
    ("定格，一个滑雪者跳跃", "speed:freeze-frame"),
    ("子弹时间，一个武士跳跃", "speed:bullet-time"),
    ("移动延时，城市街头", "speed:hyperlapse"),
    ("超慢动作，一只鸟在飞", "speed:super-slow-motion"),
    ("倒放，一只鸟在飞", "speed:reverse"),
    ("实时，海浪拍打着礁石", "speed:real-time"),
    # lenses
    ("焦点转移，一只猫", "lens:rack-focus"),
    ("背景虚化，一个女孩", "lens:85mm-shallow"),
    ("浅景深，一个女孩", "lens:85mm-shallow"),
    ("景深，一个女孩", "lens:85mm-shallow"),
    ("微距，一只蜜蜂", "lens:macro"),
    ("鱼眼镜头，一个滑板少年", "lens:fisheye"),
    ("长焦，一只猎豹在奔跑", "lens:telephoto"),
    ("广角，一座峡谷", "lens:24mm-deep"),
    ("超广角，一座峡谷", "lens:wide-ultra"),
    ("移轴摄影，一座城市", "lens:tilt-shift"),
    ("标准镜头，一个女孩", "lens:50mm-natural"),
    ("人文焦段，一个女孩在街上", "lens:35mm"),
    ("变形镜头，一辆车在夜里", "lens:anamorphic"),
]

# Ordinary sentences whose words are also camera words: (idea, slot that must stay free,
# the words that must stay in the idea).
ORDINARY_ENGLISH = [
    ("vultures circling over the desert", "movement", "circling"),
    ("birds fly over the lake at sunset", "movement", "fly over"),
    ("two hands moving closer together", "movement", "moving closer"),
    ("children circle around a campfire", "movement", "circle around"),
    ("a moon orbiting a giant planet", "movement", "orbiting"),
    ("a train pulling out of the station", "movement", "pulling out"),
    ("a boy pulling back a slingshot", "movement", "pulling back"),
    ("a wolf tracking its prey in the snow", "movement", "tracking"),
    ("a dog following its owner through a park", "movement", "following"),
    ("a pan of noodles sizzling on a stove", "movement", "pan"),
    ("a camera on a tripod", "movement", "tripod"),
    ("a boy looking up at fireworks in the night sky", "angle", "looking up at"),
    ("an old man looking down at his phone", "angle", "looking down at"),
    ("the sun rising from behind the mountains", "angle", "from behind"),
    ("a crane standing in a marsh", "movement", "crane"),
    ("a car driving in reverse", "speed", "in reverse"),
    ("a sports car sped up along the coast", "speed", "sped up"),
]
ORDINARY_CHINESE = [
    ("小狗跟随主人", "movement"),
    ("一个手持鲜花的女孩", "movement"),
    ("云雾环绕的山峰", "movement"),
    ("一座倾斜的塔", "angle"),
    ("猎豹跟踪猎物", "movement"),
    ("鸟儿飞越湖面", "movement"),
]


@pytest.fixture(scope="module")
def formula() -> FormulaRewriter:
    return FormulaRewriter()


def written(entry) -> str:
    """What the prompt says for an entry: a paced movement's noun follows the pace word."""
    return entry.noun if entry.slot == "movement" and entry.paced else entry.en


def _values(case) -> tuple:
    return case.values if hasattr(case, "values") else case  # a pytest.param, or a tuple


def _ids(cases):
    return [_values(c)[0] for c in cases]


@pytest.mark.parametrize("idea,ref", ENGLISH + CHINESE, ids=_ids(ENGLISH + CHINESE))
def test_a_camera_term_is_read_and_written(formula, idea, ref):
    slot, _, entry_id = ref.partition(":")
    brief = formula.read(idea)
    assert entry_id in brief.pinned(slot), (brief.pins, brief.subject, brief.details)
    assert not brief.untranslated, brief.untranslated
    if has_cjk(idea):  # its Latin words ("POV", "360") are camera words, not the subject's
        said = " ".join([brief.subject, brief.action, *brief.details])
        for latin in re.findall(r"[A-Za-z0-9]+", idea):
            assert latin.lower() not in said.lower(), said
    result = formula.rewrite(ShotSpec(idea=idea, seed=1))
    picked = result.composition.pick(slot)
    assert picked in brief.pinned(slot)  # the user's choice, not one of the formula's
    entry = formula.vocabulary.get(slot, picked)
    prompt = result.spec.prompt
    assert written(entry).lower() in prompt.lower(), prompt
    assert not has_cjk(prompt)


def test_there_are_sixty_terms_in_each_language():
    assert len(ENGLISH) >= 60 and len(CHINESE) >= 60


def test_every_camera_entry_is_tested_in_both_languages(formula):
    """Every shot size, angle, move, lens and speed has English match phrases, Chinese
    glossary words, and a case above in each language."""
    named_en = {_values(c)[1] for c in ENGLISH}
    named_zh = {_values(c)[1] for c in CHINESE}
    glossary = {ref for w in formula.glossary.words.values() if w.role == "camera"
                for ref in w.en.split(",")}
    for slot in ("shot", "angle", "movement", "lens", "speed"):
        for entry in formula.vocabulary.entries[slot]:
            ref = f"{slot}:{entry.id}"
            assert entry.match and ref in glossary, ref
            assert ref in named_en, f"{ref} has no English case"
            assert ref in named_zh, f"{ref} has no Chinese case"


@pytest.mark.parametrize("idea,slot,words", ORDINARY_ENGLISH,
                         ids=[i for i, _, _ in ORDINARY_ENGLISH])
def test_ordinary_english_words_stay_in_the_idea(formula, idea, slot, words):
    brief = formula.read(idea)
    assert not brief.pinned(slot), brief.pins
    said = " ".join([brief.subject, brief.action, *brief.details]).lower()
    assert words in said, said


@pytest.mark.parametrize("idea,slot", ORDINARY_CHINESE, ids=[i for i, _ in ORDINARY_CHINESE])
def test_ordinary_chinese_words_are_not_camera_language(formula, idea, slot):
    try:
        brief = formula.read(idea)
    except InputError:
        return  # asking what the word means is fine; reading it as a camera move is not
    assert not brief.pinned(slot), brief.pins


@pytest.mark.parametrize("idea,camera_words", [
    ("a woman smiling, zoom in on her face", "her face"),
    ("a lighthouse on a cliff, pull back to reveal the city", "reveal"),
])
def test_the_target_of_a_move_stays_with_the_camera(formula, idea, camera_words):
    result = formula.rewrite(ShotSpec(idea=idea, seed=1))
    assert camera_words in result.spec.camera


def test_the_camera_itself_is_not_a_detail(formula):
    assert formula.read("a woman in a cafe, the camera slowly pans left").details == ()


def test_from_below_the_window_is_not_an_angle(formula):
    brief = formula.read("a cat watching birds from below the window")
    assert not brief.pinned("angle") and "from below the window" in brief.action
