"""One way to wire the application: `build(settings)` (studio/parts.py) makes the parts every
command needs (engines, styles, music, the director); `open_services(parts)` opens a data
folder on top of them (database, stores, keys, the job queue and the browser sessions) and runs the start-up
sweeps once. app.py, the browser server and the API all start here.

    parts = build(Settings(data_dir=..., engines=EngineSettings(...)))
    services = open_services(parts)   # the data folder: created, swept, the queue not started
    services.start()                  # the job workers (takes the folder's job lock)
    ...
    services.close()
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field

from files import disk_full, out_of_space
from store.creations import CreationStore
from store.db import Database
from store.keys import KeyStore
from store.layout import DataLayout
from studio.catalog import Choices, choices_of
from studio.director import Director
from studio.i18n import Strings, load_strings
from studio.jobs import JobQueue
from studio.parts import Parts, Settings, rewriter_for
from studio.platform_key import PlatformKey
from studio.ray_runner import RayRunner
from studio.render_worker import WorkerSettings
from studio.runner import Runner
from video.engines.base import EngineSettings
from studio.session import Studio

log = logging.getLogger(__name__)
# On a full disk the job workers cannot start (their lock file, recovering interrupted
# jobs); they try again this often, so new work runs once space is freed.
QUEUE_RETRY_S = 30.0
DISK_FULL_NOTE = ("note: the disk of the data folder {root} is full: serving read-only "
                  "(videos play and share; new chats and renders wait) until space is freed")


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
    full_at_open: bool = False  # the disk was full when the folder was opened: read-only
    _closed: threading.Event = field(default_factory=threading.Event)

    @property
    def director(self) -> Director:
        return self.parts.director

    @property
    def disk_note(self) -> str | None:
        """One line for the operator when the disk was full at start-up, else None."""
        return DISK_FULL_NOTE.format(root=self.layout.root) if self.full_at_open else None

    def connect(self) -> None:
        """Reach the machines that render, before serving (a Ray cluster: EngineUnavailable
        with the reason when it cannot be reached; this process: nothing to do)."""
        self.queue.runner.start()

    def start(self) -> None:
        """Start the job workers: take the folder's job lock, recover interrupted jobs.
        On a full disk they cannot start yet; a thread tries again every QUEUE_RETRY_S."""
        try:
            self.queue.start()
        except Exception as exc:
            if not out_of_space(exc):
                raise
            log.warning("the disk is full: the job workers start once space is freed (%s)",
                        exc)
            threading.Thread(target=self._start_later, name="clipwright-queue-retry",
                             daemon=True).start()

    def _start_later(self) -> None:
        while not self._closed.wait(QUEUE_RETRY_S):
            try:
                self.queue.start()
                log.warning("space was freed: the job workers have started")
                return
            except Exception as exc:  # noqa: BLE001 - a full disk still, or the next try
                if not out_of_space(exc):
                    log.warning("the job workers could not start: %s", exc)
                    return

    def close(self) -> None:
        """Stop the workers (renders in progress go back in line) and close the database."""
        self._closed.set()
        self.queue.stop()
        self.db.close()


def open_services(parts: Parts) -> Services:
    """Open (or create) the data folder for serving: sweep what a crash left, open the
    database once, and wire the stores, keys, job queue and browser sessions on it.
    The queue is not started; `Services.start` does that."""
    layout = DataLayout(parts.settings.data_dir).ensure()
    full = disk_full(layout.root)  # read-only until space is freed: nothing new fits
    layout.sweep_staging()
    layout.sweep_partials()  # .part files of writes a crash cut short
    db = Database(layout.db_path)
    creations = CreationStore(db, layout)
    try:
        creations.sweep_orphans()  # folders a crash left unrecorded, once an hour old
    except Exception as exc:
        if not out_of_space(exc):
            raise
        log.warning("the disk is full: the sweep of unrecorded folders waits (%s)", exc)
    strings = load_strings()
    settings = parts.settings
    director = parts.director
    platform_key = PlatformKey(
        layout, parts.engines, strings, os.environ if settings.env is None else settings.env,
        on_cluster=settings.cluster is not None,
        on_change=lambda key: director.use_rewriter(rewriter_for(
            settings, key, director.conversation.formula)))
    platform_key.load()  # a key the operator set on the page, before anything renders
    queue = JobQueue(db, parts.director, layout.root, slots=settings.slots,
                     runner=runner_for(settings, parts.engines.settings))
    choices: Choices = choices_of(parts.styles, parts.music)
    studio = Studio(store=creations, layout=layout, queue=queue, director=parts.director,
                    strings=strings, choices=choices, public_url=settings.public_url,
                    platform_key=platform_key)
    services = Services(parts=parts, layout=layout, db=db, creations=creations,
                        keys=KeyStore(db), queue=queue, studio=studio, strings=strings,
                        full_at_open=full)
    if full:
        log.warning(services.disk_note)
    return services


def runner_for(settings: Settings, engines: EngineSettings) -> Runner | None:
    """Where renders run: a Ray cluster's actors when asked for (with `engines`, the
    settings in use, a kept platform key included), else this process (None: the queue's
    default)."""
    if settings.cluster is None:
        return None
    env = os.environ if settings.env is None else settings.env
    return RayRunner(settings.cluster, WorkerSettings.passed_on(engines, settings.music, env))
