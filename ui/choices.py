"""What the page offers (`Catalog`) and how its dropdowns and gallery list it in a language:
(label, value) pairs for Gradio's choices. No Gradio here: the share pages and the
catalogue reader use these without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from studio.i18n import Strings
from studio.messages import Choice
from video.shape import ASPECTS, AUTO

DURATIONS_S = (2, 4, 6, 10)


@dataclass(frozen=True)
class Catalog:
    """What the page offers: styles, tracks, engines and models."""

    styles: list[Choice] = field(default_factory=list)
    tracks: list[Choice] = field(default_factory=list)
    engines: tuple[str, ...] = ("auto",)
    models: tuple[str, ...] = ()
    default_engine: str = "auto"
    style_note: dict[str, str] = field(default_factory=dict)  # language → gallery note



def style_choices(strings: Strings, language: str, styles: list[Choice]) -> list[tuple]:
    return [(strings.text(language, "style_none"), "")] + \
        [(style.name(language), style.id) for style in styles]


def music_choices(strings: Strings, language: str, tracks: list[Choice]) -> list[tuple]:
    return [(strings.text(language, "music_auto"), "auto"),
            (strings.text(language, "music_none"), "none")] + \
        [(track.name(language), track.id) for track in tracks]


def model_choices(strings: Strings, language: str, models: tuple[str, ...]) -> list[tuple]:
    return [(strings.text(language, "model_default"), "")] + [(m, m) for m in models]


def aspect_choices(strings: Strings, language: str) -> list[tuple]:
    """"Auto" then every aspect video/shape.py offers, each with a word on its use."""
    return [(strings.text(language, "aspect_auto"), AUTO)] + \
        [(f"{aspect} · {strings.text(language, 'aspect_' + aspect.replace(':', 'x'))}", aspect)
         for aspect in ASPECTS]


def duration_choices(strings: Strings, language: str) -> list[tuple]:
    unit = "秒" if language == "zh" else "s"
    return [(strings.text(language, "duration_default"), 0)] + \
        [(f"{seconds} {unit}", seconds) for seconds in DURATIONS_S]


def style_gallery(catalog: Catalog, language: str) -> list[tuple[str, str]]:
    """(thumbnail, name) of every style with a thumbnail, in the catalogue's order."""
    return [(str(s.thumbnail), s.name(language)) for s in catalog.styles if s.thumbnail]
