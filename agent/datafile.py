"""Checking the agent's data files: reading TOML and reporting a bad entry by file, entry
and key, so a non-programmer who edits a vocabulary sees exactly what to fix."""

from __future__ import annotations

import string
from pathlib import Path

import files

# The kinds of value a key may hold, named as the error messages say them.
TEXT, NUMBER, FLAG, TEXTS, WHOLE = "text", "number", "true/false", "list of texts", "whole number"


class DataFileError(ValueError):
    """A vocabulary or glossary file is malformed; the message names file, entry and key."""


def read_toml(path: Path) -> dict:
    """A TOML file's tables; DataFileError when it is missing or not TOML."""
    return files.read_toml(path, DataFileError, shown=display_name(path))


def display_name(path: Path) -> str:
    """The path as a user would look for it (agent/data/x.toml)."""
    parts = Path(path).parts
    return "/".join(parts[-3:]) if len(parts) >= 3 else str(path)


def reject_unknown_keys(path: Path, where: str, table: dict, allowed: set[str]) -> None:
    """DataFileError naming the first key of `table` that is not `allowed` (a typo)."""
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise DataFileError(f"{display_name(path)}: {where}: unknown key '{unknown[0]}' "
                            f"(allowed: {', '.join(sorted(allowed))})")


def check_type(path: Path, where: str, key: str, value, expected: str):
    """The value (lists as tuples) when it is of the expected kind, else DataFileError."""
    ok = {
        TEXT: isinstance(value, str) and bool(value.strip()),
        NUMBER: isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0,
        WHOLE: isinstance(value, int) and not isinstance(value, bool),
        FLAG: isinstance(value, bool),
        TEXTS: isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value),
    }[expected]
    if not ok:
        raise DataFileError(f"{display_name(path)}: {where}: key '{key}' must be a {expected}"
                            f"{' (not empty)' if expected == TEXT else ''}; got {value!r}")
    return tuple(value) if expected == TEXTS else value


def check_placeholders(path: Path, where: str, text: str, allowed: set[str]) -> None:
    """DataFileError for a {placeholder} the code does not fill."""
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError as exc:
        raise DataFileError(f"{display_name(path)}: {where}: broken braces in {text!r}") from exc
    unknown = sorted(names - allowed)
    if unknown:
        raise DataFileError(f"{display_name(path)}: {where}: unknown placeholder "
                            f"'{{{unknown[0]}}}' in {text!r} "
                            f"(allowed: {', '.join(sorted(allowed))})")
