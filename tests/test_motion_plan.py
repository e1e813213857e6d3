"""Reading camera language and effects from a prompt, and checking the words file."""

import pytest

from errors import DataFileError
from video.motion_plan import load_vocabulary, plan_motion, WORDS_FILE


@pytest.fixture(scope="module")
def words():
    return load_vocabulary()


def moves(prompt, words):
    return plan_motion(prompt, words).camera.moves


@pytest.mark.parametrize("prompt, expected", [
    ("Slow push in on her face, hair moving in the wind", ("push_in",)),
    ("camera pulls back to reveal the city", ("pull_out",)),
    ("pan left across the river", ("pan_left",)),
    ("the camera pans right", ("pan_right",)),
    ("a slow pan over the fields", ("pan_right",)),
    ("tilt up to the sky", ("tilt_up",)),
    ("crane down to the street", ("tilt_down",)),
    ("orbit around the dancer", ("orbit",)),
    ("handheld, documentary feel", ("handheld",)),
    ("push-in, then handheld drift", ("push_in", "handheld")),
    ("镜头缓慢推近，她的头发随风飘动", ("push_in",)),
    ("镜头拉远", ("pull_out",)),
    ("镜头左移", ("pan_left",)),
    ("镜头右移", ("pan_right",)),
    ("环绕拍摄一只猫", ("orbit",)),
])
def test_camera_phrases_become_moves(prompt, expected, words):
    assert moves(prompt, words) == expected


def test_a_longer_phrase_wins_over_the_word_inside_it(words):
    assert moves("pan left", words) == ("pan_left",)  # not pan_right from "pan"


def test_the_first_move_on_an_axis_wins(words):
    assert moves("push in, then pull out", words) == ("push_in",)
    camera = plan_motion("pan left then pan right", words).camera
    assert camera.moves == ("pan_left",) and camera.shift_x > 0


def test_speed_words_scale_the_move_they_stand_next_to(words):
    plain = plan_motion("push in", words).camera.zoom
    assert plan_motion("slow push in", words).camera.zoom == pytest.approx(plain * 0.6)
    assert plan_motion("pushes in quickly", words).camera.zoom == pytest.approx(plain * 1.6)
    assert plan_motion("缓慢推近", words).camera.zoom == pytest.approx(plain * 0.6)
    # A speed word in another clause belongs to something else.
    assert plan_motion("a fast cheetah, push in", words).camera.zoom == pytest.approx(plain)


def test_no_camera_words_give_a_gentle_push_in(words):
    camera = plan_motion("make her hair move in the wind", words).camera
    assert camera.moves == ("push_in",) and 0 < camera.zoom < plan_motion("push in", words).camera.zoom


@pytest.mark.parametrize("prompt", ["static shot of a lake", "locked-off camera", "固定镜头"])
def test_static_means_no_camera_motion(prompt, words):
    camera = plan_motion(prompt, words).camera
    assert (camera.zoom, camera.shift_x, camera.shift_y, camera.orbit, camera.shake) == (0,) * 5


@pytest.mark.parametrize("prompt, effects", [
    ("rain falling on the street at night", ("rain",)),
    ("snowflakes drift past, misty valley", ("snow", "fog")),
    ("cherry blossom petals fall", ("petals",)),
    ("fireflies over the meadow", ("fireflies",)),
    ("god rays through the forest", ("light_rays",)),
    ("下雨的夜晚，雾气弥漫", ("rain", "fog")),
    ("樱花花瓣飘落", ("petals",)),
    ("a rainbow over snow-capped peaks", ()),
    ("no rain today, without fog", ()),
    ("a walk in the rainforest", ()),
])
def test_effect_words(prompt, effects, words):
    assert tuple(name for name, _ in plan_motion(prompt, words).effects) == effects


# --- the words file is data: mistakes are named ------------------------------------------------

def test_the_shipped_words_file_loads():
    vocabulary = load_vocabulary(WORDS_FILE)
    assert {m.id for m in vocabulary.moves} >= {"push_in", "pull_out", "pan_left", "pan_right",
                                                "tilt_up", "tilt_down", "orbit", "handheld",
                                                "static"}


@pytest.mark.parametrize("change, message", [
    (('zoom = 0.14', 'zoom = "a lot"'), r"\[\[move\]\] 'push_in': field 'zoom': must be a number"),
    (('zoom = 0.14', 'zoom = 0.14\nspin = 2'), r"\[\[move\]\] 'push_in': field 'spin': unknown field"),
    (('id = "fog"', 'id = "smog"'), r"\[\[effect\]\] 'smog': field 'id': must be one of"),
    (('move = "push_in"', 'move = "zoom"'), r"\[defaults\]: field 'move': 'zoom' is not a \[\[move\]\] id"),
    (('factor = 0.6', 'factor = -1'), r"\[\[speed\]\] 'slow': field 'factor': must be from 0.05 to 10"),
    (('[[effect]]\nid = "rain"', '[[effect]]\nid = ""'), r"\[\[effect\]\] #1: field 'id'"),
])
def test_a_broken_words_file_names_the_entry_and_key(tmp_path, change, message):
    old, new = change
    text = WORDS_FILE.read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "motion_words.toml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"motion_words\.toml: " + message):
        load_vocabulary(broken)


def test_a_file_that_is_not_toml_is_named(tmp_path):
    broken = tmp_path / "motion_words.toml"
    broken.write_text("[[move]\nid = ", encoding="utf-8")
    with pytest.raises(DataFileError, match="motion_words.toml: not valid TOML"):
        load_vocabulary(broken)
