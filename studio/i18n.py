"""The UI's words in English and 简体中文, kept as data in studio/strings.toml.

The file has one table per language with the same keys; values may hold `{name}`
placeholders. `load_strings` checks that every language has every key and the same
placeholders, and names the file, language and key when something is off.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path

import datafiles
from datafiles import AnyText, Schema, fail

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
STRINGS_FILE = Path(__file__).with_name("strings.toml")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(frozen=True)
class Strings:
    """Look-ups of UI text by language and key."""

    table: dict[str, dict[str, str]]

    def text(self, language: str, key: str, **values) -> str:
        """The text for `key` in `language` (English when the language is unknown)."""
        words = self.table.get(language) or self.table[DEFAULT_LANGUAGE]
        template = words[key]
        return template.format(**values) if values else template

    def keys(self) -> list[str]:
        return list(self.table[DEFAULT_LANGUAGE])


class _StringsFile(Schema):
    en: dict[str, AnyText]
    zh: dict[str, AnyText]


def load_strings(path: Path = STRINGS_FILE) -> Strings:
    """Read and check the strings file: every language has [en]'s keys, with the same
    placeholders; DataFileError names the file, the language and the key."""
    data, file = datafiles.load(path, _StringsFile), datafiles.shown(path)
    table = {language: getattr(data, language) for language in LANGUAGES}
    reference = table[DEFAULT_LANGUAGE]
    for language, words in table.items():
        missing = [key for key in reference if key not in words]
        if missing:
            raise fail(file, f"[{language}] '{missing[0]}'", "",
                       f"is missing ([{DEFAULT_LANGUAGE}] has it)")
        for key, text in words.items():
            if key not in reference:
                raise fail(file, f"[{language}] '{key}'", "",
                           f"is not in [{DEFAULT_LANGUAGE}]; every language has its keys")
            if _placeholders(text) != _placeholders(reference[key]):
                raise fail(file, f"[{language}] '{key}'", "",
                           f"has placeholders {sorted(_placeholders(text))}, "
                           f"[{DEFAULT_LANGUAGE}] has {sorted(_placeholders(reference[key]))}")
    return Strings({language: dict(words) for language, words in table.items()})


_LANGUAGE_TAG = re.compile(r"\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?")


def language_from_header(accept_language: str | None) -> str:
    """The UI language a browser asks for in its Accept-Language header ('en' or 'zh')."""
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for part in (accept_language or "").split(",")[:20]:
        match = _LANGUAGE_TAG.fullmatch(part)
        if not match:
            continue
        try:
            q = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        primary = match.group(1).lower()
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best
