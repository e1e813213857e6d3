"""Sentences about the camera (agent/camera_clause.py, agent/camera_clause_zh.py): the move
in any tense, the pace before or after the verb, and what the move is aimed at — kept for
the camera sentence, never left behind as a detail or taken for the place; words that only
look like camera words ("a pan of noodles", "smoke rising", "a drone flying") stay the
idea's."""

from __future__ import annotations

import pytest

from agent.brief import Brief
from agent.fidelity import missing
from agent.rewriter import FormulaRewriter
from agent.shot import ShotSpec
from agent.vocabulary import load_vocabulary
from errors import DataFileError
from test_agent_vocabulary import data, edit  # noqa: F401  (a copy of agent/data to break)

# (idea, movement ids (any of), pace id or None, the aim as kept ("" = none), subject words)
ENGLISH = [
    ("a man walking, the camera slowly follows him", {"tracking"}, "slow", "", "a man"),
    ("a woman in a cafe, the camera slowly pans left", {"pan-left"}, "slow", "", "a woman"),
    ("a woman in a cafe, the camera pans left slowly", {"pan-left"}, "slow", "", "a woman"),
    ("a dog on a beach, the camera slowly zooms in", {"zoom-in"}, "slow", "", "a dog"),
    ("a woman smiling, zoom in on her face", {"zoom-in"}, None, "on her face", "a woman"),
    ("a lighthouse on a cliff, pull back to reveal the city", {"pull-out"}, None,
     "to reveal the city", "a lighthouse"),
    ("a chef cooking in a kitchen, slow push in on his hands", {"push-in"}, "slow",
     "on his hands", "a chef"),
    ("a girl reading under a tree, the camera slowly circles around her", {"orbit"}, "slow",
     "around her", "a girl"),
    ("a girl reading under a tree as the camera slowly circles around her", {"orbit"}, "slow",
     "around her", "a girl"),
    ("a car driving through the desert, tracking shot from the side", {"tracking"}, None,
     "from the side", "a car"),
    ("a skateboarder in a park, the camera follows him through the park", {"tracking"}, None,
     "through the park", "a skateboarder"),
    ("a cat on a sofa, camera zooms in on its eyes", {"zoom-in"}, None, "on its eyes", "a cat"),
    ("an old man on a bench, slow zoom out to reveal the empty park", {"zoom-out"}, "slow",
     "to reveal the empty park", "an old man"),
    ("a waterfall in a jungle, the camera tilts up to the sky", {"tilt-up"}, None,
     "to the sky", "a waterfall"),
    ("a bride walking down the aisle, the camera dollies back in front of her", {"pull-out"},
     None, "in front of her", "a bride"),
    ("a horse running in a field, camera tracks alongside it", {"tracking"}, None,
     "alongside it", "a horse"),
    ("a boy flying a kite, the camera tilts up to follow the kite", {"tilt-up"}, None,
     "to follow the kite", "a boy"),
    ("a knight in a forest, the camera slowly pushes in on his face", {"push-in"}, "slow",
     "on his face", "a knight"),
    ("a field of sunflowers, slow pan right across the flowers", {"pan-right"}, "slow",
     "across the flowers", "a field"),
    ("a woman looking out a window, the camera moves slowly toward her", {"push-in"}, "slow",
     "toward her", "a woman"),
    ("a robot in a lab, zoom into its glowing eye", {"zoom-in"}, None, "into its glowing eye",
     "a robot"),
    ("a couple dancing in the rain, the camera circles them slowly", {"orbit"}, "slow", "",
     "a couple"),
    ("a train crossing a bridge, aerial shot following the train", {"tracking"}, None,
     "following the train", "a train"),
    ("a candle on a table, extreme close-up, the camera slowly pulls away", {"pull-out"},
     "slow", "", "a candle"),
    ("a surfer riding a wave, the camera follows the surfer from behind", {"tracking"}, None,
     "following the surfer from behind", "a surfer"),
    ("a child blowing bubbles, the camera gently zooms in on the bubbles", {"zoom-in"},
     "gentle", "on the bubbles", "a child"),
    ("a sailboat on a calm sea, the camera drifts gently to the right", {"truck-right"},
     "gentle", "", "a sailboat"),
    ("a hummingbird at a red flower, push in very slowly", {"push-in"}, "very-slow", "",
     "a hummingbird"),
    ("a boy running, we follow him", {"tracking"}, None, "", "a boy"),
    ("a lighthouse, and then the camera slowly rises", {"crane-up"}, "slow", "",
     "a lighthouse"),
    ("close-up of a watch, then pull back to reveal a busy train station", {"pull-out"}, None,
     "to reveal a busy train station", "a watch"),
    ("a city at night, the drone flies over the rooftops", {"drone-forward"}, None,
     "over the rooftops", "a city"),
    ("a castle at night, whip pan to the gate", {"whip-pan"}, None, "to the gate", "a castle"),
    ("an old fisherman mending nets, the camera drifts slowly past him toward the harbor",
     {"truck"}, "slow", "past him toward the harbor", "an old fisherman"),
    ("fireflies in a summer field, we glide low through the grass", {"drone-forward"}, None,
     "through the grass", "fireflies"),
    ("a boxer training alone in an empty gym, the camera circles him fast", {"orbit"}, "fast",
     "", "a boxer"),
    # a move from one thing to another that opens the idea ends on its subject
    ("tilt down from the full moon to a wolf howling on a ridge", {"tilt-down"}, None,
     "from the full moon", "a wolf"),
    ("crane down from the rooftops to a street vendor selling noodles", {"crane-down"}, None,
     "from the rooftops", "a street vendor"),
    # the idea opens with the move: what it is aimed at is the subject
    ("slowly zoom in on a sleeping cat on a windowsill", {"zoom-in"}, "slow", "",
     "a sleeping cat"),
    ("the camera follows a man walking through a market", {"tracking"}, None, "", "a man"),
    ("orbit around a ballerina spinning on stage", {"orbit"}, None, "", "a ballerina"),
    ("zoom in slowly on an old clock tower", {"zoom-in"}, "slow", "", "an old clock tower"),
    ("the drone rises above a misty forest", {"crane-up"}, None, "", "a misty forest"),
    ("camera follows him as he runs through a crowded market", {"tracking"}, None, "", ""),
]

# Words that look like camera words and are not a sentence about the camera.
NOT_THE_CAMERA = [
    ("a pan of sizzling vegetables on a stove", "sizzling vegetables"),
    ("smoke rising above the trees", "rising above the trees"),
    ("a dog following its owner through a market", "following its owner"),
    ("pan fried dumplings on a plate", "dumplings"),
    ("two kids chasing each other in a park", "chasing each other"),
    ("a hot air balloon rising over the desert", "rising over the desert"),
    ("an eagle circling above a canyon", "circling above a canyon"),
    ("a drone flying over a lake", "flying over a lake"),
]


@pytest.fixture(scope="module")
def formula() -> FormulaRewriter:
    return FormulaRewriter()


@pytest.mark.parametrize("idea, moves, pace, aim, subject", ENGLISH)
def test_a_sentence_about_the_camera_is_read_whole(formula, idea, moves, pace, aim, subject):
    brief = formula.read(idea)
    assert set(brief.pinned("movement")) <= moves and brief.pinned("movement"), brief.pins
    assert brief.pinned("pace") == ((pace,) if pace else ()), brief.pins
    assert brief.camera_target == aim
    assert brief.details == ()  # nothing of the sentence is left behind as a detail
    assert brief.subject.startswith(subject)
    said = " ".join([brief.subject, brief.action, brief.place]).lower()
    for word in ("camera", "slowly", "gently", "pans", "zoom", "follows"):
        assert f" {word} " not in f" {said} ", (word, brief)


@pytest.mark.parametrize("idea, kept", NOT_THE_CAMERA)
def test_words_that_only_look_like_camera_words_stay_the_ideas(formula, idea, kept):
    brief = formula.read(idea)
    assert not brief.pinned("movement") and not brief.camera_target, brief
    assert kept in " ".join([brief.subject, brief.action, *brief.details])


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("idea, words", [
    ("a woman smiling, zoom in on her face", ["zoom", "on her face"]),
    ("a lighthouse on a cliff, pull back to reveal the city", ["pull", "to reveal the city"]),
    ("a dancer on a stage, the camera circles the dancers", ["orbit", "around the dancers"]),
    ("a robot in a lab, zoom into its glowing eye", ["zoom into its glowing eye"]),
])
def test_the_aim_is_written_into_the_camera_sentence(formula, seed, idea, words):
    result = formula.rewrite(ShotSpec(idea=idea, seed=seed))
    for word in words:
        assert word in result.spec.camera, result.spec.camera
    assert "zoom in into" not in result.spec.prompt
    assert missing(formula.facts(result.spec), result.spec.prompt) == ()


def test_the_aim_is_a_fact_a_language_model_must_keep(formula):
    spec = formula.rewrite(ShotSpec(idea="a woman smiling, zoom in on her face", seed=1)).spec
    facts = formula.facts(spec)
    assert any("on her face" in fact.label for fact in facts.required)
    lost = missing(facts, "A slow zoom in on a woman smiling in a market at dusk.")
    assert lost == ("lost where the camera moves 'on her face'",)


def test_a_photo_keeps_the_aim(formula, tmp_path):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"not read")
    result = formula.rewrite(ShotSpec(idea="zoom in on her face", source_image=photo, seed=1))
    assert "face" in result.spec.camera and "zoom" in result.spec.camera


def test_a_drone_moving_the_camera_is_seen_from_the_air(formula):
    brief = formula.read("a snowboarder doing a backflip, drone follows him")
    assert brief.pinned("angle") == ("aerial",) and brief.pinned("movement") == ("tracking",)
    filmed = formula.read("a drone flying over a wheat field, camera follows it")
    assert filmed.subject == "a drone" and not filmed.pinned("angle")


def test_the_aim_survives_a_saved_session():
    brief = Brief(subject="a woman", camera_target="on her face")
    assert Brief.from_state(brief.to_state()) == brief
    assert Brief.from_state({"subject": "a cat"}).camera_target == ""  # an older session


# (idea, movement ids, pace, aim words in English or "", subject words)
CHINESE = [
    ("镜头缓缓推近她的脸", {"push-in"}, "slow", "", "face"),
    ("一个女孩在咖啡馆看书，镜头慢慢推近她的脸", {"push-in"}, "slow", "toward her face", "girl"),
    ("一位老人在钓鱼，镜头缓缓推向他的手", {"push-in"}, "slow", "his hands", "old man"),
    ("镜头跟随骑自行车的男孩", {"tracking"}, None, "", "boy riding a bicycle"),
    ("镜头环绕跳舞的女孩", {"orbit"}, None, "", "girl dancing"),
    ("跟拍一个在雪地里奔跑的小女孩", {"tracking"}, None, "", "girl running"),
    ("航拍镜头掠过雪山", {"drone-forward"}, None, "", "mountain"),
    ("镜头从天空摇向小村庄", {"pan-left", "pan-right"}, None, "from the sky", "village"),
    ("老人坐在长椅上，镜头慢慢拉远，露出空荡荡的公园", {"pull-out"}, "slow", "to reveal",
     "old man"),
    ("一只猫趴在窗台上，镜头缓缓拉远", {"pull-out"}, "slow", "", "cat"),
    ("特写镜头推到老人的眼睛", {"push-in"}, None, "", "eyes"),
    ("镜头慢慢推向桌上的一杯热茶", {"push-in"}, "slow", "", "tea"),
    ("一位舞者在雨中旋转，镜头快速环绕她", {"orbit"}, "fast", "", "dancer"),  # 她: the dancer
    ("镜头从窗外慢慢推进，看到一个正在写作业的小男孩", {"push-in"}, "slow", "from",
     "boy doing homework"),
]


@pytest.mark.parametrize("idea, moves, pace, aim, subject", CHINESE)
def test_a_chinese_sentence_about_the_camera(formula, idea, moves, pace, aim, subject):
    brief = formula.read(idea)
    assert set(brief.pinned("movement")) <= moves and brief.pinned("movement"), brief.pins
    assert brief.pinned("pace") == ((pace,) if pace else ()), brief.pins
    assert aim in brief.camera_target and bool(aim) == bool(brief.camera_target)
    assert subject in brief.subject and brief.details == ()
    prompt = formula.rewrite(ShotSpec(idea=idea, seed=1)).spec.prompt
    assert "standing still" not in prompt and "walking slowly" not in prompt  # nothing invented


def test_a_dog_following_its_owner_is_not_a_camera_move(formula):
    brief = formula.read("小狗跟着主人散步")
    assert not brief.pinned("movement") and "owner" in brief.action


@pytest.mark.parametrize("old, new, message", [
    ('means = ["zoom-in"]\nalone = true', 'means = ["zoom-inn"]\nalone = true',
     "[[move]] 1 ('zoom in'): field 'means': names unknown movement 'zoom-inn'"),
    ('said = ["zoom out",', 'said = ["zoom in", "zoom out",',
     "field 'said': 'zoom in' is also said by another [[move]] with another meaning"),
    ('drone_angle = "aerial"', 'drone_angle = "airborne"',
     "field 'drone_angle': names unknown angle 'airborne'"),
    ('"缓缓" = "slow"', '"缓缓" = "slowish"', "[zh.paces]: field '缓缓': names unknown pace"),
    ('said = ["推近",', 'sad = ["推近",', "field 'sad': unknown field"),
    ("alone = true", 'alone = "yes"', "field 'alone'"),
])
def test_a_broken_camera_verbs_file_is_reported(data, old, new, message):
    edit(data / "camera_verbs.toml", old, new)
    with pytest.raises(DataFileError) as info:
        load_vocabulary(data)
    assert message in str(info.value) and "camera_verbs.toml" in str(info.value)


# --- in a chat: a sentence about the camera refines the shot, its subject stays ------------

@pytest.fixture(scope="module")
def chat():
    from agent.conversation import Conversation

    return Conversation()


def _refined(chat, message: str, first: str = "a woman smiling at a street market"):
    from agent.conversation import Session

    session = Session()
    chat.turn(session, first)
    setting = session.brief.pinned("setting")
    reply = chat.turn(session, message)
    assert session.brief.pinned("setting") == setting  # "reveal the city" is no new place
    return session, reply


@pytest.mark.parametrize("message, moves, pace, aim", [
    ("zoom in on her face", {"zoom-in"}, None, "on her face"),
    ("the camera slowly circles her", {"orbit"}, "slow", ""),
    ("pull back to reveal the city", {"pull-out"}, None, "to reveal the city"),
    ("now slowly push in on her hands", {"push-in"}, "slow", "on her hands"),
    ("镜头慢慢推近她的脸", {"push-in"}, "slow", "face"),
])
def test_a_camera_sentence_in_a_chat_refines_the_camera(chat, message, moves, pace, aim):
    session, reply = _refined(chat, message)
    brief = session.brief
    assert reply.intent == "refine" and brief.subject == "a woman"  # the same shot
    assert set(brief.pinned("movement")) <= moves and brief.pinned("movement")
    assert (pace is None) or brief.pinned("pace") == (pace,)
    assert aim in brief.camera_target and bool(aim) == bool(brief.camera_target)
    assert "market" in session.spec.camera
    if aim and message.isascii():
        assert aim in session.spec.camera and aim in reply.text


def test_a_new_move_replaces_the_old_aim_and_a_new_idea_is_still_one(chat):
    from agent.conversation import Session

    session = Session()
    chat.turn(session, "a woman smiling at a street market")
    chat.turn(session, "zoom in on her face")
    chat.turn(session, "pan left")
    assert session.brief.camera_target == "" and session.brief.pinned("movement") == ("pan-left",)
    reply = chat.turn(session, "a dog running on a beach")
    assert reply.intent == "new_idea" and session.brief.subject == "a dog"


@pytest.mark.parametrize("idea, first, then", [
    ("follow cam behind a surfer paddling out, then the camera rises to show a huge wave",
     "tracking", "and then a rising crane shot to show a huge wave"),
    ("a woman smiling, zoom in on her face, then pull back to reveal the city", "zoom-in",
     "on her face, then a slow pull out to reveal the city"),
    ("a dog on a beach, the camera slowly zooms in, then quickly pans left", "zoom-in",
     "and then a brisk pan left"),
])
def test_a_later_move_follows_the_first(formula, idea, first, then):
    brief = formula.read(idea)
    assert brief.pinned("movement") == (first,) and brief.camera_target == then
    assert brief.details == ()
    assert then in formula.rewrite(ShotSpec(idea=idea, seed=1)).spec.camera


def test_a_later_chinese_move_follows_the_first(formula):
    idea = "一个女孩在咖啡馆看书，镜头先慢慢推近她的脸，然后快速拉远，露出整个咖啡馆"
    brief = formula.read(idea)
    assert brief.pinned("movement") == ("push-in",) and brief.pinned("pace") == ("slow",)
    assert brief.camera_target.startswith("toward") and "face" in brief.camera_target
    assert ", then a fast pull out to reveal" in brief.camera_target
    assert "café" in brief.camera_target and brief.details == ()
