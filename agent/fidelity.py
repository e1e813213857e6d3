"""The fidelity check: does a prompt still say what the user asked for?

The reading of an idea (agent/reading.py) lists what the user named — subject, count,
colour, place, time, weather, camera terms — as `Facts`, each with the English words that
show it, and what the user excluded. Whoever writes the prompt, the formula or a language
model, its prompt is checked against them before it is used: a prompt that lost the user's
place, count or camera term, or that brings back something the user said "no" to, is not a
faithful prompt."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    """One thing the user asked for and the English words that show it in a prompt."""

    label: str  # what it is, for messages: "the place 'Venice'"
    alternatives: tuple[str, ...]  # any one of them, at a word start, satisfies the fact


@dataclass(frozen=True)
class Facts:
    """Everything a faithful prompt for one idea must and must not say."""

    required: tuple[Fact, ...] = ()
    forbidden: tuple[str, ...] = ()  # what the user excluded ("children"): never in the prompt

    def __bool__(self) -> bool:
        return bool(self.required or self.forbidden)

    def to_state(self) -> dict:
        """A JSON-safe dict (saved with a chat session, for re-checks after refinements)."""
        return {"required": [[f.label, list(f.alternatives)] for f in self.required],
                "forbidden": list(self.forbidden)}

    @classmethod
    def from_state(cls, state: dict | None) -> "Facts":
        """The Facts saved by `to_state` (empty for an old session without them)."""
        state = state or {}
        return cls(required=tuple(Fact(str(label), tuple(str(a) for a in alts))
                                  for label, alts in state.get("required", ())),
                   forbidden=tuple(str(w) for w in state.get("forbidden", ())))


def shows(prompt: str, phrase: str) -> bool:
    """Whether the phrase appears in the prompt at a word start (case-insensitive; spaces,
    hyphens and no space are one: "close-up" = "close up" = "closeup")."""
    words = [re.escape(w) for w in re.split(r"[\s\-]+", phrase.strip()) if w]
    if not words:
        return True
    pattern = r"(?<![\w])" + r"[\s\-]*".join(words)
    return re.search(pattern, prompt, re.IGNORECASE) is not None


def mentions(prompt: str, word: str) -> bool:
    """Whether the word (or its plural) appears in the prompt as a whole word."""
    stem = re.escape(word.strip())
    return re.search(rf"(?<![\w]){stem}(?:s|es)?(?![\w])", prompt, re.IGNORECASE) is not None


def missing(facts: Facts, prompt: str) -> tuple[str, ...]:
    """What the prompt lost or wrongly added, in words a user reads; () when it is faithful."""
    problems = [f"lost {fact.label}" for fact in facts.required
                if not any(shows(prompt, alt) for alt in fact.alternatives)]
    problems += [f"added '{word}', which the idea excludes" for word in facts.forbidden
                 if mentions(prompt, word)]
    return tuple(problems)


_NUMBERS = {"two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
            "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
            "a dozen": "12", "a pair of": "2", "twin": "2", "both": "2"}
_COLOURS = ("red", "orange", "yellow", "green", "blue", "purple", "violet", "pink", "white",
            "black", "grey", "gray", "brown", "golden", "gold", "silver", "crimson", "scarlet",
            "turquoise", "teal", "navy", "beige", "ivory", "emerald", "amber", "indigo")
_WORDS = re.compile(r"[A-Za-z][\w'-]*")
_PLACE_SPLIT = re.compile(r"\b(?:in front of|next to|on top of|in|on|at|by|near|under|inside|"
                          r"beside|along|across|over|through|among|atop|around|outside|"
                          r"beneath|underneath|into|onto|above|below|behind|off|toward|"
                          r"towards|past|and)\b", re.IGNORECASE)
_SMALL = {"a", "an", "the", "of", "some", "empty", "old", "little", "big", "small", "his",
          "her", "their", "my", "our", "its", "this", "that"}
_FACT_SLOTS = ("shot", "angle", "movement", "lens", "speed", "look", "time", "weather")


def facts_of(brief, vocabulary, rules=None) -> Facts:
    """The Facts of a reading (agent.brief.Brief): its subject noun, counts, colours, the
    place words, every camera, time, weather and look choice the user named, and what they
    excluded."""
    target = brief.camera_target
    said = f" {' '.join([brief.subject, brief.action, *brief.details, target]).lower()} "
    required = [*_subject_facts(brief, vocabulary), *_count_facts(said),
                *_colour_facts(said), *_place_facts(brief.place),
                *_choice_facts(brief.pins, vocabulary), *_target_facts(target)]
    seen: set[tuple[str, ...]] = set()
    unique = [f for f in required if not (f.alternatives in seen or seen.add(f.alternatives))]
    forbidden = rules.excluded(brief.avoid) if rules is not None else brief.avoid
    return Facts(required=tuple(unique), forbidden=tuple(forbidden))


def _subject_facts(brief, vocabulary) -> list[Fact]:
    """The subject: a named one by its head word, a vocabulary noun (or its plural), else
    the last content word of the user's own subject."""
    noun = vocabulary.nouns.get(brief.noun)
    if noun is not None and noun.name:
        head = [w for w in _WORDS.findall(noun.name) if w.lower() not in _SMALL][-1:]
        return [Fact(f"the subject '{noun.name}'", tuple(head) or (noun.name,))]
    if noun is not None:
        return [Fact(f"the subject '{noun.word}'", (noun.word, noun.plural))]
    if brief.subject and brief.subject != "the scene":
        words = [w for w in _WORDS.findall(brief.subject) if w.lower() not in _SMALL]
        if words:
            return [Fact(f"the subject '{brief.subject}'", (words[-1],))]
    return []


def _count_facts(said: str) -> list[Fact]:
    """Every count the words say ("two", "a pair of"), shown as the word or its digit."""
    return [Fact(f"the count '{word}'", (word.split()[-1] if word != "a pair of" else "pair",
                                         digit, "two"))
            for word, digit in _NUMBERS.items() if re.search(rf"\b{word}\b", said)]


def _colour_facts(said: str) -> list[Fact]:
    """Every colour the words name."""
    return [Fact(f"the colour '{colour}'", (colour,)) for colour in _COLOURS
            if re.search(rf"\b{colour}\b", said)]


def _place_facts(place: str) -> list[Fact]:
    """Each piece of the user's own place, by its name (a capitalised word) or last word."""
    facts = []
    for chunk in _PLACE_SPLIT.split(place):
        words = [w for w in _WORDS.findall(chunk) if w.lower() not in _SMALL]
        if words:
            capitalised = [w for w in words if w[0].isupper()]
            key = capitalised[-1] if capitalised else words[-1]
            facts.append(Fact(f"the place '{chunk.strip()}'", (key,)))
    return facts


def _target_facts(target: str) -> list[Fact]:
    """What the user aimed the camera at ("on her face"): its last word that names a thing."""
    words = [w for w in _WORDS.findall(target) if w.lower() not in _SMALL | _AIM_VERBS
             and not _PLACE_SPLIT.fullmatch(w)]
    return [Fact(f"where the camera moves '{target}'", (words[-1],))] if words else []


_AIM_VERBS = {"to", "reveal", "reveals", "revealing", "follow", "following", "show", "showing",
              "him", "them", "it", "us", "me", "you", "side", "left", "right", "closer"}


def _choice_facts(pins, vocabulary) -> list[Fact]:
    """Every camera, time, weather and look choice the user named, shown by any of its
    entries' words."""
    facts = []
    for slot, ids in pins:
        if slot not in _FACT_SLOTS:
            continue
        entries = [vocabulary.get(slot, i) for i in ids]
        alternatives = [p for e in entries for p in (*e.match, e.en, e.noun) if p]
        if alternatives:
            named = entries[0].match[0] if entries[0].match else entries[0].en
            facts.append(Fact(f"the {slot} '{named}'", tuple(dict.fromkeys(alternatives))))
    return facts
