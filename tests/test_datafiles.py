"""The one loader of every data file (datafiles.py): a mistake is one DataFileError line
naming the file, the entry and the field; every shipped data file loads through its real
loader, and a broken copy of each is reported by its name."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Callable

import pytest

import datafiles
from datafiles import Schema, Text, Texts, between, one_of, some, template
from errors import DataFileError

ROOT = Path(__file__).resolve().parents[1]


class Lora(Schema):
    source: Text
    scale: between(0, 2) = 1.0


Mood, Wrap = one_of("calm", "epic"), template("prompt")


class Style(Schema):
    id: Text
    guidance: between(1, 20) | None = None
    hints: Texts = ()
    mood: Mood = "calm"
    wrap: Wrap = "{prompt}"
    lora: Lora | None = None


class Photo(Schema):
    title: Text


class Gallery(Schema):
    label: Text
    photos: dict[str, Photo]


class File(Schema):
    gallery: Gallery
    style: some(Style)


GOOD = '[gallery]\nlabel = "Looks"\nphotos.coffee.title = "Coffee"\n\n[[style]]\nid = "oil"\n'


def load(tmp_path: Path, text: str, name: str = "presets.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return datafiles.load(path, File)


def mistake(tmp_path: Path, text: str) -> DataFileError:
    with pytest.raises(DataFileError) as caught:
        load(tmp_path, text)
    error = caught.value
    assert str(error).startswith(str(tmp_path / "presets.toml") + ": ")
    assert "\n" not in str(error)
    return error


def test_a_good_file_is_read_into_frozen_schemas(tmp_path):
    data = load(tmp_path, GOOD + 'guidance = 6\nhints = ["slow pan"]\n')
    style = data.style[0]
    assert (style.id, style.guidance, style.hints, style.mood) == ("oil", 6, ("slow pan",), "calm")
    assert type(style.guidance) is int  # a number stays as the file wrote it
    assert data.gallery.photos["coffee"].title == "Coffee"
    with pytest.raises(Exception):
        style.id = "other"


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(DataFileError) as caught:
        datafiles.load(tmp_path / "nowhere.toml", File)
    assert str(caught.value) == f"{tmp_path / 'nowhere.toml'}: file is missing"
    assert caught.value.file == str(tmp_path / "nowhere.toml")


def test_bad_toml_is_named_with_its_line(tmp_path):
    error = mistake(tmp_path, GOOD + "guidance = = 3\n")
    assert "not valid TOML" in str(error) and "line 7" in str(error)
    assert (error.entry, error.field) == ("", "")


def test_a_typo_is_an_unknown_field_with_a_suggestion(tmp_path):
    error = mistake(tmp_path, GOOD + "guidnce = 3\n")
    assert (error.entry, error.field) == ("[[style]] 'oil'", "guidnce")
    assert "unknown field (did you mean 'guidance'?)" in str(error)


def test_a_wrong_type_is_named_with_what_was_found(tmp_path):
    error = mistake(tmp_path, GOOD + 'guidance = "x"\n')
    assert str(error).endswith(": [[style]] 'oil': field 'guidance': must be a number, got 'x'")
    assert "must be true or false" not in str(mistake(tmp_path, GOOD + "guidance = true\n"))
    assert "got true" in str(mistake(tmp_path, GOOD + "guidance = true\n"))


@pytest.mark.parametrize("line, entry, field, problem", [
    ('id = "oil"\nhints = ["a", "  "]', "[[style]] 'oil'", "hints[2]", "must not be empty"),
    ('id = "oil"\nhints = ["a", 3]', "[[style]] 'oil'", "hints[2]", "must be text, got 3"),
    ('id = "oil"\nguidance = 30', "[[style]] 'oil'", "guidance", "must be from 1 to 20, got 30"),
    ('id = "oil"\nmood = "sad"', "[[style]] 'oil'", "mood", "must be one of calm, epic"),
    ('id = "oil"\nwrap = "{prmpt}"', "[[style]] 'oil'", "wrap",
     "unknown placeholder '{prmpt}'"),
    ('id = "oil"\nwrap = "{prompt"', "[[style]] 'oil'", "wrap", "broken braces"),
    ('id = "oil"\n[style.lora]\nscale = 1', "[[style]] 'oil'", "lora.source", "is missing"),
    ('id = ""', "[[style]] #1", "id", "must not be empty"),
    ('guidance = 2', "[[style]] #1", "id", "is missing"),
])
def test_each_mistake_names_its_entry_and_field(tmp_path, line, entry, field, problem):
    error = mistake(tmp_path, GOOD.replace('id = "oil"', line))
    assert (error.entry, error.field) == (entry, field), str(error)
    assert problem in error.problem and problem in str(error)


def test_named_tables_and_missing_tables(tmp_path):
    error = mistake(tmp_path, GOOD.replace('photos.coffee.title', 'photos.coffee.titel'))
    assert (error.entry, error.field) == ("[gallery.photos] 'coffee'", "titel")
    error = mistake(tmp_path, GOOD.replace('label = "Looks"\n', ""))
    assert (error.entry, error.field, error.problem) == ("[gallery]", "label", "is missing")
    error = mistake(tmp_path, GOOD[:GOOD.index("[[style]]")])
    assert (error.field, error.problem) == ("style", "needs at least one [[style]] entry")
    error = mistake(tmp_path, GOOD[GOOD.index("[[style]]"):])
    assert (error.field, error.problem) == ("gallery", "needs a [gallery] table")


def test_a_mistake_across_entries_is_worded_the_same():
    error = datafiles.fail("x.toml", "[[style]] 'oil'", "id", "is used by an earlier style too")
    assert str(error) == "x.toml: [[style]] 'oil': field 'id': is used by an earlier style too"
    assert isinstance(error, ValueError)  # `except ValueError` still catches it


def test_json_files_load_the_same_way(tmp_path):
    path = tmp_path / "presets.json"
    path.write_text('{"gallery": {"label": "L", "photos": {}}, "style": [{"id": "oil"}]}')
    assert datafiles.load(path, File).style[0].id == "oil"
    path.write_text('{"gallery": ')
    with pytest.raises(DataFileError, match=r"presets.json: not valid JSON: .*line 1"):
        datafiles.load(path, File)


def test_a_file_inside_the_project_is_named_by_its_project_path():
    assert datafiles.shown(ROOT / "styles" / "presets.toml") == "styles/presets.toml"


# --- every shipped data file, through its real loader -----------------------------------------

def _vocabulary(folder: Path):
    from agent.vocabulary import load_vocabulary
    return load_vocabulary(folder)


def _glossary(folder: Path):
    from agent.glossary import load_glossary
    return load_glossary(_vocabulary(folder), folder / "glossary_zh.toml")


def _by_path(module: str, name: str) -> Callable[[Path], object]:
    def load_file(path: Path):
        import importlib
        return getattr(importlib.import_module(module), name)(path)
    return load_file


def _styles(path: Path):
    from styles.presets import StyleLibrary
    return StyleLibrary.load(path)


def _tracks(path: Path):
    from music.library import load_moods, load_tracks
    return load_tracks(path, load_moods())


# file → (its loader, taking the file's path (the folder for agent/data's vocabulary files),
# and a typical mistake: the text to replace and what replaces it).
SHIPPED = {
    "agent/data/camera.toml": (_vocabulary, ("order = 2", 'order = "2"')),
    "agent/data/scene.toml": (_vocabulary, ("[[setting]]", "[[settings]]")),
    "agent/data/camera_verbs.toml": (_vocabulary, ('means = ["zoom-in"]', 'means = ["zoom-inn"]')),
    "agent/data/subjects.toml": (_vocabulary, ("[kinds.generic]", "[kinds.gneric]")),
    "agent/data/templates.toml": (_vocabulary, ('"{shot} {angle}', '"{shots} {angle}')),
    "agent/data/glossary_zh.toml": (_glossary, ('"猎豹" = "cheetah"', '"猎豹" = 1')),
    "agent/data/consistency.toml": (_by_path("agent.consistency", "load_rules"),
                                    ("[energy]", "[enrgy]")),
    "agent/data/conversation.toml": (_by_path("agent.intents", "load_intents"),
                                     ("\n[relative]\n", "\n[relatve]\n")),
    "agent/data/conversation.toml replies": (_by_path("agent.replies", "load_replies"),
                                             ('generate = "', 'generat = "')),
    "agent/data/limits.toml": (_by_path("agent.limits", "load_limits"),
                               ("max_idea_chars = 2000", "max_idea_chars = 2000.5")),
    "agent/data/local_llms.toml": (_by_path("agent.llm_local", "load_registry"),
                                   ("[[model]]\nid = ", "[[model]]\nname = ")),
    "agent/data/occasions.toml": (_by_path("agent.occasions", "load_occasions"),
                                  ('mood = "romantic"', 'mood = "sappy"')),
    "agent/data/places.toml": (_by_path("agent.places", "load_gazetteer"),
                               ("setting = ", "settting = ")),
    "api/platform.toml": (_by_path("api.platform", "load_rules"),
                          ("min_duration_s = 1", 'min_duration_s = "1"')),
    "bench/agent_ideas.toml": (_by_path("bench.agent", "load_cases"), ('lang = "', 'language = "')),
    "bench/agent_ideas_holdout.toml": (_by_path("bench.agent", "load_cases"),
                                       ('lang = "en"', 'lang = "fr"')),
    "bench/agent_ideas_unseen.toml": (_by_path("bench.agent", "load_cases"),
                                      ("classes = [", "classes = 3 #[")),
    "bench/agent_ideas_camera_unseen.toml": (_by_path("bench.agent", "load_cases"),
                                             ("classes = [", "classes = 3 #[")),
    "bench/agent_ideas_zh_unseen.toml": (_by_path("bench.agent", "load_cases"),
                                         ('must = [["', 'must = [[3, "')),
    "bench/gpu_models.toml": (_by_path("bench.pipelines", "load_specs"),
                              ("use_dynamic_cfg = false", 'use_dynamic_cfg = "no"')),
    "music/library/tracks.toml": (_tracks, ("bpm = ", "bpm = -")),
    "music/moods.toml": (_by_path("music.library", "load_moods"), ("name_zh = ", "name_cn = ")),
    "music/zh_words.toml": (_by_path("music.select", "load_glossary"), ("[words]", "[word]")),
    "studio/strings.toml": (_by_path("studio.i18n", "load_strings"), ("[zh]", "[cn]")),
    "styles/presets.toml": (_styles, ("\n[[style.grade]]\n", "\n[[style.grades]]\n")),
    "video/engines/models.toml": (_by_path("video.engines.registry", "load_registry"),
                                  ("width = 720", "width = 721")),
    "video/engines/speed_presets.toml": (_by_path("video.engines.speed", "load_presets"),
                                         ('compile = "blocks"', 'compile = "all"')),
    "video/learned/weights.toml": (_by_path("video.learned.weights", "load_weights_list"),
                                   ('task = "upscale"', 'task = "upscaling"')),
    "video/motion_words.toml": (_by_path("video.motion_plan", "load_vocabulary"),
                                ("factor = 0.6", "factor = [0.6]")),
}


def _file(name: str) -> str:
    return name.split()[0]


def test_every_data_file_in_the_project_has_a_loader_here():
    found = {p.relative_to(ROOT).as_posix() for p in ROOT.glob("*/**/*.toml")
             if ".git" not in p.parts and "tests" not in p.parts}
    assert found == {_file(name) for name in SHIPPED}


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_file_loads_through_its_loader(name):
    load_file, _ = SHIPPED[name]
    path = ROOT / _file(name)
    assert load_file(path.parent if load_file in (_vocabulary, _glossary) else path)


@pytest.mark.parametrize("name", SHIPPED)
def test_a_broken_copy_of_each_shipped_file_is_named(tmp_path, name):
    load_file, (old, new) = SHIPPED[name]
    relative = Path(_file(name))
    copy = tmp_path / relative
    if relative.parent == Path("agent/data"):  # the vocabulary files load together
        shutil.copytree(ROOT / relative.parent, copy.parent)
    else:
        copy.parent.mkdir(parents=True)
        shutil.copy(ROOT / relative, copy)
    text = copy.read_text(encoding="utf-8")
    assert old in text, old
    copy.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_file(copy.parent if load_file in (_vocabulary, _glossary) else copy)
    error = caught.value
    assert error.file == str(copy) and str(error).startswith(f"{copy}: "), str(error)
    assert error.entry or error.field, str(error)  # it says where, not only which file
    assert "\n" not in str(error) and not re.search(r"Input should|pydantic", str(error))


def test_every_folder_names_the_music_librarys_moods():
    """The agent's mood ids (its rewriter, occasions, feelings, the chat's "lo-fi music"),
    the style presets' and music/moods.toml's are one set: before, the agent said "lo-fi"
    and "corporate-bright" where music/ says "lofi" and "corporate", and "a lighthouse on a
    cliff at night" was refused with "unknown mood 'lo-fi'"."""
    from agent.conversation import load_intents
    from agent.moods import MOODS
    from agent.vocabulary import load_vocabulary
    from music.library import load_moods
    from styles.presets import MUSIC_MOODS

    library = set(load_moods())
    assert set(MOODS) == set(MUSIC_MOODS) == library
    named = {entry.mood for entries in load_vocabulary().entries.values()
             for entry in entries if entry.mood}
    assert named and named <= library, named - library
    assert set(load_intents().music_moods.values()) <= library
