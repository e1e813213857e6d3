"""The table of occasions and feelings (agent/data/occasions.toml): its schema, the checks
that span entries, and the matchers compiled from it. agent/occasions.py reads a request
with it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

import datafiles
from agent.moods import MOODS
from agent.vocabulary import DATA_DIR
from datafiles import Flag, Invalid, Schema, Text, Texts, check_placeholders, fail, one_of, some

AGES = ("baby", "child", "adult", "elder", "pet", "work")  # work: clients, colleagues, a boss
GENDERS = ("female", "male", "any")
CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_SUBJECTS = ("subject", "subject_female", "subject_male", "subject_group")


@dataclass(frozen=True)
class Entry:
    """One [[occasion]] or [[feeling]] of occasions.toml; optional keys are empty when absent."""

    kind: str
    id: str
    en: str
    zh: str
    match_en: tuple[str, ...]
    match_zh: tuple[str, ...]
    subject: str
    action: str
    place: str
    details: tuple[str, ...]
    mood: str
    scene_zh: str
    key_en: tuple[str, ...]  # one of these words names the occasion or feeling in the scene
    person_default: str = ""
    subject_female: str = ""
    subject_male: str = ""
    subject_group: str = ""
    with_number: str = ""
    ages: tuple[str, ...] = ()
    person_default_zh: str = ""
    aside: str = ""  # a detail bringing this one into another's scene when both are named


@dataclass(frozen=True)
class Relation:
    """Who a named person is: `en` stands in for them in the picture; `say` names them in
    the other language (Chinese for an English key, English for a Chinese one)."""

    en: str
    gender: str
    age: str
    say: str
    group: bool = False  # more than one person: picks an entry's subject_group


@dataclass(frozen=True)
class Tone:
    """One [[tone]] of occasions.toml: words that say how a scene should feel ("funny",
    "温馨一点"), never what it shows; they add `detail` and may set the soundtrack `mood`."""

    id: str
    match_en: tuple[str, ...]
    match_zh: tuple[str, ...]
    detail: str
    mood: str = ""


@dataclass(frozen=True)
class Occasions:
    """The checked table and its compiled matchers: load once, keep, pass to read_occasion."""

    entries: tuple[Entry, ...]
    relations: dict[str, Relation]
    phrases: dict[str, tuple[Entry, ...]]  # normalised match phrase → the entries listing it
    filler_en: frozenset[str]
    name_after: re.Pattern  # a text ending in a word that introduces a name ("for", "给")
    phrase_re: re.Pattern
    relation_re: re.Pattern
    filler_zh_re: re.Pattern
    tones: dict[str, Tone]  # normalised tone phrase → its tone
    tone_re: re.Pattern


def norm(phrase: str) -> str:
    """A phrase's lookup key: lower case, no apostrophes, hyphens and spaces as one space."""
    return re.sub(r"[\s\-]+", " ", re.sub(r"['’]", "", phrase.lower())).strip()


def _alternation(phrases) -> str:
    """A regex alternation, longest first; in English a hyphen or space matches either and
    an apostrophe may be left out."""
    return "|".join(re.escape(p) if CJK.fullmatch(p) else r"[\s\-]+".join(
        re.escape(w).replace("'", "['’]?") for w in re.split(r"[\s\-]+", p.strip()))
        for p in sorted(set(phrases), key=len, reverse=True))


# --- the schema: each text in its language ----------------------------------------------------

def _english(text: str) -> str:
    if CJK.search(text):
        raise ValueError(f"must be English, got {text!r}")
    return text


def _chinese(text: str) -> str:
    if not CJK.search(text):
        raise ValueError(f"must be Chinese, got {text!r}")
    return text


def _english_phrase(text: str) -> str:
    if text != text.lower() or not re.search("[a-z]", text) or CJK.search(text):
        raise ValueError(f"must hold lower-case English phrases, got {text!r}")
    return text


def _chinese_phrase(text: str) -> str:
    if len(text) < 2 or not CJK.fullmatch(text):
        raise ValueError(f"must hold Chinese words of 2 or more characters, got {text!r}")
    return text


def _ing(text: str) -> str:
    if not text.split()[0].endswith("ing"):
        raise ValueError(f"must start with an -ing word, got {text!r}")
    return text


def _fills(*names: str):
    """An English text that may hold only these {placeholders}."""
    return Annotated[English, AfterValidator(lambda text: check_placeholders(text, names))]


English = Annotated[Text, AfterValidator(_english)]
Chinese = Annotated[Text, AfterValidator(_chinese)]
EnglishPhrases = tuple[Annotated[Text, AfterValidator(_english_phrase)], ...]
ChinesePhrases = tuple[Annotated[Text, AfterValidator(_chinese_phrase)], ...]
Mood = one_of(*MOODS)
_Plain = _fills()  # an English text without placeholders
_Personal = _fills("person")  # … which may hold {person}
_Numbered = _fills("n", "nth")  # … which may hold {n} and {nth}


class _Entry(Schema):
    """An [[occasion]] or a [[feeling]]."""

    id: Text
    en: English
    zh: Chinese
    match_en: EnglishPhrases
    match_zh: ChinesePhrases
    subject: _Personal
    action: Annotated[_Plain, AfterValidator(_ing)]
    place: _Plain
    details: Annotated[tuple[English, ...], Field(min_length=2, max_length=4)]
    mood: Mood
    scene_zh: Annotated[Chinese, AfterValidator(lambda text: check_placeholders(
        text, {"person"}))]
    key_en: tuple[English, ...]
    person_default: _Plain = ""
    subject_female: _Personal = ""
    subject_male: _Personal = ""
    subject_group: _Personal = ""
    with_number: _Numbered = ""
    ages: tuple[one_of(*AGES), ...] = ()
    person_default_zh: Chinese = ""
    aside: _Plain = ""

    @model_validator(mode="after")
    def _names_itself(self):
        """key_en names the occasion in the scene; {person} and its default go together."""
        subjects = [getattr(self, k).replace("{person}", "") for k in _SUBJECTS
                    if getattr(self, k)]
        if not any(_names(word, text) for word in self.key_en
                   for text in (self.action, self.place, *self.details)) and not all(
                any(_names(word, text) for word in self.key_en) for text in subjects):
            raise Invalid(f"must name the occasion or feeling in the scene: none of "
                          f"{list(self.key_en)} is in the action, the place or the details, "
                          f"nor in every subject (without {{person}})", "key_en")
        for key, default in (("subject", "person_default"), ("scene_zh", "person_default_zh")):
            if getattr(self, default) and "{person}" not in getattr(self, key):
                raise Invalid(f"must hold {{person}}, since '{default}' is given", key)
            if not getattr(self, default) and "{person}" in getattr(self, key):
                raise Invalid(f"is needed: '{key}' holds {{person}}", default)
        return self


def _names(word: str, text: str) -> bool:
    """Whether `text` holds `word` at the start of a word, in any case ("New Year" in "a New
    Year's toast", "melanchol" in "melancholy")."""
    return bool(re.search(rf"(?<![A-Za-z]){re.escape(word)}", text, re.IGNORECASE))


class _Tone(Schema):
    id: Text
    match_en: EnglishPhrases
    match_zh: ChinesePhrases
    detail: English
    mood: Mood = ""


def _relation_key(key: str) -> str:
    if CJK.fullmatch(key):
        if len(key) < 2:
            raise ValueError("a Chinese key needs 2 or more characters")
    elif not re.fullmatch(r"[a-z]+(?: [a-z]+)*", key):
        raise ValueError("an English key must be lower-case English words")
    return key


class _Relation(Schema):
    en: English
    gender: one_of(*GENDERS)
    age: one_of(*AGES)
    say: Text
    group: Flag = False


class _Filler(Schema):
    en: Texts
    zh: Texts
    name_after_en: Texts
    name_after_zh: Texts


class _OccasionsFile(Schema):
    occasion: some(_Entry)
    feeling: some(_Entry)
    tone: tuple[_Tone, ...] = ()
    relations: Annotated[dict[Annotated[str, AfterValidator(_relation_key)], _Relation],
                         Field(min_length=1)]
    filler: _Filler


# --- loading ---------------------------------------------------------------------------------

def load_occasions(path: Path = DATA_DIR / "occasions.toml") -> Occasions:
    """Read and check occasions.toml; a DataFileError names the file, the entry and the key."""
    data, file = datafiles.load(path, _OccasionsFile), datafiles.shown(path)
    entries = tuple(Entry(kind=kind, **dict(table)) for kind in ("occasion", "feeling")
                    for table in getattr(data, kind))
    relations = {key: Relation(**dict(table)) for key, table in data.relations.items()}
    _check_relations(file, relations)
    tones = _tones(file, tuple(Tone(**dict(table)) for table in data.tone))
    return _compiled(entries, _phrases(file, entries), relations, tones, data.filler)


def _phrases(file: str, entries: tuple[Entry, ...]) -> dict[str, tuple[Entry, ...]]:
    """Each normalised match phrase → the entries listing it. Ids are unique; entries may
    share a phrase only when all but one of them name the `ages` they are for."""
    phrases: dict[str, tuple[Entry, ...]] = {}
    for n, entry in enumerate(entries):
        where = f"[[{entry.kind}]] '{entry.id}'"
        if entry.id in (e.id for e in entries[:n]):
            raise fail(file, where, "id", "is used by an earlier entry too")
        for phrase in {norm(p) for p in entry.match_en + entry.match_zh}:
            phrases[phrase] = phrases.get(phrase, ()) + (entry,)
            if not entry.ages and any(not e.ages for e in phrases[phrase][:-1]):
                other = next(e.id for e in phrases[phrase] if not e.ages)
                raise fail(file, where, _match_key(phrase), f"the phrase '{phrase}' is also "
                                                            f"in '{other}'; give one of them "
                                                            f"`ages`")
    return phrases


def _tones(file: str, tones: tuple[Tone, ...]) -> dict[str, Tone]:
    """The tones by normalised phrase; a phrase belongs to one tone."""
    by_phrase: dict[str, Tone] = {}
    for tone in tones:
        for phrase in {norm(p) for p in tone.match_en + tone.match_zh}:
            if phrase in by_phrase:
                raise fail(file, f"[[tone]] '{tone.id}'", _match_key(phrase),
                           f"the phrase '{phrase}' is also in '{by_phrase[phrase].id}'")
            by_phrase[phrase] = tone
    return by_phrase


def _match_key(phrase: str) -> str:
    """The key a match phrase was listed under."""
    return "match_zh" if CJK.search(phrase) else "match_en"


def _check_relations(file: str, relations: dict[str, Relation]) -> None:
    """A relation's `say` is in the other language than its key."""
    for key, relation in relations.items():
        if bool(CJK.fullmatch(key)) == bool(CJK.search(relation.say)):
            raise fail(file, f"[relations] '{key}'", "say", "must be in the other language "
                       "(Chinese for an English key, English for a Chinese key)")


def _compiled(entries, phrases, relations, tones, filler: _Filler) -> Occasions:
    """The table with its regexes."""
    en_keys = [k for k in relations if not CJK.fullmatch(k)]
    zh_keys = [k for k in relations if CJK.fullmatch(k)]
    tone_en = [p for t in set(tones.values()) for p in t.match_en]
    tone_zh = [p for t in set(tones.values()) for p in t.match_zh]
    en_phrases = [p for e in entries for p in e.match_en]
    zh_phrases = [p for e in entries for p in e.match_zh]
    return Occasions(
        entries=entries, relations=relations, phrases=phrases,
        filler_en=frozenset(w.lower() for w in filler.en),
        name_after=re.compile(rf"(?:(?<![A-Za-z])(?:{_alternation(filler.name_after_en)})|"
                              rf"{_alternation(filler.name_after_zh)})$", re.IGNORECASE),
        phrase_re=re.compile(rf"(?<![A-Za-z0-9])(?:{_alternation(en_phrases)})(?![A-Za-z0-9])|"
                             rf"{_alternation(zh_phrases)}", re.IGNORECASE),
        relation_re=re.compile(rf"(?<![A-Za-z])(?P<words>(?:(?:my|our|your|his|her|their)\s+)?"
                               rf"(?P<en>{_alternation(en_keys)}))(?:['’]s|s['’]|['’])?"
                               rf"(?![A-Za-z])|(?P<zh>{_alternation(zh_keys)})们?", re.IGNORECASE),
        filler_zh_re=re.compile(_alternation(filler.zh)), tones=tones,
        tone_re=re.compile(rf"(?<![A-Za-z0-9])(?:{_alternation(tone_en) or '(?!)'})"
                           rf"(?![A-Za-z0-9])|{_alternation(tone_zh) or '(?!)'}", re.IGNORECASE))
