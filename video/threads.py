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

The budget (`compute_budget`, a pure function of cores and job slots):

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
  what collapses under oversubscription. OpenCV's pool and ffmpeg's threads do not spin;
  they get `max(1, cores // slots)`. Measured (bench/README.md, `python -m bench threads`):
  with them at one thread as well, post-production of a 49×720×480 clip took 6.4 s
  instead of 4.3 s (load 1.3) and 13.5 s instead of 9.4 s (load 4).
- Within a task the steps run one after another (render, interpolate, grade, encode), so
  each library gets the task's whole share.

The operator decides over it: `CLIPWRIGHT_THREADS=N` gives every task N threads,
`CLIPWRIGHT_THREADS=default` leaves every library its own default (today's behaviour
before the budget), and an `OMP_NUM_THREADS` set in the environment is taken as N
(torch would read it anyway; OpenCV and ffmpeg follow it).

`apply` sets the libraries once, at process start (app.py): torch's pool size must be set
before heavy work, its inter-op size at most once and before any parallel work (later
calls are refused, so it is guarded). A torch not yet imported reads `OMP_NUM_THREADS`
when it loads (capped at the machine's cores), so `apply` sets that variable instead of
importing torch for commands that never use it; its inter-op pool is then left to start
at its default size, which eager PyTorch never does. ffmpeg gets its share per call: `video.ffmpeg.run_ffmpeg` passes
`ffmpeg_threads()` when its caller names no count.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

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
    slots: int  # tasks that may run at once (the job queue's slots)
    torch: int  # torch intra-op threads
    torch_interop: int  # torch inter-op threads
    opencv: int  # cv2.setNumThreads
    ffmpeg: int  # ffmpeg's -threads and -filter_threads
    source: str  # "cores" (computed), "CLIPWRIGHT_THREADS" or "OMP_NUM_THREADS"

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
        share = pool_share = max(1, int(per_task))
    else:
        share = max(1, (cores - reserved_cores(cores)) // slots)
        pool_share = max(1, cores // slots)  # pools that do not spin: no core kept back
    return ThreadBudget(cores=cores, slots=slots, torch=share, torch_interop=1,
                        opencv=pool_share, ffmpeg=pool_share, source=source)


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
    """ffmpeg's share of the budget for one call, or None to let ffmpeg decide."""
    return _applied.ffmpeg if _applied is not None else None
