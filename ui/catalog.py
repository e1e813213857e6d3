"""What the page offers, read once at start-up: style presets, music tracks, engines, models.

Names, descriptions and preview files are the studio's `Choices` (studio/catalog.py).
"""

from __future__ import annotations

from pathlib import Path

from studio.catalog import Choices
from ui.choices import Catalog


def load_catalog(choices: Choices, default_engine: str) -> Catalog:
    """The page's catalogue: the studio's styles and tracks, the engines and models."""
    from video.engines import ENGINE_NAMES
    from video.engines.registry import load_registry

    models = tuple(info.id for info in load_registry().values())
    return Catalog(styles=choices.styles, tracks=choices.tracks, engines=ENGINE_NAMES, models=models,
                   default_engine=default_engine, style_note=choices.style_note)


def asset_folders(catalog: Catalog) -> list[str]:
    """Folders of the catalogue's preview files, which Gradio may serve."""
    folders = {str(Path(p).resolve().parent) for item in [*catalog.styles, *catalog.tracks]
               for p in (item.thumbnail, item.preview) if p is not None}
    return sorted(folders)
