"""One way to wire the application: `build(settings)` makes the parts every command needs
(engines, styles, music, the director); `open_services(parts)` opens a data folder on top of
them (database, stores, keys, the job queue and the browser sessions) and runs the start-up
sweeps once. app.py, the browser server and the API all start here.

    parts = build(Settings(data_dir=..., engines=EngineSettings(...)))
    services = open_services(parts)   # the data folder: created, swept, the queue not started
    services.start()                  # the job workers (takes the folder's job lock)
    ...
    services.close()
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from agent.rewriter import rewriter_from_env
from music.soundtrack import Soundtrack
from store.creations import CreationStore
from store.db import Database
from store.keys import KeyStore
from store.layout import DataLayout
from studio.catalog import Choices, choices_of
from studio.director import Director
from studio.i18n import Strings, load_strings
from studio.jobs import JobQueue
from studio.session import Studio
from styles.presets import StyleLibrary
from video.engines.base import EngineSettings
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


@dataclass
class Parts:
    """What every command uses; nothing here touches the data folder."""

    settings: Settings
    engines: EnginePool
    styles: StyleLibrary
    music: Soundtrack | None
    director: Director


@dataclass
class Services:
    """A data folder opened for serving: one database and the stores and queue on it."""

    parts: Parts
    layout: DataLayout
    db: Database
    creations: CreationStore
    keys: KeyStore
    queue: JobQueue
    studio: Studio
    strings: Strings

    @property
    def director(self) -> Director:
        return self.parts.director

    def start(self) -> None:
        """Start the job workers: take the folder's job lock, recover interrupted jobs."""
        self.queue.start()

    def close(self) -> None:
        """Stop the workers (renders in progress go back in line) and close the database."""
        self.queue.stop()
        self.db.close()


def build(settings: Settings, *, director: Director | None = None) -> Parts:
    """The engines, libraries and director (nothing loads a model yet). A test may hand in
    its own director; its libraries are then the ones used."""
    if director is None:
        engines = EnginePool(settings.engines)
        styles = StyleLibrary.load()
        music = Soundtrack() if settings.music else None
        director = Director(engines, rewriter=rewriter_from_env(
            os.environ if settings.env is None else settings.env),
                            styles=styles, music=music)
    return Parts(settings=settings, engines=director.engines, styles=director.styles,
                 music=director.music, director=director)


def open_services(parts: Parts) -> Services:
    """Open (or create) the data folder for serving: sweep what a crash left, open the
    database once, and wire the stores, keys, job queue and browser sessions on it.
    The queue is not started; `Services.start` does that."""
    layout = DataLayout(parts.settings.data_dir).ensure()
    layout.sweep_staging()
    db = Database(layout.db_path)
    creations = CreationStore(db, layout)
    creations.sweep_orphans()  # folders a crash left unrecorded, once they are an hour old
    queue = JobQueue(db, parts.director, layout.root, slots=parts.settings.slots)
    strings = load_strings()
    choices: Choices = choices_of(parts.styles, parts.music)
    studio = Studio(store=creations, layout=layout, queue=queue, director=parts.director,
                    strings=strings, choices=choices, public_url=parts.settings.public_url)
    return Services(parts=parts, layout=layout, db=db, creations=creations,
                    keys=KeyStore(db), queue=queue, studio=studio, strings=strings)
