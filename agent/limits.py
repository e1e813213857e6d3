"""The one set of input limits every door applies — the chat and the page (studio/), the
CLI (`python app.py rewrite` and `generate`) and the REST API (api/) — read from one data
file, agent/data/limits.toml: ideas and prompts (`check_text`), the shot's camera, scene and
details parts and its seed (`check_shot`, `check_seed`), and the ids an API caller labels a
task with (`check_label`).

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
from agent.shot import ShotSpec
from agent.vocabulary import DATA_DIR
from datafiles import Schema, between, template
from errors import InputError

LIMITS_FILE = DATA_DIR / "limits.toml"
LANGUAGES = ("en", "zh")
WHATS = ("idea", "prompt", "camera", "scene", "details", "request_id", "user_id")
SHOT_FIELDS = ("camera", "scene", "details")  # the parts of a shot a user may edit
# The reasons, in the order text is checked: a broken character first (such text cannot even
# be shown back), then the length (a huge paste is the mistake to fix first).
REASONS = ("broken", "too_long", "control", "direction", "empty")
_PLACEHOLDERS = {"what", "length", "limit", "code", "value"}
_BAD = {
    "broken": re.compile("[\ud800-\udfff]"),
    # C0 and C1 control characters, except tab, line feed and carriage return.
    "control": re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"),
    # Embeddings, overrides and isolates; the plain marks U+200E/U+200F stay allowed.
    "direction": re.compile("[\u202a-\u202e\u2066-\u2069]"),
}


class TextRejected(InputError):
    """Text a door does not take; `reason` is one of REASONS, or "seed" for a seed."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class TextLimits:
    """agent/data/limits.toml: the longest idea and shot part, the seeds taken, and the
    messages per language."""

    max_idea_chars: int
    max_field_chars: int
    max_seed: int
    what: dict[str, dict[str, str]]  # language → one of WHATS → the word for it
    messages: dict[str, dict[str, str]]  # language → reason → sentence

    def say(self, language: str, reason: str, what: str, **values) -> str:
        language = language if language in self.messages else "en"
        return self.messages[language][reason].format(what=self.what[language][what], **values)


_Sentence = template(*_PLACEHOLDERS)


class _What(Schema):
    idea: _Sentence
    prompt: _Sentence
    camera: _Sentence
    scene: _Sentence
    details: _Sentence
    request_id: _Sentence
    user_id: _Sentence


class _Messages(Schema):
    broken: _Sentence
    too_long: _Sentence
    control: _Sentence
    direction: _Sentence
    empty: _Sentence
    seed: _Sentence


class _PerLanguage(Schema):
    en: _What
    zh: _What


class _MessagesPerLanguage(Schema):
    en: _Messages
    zh: _Messages


class _LimitsFile(Schema):
    max_idea_chars: between(1, whole=True)
    max_field_chars: between(1, whole=True)
    max_seed: between(0, 2**63 - 1, whole=True)
    what: _PerLanguage
    messages: _MessagesPerLanguage


def load_limits(path: Path = LIMITS_FILE) -> TextLimits:
    """Read and check limits.toml; DataFileError names the table and key at fault."""
    data = datafiles.load(path, _LimitsFile)
    return TextLimits(max_idea_chars=data.max_idea_chars,
                      max_field_chars=data.max_field_chars, max_seed=data.max_seed,
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


def check_label(text: str | None, *, what: str, language: str = "en",
                limits: TextLimits | None = None) -> str | None:
    """An id a caller labels something with (the API's request_id and user_id), refused
    for the same characters as an idea (control, text-direction, broken); its length is
    the door's to check."""
    if text is None:
        return None
    limits = limits or default_limits()
    problem = first_bad_character(text)
    if problem is not None:
        reason, code = problem
        raise TextRejected(reason, limits.say(language, reason, what, code=code))
    return text


def check_seed(seed: object, *, language: str = "en",
               limits: TextLimits | None = None) -> int | None:
    """The seed when a render can take it (None: a random one is drawn later); TextRejected
    (reason "seed") for anything but a whole number from 0 to max_seed."""
    if seed is None:
        return None
    limits = limits or default_limits()
    whole = isinstance(seed, int) and not isinstance(seed, bool)
    if not whole or not 0 <= seed <= limits.max_seed:
        shown = seed if whole else repr(seed)
        raise TextRejected("seed", limits.say(language, "seed", "idea", limit=limits.max_seed,
                                              value=shown))
    return seed


def check_shot(spec: ShotSpec, *, language: str = "en",
               limits: TextLimits | None = None) -> ShotSpec:
    """The spec, when every door may render it: its idea as `check_text` takes it (empty
    only with a photo), its camera, scene and details parts at most max_field_chars each
    and free of the characters an idea may not hold, and its seed within range."""
    limits = limits or default_limits()
    check_text(spec.idea, what="idea", language=language, limits=limits,
               allow_empty=spec.source_image is not None)
    for name in SHOT_FIELDS:
        check_text(getattr(spec, name), what=name, language=language, allow_empty=True,
                   limit=limits.max_field_chars, limits=limits)
    check_seed(spec.seed, language=language, limits=limits)
    return spec
