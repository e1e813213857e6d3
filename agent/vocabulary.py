"""The rewriter's vocabularies — camera, scene, subjects, sentence templates — read from
agent/data/*.toml and checked on load, so a typo in a data file is reported by file, entry
and key instead of surfacing later as an odd prompt."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import datafiles
from agent.camera_verbs import CameraVerbs, load_camera_verbs
from agent.english import article
from agent.vocabulary_schema import (CAMERA_SLOTS, ENVS, LIGHTS, MOTION_PHRASES,  # noqa: F401
                                     SCENE_SLOTS, SLOTS, TEMPLATE_FIELDS, CameraFile, Choice,
                                     NounTable, SceneFile, SubjectsFile, TemplatesFile)
from datafiles import fail

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Entry:
    """One vocabulary choice (a shot size, a lighting, a setting…); unused fields stay empty."""

    slot: str
    id: str
    en: str
    zh: str
    match: tuple[str, ...] = ()
    weight: float = 1.0
    kinds: tuple[str, ...] | None = None
    order: int = 0
    noun: str = ""
    prep: str = ""
    paced: bool = True
    motion: str = ""
    shots: tuple[str, ...] | None = None
    movements: tuple[str, ...] | None = None
    adjective: str = ""
    preset: str = ""
    env: str = ""
    backdrop: tuple[str, ...] = ()
    ambient: tuple[str, ...] = ()
    subject: str = ""
    light: str = ""
    times: tuple[str, ...] | None = None
    envs: tuple[str, ...] | None = None
    settings: tuple[str, ...] | None = None
    mood: str = ""
    atmospheres: tuple[str, ...] | None = None

    def fits_kind(self, kind: str) -> bool:
        return self.kinds is None or kind in self.kinds


def movement_phrase(movement: Entry, pace: Entry | None) -> str:
    """A movement as a noun phrase, with its pace when it takes one: "a slow dolly in"."""
    if pace is None or not movement.paced:
        return movement.en
    return f"{article(pace.en)} {pace.en} {movement.noun}"


@dataclass(frozen=True)
class Kind:
    """A kind of subject (animal, person, food…) and the details that bring it to life."""

    name: str
    pronoun: str
    texture: str
    textures: tuple[str, ...]
    motions: tuple[str, ...]
    idle: tuple[str, ...]
    settings: tuple[str, ...]


@dataclass(frozen=True)
class Noun:
    """An English subject noun the rewriter recognises."""

    word: str
    kind: str
    plural: str
    texture: str = ""
    settings: tuple[str, ...] = ()
    pronoun: str = ""
    name: str = ""  # how to name it as a subject when not "a <word>" ("Tokyo", "the moon")


@dataclass(frozen=True)
class Term:
    """A vocabulary phrase found in a text: which entries it names, and where."""

    slot: str
    ids: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Vocabulary:
    """Everything the formula rewriter picks from, indexed for lookup and matching."""

    entries: dict[str, tuple[Entry, ...]]
    kinds: dict[str, Kind]
    nouns: dict[str, Noun]
    templates: dict[str, tuple[str, ...]]
    photo_ambient: tuple[str, ...]
    weather_none_weight: float
    camera_verbs: CameraVerbs
    _by_id: dict[tuple[str, str], Entry] = field(repr=False, default_factory=dict)
    _phrases: dict[str, tuple[str, tuple[str, ...]]] = field(repr=False, default_factory=dict)
    _noun_words: dict[str, str] = field(repr=False, default_factory=dict)
    _longest: int = 1  # the most words in any phrase or noun

    def get(self, slot: str, entry_id: str) -> Entry:
        """The entry of a slot by id (KeyError when unknown)."""
        return self._by_id[(slot, entry_id)]

    def has(self, slot: str, entry_id: str) -> bool:
        return (slot, entry_id) in self._by_id

    def find_terms(self, text: str) -> list[Term]:
        """Vocabulary phrases in an English text, leftmost-longest, not overlapping."""
        return [Term(*self._phrases[key], start, end)
                for key, start, end in _scan(text, self._phrases, self._longest)]

    def pace_before(self, text: str) -> tuple[str, int] | None:
        """A pace word ending `text` ("… slow" before "push in"): (pace id, its start)."""
        words = list(_WORD.finditer(text))
        if not words or text[words[-1].end():].strip(" -"):
            return None
        for n in (2, 1):  # "very slow", then "slow"
            if len(words) >= n:
                key = "pace:" + "".join(w.group(0).lower() for w in words[-n:])
                if key in self._phrases:
                    return self._phrases[key][1][0], words[-n].start()
        return None

    def find_nouns(self, text: str) -> list[tuple[Noun, int, int, bool]]:
        """Subject nouns in an English text: (noun, start, end, plural), leftmost-longest."""
        found = []
        for key, start, end in _scan(text, self._noun_words, self._longest):
            noun = self.nouns[self._noun_words[key]]
            plural = ((key == _squash(noun.plural) and noun.plural != noun.word)
                      or (noun.plural == noun.word and noun.word.endswith("s")))
            found.append((noun, start, end, plural))
        return found


_WORD = re.compile(r"[^\W_]+|&", re.UNICODE)


def _scan(text: str, table: dict, longest: int) -> list[tuple[str, int, int]]:
    """Leftmost-longest runs of words whose squashed form is a key of `table`."""
    words = list(_WORD.finditer(text))
    lowered = [w.group(0).lower() for w in words]
    found, i = [], 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            key = "".join(lowered[i:i + n])
            if key in table:
                found.append((key, words[i].start(), words[i + n - 1].end()))
                i += n
                break
        else:
            i += 1
    return found


# --- loading ---------------------------------------------------------------------------------

def load_vocabulary(folder: Path = DATA_DIR) -> Vocabulary:
    """Read and check camera.toml, scene.toml, subjects.toml and templates.toml."""
    camera = datafiles.load(folder / "camera.toml", CameraFile)
    scene = datafiles.load(folder / "scene.toml", SceneFile)
    subjects = datafiles.load(folder / "subjects.toml", SubjectsFile)
    templates = datafiles.load(folder / "templates.toml", TemplatesFile)
    kinds = {name: Kind(name=name, **dict(kind)) for name, kind in subjects.kinds.items()}
    nouns = _nouns(datafiles.shown(folder / "subjects.toml"), subjects.nouns, kinds)
    entries: dict[str, tuple[Entry, ...]] = {}
    for name, table, slots in (("camera.toml", camera, CAMERA_SLOTS),
                               ("scene.toml", scene, SCENE_SLOTS)):
        for slot in slots:
            entries[slot] = _slot(datafiles.shown(folder / name), slot, getattr(table, slot),
                                  kinds)
    by_id = {(e.slot, e.id): e for slot in entries.values() for e in slot}
    _check_references(folder, entries, by_id, kinds, nouns)
    camera_verbs = load_camera_verbs(folder / "camera_verbs.toml", by_id)
    phrases, longest_phrase = _compile_phrases(folder, entries)
    noun_words, longest_noun = _compile_nouns(nouns)
    return Vocabulary(entries=entries, kinds=kinds, nouns=nouns,
                      templates={name: getattr(templates, name) for name in TEMPLATE_FIELDS},
                      photo_ambient=templates.photo_ambient,
                      weather_none_weight=float(scene.weather_none_weight),
                      camera_verbs=camera_verbs,
                      _by_id=by_id, _phrases=phrases, _noun_words=noun_words,
                      _longest=max(longest_phrase, longest_noun))


def _slot(file: str, slot: str, items: tuple[Choice, ...],
          kinds: dict[str, Kind]) -> tuple[Entry, ...]:
    """A slot's checked entries as Entries: ids once each, kinds known."""
    seen: set[str] = set()
    for item in items:
        where = f"[[{slot}]] '{item.id}'"
        if item.id in seen:
            raise fail(file, where, "id", "is used by an earlier entry too")
        seen.add(item.id)
        unknown = [kind for kind in item.kinds or () if kind not in kinds]
        if unknown:
            raise fail(file, where, "kinds", f"names unknown kind '{unknown[0]}' (kinds are "
                                             f"in subjects.toml)")
    return tuple(Entry(slot=slot, **dict(item)) for item in items)


def _nouns(file: str, raw: dict[str, NounTable], kinds: dict[str, Kind]) -> dict[str, Noun]:
    """The [nouns] by lower-case word, each of a known kind, plurals filled in."""
    nouns = {}
    for word, noun in raw.items():
        if noun.kind not in kinds:
            raise fail(file, f"[nouns] '{word}'", "kind", f"unknown kind '{noun.kind}'")
        key = word.lower()
        nouns[key] = Noun(word=key, kind=noun.kind, plural=noun.plural or pluralize(key),
                          texture=noun.texture, settings=noun.settings, pronoun=noun.pronoun,
                          name=noun.name)
    return nouns


def _check_references(folder: Path, entries, by_id, kinds, nouns) -> None:
    """Ids that one entry names in another must exist."""
    camera, scene, subjects = (datafiles.shown(folder / f) for f in
                               ("camera.toml", "scene.toml", "subjects.toml"))

    def need(file: str, where: str, key: str, slot: str, ids) -> None:
        unknown = [entry_id for entry_id in ids or () if (slot, entry_id) not in by_id]
        if unknown:
            raise fail(file, where, key, f"names unknown {slot} '{unknown[0]}'")

    for e in entries["angle"]:
        need(camera, f"[[angle]] '{e.id}'", "shots", "shot", e.shots)
        need(camera, f"[[angle]] '{e.id}'", "movements", "movement", e.movements)
    for e in entries["lens"]:
        need(camera, f"[[lens]] '{e.id}'", "shots", "shot", e.shots)
    for e in entries["setting"]:
        if e.subject and e.subject not in nouns:
            raise fail(scene, f"[[setting]] '{e.id}'", "subject",
                       f"'{e.subject}' is not in subjects.toml [nouns]")
    for e in entries["lighting"]:
        need(scene, f"[[lighting]] '{e.id}'", "settings", "setting", e.settings)
    for e in entries["weather"]:
        need(scene, f"[[weather]] '{e.id}'", "atmospheres", "atmosphere", e.atmospheres)
    for kind in kinds.values():
        need(subjects, f"[kinds] '{kind.name}'", "settings", "setting", kind.settings)
    for noun in nouns.values():
        need(subjects, f"[nouns] '{noun.word}'", "settings", "setting", noun.settings)


def _squash(text: str) -> str:
    """A phrase's lookup key: its words, lower case, run together ("close-up" → "closeup")."""
    return "".join(w.lower() for w in _WORD.findall(text))


def _compile_phrases(folder: Path, entries):
    """Every match phrase by its key; a phrase may name entries of one slot only."""
    phrases: dict[str, tuple[str, tuple[str, ...]]] = {}
    owners: dict[str, str] = {}
    longest = 1
    for slot, slot_entries in entries.items():
        for e in slot_entries:
            for phrase in e.match:
                key = ("pace:" if slot == "pace" else "") + _squash(phrase)
                longest = max(longest, len(_WORD.findall(phrase)))
                if key in phrases and phrases[key][0] != slot:
                    file = "camera.toml" if slot in CAMERA_SLOTS else "scene.toml"
                    raise fail(datafiles.shown(folder / file), f"[[{slot}]] '{e.id}'", "match",
                               f"the phrase '{phrase}' is also a {phrases[key][0]} phrase "
                               f"({owners[key]}); each phrase may name one slot")
                old = phrases.get(key, (slot, ()))[1]
                if e.id not in old:
                    phrases[key] = (slot, old + (e.id,))
                owners.setdefault(key, e.id)
    return phrases, longest


def _compile_nouns(nouns: dict[str, Noun]) -> tuple[dict[str, str], int]:
    words: dict[str, str] = {}
    longest = 1
    for noun in nouns.values():
        for form in (noun.word, noun.plural):
            words.setdefault(_squash(form), noun.word)
            longest = max(longest, len(_WORD.findall(form)))
    return words, longest


_IRREGULAR_ES = ("s", "x", "z", "ch", "sh")


def pluralize(word: str) -> str:
    """A regular English plural of the last word ("sports car" → "sports cars")."""
    head, _, last = word.rpartition(" ")
    if last.endswith("y") and len(last) > 1 and last[-2] not in "aeiou":
        last = last[:-1] + "ies"
    elif last.endswith(_IRREGULAR_ES):
        last = last + "es"
    else:
        last = last + "s"
    return f"{head} {last}".strip()
