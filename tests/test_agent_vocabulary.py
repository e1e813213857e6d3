"""The rewriter's data files: they load, they are big enough to vary, they use the photo
engine's camera words, and a broken file is reported by file, entry and key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agent.glossary import Word, load_glossary
from agent.intents import load_intents
from agent.replies import load_replies
from agent.vocabulary import DATA_DIR, MOTION_PHRASES, load_vocabulary, pluralize
from errors import DataFileError


@pytest.fixture(scope="module")
def vocabulary():
    return load_vocabulary()


@pytest.fixture
def data(tmp_path) -> Path:
    """A copy of agent/data to break."""
    folder = tmp_path / "agent" / "data"
    shutil.copytree(DATA_DIR, folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_every_file_loads_and_is_rich_enough(vocabulary):
    sizes = {slot: len(entries) for slot, entries in vocabulary.entries.items()}
    assert sizes["shot"] >= 7 and sizes["movement"] >= 10 and sizes["lens"] >= 6
    assert sizes["setting"] >= 30 and sizes["lighting"] >= 20 and sizes["atmosphere"] >= 12
    assert len(vocabulary.kinds) >= 15 and len(vocabulary.nouns) >= 250
    for kind in vocabulary.kinds.values():
        assert len(kind.motions) >= 4 and len(kind.textures) >= 2, kind.name
    for name in ("camera", "scene_place", "scene_noplace", "details"):
        assert len(vocabulary.templates[name]) >= 3
    load_intents()
    load_replies()


def test_the_glossary_has_over_400_entries_of_every_kind(vocabulary):
    glossary = load_glossary(vocabulary)
    assert len(glossary) >= 400
    roles = {w.role for w in glossary.words.values()}
    assert {"subject", "action", "camera", "scene", "look", "adjective", "position"} <= roles
    by_slot = {w.en.split(":")[0] for w in glossary.words.values()
               if w.role in ("camera", "scene")}
    assert {"shot", "angle", "movement", "speed", "setting", "time", "weather"} <= by_slot


def test_camera_moves_use_the_photo_engines_words(vocabulary):
    """The photo-motion engine reads push in, pull out, pan, tilt, orbit, handheld, static."""
    photo_moves = [e for e in vocabulary.entries["movement"] if e.motion]
    assert {e.motion for e in photo_moves} == set(MOTION_PHRASES)
    for e in photo_moves:
        assert e.motion in e.en and e.motion in e.noun


def test_segmentation_and_lookup(vocabulary):
    glossary = load_glossary(vocabulary)
    words = glossary.segment("猎豹卧在地上")
    assert [(w.text, w.role) for w in words] == [
        ("猎豹", "subject"), ("卧", "action"), ("在", "ignore"), ("地上", "position")]
    # A word neither the glossary nor CC-CEDICT knows stays one unknown word.
    unknown = glossary.segment("㐅㐆的猫")
    assert Word("㐅㐆", "unknown") in unknown
    # CC-CEDICT gives words outside the glossary a meaning ("咕噜" rumbling).
    assert ("咕噜", "action") in [(w.text, w.role) for w in glossary.segment("咕噜咕噜的猫")]


def test_pluralize():
    assert [pluralize(w) for w in ("cat", "fox", "puppy", "sports car", "day")] == [
        "cats", "foxes", "puppies", "sports cars", "days"]


@pytest.mark.parametrize("file,old,new,message", [
    ("camera.toml", 'prep = "toward"', 'prep = "toward"\nmtach = ["x"]',
     "camera.toml: [[movement]] 'push-in': field 'mtach': unknown field (did you mean 'match'?)"),
    ("camera.toml", 'id = "close-up"\nen = "close-up"\n', 'id = "close-up"\n',
     "camera.toml: [[shot]] 'close-up': field 'en': is missing"),
    ("camera.toml", "order = 2", 'order = "two"',
     "camera.toml: [[shot]] 'close-up': field 'order': must be a whole number, got 'two'"),
    ("camera.toml", 'shots = ["wide", "extreme-wide", "full"]',
     'shots = ["wide", "very-wide"]', "field 'shots': names unknown shot 'very-wide'"),
    ("camera.toml", 'motion = "orbit"', 'motion = "spin"',
     "[[movement]] 'orbit': field 'motion': must be one of"),
    ("scene.toml", 'env = "underwater"', 'env = "moon"',
     "scene.toml: [[setting]] 'underwater': field 'env': must be one of"),
    ("scene.toml", 'match = ["rainbow"]', 'match = ["rainbow", "close-up"]',
     "field 'match': the phrase 'close-up' is also a shot phrase"),
    ("subjects.toml", 'cheetah = { kind = "animal"', 'cheetah = { kind = "feline"',
     "subjects.toml: [nouns] 'cheetah': field 'kind': unknown kind 'feline'"),
    ("subjects.toml", '"{pos} tail swaying lazily"', '"{its} tail swaying lazily"',
     "unknown placeholder '{its}'"),
    ("templates.toml", "{lens}{speed}{extra}.\",\n    \"{shot} of",
     "{lens}{speed}{extra}{colour}.\",\n    \"{shot} of", "unknown placeholder '{colour}'"),
    ("camera.toml", "[[shot]]\nid = \"extreme-close-up\"", "[[shot]\nid = \"x\"",
     "camera.toml: not valid TOML"),
])
def test_a_broken_file_names_file_entry_and_key(data, file, old, new, message):
    edit(data / file, old, new)
    with pytest.raises(DataFileError) as info:
        load_vocabulary(data)
    assert message in str(info.value)
    assert f"agent/data/{file}" in str(info.value)


@pytest.mark.parametrize("old,new,message", [
    ('"猎豹" = "cheetah"', '"猎豹" = "snow leopard"',
     "[subject] '猎豹': 'snow leopard' is not a noun in subjects.toml"),
    ('"近距离" = "shot:close-up"', '"近距离" = "shot:very-close"',
     "[camera] '近距离': 'shot:very-close' must be slot:id"),
    ('"油画" = "oil-painting"', '"油画" = "oils"', "[look] '油画': 'oils' is not a look id"),
    ('"换成" = "change"', '"换成" = "swap"', "[cue] '换成': must be one of"),
    ('"的" = ""', '"的" = "of"', "[ignore] '的': must be \"\""),
    ('"猎豹" = "cheetah"', '"猎豹" = "cheetah"\n"猎豹" = "tiger"', "not valid TOML"),
])
def test_a_broken_glossary_is_reported(data, old, new, message):
    edit(data / "glossary_zh.toml", old, new)
    vocabulary = load_vocabulary(data)
    with pytest.raises(DataFileError) as info:
        load_glossary(vocabulary, data / "glossary_zh.toml")
    assert message in str(info.value)


def test_a_word_in_two_glossary_tables_is_reported(data):
    edit(data / "glossary_zh.toml", '[action]\n', '[action]\n"猎豹" = "running"\n')
    with pytest.raises(DataFileError, match="'猎豹': the word is also in"):
        load_glossary(load_vocabulary(data), data / "glossary_zh.toml")


def test_broken_replies_and_intents_are_reported(data):
    edit(data / "conversation.toml", 'generate = "Generating the video now."\n', "")
    with pytest.raises(DataFileError, match=r"\[replies.en\]: field 'generate': is missing"):
        load_replies(data / "conversation.toml")
    edit(data / "conversation.toml", "[relative]\n", "[relative]\nnearer = []\n")
    with pytest.raises(DataFileError, match=r"\[relative\]: field 'nearer': unknown field"):
        load_intents(data / "conversation.toml")
