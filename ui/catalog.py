"""What the page offers, read once at start-up: style presets, music tracks, engines, models.

Names, descriptions and preview files come from the styles/ and music/ libraries the
director holds, turned into the UI's own small `Choice` records.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from studio.messages import Choice

if TYPE_CHECKING:  # ui.page imports Gradio; the share pages use the choices without it
    from ui.page import Catalog


def style_choices_of(library) -> tuple[list[Choice], dict[str, str]]:
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


def track_choices_of(soundtrack) -> list[Choice]:
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


def load_catalog(app, default_engine: str) -> Catalog:
    """The catalogue for app.py's App."""
    from ui.page import Catalog
    from video.engines import ENGINE_NAMES
    from video.engines.registry import load_registry

    styles, note = style_choices_of(getattr(app.director, "styles", None))
    tracks = track_choices_of(getattr(app.director, "music", None))
    models = tuple(info.id for info in load_registry().values())
    return Catalog(styles=styles, tracks=tracks, engines=ENGINE_NAMES, models=models,
                   default_engine=default_engine, style_note=note)


def asset_folders(catalog: Catalog) -> list[str]:
    """Folders of the catalogue's preview files, which Gradio may serve."""
    folders = {str(Path(p).resolve().parent) for item in [*catalog.styles, *catalog.tracks]
               for p in (item.thumbnail, item.preview) if p is not None}
    return sorted(folders)
