"""The platform mapping (api/platform.toml), read and checked on load.

Errors name the file and the key, so a non-programmer editing the file sees what to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, model_validator

import datafiles
from agent.limits import default_limits
from datafiles import AnyText, Invalid, Number, Schema, Texts, Whole, between

PLATFORM_FILE = Path(__file__).with_name("platform.toml")
_SIZE = re.compile(r"^(\d{2,5})x(\d{2,5})$")


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int
    max_image_bytes: int
    image_fetch_timeout_s: float
    image_fetch_max_redirects: int
    requests_per_minute: int
    failed_keys_per_minute: int  # per client address; more answer 429 until a minute passes


@dataclass(frozen=True)
class PlatformRules:
    """How request fields map onto Clipwright's spec and render options."""

    model_aliases: frozenset[str]
    ignored_fields: frozenset[str]
    photo_only_idea: str
    max_prompt_chars: int  # agent/data/limits.toml's max_idea_chars: one limit, every door
    qualities: tuple[str, ...]
    min_duration_s: float
    max_duration_s: float
    sizes: dict[str, int]  # "WxH" → upscale factor
    fps: dict[int, int]  # asked → finished frame rate
    limits: Limits


def _size(size: str) -> str:
    if not _SIZE.match(size):
        raise ValueError("must read WIDTHxHEIGHT")
    return size


def _frame_rate(asked: str) -> str:
    if not asked.isdigit():
        raise ValueError("must be a number")
    return asked


_Positive = between(1, whole=True)


class _LimitsTable(Schema):
    max_body_bytes: Whole
    max_image_bytes: Whole
    image_fetch_timeout_s: Number
    image_fetch_max_redirects: Whole
    requests_per_minute: Whole
    failed_keys_per_minute: _Positive


class _PlatformFile(Schema):
    """platform.toml."""

    model_aliases: Texts
    ignored_fields: Texts
    photo_only_idea: AnyText
    qualities: Texts
    min_duration_s: Number
    max_duration_s: Number
    sizes: dict[Annotated[str, AfterValidator(_size)], _Positive]  # "WxH" → upscale factor
    fps: dict[Annotated[str, AfterValidator(_frame_rate)], _Positive]  # asked → finished
    limits: _LimitsTable

    @model_validator(mode="after")
    def _durations_in_order(self):
        if not 0 < self.min_duration_s <= self.max_duration_s:
            raise Invalid("need 0 < min_duration_s <= max_duration_s", "min_duration_s")
        return self


@cache
def load_rules(path: Path = PLATFORM_FILE) -> PlatformRules:
    """The rules from platform.toml (read once per process); DataFileError names the key
    at fault."""
    rules = datafiles.load(path, _PlatformFile)
    limits = rules.limits
    return PlatformRules(
        model_aliases=frozenset(rules.model_aliases),
        ignored_fields=frozenset(rules.ignored_fields),
        photo_only_idea=rules.photo_only_idea, max_prompt_chars=default_limits().max_idea_chars,
        qualities=rules.qualities, min_duration_s=float(rules.min_duration_s),
        max_duration_s=float(rules.max_duration_s), sizes=dict(rules.sizes),
        fps={int(k): v for k, v in rules.fps.items()},
        limits=Limits(max_body_bytes=limits.max_body_bytes,
                      max_image_bytes=limits.max_image_bytes,
                      image_fetch_timeout_s=float(limits.image_fetch_timeout_s),
                      image_fetch_max_redirects=limits.image_fetch_max_redirects,
                      requests_per_minute=limits.requests_per_minute,
                      failed_keys_per_minute=limits.failed_keys_per_minute))
