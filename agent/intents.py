"""Reading a chat turn by rules (offline): commands, music changes, and refinements — the
vocabulary choices, relative camera moves ("closer", "慢一点") and subject swaps a message
names. The words are data in agent/data/conversation.toml."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import datafiles
from agent.brief import Brief
from agent.camera_clause import read_camera_sentences
from agent.camera_clause_zh import read_camera_sentences_zh
from agent.english import article
from agent.glossary import Word, has_cjk
from agent.reading import read_idea
from agent.reading_zh import camera_aim_in_english
from agent.replies import Replies, label
from agent.vocabulary import DATA_DIR, Noun, Vocabulary, movement_phrase
from datafiles import AnyText, Schema, Texts
from errors import InputError

COMMANDS = ("draw_again", "generate", "share")
RELATIVE = ("closer", "wider", "slower", "faster")
_CHANGE = {"change", "switch", "turn", "instead", "replace", "make", "换成", "改成", "变成",
           "改为", "换", "改", "让", "把", "变"}
_ADD = {"add", "with", "also", "加", "加点", "加上", "再加", "来点", "添加"}
_REMOVE = {"remove", "without", "no", "去掉", "不要"}
_PUNCT = re.compile(r"[^\w\s'-]+", re.UNICODE)


@dataclass(frozen=True)
class Intents:
    """The rule words of conversation.toml."""

    filler: tuple[str, ...]
    commands: dict[str, frozenset[str]]
    music_words: tuple[str, ...]
    music_remove: tuple[str, ...]
    music_moods: dict[str, str]
    relative: dict[str, tuple[str, ...]]
    cues: tuple[str, ...]

    def normalize(self, text: str) -> str:
        """Lower case, without punctuation and filler words ("Draw again, please!" →
        "draw again")."""
        text = _PUNCT.sub(" ", text.lower())
        for word in sorted(self.filler, key=len, reverse=True):
            if has_cjk(word):
                text = text.replace(word, " ")
            else:
                text = re.sub(rf"(?<![\w]){re.escape(word)}(?![\w])", " ", text)
        return " ".join(text.split())

    def command(self, text: str) -> str | None:
        """generate, share or draw_again when the whole message is one of those phrases."""
        normal = self.normalize(text)
        return next((name for name, phrases in self.commands.items() if normal in phrases),
                    None)

    def music(self, text: str) -> str | None:
        """For a message about the soundtrack: "none", a mood id, or "next"; else None."""
        lower = text.lower()
        if not any(_has(lower, w) for w in self.music_words):
            return None
        mood = next((m for w, m in self.music_moods.items() if _has(lower, w, prefix=True)),
                    None)
        removing = any(_has(lower, w) for w in self.music_remove)
        short = len(lower.split()) <= 5 if not has_cjk(lower) else len(lower) <= 14
        changing = any(_has(lower, w) for w in self.cues)
        if not (removing or mood or short or changing):
            return None  # "a girl playing music in the park" is an idea, not a request
        return "none" if removing else mood or "next"

    def mood_name(self, mood: str, language: str) -> str:
        """A mood's name in the language ("calm" / "安静")."""
        for word, target in self.music_moods.items():
            if target == mood and has_cjk(word) == (language == "zh"):
                return word
        return mood

    def relatives(self, text: str) -> tuple[str, ...]:
        """The relative moves a message asks for ("closer", "slower"…)."""
        lower = text.lower()
        return tuple(name for name, phrases in self.relative.items()
                     if any(_has(lower, p) for p in phrases))


def _has(text: str, phrase: str, prefix: bool = False) -> bool:
    phrase = phrase.lower()
    if has_cjk(phrase):
        return phrase in text
    end = r"" if prefix else r"(?![\w])"
    return re.search(rf"(?<![\w]){re.escape(phrase)}{end}", text) is not None


class _Commands(Schema):
    draw_again: Texts
    generate: Texts
    share: Texts


class _Music(Schema):
    words: Texts
    remove: Texts
    moods: dict[str, AnyText]  # a word → a mood id


class _Relative(Schema):
    closer: Texts
    wider: Texts
    slower: Texts
    faster: Texts


class _Cues(Schema):
    words: Texts


class _IntentsFile(Schema):
    """conversation.toml; its [replies] are agent.replies' to check."""

    filler: Texts = ()
    commands: _Commands
    music: _Music
    relative: _Relative
    cues: _Cues
    replies: dict[str, Any] = {}


def load_intents(path: Path = DATA_DIR / "conversation.toml") -> Intents:
    """The rule words, checked."""
    raw = datafiles.load(path, _IntentsFile)
    return Intents(
        filler=raw.filler,
        commands={name: frozenset(p.lower() for p in getattr(raw.commands, name))
                  for name in COMMANDS},
        music_words=raw.music.words,
        music_remove=raw.music.remove,
        music_moods={k.lower(): v for k, v in raw.music.moods.items()},
        relative={name: getattr(raw.relative, name) for name in RELATIVE},
        cues=raw.cues.words)


@dataclass(frozen=True)
class Refinement:
    """What a message asks to change, read by rules."""

    pins: tuple[tuple[str, tuple[str, ...]], ...] = ()
    relative: tuple[str, ...] = ()
    nouns: tuple[Noun, ...] = ()
    subject: str = ""  # the English phrase of the last noun named ("a dog")
    cues: frozenset[str] = frozenset()
    untranslated: tuple[str, ...] = ()
    idea: Brief | None = None  # the message read as a whole idea, when it is one
    # what a sentence about the camera aimed its move at ("on her face"); "" for a move
    # aimed at nothing (it replaces the old aim), None when the message moved no camera
    camera_target: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.pins or self.relative or self.nouns or self.camera_target)

    def is_new_idea(self, brief: Brief) -> bool:
        """A message that names another subject without asking to change the current one."""
        if self.empty:
            return self.idea is not None
        changing = self.cues & (_CHANGE | _ADD | _REMOVE)
        return bool(self.nouns) and not changing and not self.relative and (
            self.nouns[0].word != brief.noun)

    def apply(self, brief: Brief, picks: dict[str, str], vocabulary: Vocabulary,
              language: str, replies: Replies) -> tuple[Brief, set[str], list[str], str | None]:
        """(the new brief, the slots changed, what to say about each, a new style id)."""
        slots: set[str] = set()
        items: list[str] = []
        style = None
        removing = bool(self.cues & _REMOVE)
        for slot, ids in self.pins:
            if removing and slot == "weather":
                ids = ("clear",)
            if brief.pinned(slot) == ids and picks.get(slot) in ids:
                continue
            brief = brief.with_pin(slot, ids)
            if slot == "setting":  # a new place replaces the one the user had
                brief = replace(brief, setting_in_action=False, place="", place_setting="")
            if slot == "look":
                style = vocabulary.get("look", ids[0]).preset or None
            slots.add(slot)
            items.append(label(vocabulary, slot, ids[0], language))
        brief = self._aim_the_camera(brief, slots, items, vocabulary, language)
        for move in self.relative:
            step = -1 if move in ("closer", "slower") else 1
            slot = "shot" if move in ("closer", "wider") else "pace"
            current = picks.get(slot)
            if not current:
                continue
            order = vocabulary.get(slot, current).order + step
            target = next((e for e in vocabulary.entries[slot] if e.order == order), None)
            if target is None:
                continue
            brief = brief.with_pin(slot, (target.id,))
            slots.add(slot)
            items.append(label(vocabulary, slot, target.id, language))
            if slot == "pace":
                items[-1] = replies.say(language, "pace_changed", pace=items[-1])
        if self.nouns and self.cues & (_CHANGE | _ADD) and (
                self.nouns[-1].word != brief.noun or self.cues & _ADD):
            noun = self.nouns[-1]
            if self.cues & _ADD and not self.cues & _CHANGE:
                brief = replace(brief, subject=f"{brief.subject} and {self.subject}",
                                plural=True)
            else:
                brief = replace(brief, subject=_swap_noun(brief, noun, vocabulary, self.subject),
                                noun=noun.word, kind=noun.kind)
            slots.add("subject")
            items.append(replies.say(language, "subject_changed", subject=brief.subject))
        return brief, slots, items, style

    def _aim_the_camera(self, brief: Brief, slots: set[str], items: list[str],
                        vocabulary: Vocabulary, language: str) -> Brief:
        """The message's camera aim on the brief (a new move aimed at nothing clears the
        old aim), said with the move in one phrase."""
        if self.camera_target is not None and self.camera_target != brief.camera_target:
            brief = replace(brief, camera_target=self.camera_target)
            slots.add("movement")
            if self.camera_target and language == "en":
                items.append(self.camera_target)
        items[:] = _one_camera_item(items, dict(self.pins), vocabulary, language,
                                    self.camera_target)
        return brief


def _swap_noun(brief: Brief, new: Noun, vocabulary: Vocabulary, fallback: str) -> str:
    """The subject with its noun swapped and everything around it kept: "two white cats" →
    "two white dogs" (the count, the colour and the rest of the phrase stay)."""
    old = vocabulary.nouns.get(brief.noun)
    forms = [(old.plural, new.plural), (old.word, new.word)] if old else []
    for before, after in forms:
        pattern = rf"\b{re.escape(before)}\b"
        if re.search(pattern, brief.subject, re.IGNORECASE):
            swapped = re.sub(pattern, after, brief.subject, count=1, flags=re.IGNORECASE)
            return re.sub(r"^(a|an)\s+(?=\w)", lambda m: article(swapped.split()[1]) + " ",
                          swapped) if len(swapped.split()) > 1 else swapped
    return fallback


def scan_refinement(text: str, formula, intents: Intents) -> Refinement:
    """The vocabulary choices, relative moves, nouns and cue words in a message."""
    named = _Named({}, [], [], {c for c in intents.cues if _has(text.lower(), c)})
    # "zoom in on her face", "镜头慢慢推近她的脸": a sentence about the camera, read whole
    rest, target = _camera_sentence(text, formula)
    if target is not None:
        named.pins.update(target[1])
    if has_cjk(text):
        _scan_chinese(rest, formula, named)
    else:
        _scan_english(rest, formula.vocabulary, named)
    relative = intents.relatives(text)
    pins = named.pins
    # A relative word ("closer") is also often a vocabulary phrase ("move closer"): the
    # relative move wins, it is what the user meant.
    if relative:
        pins = {s: i for s, i in pins.items() if s != "movement" or "push-in" not in i}
    return Refinement(pins=tuple(sorted(pins.items())), relative=relative,
                      nouns=tuple(named.nouns), subject=_subject_phrase(named.nouns),
                      cues=frozenset(c.lower() for c in named.cues),
                      untranslated=tuple(dict.fromkeys(named.untranslated)),
                      idea=None if relative or (target and not rest.strip(" ,，。"))
                      else _as_idea(text, formula),
                      camera_target=target[0] if target is not None else None)


def _one_camera_item(items: list[str], pins: dict, vocabulary: Vocabulary, language: str,
                     target: str | None) -> list[str]:
    """"a slow orbit around the dancers", not "a slow orbit, slow and around the dancers":
    a move, its pace and its aim said in one English phrase."""
    if language != "en" or "movement" not in pins:
        return items
    move = vocabulary.get("movement", pins["movement"][0])
    named = label(vocabulary, "movement", move.id, language)
    if named not in items:
        return items
    pace = vocabulary.get("pace", pins["pace"][0]) if "pace" in pins else None
    parts = [movement_phrase(move, pace)]
    if pace is not None and move.paced:
        items = [i for i in items if i != label(vocabulary, "pace", pace.id, language)]
    if target and target in items:
        parts.append(target)
        items = [i for i in items if i != target]
    return [" ".join(parts) if i == named else i for i in items]


def _camera_sentence(text: str, formula) -> tuple[str, tuple[str, dict] | None]:
    """(the message without its sentence about the camera, (that sentence's aim in English,
    its pins)), or (the message, None) when it has none. The shot's subject is known, so
    the aim is never read as a new subject."""
    vocabulary = formula.vocabulary
    if has_cjk(text):
        zh = read_camera_sentences_zh(text, vocabulary, subject_known=True)
        if "movement" not in zh.pins:
            return text, None
        aim, _ = camera_aim_in_english(zh, vocabulary, formula.glossary)
        return zh.text, (aim, zh.pins)
    en = read_camera_sentences(text, vocabulary, subject_known=True)
    return (en.text, (en.target, en.pins)) if "movement" in en.pins else (text, None)


@dataclass
class _Named:
    """What a message names, gathered word by word."""

    pins: dict[str, tuple[str, ...]]
    nouns: list[Noun]
    untranslated: list[str]
    cues: set[str]


def _scan_chinese(text: str, formula, named: _Named) -> None:
    """Each clause of a Chinese message, word by word (the glossary segments it)."""
    for clause in re.split(r"[，,。；;！!？?、\s]+", text):
        words = [w for w in formula.glossary.segment(clause) if w.role != "ignore"]
        for i, w in enumerate(words):
            following = words[i + 1] if i + 1 < len(words) else None
            _scan_word(w, following, formula.vocabulary, named)


def _scan_word(w: Word, following: Word | None, vocabulary: Vocabulary,
               named: _Named) -> None:
    """One Chinese word: a camera, scene or look choice, a pace before a camera move
    ("慢慢推近"), a subject, a cue word, or a word no dictionary knows."""
    if w.role in ("camera", "scene"):
        for ref in w.en.split(","):
            slot, _, entry_id = ref.partition(":")
            named.pins[slot] = (entry_id,)
    elif w.role == "look":
        named.pins["look"] = (w.en,)
    elif w.role == "adverb" and w.pace and following is not None and \
            following.en.startswith("movement:"):
        named.pins["pace"] = (w.pace,)
    elif w.role == "subject":
        named.nouns.append(vocabulary.nouns[w.en])
    elif w.role == "cue":
        named.cues.add(w.text)
    elif w.role == "unknown":
        named.untranslated.append(w.text)


def _scan_english(text: str, vocabulary: Vocabulary, named: _Named) -> None:
    """The vocabulary terms of an English message (with the pace before a camera move)
    and its nouns."""
    terms = vocabulary.find_terms(text)
    for term in terms:
        named.pins[term.slot] = term.ids
        pace = vocabulary.pace_before(text[:term.start])
        if term.slot == "movement" and pace:
            named.pins["pace"] = (pace[0],)
    # "add rain": a word that is a vocabulary choice is not a new subject
    named.nouns = [n for n, start, end, _ in vocabulary.find_nouns(text)
                   if n.word not in ("she", "he")
                   and not any(t.start < end and start < t.end for t in terms)]


def _subject_phrase(nouns: list[Noun]) -> str:
    """The English phrase of the last noun named ("a dog"), or "" when none was."""
    if not nouns:
        return ""
    noun = nouns[-1]
    return noun.name or f"{article(noun.word)} {noun.word}"


def _as_idea(text: str, formula) -> Brief | None:
    """The message read as a whole idea, or None when it is none. Unknown words make an
    idea only when there are enough of them to describe something ("blah" is not an idea;
    "grandpa fishing by a lake" is)."""
    try:
        idea = read_idea(text, formula.vocabulary, formula.glossary, rules=formula.rules)
    except InputError:
        return None
    if not idea.noun and (has_cjk(text) or len(text.split()) < 3):
        return None
    return idea
