"""The fidelity set of `python -m bench agent`: its cases, read and checked from
bench/agent_ideas.toml (and the held-out sets), and `score`, the whole rule a prompt is
judged by.

Each [[idea]] is an idea as a new user types it (English or Chinese) and what a faithful
English prompt must contain (each `must` group: one of its alternatives) and must not
contain, or `ask = true` when the only honest answer is a question back to the user.
bench/README.md ("Agent fidelity") says how a case is scored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

import datafiles
from datafiles import AnyText, Flag, Invalid, Schema, Text, fail, one_of, some

IDEAS_FILE = Path(__file__).with_name("agent_ideas.toml")
LANGS = ("en", "zh")
CLASSES = ("zh-compound", "place", "landmark", "count", "colour", "action", "action-energy",
           "subject-kind", "relation", "camera", "camera-target", "camera-pace", "time-light",
           "weather", "style", "occasion",
           "feeling", "negation", "unknown", "long", "refine-free")

# Chinese text in a prompt: CJK ideographs (and their extensions and compatibility forms),
# CJK symbols and punctuation, full-width forms. Every prompt must be English.
_CHINESE = re.compile("[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff"
                      "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2019": "'", "\u2018": "'"})


@dataclass(frozen=True)
class Case:
    """One idea and what a faithful prompt for it must and must not hold."""

    number: int  # 1-based position in the file, for messages
    idea: str
    lang: str
    classes: tuple[str, ...]
    must: tuple[tuple[str, ...], ...] = ()
    must_not: tuple[str, ...] = ()
    ask: bool = False


# ------------------------------------------------------------------------------ the set

def _word(word: str) -> str:
    if not word.strip():
        raise ValueError("an empty word")
    if word != word.strip():
        raise ValueError(f"{word!r} has spaces around it")
    return word


def _english(word: str) -> str:
    if _CHINESE.search(word):
        raise ValueError(f"{word!r} is not English (prompts are English)")
    return word


def _unique(classes: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(classes)) != len(classes):
        raise ValueError("a class is listed twice")
    return classes


_Word = Annotated[AnyText, AfterValidator(_word)]
_Group = Annotated[tuple[Annotated[_Word, AfterValidator(_english)], ...], Field(min_length=1)]


class _Idea(Schema):
    """One [[idea]]: what a faithful prompt must hold (each group: one of its alternatives)
    and must not, or `ask = true` when the honest answer is a question."""

    idea: Text
    lang: one_of(*LANGS)
    classes: Annotated[some(one_of(*CLASSES)), AfterValidator(_unique)]
    must: tuple[_Group, ...] = ()
    must_not: tuple[_Word, ...] = ()
    ask: Flag = False

    @model_validator(mode="after")
    def _consistent(self):
        if (self.lang == "zh") != bool(_CHINESE.search(self.idea)):
            raise Invalid(f"is {self.lang!r} but the idea "
                          f"{'has no' if self.lang == 'zh' else 'has'} Chinese in it", "lang")
        self._check_ask()
        for number, group in enumerate(self.must, 1):
            # A group every alternative of which holds a forbidden word can never pass.
            if all(_forbidden(alternative, self.must_not) for alternative in group):
                raise Invalid(f"group {number} {list(group)} cannot pass: every alternative "
                              f"holds a must_not word", "must")
        return self

    def _check_ask(self) -> None:
        """An ask case has the class 'unknown' and nothing a prompt must hold; any other
        case says what its prompt must hold."""
        if self.ask and (self.must or self.must_not):
            raise Invalid("an 'ask' case has no 'must' or 'must_not'", "ask")
        if self.ask and "unknown" not in self.classes:
            raise Invalid("an 'ask' case has the class 'unknown'", "classes")
        if not self.ask and not self.must:
            raise Invalid("is empty (give what the prompt must hold, or ask = true)", "must")
        if not self.ask and "unknown" in self.classes:
            raise Invalid("class 'unknown' is for 'ask = true' cases", "classes")


class _IdeasFile(Schema):
    idea: some(_Idea)


def load_cases(path: Path | str = IDEAS_FILE) -> list[Case]:
    """The cases of the ideas file, checked; DataFileError names the bad entry and key."""
    path = Path(path)
    cases, seen = [], {}
    for number, entry in enumerate(datafiles.load(path, _IdeasFile).idea, 1):
        key = entry.idea.strip().casefold()
        if key in seen:
            raise fail(datafiles.shown(path), datafiles.entry_name("idea", number, dict(entry)),
                       "idea", f"the same idea as #{seen[key]}")
        seen[key] = number
        cases.append(Case(number=number, idea=entry.idea, lang=entry.lang,
                          classes=entry.classes, must=entry.must, must_not=entry.must_not,
                          ask=entry.ask))
    return cases


# ------------------------------------------------------------------------------ scoring

def _normal(text: str) -> str:
    return text.translate(_HYPHENS).casefold()


def _must_pattern(alternative: str) -> re.Pattern:
    # At the start of a word: "puddle" matches "puddles", "sleep" not "asleep". An
    # alternative ending in a digit ends a word too: "2" does not match "24fps" or "2D".
    tail = "(?![0-9a-z])" if alternative[-1:].isdigit() else ""
    return re.compile(r"(?<![0-9a-z])" + re.escape(_normal(alternative)) + tail)


def _not_pattern(word: str) -> re.Pattern:
    return re.compile(r"(?<![0-9a-z])" + re.escape(_normal(word)) + r"(?![0-9a-z])")


def has(prompt: str, alternative: str) -> bool:
    """Whether a must alternative appears in the prompt, at the start of a word."""
    return bool(_must_pattern(alternative).search(_normal(prompt)))


def has_word(prompt: str, word: str) -> bool:
    """Whether a must_not word or phrase appears in the prompt as whole words."""
    return bool(_not_pattern(word).search(_normal(prompt)))


def _forbidden(alternative: str, must_not: list[str]) -> bool:
    return any(has_word(alternative, word) for word in must_not)


def score(case: Case, outcome: str | BaseException) -> list[str]:
    """Why the case fails on one rewrite, empty when it passes.

    `outcome` is the prompt, or the exception the rewriter raised: an `errors.InputError`
    means it asked the user instead of writing a prompt (right for `ask` cases only).
    """
    from errors import InputError

    if isinstance(outcome, BaseException):
        asked = isinstance(outcome, InputError)
        if case.ask:
            return [] if asked else [f"crashed instead of asking: "
                                     f"{type(outcome).__name__}: {outcome}"]
        if asked:
            return [f"asked instead of writing a prompt: {outcome}"]
        return [f"crashed: {type(outcome).__name__}: {outcome}"]
    prompt = outcome
    if case.ask:
        return ["wrote a prompt instead of asking the user"]
    reasons = []
    if not prompt.strip():
        reasons.append("the prompt is empty")
    for group in case.must:
        if not any(has(prompt, alt) for alt in group):
            reasons.append("missing: " + " | ".join(group))
    unwanted = [word for word in case.must_not if has_word(prompt, word)]
    if unwanted:
        reasons.append("should not be there: " + ", ".join(unwanted))
    chinese = "".join(dict.fromkeys(_CHINESE.findall(prompt)))
    if chinese:
        reasons.append(f"Chinese in the prompt: {chinese[:20]}")
    return reasons
