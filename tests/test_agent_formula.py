"""The offline formula rewriter: 40 ideas in English and Chinese become film-maker's prompts —
camera language first, the subject in English, inside the encoder's bound, no Chinese left —
keeping what the user said, deterministic per seed and varied across seeds."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from agent.formula import MAX_TOKENS, estimate_tokens
from agent.glossary import has_cjk
from agent.rewriter import FormulaRewriter, StyleHints
from agent.shot import ShotSpec
from agent.vocabulary import MOTION_PHRASES
from errors import InputError

# (idea, English words that must name the subject)
ENGLISH = [
    ("a cheetah lying in the grass", "cheetah"),
    ("close-up of a red fox in a snowy forest at night", "fox"),
    ("aerial view of Tokyo at night in the rain", "tokyo"),
    ("a golden retriever puppy chasing bubbles in a park", "puppy"),
    ("an old fisherman mending nets by the harbor at dawn", "fisherman"),
    ("a ballerina spinning on a dark stage, slow motion", "ballerina"),
    ("a bowl of steaming ramen, overhead shot", "ramen"),
    ("a barista pouring latte art in a cozy cafe", "barista"),
    ("a luxury watch rotating on a black pedestal, studio lighting", "watch"),
    ("a dragon flying over snowy mountains", "dragon"),
    ("an astronaut walking on the moon", "astronaut"),
    ("a waterfall in a tropical rainforest, slow pan left", "waterfall"),
    ("a futuristic city skyline at blue hour, drone shot", "skyline"),
    ("children flying kites on a windy beach", "children"),
    ("a hummingbird hovering near a red flower, macro", "hummingbird"),
    ("a vintage car driving along a coastal road at sunset, tracking shot", "car"),
    ("a bottle of perfume on a marble table with soft window light", "perfume"),
    ("a couple dancing in the rain on a city street", "couple"),
    ("a koi pond with lotus flowers, static camera", "koi"),
    ("a wizard casting a glowing spell in an ancient library, low angle", "wizard"),
]
CHINESE = [
    ("写实描绘,近距离,猎豹卧在地上,身体微微起伏", "cheetah"),
    ("一只白色的小猫在窗台上睡觉", "kitten"),
    ("航拍夕阳下的雪山，云海翻滚", "mountain"),
    ("一个穿汉服的女孩在竹林里跳舞，慢动作", "girl"),
    ("赛博朋克城市的雨夜，霓虹灯闪烁", "city"),
    ("热腾腾的火锅，特写", "hotpot"),
    ("一条金龙在云端飞翔", "dragon"),
    ("宇航员在月球上行走", "astronaut"),
    ("樱花树下的少女微笑着回头", "woman"),
    ("一碗拉面冒着热气", "ramen"),
    ("老爷爷在公园里打太极", "grandfather"),
    ("海浪拍打着礁石，日落", "waves"),
    ("蜂鸟在花丛中悬停，微距", "hummingbird"),
    ("香水瓶在黑色背景上旋转，高级感", "perfume"),
    ("一群孩子在草地上追逐嬉戏", "children"),
    ("水墨风格的山水", "landscape"),
    ("东京街头的夜景，行人匆匆", "tokyo"),
    ("一只熊猫在竹林里吃竹子", "panda"),
    ("一辆红色跑车在山路上飞驰，跟拍", "sports car"),
    ("一艘帆船在大海上航行，航拍", "sailboat"),
]
# Camera words the user gave → what the camera part must still say.
KEPT = [
    ("close-up of a red fox in a snowy forest at night", "close-up"),
    ("aerial view of Tokyo at night in the rain", "aerial"),
    ("a ballerina spinning on a dark stage, slow motion", "slow motion"),
    ("a bowl of steaming ramen, overhead shot", "overhead"),
    ("a hummingbird hovering near a red flower, macro", "macro"),
    ("a waterfall in a tropical rainforest, slow pan left", "slow pan left"),
    ("a vintage car driving along a coastal road at sunset, tracking shot", "tracking shot"),
    ("a koi pond with lotus flowers, static camera", "static"),
    ("a wizard casting a glowing spell in an ancient library, low angle", "low angle"),
    ("写实描绘,近距离,猎豹卧在地上,身体微微起伏", "close-up"),
    ("航拍夕阳下的雪山，云海翻滚", "aerial"),
    ("一个穿汉服的女孩在竹林里跳舞，慢动作", "slow motion"),
    ("热腾腾的火锅，特写", "close-up"),
    ("一辆红色跑车在山路上飞驰，跟拍", "tracking shot"),
    ("a cat on a sofa, orbit, shot on a telephoto lens", "orbit"),
]


@pytest.fixture(scope="module")
def formula() -> FormulaRewriter:
    return FormulaRewriter()


def rewrite(formula, idea: str, seed: int = 0, **changes):
    return formula.rewrite(ShotSpec(idea=idea, seed=seed, **changes))


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text, maxsplit=1)[0]


def camera_opening(sentence: str, formula: FormulaRewriter) -> bool:
    """The sentence opens with camera language: "A <look/shot/pace/movement> …"."""
    v = formula.vocabulary
    words = {e.en.lower() for e in v.entries["shot"]} | {
        e.noun.lower() for e in v.entries["movement"]} | {
        e.en.lower() for e in v.entries["movement"]} | {
        e.en.lower() for e in v.entries["pace"]} | {
        e.adjective.lower() for e in v.entries["look"]}
    lower = re.sub(r"^(?:a|an)\s+", "", sentence.lower())
    return lower.startswith(tuple(words)) or sentence.lower().startswith("the camera")


@pytest.mark.parametrize("idea,subject", ENGLISH + CHINESE, ids=[i for i, _ in ENGLISH + CHINESE])
def test_forty_ideas_become_formula_prompts(formula, idea, subject):
    for seed in (0, 11):
        result = rewrite(formula, idea, seed)
        spec = result.spec
        prompt = spec.prompt
        opening = first_sentence(prompt)
        assert opening == spec.camera, "the camera part comes first, as one sentence"
        assert camera_opening(opening, formula), opening
        assert any(e.en in opening for e in formula.vocabulary.entries["shot"]), opening
        assert subject in opening.lower(), "the camera sentence names the subject"
        assert subject in prompt.lower()
        assert 60 <= len(prompt.split()) <= 180, len(prompt.split())
        assert estimate_tokens(prompt) <= MAX_TOKENS
        assert not has_cjk(prompt)
        assert "{" not in prompt and "}" not in prompt
        assert prompt.index(spec.camera) < prompt.index(spec.scene) < prompt.index(spec.details)
        assert spec.language == ("zh" if has_cjk(idea) else "en")
        assert result.backend == "formula" and result.reply


@pytest.mark.parametrize("idea,phrase", KEPT, ids=[i for i, _ in KEPT])
def test_user_camera_terms_are_kept(formula, idea, phrase):
    for seed in range(4):
        camera = rewrite(formula, idea, seed).spec.camera.lower()
        assert phrase in camera or phrase.replace(" ", "-") in camera, camera


def test_the_reference_example(formula):
    """写实描绘,近距离,猎豹卧在地上,身体微微起伏 → a realistic close-up of a cheetah lying on
    the ground whose body gently rises and falls."""
    result = rewrite(formula, "写实描绘,近距离,猎豹卧在地上,身体微微起伏", 5)
    prompt = result.spec.prompt.lower()
    for words in ("photorealistic", "close-up", "cheetah", "lying on the ground",
                  "body gently rising and falling"):
        assert words in prompt
    assert result.spec.subject == "a cheetah" and result.spec.action == "lying on the ground"
    assert result.spec.style == "documentary"  # 写实 selects the realistic preset
    assert result.untranslated == () and result.warnings == ()


def test_same_seed_same_prompt_new_seed_varies(formula):
    idea = "a cheetah lying in the grass"
    assert rewrite(formula, idea, 42).spec == rewrite(formula, idea, 42).spec
    specs = [rewrite(formula, idea, seed).spec for seed in range(8)]
    assert len({(s.camera, s.scene) for s in specs}) >= 6
    assert len({s.camera for s in specs}) >= 4 and len({s.scene for s in specs}) >= 4
    for spec in specs:  # draw again keeps subject and action
        assert (spec.subject, spec.action) == ("a cheetah", "lying in the grass")
        assert "a cheetah lying in the grass" in spec.camera


def test_untranslated_words_are_reported_not_passed_through(formula):
    # 㐅㐆: characters no glossary or dictionary gives a meaning
    result = rewrite(formula, "一只小猫在梦里飞，㐅㐆", 1)
    assert "㐅㐆" in result.untranslated and "dream" in result.spec.prompt
    assert not has_cjk(result.spec.prompt)
    assert any("㐅㐆" in w and "CLIPWRIGHT_LLM" in w for w in result.warnings)
    with pytest.raises(InputError, match="㐅㐆"):
        rewrite(formula, "㐅㐆")


def test_ideas_that_show_nothing_are_refused(formula):
    for idea in ("", "   ", "close-up, slow motion"):
        with pytest.raises(InputError):
            rewrite(formula, idea)


def test_a_very_long_idea_stays_inside_the_encoder(formula):
    idea = "a cheetah lying in the grass " + " ".join(["with golden spotted fur"] * 150)
    result = rewrite(formula, idea, 3)
    assert estimate_tokens(result.spec.prompt) <= MAX_TOKENS
    assert result.spec.prompt.startswith("A") and "cheetah" in result.spec.camera
    assert result.warnings  # the user is told the idea was cut


def test_token_estimate_is_conservative():
    text = "A close-up at eye level with a slow push in toward a cheetah."
    assert estimate_tokens(text) >= len(text.split()) + 2  # words, the full stop, the end
    assert estimate_tokens("photorealistic") >= 3 and estimate_tokens("85mm") >= 3


def test_style_hints_shape_camera_and_light_but_the_user_wins(formula):
    hints = StyleHints(camera=("slow dolly in", "shallow depth of field"),
                       lighting=("soft golden backlight",))
    for seed in range(5):
        result = formula.rewrite(ShotSpec(idea="a woman walking on a beach", seed=seed), hints)
        assert "push in" in result.spec.camera
        shallow = {e.id for e in formula.vocabulary.entries["lens"]
                   if "shallow depth of field" in e.match}
        assert result.composition.pick("lens") in shallow
        assert "lens" in result.composition.hinted
    spec = formula.rewrite(ShotSpec(idea="a woman walking on a beach, static camera",
                                    seed=1), hints).spec
    assert "static" in spec.camera and "push in" not in spec.camera


def test_style_reserve_shrinks_the_prompt(formula):
    spec = ShotSpec(idea="写实描绘,近距离,猎豹卧在地上,身体微微起伏", seed=2)
    loose = formula.rewrite(spec).spec.prompt
    tight = formula.rewrite(spec, StyleHints(reserve_tokens=80)).spec.prompt
    assert estimate_tokens(tight) <= MAX_TOKENS - 80 < estimate_tokens(loose)


def test_parts_already_given_are_kept(formula):
    spec = ShotSpec(idea="a cheetah", camera="My own camera words.", seed=1)
    filled = formula.rewrite(spec).spec
    assert filled.camera == "My own camera words." and filled.scene and filled.details
    complete = spec.with_changes(scene="My scene.", details="My details.")
    result = formula.rewrite(complete)
    assert result.backend == "given" and result.spec == complete


@pytest.mark.parametrize("idea", ["make her hair move in the wind, slow push in",
                                  "a cheetah lying in the grass", "make it move",
                                  "猫在雪中眨眼", "a lighthouse, orbit"])
def test_photo_prompts_describe_motion_with_one_engine_move(formula, tmp_path, idea):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"not read by the rewriter")
    for seed in range(4):
        spec = rewrite(formula, idea, seed, source_image=photo).spec
        camera = spec.camera.lower()
        named = [m for m in MOTION_PHRASES if m in camera]
        assert len(named) == 1, camera  # exactly one move the motion engine understands
        assert "photo" in spec.prompt.lower()  # the scene is the photo's, not a new one
        assert 40 <= len(spec.prompt.split()) <= 180 and not has_cjk(spec.prompt)
        other = [m for m in MOTION_PHRASES if m not in named and m in spec.prompt.lower()]
        assert not other, other
    if "push in" in idea:
        assert "push in" in spec.camera and "hair moving in the wind" in spec.details
    if "orbit" in idea:
        assert "orbit" in spec.camera
    if "雪" in idea:
        assert "snow" in spec.scene
    else:  # no effect words the motion engine would add on its own
        assert not re.search(r"rain|snow|petal|blossom|fog|mist|haze|hazy|firefl|sparkle|"
                             r"light rays|sunbeam", spec.prompt)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=120))
def test_any_text_gives_a_bounded_prompt_or_a_clear_error(formula, text):
    try:
        result = rewrite(formula, text, 1)
    except InputError as exc:
        assert str(exc)
        return
    prompt = result.spec.prompt
    assert estimate_tokens(prompt) <= MAX_TOKENS and not has_cjk(prompt)


def test_the_photo_engine_reads_the_move_that_was_written(formula, tmp_path):
    """The motion engine's own planner (video/) finds exactly the chosen move in the
    prompt, and no effect the user did not ask for."""
    from video.motion_plan import load_vocabulary as motion_words, plan_motion

    words = motion_words()
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"x")
    expected = {"push in": "push_in", "pull out": "pull_out", "pan left": "pan_left",
                "pan right": "pan_right", "tilt up": "tilt_up", "tilt down": "tilt_down",
                "orbit": "orbit", "handheld": "handheld"}
    seen = set()
    for idea in ("a cheetah lying in the grass", "a woman smiling", "a bowl of ramen"):
        for seed in range(12):
            spec = rewrite(formula, idea, seed, source_image=photo).spec
            plan = plan_motion(spec.prompt, words)
            chosen = next(m for m in MOTION_PHRASES if m in spec.camera.lower())
            seen.add(chosen)
            if chosen == "static":
                assert plan.camera.moves == () and plan.camera.zoom == 0
            else:
                assert plan.camera.moves == (expected[chosen],), (chosen, spec.prompt)
            assert plan.effects == (), spec.prompt
    assert len(seen) >= 4  # the seed varies the move


def test_with_a_photo_camera_words_alone_are_a_whole_idea(tmp_path):
    """The photo is the subject: "slow push in" on its own animates it; without a photo the
    same words still ask what to show."""
    from agent.rewriter import FormulaRewriter
    from agent.shot import ShotSpec
    from errors import InputError

    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"")  # the rewriter reads only the path's presence, not the pixels
    rewriter = FormulaRewriter()
    result = rewriter.rewrite(ShotSpec(idea="slow push in", source_image=photo, seed=1))
    assert "push in" in result.spec.camera and "make the photo move" not in result.prompt
    with pytest.raises(InputError, match="only camera or scene"):
        rewriter.rewrite(ShotSpec(idea="slow push in", seed=1))


@pytest.mark.parametrize("idea, move", [("镜头缓慢推近", "push in"), ("黄昏时分，镜头拉远", "pull out"),
                                        ("slow push in", "push in")])
def test_with_a_photo_camera_words_alone_are_a_whole_idea_in_both_languages(formula, tmp_path,
                                                                           idea, move):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"not read by the rewriter")
    result = rewrite(formula, idea, 2, source_image=photo)
    assert move in result.spec.camera and "photo" in result.spec.prompt.lower()
    assert not result.untranslated and not has_cjk(result.spec.prompt)
    with pytest.raises(InputError, match="say what the video should show|要拍什么"):
        rewrite(formula, idea, 2)  # without a photo there is nothing to show


def test_an_emoji_beside_its_own_word_is_read_once():
    from agent.reading import emoji_as_words

    assert emoji_as_words("a cat 🐱 sleeping on a laptop") == "a cat sleeping on a laptop"
    assert emoji_as_words("🐱 on a roof under the 🌙") == "cat on a roof under the crescent moon"
    assert emoji_as_words("a dog 🐱") == "a dog cat"
