"""Where the job queue's renders run: a runner takes a job's spec and options and returns
the finished render with its files at `out` (studio/jobs.py calls it).

`LocalRunner` (the default) renders in this process with its director, `slots` at a time;
each job counts as a running task of the thread budget (video/threads.py) for its whole
run, so the libraries' thread counts follow the jobs running now.
`studio.ray_runner.RayRunner` renders on the actors of a Ray cluster (`serve --cluster`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from agent.shot import ShotSpec
from studio.director import Director, OnPreview, Progress, RenderOptions, RenderResult
from video.threads import follow_running_tasks, running_task


class Runner(Protocol):
    """What the job queue needs of a place to render."""

    max_slots: int  # worker threads the queue keeps: the most jobs that may ever run at once

    def start(self) -> None:
        """Connect and get ready (the queue's start)."""

    def close(self) -> None:
        """Let go of whatever `start` took (the queue's stop)."""

    def capacity(self) -> int:
        """How many jobs may run at once now (a cluster grows and shrinks)."""

    def unplaceable(self, options: RenderOptions) -> str | None:
        """Why a job with these options cannot run anywhere now (it waits), or None."""

    def check(self, engine: str, model: str | None, task: str) -> None:
        """Before a job is queued: InputError for a model the engine does not have,
        EngineUnavailable (with what to set up) when nothing can render the task."""

    def render(self, job_id: str, spec: ShotSpec, out: Path, options: RenderOptions,
               on_progress: Progress, on_preview: OnPreview) -> RenderResult:
        """Render the job; its MP4 at `out` and poster beside it, complete, on return.
        Raises GenerationCancelled when on_progress does, WorkerLost when the machine
        rendering it went away."""


class LocalRunner:
    """Renders in this process with the director's engines, `slots` jobs at once."""

    def __init__(self, director: Director, slots: int = 1):
        if slots < 1:
            raise ValueError("a job queue needs at least one slot")
        self.director = director
        self.max_slots = slots

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

    def capacity(self) -> int:
        return self.max_slots

    def unplaceable(self, options: RenderOptions) -> str | None:
        return None  # an engine this process lacks fails the job with its own reason

    def check(self, engine: str, model: str | None, task: str) -> None:
        self.director.engines.get(engine, task).defaults(task, model)

    def render(self, job_id: str, spec: ShotSpec, out: Path, options: RenderOptions,
               on_progress: Progress, on_preview: OnPreview) -> RenderResult:
        """Render on the calling (queue worker) thread as one running task: its thread
        counts are set for the jobs running now, and re-set at each progress report when
        other jobs started or finished meanwhile."""
        def progress(stage: str, fraction: float, detail: str) -> None:
            follow_running_tasks()  # between steps, on this job's thread: torch's is per thread
            on_progress(stage, fraction, detail)

        with running_task():
            return self.director.render(spec, out, options, on_progress=progress,
                                        on_preview=on_preview)


@dataclass(frozen=True)
class ClusterOptions:
    """`serve --cluster …`: which cluster, and how its actors are placed."""

    address: str  # "auto" (RAY_ADDRESS or a local cluster), "ray://host:10001", "host:6379"
    resource: str = "clipwright_render"  # the custom resource one render takes
    max_actors: int = 16  # the most renders at once, whatever the cluster's size
