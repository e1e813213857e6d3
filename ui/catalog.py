"""What the page offers, read once at start-up: style presets, music tracks, engines, models."""

from __future__ import annotations

from ui.page import Catalog


def load_catalog(app, default_engine: str) -> Catalog:
    """The catalogue for app.py's App: names and previews in both languages."""
    from video.engines import ENGINE_NAMES
    from video.engines.registry import load_registry

    models = tuple(info.id for info in load_registry().values())
    return Catalog(styles=[], tracks=[], engines=ENGINE_NAMES, models=models,
                   default_engine=default_engine)
