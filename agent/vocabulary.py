"""The rewriter's vocabularies — camera, scene, subjects, sentence templates — read from
agent/data/*.toml and checked on load, so a typo in a data file is reported by file, entry
and key instead of surfacing later as an odd prompt."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from agent.datafile import (FLAG, NUMBER, TEXT, TEXTS, WHOLE, DataFileError, check_placeholders,
                            check_type, display_name, read_toml, reject_unknown_keys)

DATA_DIR = Path(__file__).resolve().parent / "data"

CAMERA_SLOTS = ("shot", "angle", "movement", "pace", "lens", "speed", "look")
SCENE_SLOTS = ("setting", "time", "weather", "lighting", "atmosphere")
SLOTS = CAMERA_SLOTS + SCENE_SLOTS
ENVS = ("outdoor", "indoor", "studio", "underwater", "space")
LIGHTS = ("day", "golden", "blue", "night")
# The camera moves the photo-motion engine reads from a prompt.
MOTION_PHRASES = ("push in", "pull out", "zoom in", "zoom out", "pan left", "pan right",
                  "tilt up", "tilt down",
                  "orbit", "handheld", "static")
TEMPLATE_FIELDS = {
    "camera": {"shot", "angle", "movement", "prep", "subject", "lens", "speed", "extra"},
    "scene_place": {"place", "time", "time_noun", "weather", "backdrop", "lighting", "atmosphere"},
    "scene_noplace": {"time", "time_noun", "weather", "backdrop", "lighting", "atmosphere"},
    "details": {"texture", "motions", "motion_list"},
    "photo_camera": {"movement", "subject_ref", "speed"},
    "photo_scene": {"ambient"},
    "photo_details": {"subject_ref", "action", "motions"},
}

_COMMON = {"id": TEXT, "en": TEXT, "zh": TEXT, "match": TEXTS, "weight": NUMBER, "kinds": TEXTS}
_REQUIRED_COMMON = ("id", "en", "zh")
# slot → (extra required keys, extra optional keys), each key → its expected type
_SLOT_KEYS: dict[str, tuple[dict, dict]] = {
    "shot": ({"order": WHOLE}, {}),
    "angle": ({}, {"shots": TEXTS, "movements": TEXTS}),
    "movement": ({"noun": TEXT, "prep": TEXT}, {"paced": FLAG, "motion": TEXT}),
    "pace": ({"order": WHOLE}, {}),
    "lens": ({}, {"shots": TEXTS}),
    "speed": ({}, {}),
    "look": ({"adjective": TEXT}, {"preset": TEXT}),
    "setting": ({"env": TEXT, "backdrop": TEXTS, "ambient": TEXTS}, {"subject": TEXT}),
    "time": ({"noun": TEXT, "light": TEXT}, {}),
    "weather": ({"motion": TEXT}, {"atmospheres": TEXTS}),
    "lighting": ({"times": TEXTS, "envs": TEXTS}, {"settings": TEXTS}),
    "atmosphere": ({"mood": TEXT}, {}),
}
_KIND_KEYS = {"pronoun": TEXT, "texture": TEXT, "textures": TEXTS, "motions": TEXTS,
              "idle": TEXTS, "settings": TEXTS}
_NOUN_KEYS = {"kind": TEXT, "texture": TEXT, "settings": TEXTS, "pronoun": TEXT, "plural": TEXT,
              "name": TEXT}


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
    camera = read_toml(folder / "camera.toml")
    scene = read_toml(folder / "scene.toml")
    subjects = read_toml(folder / "subjects.toml")
    templates_raw = read_toml(folder / "templates.toml")

    kinds = _load_kinds(folder / "subjects.toml", subjects.get("kinds"))
    nouns = _load_nouns(folder / "subjects.toml", subjects.get("nouns"), kinds)
    reject_unknown_keys(folder / "subjects.toml", "the file", subjects, {"kinds", "nouns"})

    entries: dict[str, tuple[Entry, ...]] = {}
    for path, table, slots, extra in ((folder / "camera.toml", camera, CAMERA_SLOTS, ()),
                                      (folder / "scene.toml", scene, SCENE_SLOTS,
                                       ("weather_none_weight",))):
        reject_unknown_keys(path, "the file", table, set(slots) | set(extra))
        for slot in slots:
            entries[slot] = _load_slot(path, slot, table.get(slot), kinds)
    none_weight = scene.get("weather_none_weight", 0.0)
    if not isinstance(none_weight, (int, float)) or none_weight < 0:
        raise DataFileError(f"{display_name(folder / 'scene.toml')}: weather_none_weight must be a "
                            f"number ≥ 0")

    templates, photo_ambient = _load_templates(folder / "templates.toml", templates_raw)
    by_id = {(e.slot, e.id): e for slot in entries.values() for e in slot}
    _check_references(folder, entries, by_id, kinds, nouns)
    phrases, longest_phrase = _compile_phrases(folder, entries)
    noun_words, longest_noun = _compile_nouns(nouns)
    return Vocabulary(entries=entries, kinds=kinds, nouns=nouns, templates=templates,
                      photo_ambient=photo_ambient, weather_none_weight=float(none_weight),
                      _by_id=by_id, _phrases=phrases, _noun_words=noun_words,
                      _longest=max(longest_phrase, longest_noun))


def _load_slot(path: Path, slot: str, raw, kinds: dict[str, Kind]) -> tuple[Entry, ...]:
    if not isinstance(raw, list) or not raw:
        raise DataFileError(f"{display_name(path)}: needs at least one [[{slot}]] entry")
    required, optional = _SLOT_KEYS[slot]
    seen: set[str] = set()
    out = []
    for index, item in enumerate(raw, 1):
        where = f"[[{slot}]] entry {index}"
        if not isinstance(item, dict):
            raise DataFileError(f"{display_name(path)}: {where} is not a table")
        if isinstance(item.get("id"), str):
            where = f"[[{slot}]] entry '{item['id']}'"
        reject_unknown_keys(path, where, item, set(_COMMON) | set(required) | set(optional))
        for key in (*_REQUIRED_COMMON, *required):
            if key not in item:
                raise DataFileError(f"{display_name(path)}: {where}: missing key '{key}'")
        values = {key: check_type(path, where, key, value, {**_COMMON, **required,
                                                              **optional}[key])
                  for key, value in item.items()}
        if values["id"] in seen:
            raise DataFileError(f"{display_name(path)}: {where}: id '{values['id']}' is used twice")
        seen.add(values["id"])
        for kind in values.get("kinds", ()):
            if kind not in kinds:
                raise DataFileError(f"{display_name(path)}: {where}: key 'kinds' names "
                                    f"unknown kind '{kind}' (kinds are in subjects.toml)")
        out.append(Entry(slot=slot, **values))
    return tuple(out)


def _load_kinds(path: Path, raw) -> dict[str, Kind]:
    if not isinstance(raw, dict) or "generic" not in raw:
        raise DataFileError(f"{display_name(path)}: needs [kinds.NAME] tables, including "
                            f"[kinds.generic]")
    kinds = {}
    for name, table in raw.items():
        where = f"[kinds.{name}]"
        if not isinstance(table, dict):
            raise DataFileError(f"{display_name(path)}: {where} is not a table")
        reject_unknown_keys(path, where, table, set(_KIND_KEYS))
        values = {}
        for key, expected in _KIND_KEYS.items():
            if key not in table:
                raise DataFileError(f"{display_name(path)}: {where}: missing key '{key}'")
            if expected == TEXTS and table[key] == [] and key == "idle":
                values[key] = ()
                continue
            values[key] = check_type(path, where, key, table[key], expected)
        for key in ("textures", "motions", "idle"):
            for phrase in values[key]:
                check_placeholders(path, f"{where} {key}", phrase, {"pos", "obj", "texture"})
        kinds[name] = Kind(name=name, **values)
    return kinds


def _load_nouns(path: Path, raw, kinds: dict[str, Kind]) -> dict[str, Noun]:
    if not isinstance(raw, dict) or not raw:
        raise DataFileError(f"{display_name(path)}: needs a [nouns] table")
    nouns = {}
    for word, value in raw.items():
        where = f"[nouns] '{word}'"
        table = {"kind": value} if isinstance(value, str) else value
        if not isinstance(table, dict):
            raise DataFileError(f"{display_name(path)}: {where} must be a kind name or a table")
        reject_unknown_keys(path, where, table, set(_NOUN_KEYS))
        if "kind" not in table:
            raise DataFileError(f"{display_name(path)}: {where}: missing key 'kind'")
        values = {k: check_type(path, where, k, v, _NOUN_KEYS[k]) for k, v in table.items()}
        if values["kind"] not in kinds:
            raise DataFileError(f"{display_name(path)}: {where}: unknown kind '{values['kind']}'")
        key = word.lower()
        nouns[key] = Noun(word=key, plural=values.pop("plural", None) or pluralize(key),
                          **values)
    return nouns


def _load_templates(path: Path, raw: dict) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    reject_unknown_keys(path, "the file", raw, set(TEMPLATE_FIELDS) | {"photo_ambient"})
    templates = {}
    for name, fields in TEMPLATE_FIELDS.items():
        if name not in raw:
            raise DataFileError(f"{display_name(path)}: missing key '{name}'")
        items = check_type(path, "the file", name, raw[name], TEXTS)
        if not items:
            raise DataFileError(f"{display_name(path)}: '{name}' needs at least one template")
        for text in items:
            check_placeholders(path, f"'{name}'", text, fields)
        templates[name] = items
    ambient = check_type(path, "the file", "photo_ambient", raw.get("photo_ambient"), TEXTS)
    if not ambient:
        raise DataFileError(f"{display_name(path)}: 'photo_ambient' needs at least one phrase")
    return templates, ambient


def _check_references(folder: Path, entries, by_id, kinds, nouns) -> None:
    """Ids that one entry names in another must exist; enumerations must be known values."""
    camera, scene, subjects = (display_name(folder / f) for f in
                               ("camera.toml", "scene.toml", "subjects.toml"))

    def need(file: str, where: str, slot: str, ids) -> None:
        for entry_id in ids or ():
            if (slot, entry_id) not in by_id:
                raise DataFileError(f"{file}: {where}: names unknown {slot} '{entry_id}'")

    for e in entries["angle"]:
        need(camera, f"[[angle]] entry '{e.id}' key 'shots'", "shot", e.shots)
        need(camera, f"[[angle]] entry '{e.id}' key 'movements'", "movement", e.movements)
    for e in entries["lens"]:
        need(camera, f"[[lens]] entry '{e.id}' key 'shots'", "shot", e.shots)
    for e in entries["movement"]:
        if e.motion and (e.motion not in MOTION_PHRASES or e.motion not in e.en):
            raise DataFileError(f"{camera}: [[movement]] entry '{e.id}': key 'motion' must be "
                                f"one of {', '.join(MOTION_PHRASES)} and appear in 'en'")
    for e in entries["setting"]:
        if e.env not in ENVS:
            raise DataFileError(f"{scene}: [[setting]] entry '{e.id}': env must be one of "
                                f"{', '.join(ENVS)}")
        if e.subject and e.subject not in nouns:
            raise DataFileError(f"{scene}: [[setting]] entry '{e.id}': subject '{e.subject}' "
                                f"is not in subjects.toml [nouns]")
    for e in entries["time"]:
        if e.light not in LIGHTS:
            raise DataFileError(f"{scene}: [[time]] entry '{e.id}': light must be one of "
                                f"{', '.join(LIGHTS)}")
    for e in entries["lighting"]:
        for value, allowed, key in ((e.times, LIGHTS, "times"), (e.envs, ENVS, "envs")):
            bad = [v for v in value if v not in allowed]
            if bad:
                raise DataFileError(f"{scene}: [[lighting]] entry '{e.id}': key '{key}' has "
                                    f"unknown value '{bad[0]}' (allowed: {', '.join(allowed)})")
        need(scene, f"[[lighting]] entry '{e.id}' key 'settings'", "setting", e.settings)
    for e in entries["weather"]:
        need(scene, f"[[weather]] entry '{e.id}' key 'atmospheres'", "atmosphere", e.atmospheres)
    for kind in kinds.values():
        need(subjects, f"[kinds.{kind.name}] key 'settings'", "setting", kind.settings)
    for noun in nouns.values():
        need(subjects, f"[nouns] '{noun.word}' key 'settings'", "setting", noun.settings)


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
                    raise DataFileError(
                        f"{display_name(folder / file)}: [[{slot}]] entry '{e.id}': match phrase "
                        f"'{phrase}' is also a {phrases[key][0]} phrase ({owners[key]}); "
                        f"each phrase may name one slot")
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
