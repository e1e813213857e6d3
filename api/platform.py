"""The platform mapping (api/platform.toml), read and checked on load.

Errors name the file and the key, so a non-programmer editing the file sees what to fix.
"""

from __future__ import annotations

import re
from files import read_toml
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PLATFORM_FILE = Path(__file__).with_name("platform.toml")
_SIZE = re.compile(r"^(\d{2,5})x(\d{2,5})$")


class PlatformFileError(ValueError):
    """platform.toml is malformed; the message names the key."""


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int
    max_image_bytes: int
    image_fetch_timeout_s: float
    image_fetch_max_redirects: int
    requests_per_minute: int


@dataclass(frozen=True)
class PlatformRules:
    """How request fields map onto Clipwright's spec and render options."""

    model_aliases: frozenset[str]
    ignored_fields: frozenset[str]
    photo_only_idea: str
    max_prompt_chars: int
    qualities: tuple[str, ...]
    min_duration_s: float
    max_duration_s: float
    sizes: dict[str, int]  # "WxH" → upscale factor
    fps: dict[int, int]  # asked → finished frame rate
    limits: Limits


def _need(data: dict, key: str, kind, where: str):
    if key not in data:
        raise PlatformFileError(f"{PLATFORM_FILE.name}: {where}'{key}' is missing")
    value = data[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise PlatformFileError(f"{PLATFORM_FILE.name}: {where}'{key}' must be "
                                f"{getattr(kind, '__name__', kind)}, got {value!r}")
    return value


def _positive_ints(table: dict, name: str) -> None:
    for key, value in table.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise PlatformFileError(f"{PLATFORM_FILE.name}: [{name}] '{key}' must be a "
                                    f"positive whole number, got {value!r}")


def parse_rules(data: dict) -> PlatformRules:
    """Check a parsed platform.toml and build the rules."""
    sizes = _need(data, "sizes", dict, "")
    _positive_ints(sizes, "sizes")
    for size in sizes:
        if not _SIZE.match(size):
            raise PlatformFileError(f"{PLATFORM_FILE.name}: [sizes] '{size}' must read "
                                    f"WIDTHxHEIGHT")
    fps = _need(data, "fps", dict, "")
    _positive_ints(fps, "fps")
    for asked in fps:
        if not asked.isdigit():
            raise PlatformFileError(f"{PLATFORM_FILE.name}: [fps] key '{asked}' must be a number")
    limits = _need(data, "limits", dict, "")
    rules = PlatformRules(
        model_aliases=frozenset(_need(data, "model_aliases", list, "")),
        ignored_fields=frozenset(_need(data, "ignored_fields", list, "")),
        photo_only_idea=_need(data, "photo_only_idea", str, ""),
        max_prompt_chars=_need(data, "max_prompt_chars", int, ""),
        qualities=tuple(_need(data, "qualities", list, "")),
        min_duration_s=_need(data, "min_duration_s", float, ""),
        max_duration_s=_need(data, "max_duration_s", float, ""),
        sizes=dict(sizes),
        fps={int(k): v for k, v in fps.items()},
        limits=Limits(
            max_body_bytes=_need(limits, "max_body_bytes", int, "[limits] "),
            max_image_bytes=_need(limits, "max_image_bytes", int, "[limits] "),
            image_fetch_timeout_s=_need(limits, "image_fetch_timeout_s", float, "[limits] "),
            image_fetch_max_redirects=_need(limits, "image_fetch_max_redirects", int, "[limits] "),
            requests_per_minute=_need(limits, "requests_per_minute", int, "[limits] ")))
    known = {"model_aliases", "ignored_fields", "photo_only_idea", "max_prompt_chars", "qualities",
             "min_duration_s", "max_duration_s", "sizes", "fps", "limits"}
    if unknown := set(data) - known:
        raise PlatformFileError(f"{PLATFORM_FILE.name}: unknown key(s) {sorted(unknown)}")
    if not 0 < rules.min_duration_s <= rules.max_duration_s:
        raise PlatformFileError(f"{PLATFORM_FILE.name}: need 0 < min_duration_s <= max_duration_s")
    return rules


@cache
def load_rules(path: Path = PLATFORM_FILE) -> PlatformRules:
    """The rules from platform.toml (read once per process)."""
    return parse_rules(read_toml(path, PlatformFileError))
