"""The parts every command needs, made once from a process's settings: the engines, the
style and music libraries and the director (`build`); nothing here opens a data folder or
loads a model. studio/services.py opens a data folder on top of them; a cluster's render
worker (studio/render_worker.py) builds its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from agent.rewriter import FormulaRewriter, rewriter_from_env
from music.soundtrack import Soundtrack
from studio.director import Director
from studio.runner import ClusterOptions
from styles.presets import StyleLibrary
from video.engines.base import EngineSettings
from video.engines.cloud import DEFAULT_BASE_URL
from video.engines.pool import EnginePool


@dataclass(frozen=True)
class Settings:
    """What a process is configured with, from flags and the environment (app.py)."""

    data_dir: Path
    engines: EngineSettings
    env: Mapping[str, str] | None = None  # CLIPWRIGHT_LLM_* …; None: this process's
    music: bool = True  # False: silent videos, no selector model to load
    slots: int = 1  # jobs rendered at once
    public_url: str = ""  # the address share links use, when behind a proxy
    cluster: ClusterOptions | None = None  # render on a Ray cluster (serve --cluster)


@dataclass
class Parts:
    """What every command uses; nothing here touches the data folder."""

    settings: Settings
    engines: EnginePool
    styles: StyleLibrary
    music: Soundtrack | None
    director: Director


def build(settings: Settings, *, director: Director | None = None) -> Parts:
    """The engines, libraries and director (nothing loads a model yet). A test may hand in
    its own director; its libraries are then the ones used."""
    if director is None:
        engines = EnginePool(settings.engines)
        styles = StyleLibrary.load()
        music = Soundtrack() if settings.music else None
        director = Director(engines, rewriter=rewriter_for(settings,
                                                           settings.engines.cloud_api_key),
                            styles=styles, music=music)
    return Parts(settings=settings, engines=director.engines, styles=director.styles,
                 music=director.music, director=director)


def rewriter_for(settings: Settings, platform_key: str | None,
                 formula: FormulaRewriter | None = None):
    """The prompt rewriter the environment asks for; when it names no model, the platform
    key kept for rendering (`platform_key`) brings Zhipu's chat model (agent/rewriter.py).
    Only Zhipu's own platform is assumed to serve one: a key for another platform
    (CLIPWRIGHT_CLOUD_BASE_URL, e.g. a second Clipwright) renders, the formula writes."""
    own_platform = settings.engines.cloud_base_url in (None, "", DEFAULT_BASE_URL)
    return rewriter_from_env(os.environ if settings.env is None else settings.env, formula,
                             platform_key=platform_key if own_platform else None)
