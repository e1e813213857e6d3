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


def table_list(path: Path, raw: dict, key: str) -> list[dict]:
    """The [[key]] tables of a file; DataFileError when there are none or one is no table."""
    items = raw.get(key)
    if not isinstance(items, list) or not items:
        raise DataFileError(f"{display_name(path)}: needs at least one [[{key}]] entry")
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise DataFileError(f"{display_name(path)}: [[{key}]] entry {number} is not a table")
    return items


def checked_entry(path: Path, where: str, table: dict, required: dict[str, str],
                  optional: dict[str, str]) -> dict:
    """A table's values, each checked for its kind (lists as tuples): every `required` key
    must be there, an `optional` one may be, any other key is an error."""
    reject_unknown_keys(path, where, table, set(required) | set(optional))
    values = {k: check_type(path, where, k, table.get(k), kind) for k, kind in required.items()}
    values.update({k: check_type(path, where, k, table[k], kind)
                   for k, kind in optional.items() if k in table})
    return values
