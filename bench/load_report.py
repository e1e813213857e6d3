"""The records of a load run (bench/load.py): the plan, what each client saw, and what the
server's database held afterwards — what bench/load_checks.py judges."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# How much the server's resident memory may grow over the baseline during the load
# (measured 170–210 MiB; 300–450 MiB before allocator.py trimmed glibc's arenas).
RSS_CEILING_MIB = 320


@dataclass(frozen=True)
class LoadPlan:
    """How much load, and how long a client may wait for its video."""

    sessions: int = 20
    api_clients: int = 3
    tasks_per_client: int = 2
    steps: int = 1  # the browser's Advanced → steps
    refused_task: bool = True  # one more API request, for a model this server lacks
    client_timeout_s: float = 300.0
    rss_ceiling_mib: int = RSS_CEILING_MIB


@dataclass(frozen=True)
class Sighting:
    """One progress update a client was shown."""

    at: float  # time.time() on arrival
    stage: str
    position: int | None  # n of "#n in line" (API: queue_position), None otherwise


@dataclass
class Task:
    """One render a client asked for, as the client saw it."""

    client: str  # "session-3", "api-1"
    idea: str
    model: str = "cogvideox-3"  # API tasks: the platform's name for "the server's engine"
    submitted_at: float = 0.0
    answered_at: float = 0.0  # when the client had its video or the failure
    job_id: str | None = None  # API clients know it; sessions are matched by idea
    outcome: str = ""  # "done", "failed: <reason>", "refused: <reason>" (a 4xx at
    # submission), or "" when it never ended
    video_bytes: int = 0  # the finished video, downloaded by the client
    sightings: list[Sighting] = field(default_factory=list)
    error: str | None = None  # the client itself broke (an exception): never expected


@dataclass
class LoadReport:
    """What the clients saw and what the server's database holds afterwards."""

    plan: LoadPlan
    tasks: list[Task]
    jobs: list[dict]
    creations: list[dict]
    integrity: str
    rss_kib: list[tuple[float, int]]  # (time, VmRSS) of the server process
    cold_kib: int  # just after start-up
    baseline_kib: int  # the most the server used while it rendered the warm-up video
    load_started: float
    load_ended: float
    data_dir: Path

    @property
    def load_tasks(self) -> list[Task]:
        return [t for t in self.tasks if t.client != "warm-up"]

    @property
    def peak_kib(self) -> int:
        return max((kib for at, kib in self.rss_kib if at >= self.load_started),
                   default=self.baseline_kib)
