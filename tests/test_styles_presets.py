"""The presets file: every preset valid, broken files refused with a clear message."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from errors import DataFileError, InputError
from styles.presets import MUSIC_MOODS, PRESETS_FILE, StyleLibrary, describe, style_seed
from video.types import LoraSpec

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = {"cinematic", "black-and-white", "oil-painting", "3d-cartoon", "anime", "watercolor",
            "ink-wash", "cyberpunk", "documentary", "claymation", "vintage-film", "pixel-art"}


@pytest.fixture(scope="module")
def library() -> StyleLibrary:
    return StyleLibrary.load()


def test_the_shipped_file_has_at_least_twelve_valid_presets(library):
    assert len(library) >= 12
    assert REQUIRED <= set(library.ids())
    for preset in library.all():
        assert preset.prompt_template.count("{prompt}") == 1
        assert preset.name_en and preset.name_zh and preset.description_en and preset.description_zh
        assert re.search(r"[\u4e00-\u9fff]", preset.name_zh + preset.description_zh)
        assert preset.negative_prompt and preset.camera_hints and preset.lighting_hints
        assert set(preset.music_moods) <= set(MUSIC_MOODS)
        assert preset.grade and preset.sample_photo in library.gallery.photos
        assert preset.thumbnail.endswith(".webp") and preset.preview.endswith(".mp4")


def test_mood_vocabulary_is_the_one_music_tags_tracks_with():
    moods_file = ROOT / "music" / "moods.toml"  # shipped: missing is a failure, not a skip
    music_ids = {m["id"] for m in tomllib.loads(moods_file.read_text("utf-8"))["mood"]}
    assert set(MUSIC_MOODS) == music_ids


def test_unknown_id_lists_the_known_ones_and_suggests_the_closest(library):
    with pytest.raises(InputError) as caught:
        library.get("cinematc")
    message = str(caught.value)
    assert "did you mean 'cinematic'" in message
    assert all(style_id in message for style_id in library.ids())


def test_applying_a_style_wraps_the_prompt_and_keeps_braces_as_text(library):
    styled = library.apply("cinematic", "slow dolly in, a {red} kite over the sea")
    template = library.get("cinematic").prompt_template
    before, after = template.split("{prompt}")
    assert styled.prompt == f"{before}slow dolly in, a {{red}} kite over the sea.{after}"
    assert styled.negative_prompt == library.get("cinematic").negative_prompt
    # A prompt that already ends a sentence gets no second full stop.
    assert ".." not in library.apply("anime", "a girl on a hill.").prompt


def test_grade_seed_is_stable_per_style_and_differs_between_styles(library):
    assert library.grade_for("cinematic").seed == style_seed("cinematic") == \
        library.grade_for(library.get("cinematic")).seed
    assert style_seed("cinematic") != style_seed("vintage-film")
    assert library.grade_for("cinematic", seed=5).seed == 5


def test_describe_is_plain_json_data(library):
    import json

    row = describe(library.get("ink-wash"))
    assert json.loads(json.dumps(row, ensure_ascii=False)) == row
    assert row["name"]["zh"] == "水墨" and "mono" in [step["filter"] for step in row["grade"]]


# --- broken files --------------------------------------------------------------------------

STYLE = '''
[[style]]
id = "test-look"
name_en = "Test"
name_zh = "测试"
description_en = "A look for tests."
description_zh = "测试用。"
prompt_template = "A test shot. {prompt} Clean light."
negative_prompt = "blurry"
guidance = 6.0
steps = 50
camera_hints = ["slow pan"]
lighting_hints = ["soft light"]
music_moods = ["calm"]
thumbnail = "assets/test-look.webp"
preview = "assets/test-look.mp4"
sample_photo = "coffee"
'''
GRADE = '''
[[style.grade]]
filter = "curve"
contrast = 0.2
'''


def gallery_header() -> str:
    text = PRESETS_FILE.read_text("utf-8")
    return text[text.index("\n[gallery]\n"):text.index("\n[[style]]\n")]


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "presets.toml"
    path.write_text(gallery_header() + body, encoding="utf-8")
    return path


def test_a_minimal_valid_file_loads_with_a_lora(tmp_path):
    lora = '\n[style.lora]\nsource = "./loras/test"\nscale = 0.8\nbase_models = ["cogvideox-5b"]\n'
    library = StyleLibrary.load(write(tmp_path, STYLE + lora + GRADE))
    preset = library.get("test-look")
    assert preset.lora.base_models == ("cogvideox-5b",)
    spec = library.lora_for(preset)
    assert spec == LoraSpec(source=str((tmp_path / "loras" / "test").resolve()), scale=0.8)
    assert library.asset(preset, "thumbnail") == tmp_path / "assets" / "test-look.webp"


@pytest.mark.parametrize("change, message", [
    (lambda s: s.replace('id = "test-look"', 'id = "Test Look"'),
     "field 'id': 'Test Look' must be lowercase words"),
    (lambda s: s.replace("A test shot. {prompt} Clean light.", "A test shot."),
     "field 'prompt_template': must contain {prompt} exactly once"),
    (lambda s: s.replace("Clean light.", "Clean {lighting}."), "field 'prompt_template': unknown placeholder {lighting}"),
    (lambda s: s.replace('music_moods = ["calm"]', 'music_moods = ["sad"]'),
     "field 'music_moods[1]': must be one of calm"),
    (lambda s: s.replace('name_zh = "测试"\n', ""), "field 'name_zh': is missing"),
    (lambda s: s.replace("negative_prompt", "negative_promt"),
     "field 'negative_promt': unknown field (did you mean 'negative_prompt'?)"),
    (lambda s: s.replace("guidance = 6.0", "guidance = 60"), "field 'guidance': must be from 1 to 20, got 60"),
    (lambda s: s.replace("steps = 50", "steps = 2.5"), "field 'steps': must be a whole number, got 2.5"),
    (lambda s: s.replace('"assets/test-look.mp4"', '"../outside.mp4"'), "field 'preview': '../outside.mp4' must be a .mp4 path"),
    (lambda s: s.replace('sample_photo = "coffee"', 'sample_photo = "lena"'),
     "field 'sample_photo': 'lena' is not one of the gallery photos"),
    (lambda s: s.replace('camera_hints = ["slow pan"]', "camera_hints = []"),
     "field 'camera_hints': must not be empty"),
    (lambda s: s + GRADE.replace('"curve"', '"sepia"'), "field 'grade[2]': unknown filter 'sepia'"),
    (lambda s: s + GRADE.replace("contrast", "contrst"), "has no parameter 'contrst'"),
    (lambda s: s + GRADE.replace("0.2", "5.0"), "curve.contrast must be between -1 and 1"),
    (lambda s: s + '\n[[style.grade]]\nfilter = "tint"\ncolor = "orange"\n',
     "tint.color must be a colour"),
    (lambda s: s + '\n[[style.grade]]\nfilter = "pixelate"\npalette = "nes"\n',
     "pixelate.palette must be one of"),
    (lambda s: s + '\n[[style.grade]]\nfilter = "kuwahara"\nradius = 2.5\n',
     "kuwahara.radius must be a whole number"),
    (lambda s: s + '\n[style.lora]\nscale = 1.0\n', "field 'lora.source': is missing"),
])
def test_a_broken_preset_is_named_with_its_key(tmp_path, change, message):
    path = write(tmp_path, change(STYLE + GRADE))
    with pytest.raises(DataFileError) as caught:
        StyleLibrary.load(path)
    text = str(caught.value)
    assert text.startswith(str(path)) and "\n" not in text
    assert message in text, text
    assert "[[style]] 'test-look'" in text or "[[style]] 'Test Look'" in text  # which entry


def test_a_style_without_a_grade_is_refused(tmp_path):
    with pytest.raises(DataFileError, match="field 'grade': needs at least one"):
        StyleLibrary.load(write(tmp_path, STYLE))


def test_duplicate_ids_are_refused(tmp_path):
    with pytest.raises(DataFileError,
                       match=r"\[\[style\]\] 'test-look': field 'id': is used by an earlier"):
        StyleLibrary.load(write(tmp_path, STYLE + GRADE + STYLE + GRADE))


def test_invalid_toml_and_missing_file_are_clear(tmp_path):
    with pytest.raises(DataFileError, match="not valid TOML"):
        StyleLibrary.load(write(tmp_path, STYLE + GRADE + "\nid = = 3\n"))
    with pytest.raises(DataFileError, match="nowhere.toml: file is missing"):
        StyleLibrary.load(tmp_path / "nowhere.toml")
    path = tmp_path / "empty.toml"
    path.write_text(gallery_header(), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"needs at least one \[\[style\]\] entry"):
        StyleLibrary.load(path)
