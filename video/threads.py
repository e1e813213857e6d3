"""The process's thread budget: how many threads torch, OpenCV and ffmpeg may each use, so
that work running at once does not oversubscribe the machine.

Why: every library sizes its thread pool to the whole machine on its own — torch's intra-op
pool, OpenCV's parallel_for_, x264's encoder threads and ffmpeg's filter graph each take
all the cores. One render alone is fine; but a server runs a render beside another job's
post-production, the music selector and the previews, and a shared host runs other
processes too. Then each library's threads wait for a core the others hold, and torch's
OpenMP teams wait at every barrier for the one thread that was descheduled: on the 2-core
machine at load ≈ 6, `generate --engine tiny` took 6–19 s with torch's default two
threads and 1.4 s with one (issue #21).

The budget (`compute_budget`, a pure function of cores and of the tasks sharing them —
`slots`):

- `cores` are the CPUs this process may run on: its affinity mask, and a cgroup v2/v1
  CPU quota where a container sets one (`usable_cores`).
- One share of the cores is kept for the rest of the process — pages, chat turns, the
  music selector, previews, the soundtrack fitted beside the picture: one core up to
  8 cores, then one more per 8 (`reserved_cores`). On 2 cores that leaves one core.
- What is left is split between the job slots (renders at once; a job's post-production
  runs in its slot, after its render): each task's libraries may use
  `max(1, (cores − reserved) // slots)` threads — never 0, and on a machine with more
  slots than cores one thread each, the least oversubscription there can be.
- torch's inter-op pool gets one thread: the render path is eager PyTorch, whose inter-op
  pool only serves `torch.jit.fork`/TorchScript, and each inter-op thread would open an
  intra-op team of its own.
- The reserve is for torch alone: its OpenMP teams spin and wait at barriers, which is
  what collapses under oversubscription. OpenCV's pool spins only briefly; it gets
  `max(1, cores // slots)`. Measured (bench/README.md, `python -m bench threads`): with it
  and ffmpeg at one thread as well, post-production of a 49×720×480 clip took 6.4 s
  instead of 4.3 s (load 1.3) and 13.5 s instead of 9.4 s (load 4).
- ffmpeg's threads and the grade's pool wait rather than spin, and an encode runs for the
  whole post-production beside the picture it is fed (video/post.py): they get every core
  (`ffmpeg`, `pool_threads`). Divided by the tasks running when the encode started (two
  short renders beside it), a streamed encode kept one thread for its whole length and
  post-production took 5.6 s against 4.1 s with library defaults at load 5; with every
  core, 4.3 s against 4.3 s.
- Within a task the steps run one after another (render, interpolate, grade, encode), so
  each library gets the task's whole share.

The share follows the tasks running now. A job's worker thread enters `running_task()` for
the whole job (render, then post-production; studio/runner.py, studio/render_worker.py), and
the process counts them. `slots` (the job queue's setting, given to `configure`) is only the
start-up figure, used before any task runs; once tasks run, the live count (at least 1)
decides, so a post-production left alone when the renders beside it finish gets the whole
machine back. Measured (bench/README.md): with 3 slots on 2 cores the static split gave
everything 1 thread, and a post-production that ran alone most of the time (the two renders
beside it finished in 0.5 s) took 6.4 s instead of 4.3 s with library defaults. How each
library follows the count:

- OpenCV's pool is process-wide: `cv2.setNumThreads` is set to the pool share whenever a
  task starts or ends (to the start-up figure when the last one ends).
- ffmpeg and the grade's pool do not follow it (see above): `ffmpeg_threads()` is the
  budget's figure for every call.
- torch keeps its intra-op team size per thread: `torch.set_num_threads` sets the calling
  thread's OpenMP (and MKL) team size; a thread takes the last figure set by any thread,
  once, on its first parallel op or read — which would undo a set made before that, so a
  task reads the count before it sets it. So a task sets its own thread's count when it starts,
  and `follow_running_tasks()`, called from the task's thread between steps (the local
  runner does it at every progress report), re-sets it when the count changed; the
  thread's earlier count is put back when the task ends.

The count is process state by nature — the pools it sizes are process-wide — so it lives in
one small class with a lock (`RunningTasks`), not in loose globals. A task entered again on
the same thread (a runner inside a bench that already counts the job) counts once.

The operator decides over it: `CLIPWRIGHT_THREADS=N` gives every task N threads whatever
the count, `CLIPWRIGHT_THREADS=default` leaves every library its own default (today's
behaviour before the budget; tasks are still counted, nothing is set), and an
`OMP_NUM_THREADS` set in the environment is taken as N (torch would read it anyway; OpenCV
and ffmpeg follow it).

`apply` sets the libraries once, at process start (app.py): torch's pool size must be set
before heavy work, its inter-op size at most once and before any parallel work (later
calls are refused, so it is guarded). A torch not yet imported reads `OMP_NUM_THREADS`
when it loads (capped at the machine's cores), so `apply` sets that variable instead of
importing torch for commands that never use it; its inter-op pool is then left to start
at its default size, which eager PyTorch never does. ffmpeg gets its share per call:
`video.ffmpeg.run_ffmpeg` passes `ffmpeg_threads()` when its caller names no count.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

from errors import InputError

log = logging.getLogger(__name__)

ENV_THREADS = "CLIPWRIGHT_THREADS"
LIBRARY_DEFAULTS = "default"  # CLIPWRIGHT_THREADS=default: set nothing, as before the budget
CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class ThreadBudget:
    """How many threads each library may use in one task (a job's render or post-production)
    of this process, and where the figure came from."""

    cores: int  # CPUs this process may use
    slots: int  # tasks sharing the cores: the queue's slots at start, then the tasks running
    torch: int  # torch intra-op threads
    torch_interop: int  # torch inter-op threads
    opencv: int  # cv2.setNumThreads
    ffmpeg: int  # ffmpeg's -threads and -filter_threads, and the grade's pool: threads that wait
    source: str  # "cores" (computed), "CLIPWRIGHT_THREADS" or "OMP_NUM_THREADS"
    per_task: int | None = None  # an operator's fixed figure, kept whatever runs; None: computed

    def describe(self) -> str:
        """'torch 1 (+1 inter-op), OpenCV 1, ffmpeg 1 per task; 2 cores, 1 slot (cores)'."""
        return (f"torch {self.torch} (+{self.torch_interop} inter-op), OpenCV {self.opencv}, "
                f"ffmpeg {self.ffmpeg} per task; {self.cores} cores, {self.slots} "
                f"slot{'s' if self.slots != 1 else ''} ({self.source})")


def reserved_cores(cores: int) -> int:
    """Cores kept for the rest of the process (pages, chat, music, previews): 1 per 8."""
    return max(1, math.ceil(cores / 8))


def compute_budget(cores: int, slots: int = 1, *, per_task: int | None = None,
                   source: str = "cores") -> ThreadBudget:
    """The budget for `slots` tasks at once on `cores` CPUs; `per_task` (an operator's
    figure) replaces the computed share. Every count is at least 1."""
    cores, slots = max(1, int(cores)), max(1, int(slots))
    if per_task is not None:
        share = pool_share = waiting = max(1, int(per_task))
    else:
        share = max(1, (cores - reserved_cores(cores)) // slots)
        pool_share = max(1, cores // slots)  # a pool that spins briefly: no core kept back
        waiting = cores  # threads that wait, never spin: not divided (see above)
    return ThreadBudget(cores=cores, slots=slots, torch=share, torch_interop=1,
                        opencv=pool_share, ffmpeg=waiting, source=source,
                        per_task=None if per_task is None else share)


def budget_from_env(env: Mapping[str, str], cores: int, slots: int = 1) -> ThreadBudget | None:
    """The budget the environment asks for: None for CLIPWRIGHT_THREADS=default (library
    defaults), N threads per task for CLIPWRIGHT_THREADS=N or OMP_NUM_THREADS=N, else the
    computed one. A CLIPWRIGHT_THREADS that is none of these is an InputError."""
    asked = env.get(ENV_THREADS, "").strip().lower()
    if asked == LIBRARY_DEFAULTS:
        return None
    if asked not in ("", "auto"):
        if not asked.isdigit() or int(asked) < 1:
            raise InputError(f"{ENV_THREADS} must be a whole number of threads (1 or more), "
                             f"'auto' or '{LIBRARY_DEFAULTS}'; it is '{env[ENV_THREADS]}'")
        return compute_budget(cores, slots, per_task=int(asked), source=ENV_THREADS)
    if (omp := _omp_threads(env.get("OMP_NUM_THREADS", ""))) is not None:
        return compute_budget(cores, slots, per_task=omp, source="OMP_NUM_THREADS")
    return compute_budget(cores, slots)


def _omp_threads(value: str) -> int | None:
    """OMP_NUM_THREADS's outer count ('4' or '4,2' → 4), None when unset or unreadable
    (it is OpenMP's variable: a value we cannot read is left to OpenMP)."""
    first = value.split(",", 1)[0].strip()
    return int(first) if first.isdigit() and int(first) >= 1 else None


def usable_cores(cgroup_root: Path = CGROUP_ROOT) -> int:
    """CPUs this process may run on: its affinity mask, capped by a cgroup CPU quota."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cores = os.cpu_count() or 1
    quota = cgroup_cpu_quota(cgroup_root)
    return max(1, min(cores, quota) if quota is not None else cores)


def cgroup_cpu_quota(root: Path = CGROUP_ROOT) -> int | None:
    """A container's CPU limit in whole cores (rounded up), or None when there is none:
    cgroup v2's cpu.max ("200000 100000"), else v1's cfs quota and period."""
    try:
        fields = (root / "cpu.max").read_text().split()
        if len(fields) == 2 and fields[0] != "max":
            return max(1, math.ceil(int(fields[0]) / int(fields[1])))
        return None
    except (OSError, ValueError, ZeroDivisionError):
        pass
    try:
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return max(1, math.ceil(quota / period)) if quota > 0 and period > 0 else None


# --- the process's budget ------------------------------------------------------------------

_applied: ThreadBudget | None = None
_interop_set = False


def apply(budget: ThreadBudget | None) -> None:
    """Set torch's and OpenCV's thread counts to the budget and keep it for ffmpeg's calls;
    None leaves every library its default. Call once, at process start, before heavy work."""
    global _applied, _interop_set
    _applied = budget
    if budget is None:
        return
    if "torch" in sys.modules:
        import torch

        torch.set_num_threads(budget.torch)
        if not _interop_set:  # torch accepts this once, and only before parallel work
            try:
                torch.set_num_interop_threads(budget.torch_interop)
            except RuntimeError as exc:
                log.debug("torch's inter-op threads were already fixed: %s", exc)
            _interop_set = True
    else:  # torch reads these when it loads; importing it here would slow every command
        os.environ["OMP_NUM_THREADS"] = str(budget.torch)
        os.environ["MKL_NUM_THREADS"] = str(budget.torch)
    import cv2

    cv2.setNumThreads(budget.opencv)
    log.debug("thread budget: %s", budget.describe())


def configure(slots: int = 1, env: Mapping[str, str] | None = None) -> ThreadBudget | None:
    """Work out this process's budget from its environment, cores and job slots, and apply
    it (app.py calls this once, at start). Returns what was applied (None: defaults)."""
    budget = budget_from_env(os.environ if env is None else env, usable_cores(), slots)
    apply(budget)
    return budget


def applied() -> ThreadBudget | None:
    """The budget `apply` set in this process, or None (library defaults)."""
    return _applied


def ffmpeg_threads() -> int | None:
    """ffmpeg's threads for one call, or None to let ffmpeg decide (library defaults)."""
    return _applied.ffmpeg if _applied is not None else None


def pool_threads(default: int) -> int:
    """Threads for a worker pool of our own whose threads wait for work rather than spin
    (the grade's blocks): ffmpeg's figure; `default` with library defaults."""
    return _applied.ffmpeg if _applied is not None else default


# --- the tasks running now -----------------------------------------------------------------

def task_share(budget: ThreadBudget | None, running: int) -> ThreadBudget | None:
    """One task's share of `budget` while `running` tasks run at once: the computed budget
    split between them, an operator's fixed N kept whatever the count, None (library
    defaults) left None."""
    if budget is None:
        return None
    return compute_budget(budget.cores, running, per_task=budget.per_task, source=budget.source)


class RunningTasks:
    """The tasks (jobs) running in this process, counted under a lock, and the OpenCV pool
    sized to their share whenever the count changes (under the same lock, so two tasks
    starting and ending at once cannot leave the pool at a stale figure)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    @property
    def count(self) -> int:
        """Tasks running now."""
        return self._count

    def enter(self, budget: ThreadBudget | None) -> ThreadBudget | None:
        """Count one more task; its share (None: library defaults, nothing set)."""
        with self._lock:
            self._count += 1
            share = task_share(budget, self._count)
            _set_opencv(share)
            return share

    def leave(self, budget: ThreadBudget | None) -> None:
        """Count one task less; OpenCV back to the share of those still running (the
        start-up budget when none is)."""
        with self._lock:
            self._count = max(0, self._count - 1)
            _set_opencv(task_share(budget, self._count) if self._count else budget)


TASKS = RunningTasks()


@dataclass
class _ThreadTask:
    """The task the calling thread runs (kept per thread: torch's count is per thread)."""

    share: ThreadBudget | None
    torch: int | None = None  # the count this task set on its thread
    torch_before: int | None = None  # the thread's count before it, put back at the end


_this_thread = threading.local()  # .task: a _ThreadTask while the thread runs a task


@contextmanager
def running_task() -> Iterator[ThreadBudget | None]:
    """Count the calling thread's job as running for the `with` block (enter it for the whole
    job: render, then post-production) and give it its share: torch's count for this thread
    (torch keeps it per thread) and OpenCV's pool for the process. Yields the share set, None
    with library defaults. On exit, also when the job raises, the count drops, OpenCV follows
    the tasks still running and this thread's torch count is what it was before. Entered
    again on the same thread, it counts once."""
    task: _ThreadTask | None = getattr(_this_thread, "task", None)
    if task is not None:  # already counted: e.g. a runner inside a job a bench counts
        yield task.share
        return
    budget = _applied
    task = _this_thread.task = _ThreadTask(share=TASKS.enter(budget))
    try:
        _set_torch(task, task.share)
        yield task.share
    finally:
        _this_thread.task = None
        TASKS.leave(budget)
        if task.torch_before is not None:
            _torch().set_num_threads(task.torch_before)


def follow_running_tasks() -> ThreadBudget | None:
    """Re-set the calling thread's torch count to its share for the tasks running now, when
    that changed since it was set (call it from a task's thread between steps: a render
    that started beside others gets their cores once they finish). The share; None outside
    a task or with library defaults. OpenCV follows the count on its own."""
    task: _ThreadTask | None = getattr(_this_thread, "task", None)
    if task is None or task.share is None:
        return None
    share = task_share(_applied, max(1, TASKS.count))
    _set_torch(task, share)
    return share


def running_tasks() -> int:
    """How many tasks run in this process now."""
    return TASKS.count


def _torch():
    import torch

    return torch


def _set_torch(task: _ThreadTask, share: ThreadBudget | None) -> None:
    """Set the calling thread's torch count to the share, when torch is loaded and the count
    differs from what this task set (a torch not loaded yet reads OMP_NUM_THREADS, which
    `apply` set, when it loads); the first time, keep the thread's count to put back."""
    if share is None or "torch" not in sys.modules or share.torch == task.torch:
        return
    torch = _torch()
    if task.torch_before is None:
        # Reading it first also starts torch's per-thread state: a thread's first parallel
        # op (or read) sets its count from the last figure set by ANY thread, which would
        # undo a set made before it.
        task.torch_before = torch.get_num_threads()
    torch.set_num_threads(share.torch)
    task.torch = share.torch


def _set_opencv(share: ThreadBudget | None) -> None:
    """OpenCV's process-wide pool to the share (nothing with library defaults)."""
    if share is not None:
        import cv2

        cv2.setNumThreads(share.opencv)
