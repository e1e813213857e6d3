"""The render worker that runs on a cluster node (a Ray actor; studio/ray_runner.py places
it): one director with its engines, kept loaded between jobs, rendering into a folder of
its own node and handing the finished files back to the web host as bytes.

Nothing here imports Ray: the runner wraps this class with `ray.remote`, so the worker is
plain Python a test can also call directly.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from agent.shot import ShotSpec
from errors import GenerationCancelled
from studio.director import RenderOptions, RenderResult
from video.engines.base import EngineSettings
from video.engines.preview import Preview
from video.threads import running_task

# The web host's environment that a worker takes over (the LLM endpoint for the prompt,
# the cloud engine's key); a node's own variables win.
PASSED_ENV_PREFIXES = ("CLIPWRIGHT_LLM_", "CLIPWRIGHT_CLOUD_", "ZHIPUAI_", "OPENAI_")


@dataclass(frozen=True)
class WorkerSettings:
    """What the web host tells its workers: the engine flags and environment it serves with.
    Paths in `engines` are the web host's; a node that sets CLIPWRIGHT_CACHE_DIR or
    CLIPWRIGHT_MODEL_DIR uses its own."""

    engines: EngineSettings
    music: bool = True
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def passed_on(cls, engines: EngineSettings, music: bool, env) -> "WorkerSettings":
        return cls(engines=engines, music=music,
                   env={k: v for k, v in env.items() if k.startswith(PASSED_ENV_PREFIXES)})


@dataclass(frozen=True)
class Placement:
    """Where a worker runs and what it is for (`cluster status` shows it)."""

    node_id: str
    host: str
    pid: int
    model: str  # the model resource it was placed by, "" when any node would do


@dataclass
class RemoteRender:
    """A finished render, sent back to the web host: its record (with this node's paths)
    and the bytes of every file it wrote, by name."""

    result: RenderResult
    files: dict[str, bytes]
    node: Placement


@dataclass
class _Progress:
    stage: str = "queued"
    fraction: float = 0.0
    detail: str = ""
    preview: Preview | None = None
    job_id: str | None = None


class RenderWorker:
    """Renders one job at a time; `progress` and `cancel` answer while it renders (the
    actor runs with several threads)."""

    def __init__(self, settings: WorkerSettings, node_id: str = "", model: str = ""):
        from studio.parts import Settings, build
        from video.threads import configure

        env = {**settings.env, **os.environ}
        # One job at a time here; Ray's OMP_NUM_THREADS (the actor's CPUs) is taken as given.
        configure(slots=1, env=env)
        engines = settings.engines
        if env.get("CLIPWRIGHT_CACHE_DIR"):
            engines = dataclasses.replace(engines, cache_dir=Path(env["CLIPWRIGHT_CACHE_DIR"]))
        if env.get("CLIPWRIGHT_MODEL_DIR"):
            engines = dataclasses.replace(engines, model_dir=Path(env["CLIPWRIGHT_MODEL_DIR"]))
        self._folder = Path(tempfile.mkdtemp(prefix="clipwright-worker-"))
        self._director = build(Settings(data_dir=self._folder, engines=engines, env=env,
                                        music=settings.music)).director
        self._placement = Placement(node_id=node_id, host=socket.gethostname(),
                                    pid=os.getpid(), model=model)
        self._progress = _Progress()
        self._cancel = threading.Event()
        self._lock = threading.Lock()

    def placement(self) -> Placement:
        return self._placement

    def progress(self, known_step: int | None = None) -> tuple[str, float, str, Preview | None]:
        """The job in hand: stage, fraction of the stage, detail, and the latest preview
        unless it is the one of `known_step` (frames cross the network only once)."""
        with self._lock:
            now = self._progress
            fresh = now.preview if now.preview is not None and \
                now.preview.step != known_step else None
            return now.stage, now.fraction, now.detail, fresh

    def current_job(self) -> str | None:
        return self._progress.job_id

    def cancel(self) -> None:
        """Stop the render in hand at its next step (the web host asked: its owner
        cancelled, or the server is stopping)."""
        self._cancel.set()

    def render(self, job_id: str, spec: ShotSpec, options: RenderOptions,
               photo: bytes | None = None, photo_name: str = "photo.jpg") -> RemoteRender:
        """Render a job here; its photo (image-to-video) comes as bytes, since the web
        host's data folder is not on this node."""
        folder = self._folder / job_id
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self._cancel.clear()
        with self._lock:
            self._progress = _Progress(stage="rewriting", job_id=job_id)
        try:
            if photo is not None:
                local_photo = folder / Path(photo_name).name
                local_photo.write_bytes(photo)
                spec = spec.with_changes(source_image=local_photo)
            # One task: the thread budget's torch count is per thread, and an actor's
            # methods may run on a thread other than the one that configured it.
            with running_task():
                result = self._director.render(spec, folder / "clip.mp4", options,
                                               on_progress=self._on_progress,
                                               on_preview=self._on_preview)
            files = {path.name: path.read_bytes() for path in
                     (result.video.mp4, result.video.poster) if path.is_file()}
            return RemoteRender(result=result, files=files, node=self._placement)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            with self._lock:
                self._progress = _Progress()

    def _on_progress(self, stage: str, fraction: float, detail: str) -> None:
        if self._cancel.is_set():
            raise GenerationCancelled("stopped")
        with self._lock:
            self._progress.stage, self._progress.fraction = stage, fraction
            self._progress.detail = detail

    def _on_preview(self, preview: Preview) -> None:
        if self._cancel.is_set():
            raise GenerationCancelled("stopped")
        with self._lock:
            self._progress.preview = preview
