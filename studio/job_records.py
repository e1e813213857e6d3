"""A render job's records: what its owner sees (`Job`, `JobProgress`), how its spec and
options are kept in the database, and the words a failure is told in. studio/jobs.py runs
the jobs."""

from __future__ import annotations

import dataclasses
import json
import threading
from dataclasses import dataclass
from pathlib import Path

from agent.shot import ShotSpec
from files import out_of_space
from store.jobs import JobRow
from store.layout import DataLayout
from studio.director import RenderOptions, Stage
from video.engines.preview import Preview
from video.types import FinishedVideo

# A job interrupted by a dead process runs at most this many times in all.
MAX_ATTEMPTS = 2
INTERRUPTED_TWICE = ("the server stopped twice while rendering this job, so it was given up; "
                     "submit it again")
CANCELLED = "cancelled by its owner"
DAMAGED_RECORD = ("this job's saved record no longer reads, so it cannot be rendered or shown "
                  "in full; send the idea again")
DISK_FULL = ("the server's disk is full, so the video could not be saved and nothing was "
             "kept; free some space (or ask whoever runs the server to) and try again")
# What a stage was doing, for failure messages.
STAGE_WORDS = {Stage.REWRITING: "writing the prompt", Stage.GENERATING: "generating the frames",
               Stage.POST_PRODUCTION: "encoding the video", Stage.MUSIC: "adding the music"}
# Share of a whole render each stage takes, for one overall fraction and a time estimate.
STAGE_WEIGHTS = {Stage.REWRITING: 0.02, Stage.GENERATING: 0.83, Stage.MUSIC: 0.05,
                 Stage.POST_PRODUCTION: 0.1}


@dataclass(frozen=True)
class Job:
    """A render job as its owner sees it."""

    id: str
    owner: str
    request_id: str
    status: str  # queued | running | done | failed
    error: str | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    spec: ShotSpec
    options: RenderOptions
    video: FinishedVideo | None = None  # the finished files and their facts, once done
    track: str | None = None  # the library track it got, None for silence or the user's own
    prompt: str | None = None
    engine: str | None = None
    model: str | None = None
    seed: int | None = None
    test_pattern: bool = False
    warnings: tuple[str, ...] = ()
    file_token: str = ""  # the unguessable part of the API's result URLs
    attempts: int = 0
    api_model: str | None = None  # the model name an API caller asked by

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def mp4(self) -> Path | None:
        return self.video.mp4 if self.video else None

    @property
    def poster(self) -> Path | None:
        return self.video.poster if self.video else None


@dataclass(frozen=True)
class JobProgress:
    """Where a job stands: stage ('queued', a director stage, 'done' or 'failed')."""

    stage: str
    fraction: float  # of the whole job, 0..1
    detail: str
    eta_s: float | None  # seconds until done, when there is a basis for a guess
    preview: Preview | None = None  # the latest live preview while the engine renders


# --- encoding the spec and options for the database ----------------------------------------

def encode_spec(spec: ShotSpec) -> str:
    return json.dumps(spec.to_dict(), ensure_ascii=False)


def decode_spec(text: str) -> ShotSpec:
    return ShotSpec.from_dict(json.loads(text))


def encode_options(options: RenderOptions) -> str:
    return json.dumps(dataclasses.asdict(options))


def decode_options(text: str) -> RenderOptions:
    return RenderOptions(**_known_fields(RenderOptions, json.loads(text)))


def _known_fields(cls, data: dict) -> dict:
    """Drop keys a newer or older release wrote that this one's class does not have."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def job_from_row(row: JobRow, layout: DataLayout) -> Job:
    """The owner's view of a stored row, with paths made absolute."""
    return Job(id=row.id, owner=row.owner, request_id=row.request_id, status=row.status,
               error=row.error, created_at=row.created_at, started_at=row.started_at,
               finished_at=row.finished_at, spec=decode_spec(row.spec),
               options=decode_options(row.options),
               video=_video_of(row, layout), track=row.track, prompt=row.prompt,
               engine=row.engine, model=row.model, seed=row.seed,
               test_pattern=row.test_pattern, warnings=row.warnings,
               file_token=row.file_token, attempts=row.attempts, api_model=row.api_model)




def owner_view(row: JobRow, layout: DataLayout) -> Job:
    """`job_from_row` for its owner's reads (get, list, a repeated request, a result URL): a
    row whose idea or options no longer read (a hand edit, a bad migration) is shown with
    that as its error — its idea left empty, never made up — instead of failing the read;
    the worker fails it when its turn comes, and a done one keeps its video."""
    try:
        return job_from_row(row, layout)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        why = " ".join(str(exc).split())[:200] or type(exc).__name__
        return Job(id=row.id, owner=row.owner, request_id=row.request_id, status=row.status,
                   error=row.error or f"{DAMAGED_RECORD} ({why})", created_at=row.created_at,
                   started_at=row.started_at, finished_at=row.finished_at,
                   spec=ShotSpec(idea=""), options=RenderOptions(), video=_video_of(row, layout),
                   track=row.track, prompt=row.prompt, engine=row.engine, model=row.model,
                   seed=row.seed, test_pattern=row.test_pattern, warnings=row.warnings,
                   file_token=row.file_token, attempts=row.attempts, api_model=row.api_model)


def _video_of(row: JobRow, layout: DataLayout) -> FinishedVideo | None:
    """The finished video a done row records, its paths made absolute."""
    if not row.mp4 or not row.poster:
        return None
    return FinishedVideo(mp4=layout.resolve(row.mp4), poster=layout.resolve(row.poster),
                         width=row.width or 0, height=row.height or 0, fps=row.fps or 0.0,
                         frames=row.frames or 0)


def failure_reason(exc: BaseException, stage: str) -> str:
    """What a job's owner reads when its render raised: a full disk in those words, anything
    else with the stage it happened in and the error itself."""
    if out_of_space(exc):
        return DISK_FULL
    detail = " ".join(str(exc).split())
    detail = detail if len(detail) <= 300 else detail[:299] + "…"
    doing = STAGE_WORDS.get(stage, stage)
    return (f"the render failed while {doing} ({type(exc).__name__}: {detail or 'no detail'}); "
            f"nothing was kept — try again, and if it keeps failing tell whoever runs the server")


@dataclass
class RunningJob:
    """What a worker shares about the job in its hands (studio/jobs.py): its stage, how far,
    the latest live preview, and the event that stops it."""

    started: float
    stage: str = "rewriting"
    stage_fraction: float = 0.0
    detail: str = ""
    preview: Preview | None = None
    cancel: threading.Event = dataclasses.field(default_factory=threading.Event)

    @property
    def fraction(self) -> float:
        order = list(STAGE_WEIGHTS)
        if self.stage not in STAGE_WEIGHTS:
            return 0.0
        done = sum(STAGE_WEIGHTS[s] for s in order[:order.index(self.stage)])
        return min(1.0, done + STAGE_WEIGHTS[self.stage] * self.stage_fraction)


# A job no machine can take now (a cluster without its model) is offered again this late.
PARKED_S = 5.0
