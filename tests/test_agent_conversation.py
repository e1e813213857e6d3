"""A conversation with the offline agent: ideas, refinements that change only what they
name, draw again, music, generate and share — over several turns, in English and Chinese,
without losing what the user had."""

from __future__ import annotations

import json

import pytest

from agent.conversation import Conversation, Session
from studio.director import Director
from agent.glossary import has_cjk
from agent.rewriter import FormulaRewriter

PARTS = ("camera", "scene", "details")


@pytest.fixture(scope="module")
def chat() -> Conversation:
    return Conversation(FormulaRewriter())


def parts(spec) -> dict[str, str]:
    return {p: getattr(spec, p) for p in PARTS}


def test_an_idea_gets_the_formula_in_three_parts(chat):
    session = Session()
    reply = chat.turn(session, "a cheetah lying in the grass")
    assert reply.intent == "new_idea" and reply.changed == PARTS
    assert session.spec is reply.spec and reply.spec.seed is not None
    for label, part in zip(("Camera:", "Scene:", "Details:"), PARTS):
        assert f"{label} {getattr(reply.spec, part)}" in reply.text
    assert "I chose" in reply.text and "From you: a cheetah lying in the grass" in reply.text
    assert session.history[0] == ("user", "a cheetah lying in the grass")
    assert session.history[-1] == ("assistant", reply.text)


def test_a_chinese_idea_is_answered_in_chinese(chat):
    session = Session()
    reply = chat.turn(session, "写实描绘,近距离,猎豹卧在地上,身体微微起伏")
    assert session.language == "zh" and reply.spec.language == "zh"
    assert "镜头语言:" in reply.text and "场景:" in reply.text and "细节:" in reply.text
    assert "来自你的" in reply.text and "我选择了" in reply.text
    assert not has_cjk(reply.spec.prompt)


@pytest.mark.parametrize("message,part,check", [
    ("make it night", "scene", lambda s: "night" in s.scene),
    ("add rain", "scene", lambda s: "rain" in s.scene),
    ("加点雨", "scene", lambda s: "rain" in s.scene),
    ("改成夜晚", "scene", lambda s: "night" in s.scene),
    ("on a beach", "scene", lambda s: "beach" in s.scene),
    ("orbit", "camera", lambda s: "orbit" in s.camera),
    ("low angle", "camera", lambda s: "low angle" in s.camera),
    ("in slow motion", "camera", lambda s: "slow motion" in s.camera),
    # a style's hints shape the camera and the light in the same turn
    ("换成油画风格", ("camera", "scene"), lambda s: s.style == "oil-painting" and "oil" in s.camera),
    ("cinematic", ("camera", "scene"), lambda s: s.style == "cinematic"),
])
def test_a_refinement_changes_only_its_part(chat, message, part, check):
    session = Session()
    chat.turn(session, "a red fox sitting in a meadow at golden hour, medium shot")
    before = session.spec
    reply = chat.turn(session, message)
    part = part if isinstance(part, tuple) else (part,)
    assert reply.intent == "refine" and reply.changed == part
    assert check(reply.spec)
    for other in PARTS:
        if other not in part:
            assert getattr(reply.spec, other) == getattr(before, other), other
    assert reply.spec.seed == before.seed and reply.spec.subject == before.subject


def test_closer_wider_slower_faster_step_the_camera(chat):
    session = Session()
    chat.turn(session, "a red fox sitting in a meadow, medium shot, slow push in")
    scene = session.spec.scene
    vocabulary = chat.formula.vocabulary

    def shot_order(spec):
        shot = next(t for t in vocabulary.find_terms(spec.camera) if t.slot == "shot")
        return vocabulary.get("shot", shot.ids[0]).order

    start = shot_order(session.spec)
    assert chat.turn(session, "closer").changed == ("camera",)
    assert shot_order(session.spec) == start - 1 == 3  # medium → medium close-up
    chat.turn(session, "远一点")
    chat.turn(session, "wider")
    assert shot_order(session.spec) == start + 1
    assert "slow push in" in session.spec.camera
    reply = chat.turn(session, "slower camera")
    assert "very slow push in" in session.spec.camera and reply.changed == ("camera",)
    chat.turn(session, "faster")
    chat.turn(session, "快一点")
    assert "gentle push in" in session.spec.camera
    assert session.spec.scene == scene  # the scene never moved


def test_several_turns_keep_what_the_user_had(chat):
    session = Session()
    chat.turn(session, "a cheetah lying in the grass, close-up")
    chat.turn(session, "make it night")
    chat.turn(session, "add rain")
    chat.turn(session, "slower camera")
    spec = session.spec
    assert "close-up" in spec.camera and "night" in spec.scene and "rain" in spec.scene
    again = chat.turn(session, "draw again")
    assert again.intent == "draw_again" and again.spec.seed != spec.seed
    new = again.spec
    assert (new.subject, new.action) == ("a cheetah", "lying in the grass")
    assert "close-up" in new.camera and "night" in new.scene and "rain" in new.scene
    assert "cheetah lying in the grass" in new.camera
    # over a few draws the unpinned choices vary
    draws = {chat.turn(session, "再来一次").spec.camera for _ in range(4)}
    assert len(draws | {new.camera}) >= 3


def test_a_subject_can_be_swapped_or_added(chat):
    session = Session()
    chat.turn(session, "a cat sleeping on a sofa at night")
    scene = session.spec.scene
    reply = chat.turn(session, "把猫换成狗")
    assert reply.changed == ("camera", "details") and "dog" in reply.spec.camera
    assert "cat" not in reply.spec.camera and reply.spec.scene == scene
    reply = chat.turn(session, "add a rabbit")
    assert "a dog and a rabbit" in reply.spec.camera and "their" in reply.spec.details


def test_a_new_subject_without_a_change_word_is_a_new_idea(chat):
    session = Session()
    chat.turn(session, "a cat sleeping on a sofa")
    reply = chat.turn(session, "a lighthouse in a storm")
    assert reply.intent == "new_idea" and "lighthouse" in reply.spec.camera
    assert reply.spec.idea == "a lighthouse in a storm"


def test_music_generate_share_and_unclear(chat):
    session = Session()
    assert chat.turn(session, "generate").intent == "unclear"  # nothing to render yet
    assert "what the video should show" in session.history[-1][1]
    chat.turn(session, "a cat sleeping on a sofa")
    spec = session.spec
    reply = chat.turn(session, "Generate!")
    assert reply.intent == "generate" and reply.spec == spec
    assert chat.turn(session, "share it").intent == "share"
    assert chat.turn(session, "分享").intent == "share"
    none = chat.turn(session, "no music please")
    assert (none.intent, none.music, none.spec.music) == ("change_music", "none", "none")
    calm = chat.turn(session, "换一首安静的音乐")
    assert (calm.music, calm.spec.music, calm.spec.mood) == ("calm", "auto", "calm")
    assert "安静" in calm.text
    assert chat.turn(session, "change the music").music == "next"
    assert chat.turn(session, "blah").intent == "unclear"
    odd = chat.turn(session, "㐅㐆㐅")
    assert odd.intent == "unclear" and "㐅㐆㐅" in odd.text
    # an idea that mentions music is still an idea
    idea = chat.turn(session, "a girl playing music on a rooftop at sunset")
    assert idea.intent == "new_idea"
    assert session.spec.camera.count("girl") == 1 and parts(session.spec) != parts(spec)


def test_a_style_pick_and_a_photo_without_words(chat, tmp_path):
    session = Session()
    chat.turn(session, "a cat sleeping on a sofa")
    reply = chat.turn(session, "", style="anime")
    assert reply.spec.style == "anime" and session.style == "anime"
    photo = tmp_path / "cat.jpg"
    photo.write_bytes(b"x")
    reply = chat.turn(session, "", image=photo)
    assert reply.spec.source_image == photo and "original photo" in reply.spec.camera
    assert reply.changed == PARTS
    reply = chat.turn(session, "make it night", style="watercolor")
    assert reply.spec.style == "watercolor" and reply.intent == "refine"


def test_the_session_survives_a_save_and_load(chat, tmp_path):
    session = Session()
    chat.turn(session, "a cheetah lying in the grass")
    chat.turn(session, "make it night")
    state = json.loads(json.dumps(session.to_state()))  # what store/ keeps
    restored = Session.from_state(state)
    assert restored.spec == session.spec and restored.brief == session.brief
    assert restored.history == session.history
    chat.turn(restored, "add rain")
    assert "night" in restored.spec.scene and "rain" in restored.spec.scene
    assert Session.from_state({"spec": {"seed": 1}}).spec is None  # unreadable: a new one
    assert Session.from_state(None).spec is None and Session.from_state({}).history == []


def test_the_director_chats_and_rewrites():
    director = Director(engines=None)
    session = Session()
    reply = director.chat(session, "一只熊猫在竹林里吃竹子")
    assert reply.intent == "new_idea" and "panda eating bamboo" in reply.spec.camera
    spec = director.rewrite(reply.spec.with_changes(camera="", scene="", details=""))
    assert spec.camera.startswith("A") and spec.seed == reply.spec.seed
    draft = director.draft(reply.spec)
    assert draft.backend == "given" and draft.spec == reply.spec


def test_a_style_change_is_told_by_the_style_s_name_in_the_user_s_language():
    from styles.presets import StyleLibrary

    director = Director(engines=None, styles=StyleLibrary.load())
    english, chinese = Session(), Session()
    director.chat(english, "a cat sleeping on a sofa")
    director.chat(chinese, "一只猫在沙发上睡觉")
    assert "Chinese Ink Wash" in director.chat(english, "", style="ink-wash").text
    reply = director.chat(chinese, "", style="ink-wash")
    assert "风格改为水墨" in reply.text and "ink-wash" not in reply.text
