"""The one check of what a user types as an idea or a prompt, shared by every door: the
chat (studio/session.py), `python app.py rewrite` and `generate`, and the REST API (with its own
length from api/platform.toml).

Text is taken as it is or refused with one clear sentence in the user's language — never
cut without a word. Refused: empty text, text over the limit, control characters (other
than tabs and line breaks), invisible text-direction overrides (they make a title read
differently from what it says) and lone surrogates (left by bytes that are not UTF-8; they
would break the database and every JSON answer). Right-to-left scripts, emoji, HTML and
any other text are data: pages escape them where they show them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import datafiles
from agent.vocabulary import DATA_DIR
from datafiles import Schema, between, template
from errors import InputError

LIMITS_FILE = DATA_DIR / "limits.toml"
LANGUAGES = ("en", "zh")
WHATS = ("idea", "prompt")
# The reasons, in the order text is checked: a broken character first (such text cannot even
# be shown back), then the length (a huge paste is the mistake to fix first).
REASONS = ("broken", "too_long", "control", "direction", "empty")
_PLACEHOLDERS = {"what", "length", "limit", "code"}
_BAD = {
    "broken": re.compile("[\ud800-\udfff]"),
    # C0 and C1 control characters, except tab, line feed and carriage return.
    "control": re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"),
    # Embeddings, overrides and isolates; the plain marks U+200E/U+200F stay allowed.
    "direction": re.compile("[\u202a-\u202e\u2066-\u2069]"),
}


class TextRejected(InputError):
    """An idea or prompt a door does not take; `reason` is one of REASONS."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class TextLimits:
    """agent/data/limits.toml: the longest idea, and the messages per language."""

    max_idea_chars: int
    what: dict[str, dict[str, str]]  # language → "idea"/"prompt" → the word for it
    messages: dict[str, dict[str, str]]  # language → reason → sentence

    def say(self, language: str, reason: str, what: str, **values) -> str:
        language = language if language in self.messages else "en"
        return self.messages[language][reason].format(what=self.what[language][what], **values)


_Sentence = template(*_PLACEHOLDERS)


class _What(Schema):
    idea: _Sentence
    prompt: _Sentence


class _Messages(Schema):
    broken: _Sentence
    too_long: _Sentence
    control: _Sentence
    direction: _Sentence
    empty: _Sentence


class _PerLanguage(Schema):
    en: _What
    zh: _What


class _MessagesPerLanguage(Schema):
    en: _Messages
    zh: _Messages


class _LimitsFile(Schema):
    max_idea_chars: between(1, whole=True)
    what: _PerLanguage
    messages: _MessagesPerLanguage


def load_limits(path: Path = LIMITS_FILE) -> TextLimits:
    """Read and check limits.toml; DataFileError names the table and key at fault."""
    data = datafiles.load(path, _LimitsFile)
    return TextLimits(max_idea_chars=data.max_idea_chars,
                      what={language: dict(getattr(data.what, language))
                            for language in LANGUAGES},
                      messages={language: dict(getattr(data.messages, language))
                                for language in LANGUAGES})


@cache
def default_limits() -> TextLimits:
    """The limits of agent/data/limits.toml, read once per process."""
    return load_limits()


def first_bad_character(text: str) -> tuple[str, str] | None:
    """(reason, "U+XXXX") for the first character no door takes, or None."""
    found = []
    for reason, pattern in _BAD.items():
        match = pattern.search(text)
        if match:
            found.append((match.start(), reason, f"U+{ord(match.group()):04X}"))
    if not found:
        return None
    # A broken character outranks the rest wherever it is; else the earliest wins.
    broken = [item for item in found if item[1] == "broken"]
    _, reason, code = (broken or sorted(found))[0]
    return reason, code


def check_text(text: str, *, what: str = "idea", language: str = "en",
               limit: int | None = None, allow_empty: bool = False,
               limits: TextLimits | None = None) -> str:
    """The text with its outer whitespace removed, when a door may take it; TextRejected
    (an InputError: CLI exit 2, HTTP 400, a chat message) saying why otherwise.

    what: "idea" or "prompt" (the word the message uses); limit: the most characters
    (default: max_idea_chars); allow_empty: for a door that has a photo instead."""
    limits = limits or default_limits()
    limit = limits.max_idea_chars if limit is None else limit
    if not isinstance(text, str):
        raise TypeError(f"check_text takes text, not {type(text).__name__}")
    problem = first_bad_character(text)
    if problem is not None and problem[0] == "broken":
        raise TextRejected("broken", limits.say(language, "broken", what, code=problem[1]))
    stripped = text.strip()
    if len(stripped) > limit:
        raise TextRejected("too_long", limits.say(language, "too_long", what,
                                                  length=len(stripped), limit=limit))
    if problem is not None:
        reason, code = problem
        raise TextRejected(reason, limits.say(language, reason, what, code=code))
    if not stripped and not allow_empty:
        raise TextRejected("empty", limits.say(language, "empty", what))
    return stripped
