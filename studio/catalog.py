"""The style presets and music tracks as the chat names them: `Choice` records built once
from the director's libraries (names in both languages, previews)."""

from __future__ import annotations

from dataclasses import dataclass, field

from music.soundtrack import Soundtrack
from studio.messages import Choice
from styles.presets import StyleLibrary


def style_choices_of(library: StyleLibrary | None) -> tuple[list[Choice], dict[str, str]]:
    """The style presets as choices, and the gallery's honest note per language."""
    if library is None:
        return [], {}
    styles = []
    for preset in library.all():
        thumbnail = library.asset(preset, "thumbnail")
        preview = library.asset(preset, "preview")
        styles.append(Choice(
            id=preset.id, names={"en": preset.name_en, "zh": preset.name_zh},
            descriptions={"en": preset.description_en, "zh": preset.description_zh},
            thumbnail=thumbnail if thumbnail.is_file() else None,
            preview=preview if preview.is_file() else None))
    gallery = library.gallery
    note = {lang: f"**{gallery.label(lang)}** · {gallery.note(lang)}" for lang in ("en", "zh")}
    return styles, note


def track_choices_of(soundtrack: Soundtrack | None) -> list[Choice]:
    """The built-in music tracks as choices (their moods as the description)."""
    if soundtrack is None:
        return []
    library = soundtrack.library
    tracks = []
    for track in library.tracks:
        moods = [library.moods[m] for m in track.moods if m in library.moods]
        tracks.append(Choice(
            id=track.id, names={"en": track.title_en, "zh": track.title_zh},
            descriptions={"en": ", ".join(m.name_en for m in moods),
                          "zh": "、".join(m.name_zh for m in moods)},
            preview=track.path))
    return tracks


@dataclass(frozen=True)
class Choices:
    """What the chat and the page can name: styles, tracks and the gallery's honest note."""

    styles: list[Choice] = field(default_factory=list)
    tracks: list[Choice] = field(default_factory=list)
    style_note: dict[str, str] = field(default_factory=dict)  # language → Markdown


def choices_of(styles: StyleLibrary | None, music: Soundtrack | None) -> Choices:
    """The choices the director's libraries offer (none for a library it was built without)."""
    style_list, note = style_choices_of(styles)
    return Choices(styles=style_list, tracks=track_choices_of(music), style_note=note)
