"""The thread budget (video/threads.py) against the libraries' own defaults.

- Three jobs at once in one process, on threads as the server runs them: two tiny-engine
  renders and the post-production of a CogVideoX-sized clip (49×720×480 @ 8 fps →
  1440×960 @ 16 fps through the director, graded), quiet and on a loaded machine. Each job
  runs as the job queue runs it, through a `LocalRunner` (studio/runner.py) on a thread
  of its own: one running task of the budget, which follows the jobs running now.
- `python app.py generate --engine tiny` as a user runs it, on a loaded machine.

Each variant runs in a fresh process (thread counts are fixed per process): the budget
as app.py applies it, or `CLIPWRIGHT_THREADS=default`. Load comes from busy processes
(`while True: pass`) started before and stopped after; the load average is read at the end
of each variant and printed in the note.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bench.timing import Measurement

ROOT = Path(__file__).resolve().parents[1]
IDEA = "a cheetah lying in the grass, body gently rising and falling"
SLOTS = 3  # the queue setting under which three jobs run at once
BUSY = 3  # busy processes for the loaded rows: with the bench's own work, load ≈ 4–5
VARIANTS = {"defaults": "default", "budget": "auto"}  # name → CLIPWRIGHT_THREADS


def load_average() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]


@contextmanager
def busy_processes(count: int) -> Iterator[None]:
    """`count` processes that spin on a core each, stopped (by their ids) on exit."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
             for _ in range(count)]
    try:
        time.sleep(1.0 if count else 0.0)  # let them reach the run queue
        yield
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()


def child_env(threads: str, folder: Path) -> dict[str, str]:
    """The environment of a variant's process: its CLIPWRIGHT_THREADS, no inherited OpenMP
    setting, a cache and data folder of the bench's own, no network."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    env.update(CLIPWRIGHT_THREADS=threads, CLIPWRIGHT_CACHE_DIR=str(folder / "cache"),
               CLIPWRIGHT_DATA_DIR=str(folder / "data"), HF_HUB_OFFLINE="1",
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p))
    return env


# --- three jobs at once (in a child process) -------------------------------------------------

def jobs_at_once(repeats: int, quick: bool) -> dict:
    """Run two tiny renders and one post-production at once, `repeats` times after a warm-up;
    median wall seconds per job and for all three. Runs in the variant's own process."""
    from video.threads import configure

    budget = configure(slots=SLOTS)  # as app.py does at start, before torch loads

    from agent.shot import ShotSpec
    from bench.director import OneEngine, ReplayEngine, wired_app
    from bench.post import sample_clip
    from studio.director import Director, RenderOptions
    from studio.runner import LocalRunner

    # Each render has its own engines (a pipeline's scheduler is not shared between calls).
    renders = [wired_app() for _ in range(2)]
    parts = renders[0].director
    clip = sample_clip(9, 96, 64) if quick else sample_clip()
    post = Director(OneEngine(ReplayEngine(clip.frames, clip.fps)), rewriter=parts.rewriter,
                    styles=parts.styles, music=parts.music)
    style = next(iter(parts.styles.ids()), None)
    tiny, plain = RenderOptions(engine="tiny"), RenderOptions()

    with tempfile.TemporaryDirectory() as folder:
        def queued(director: Director, name: str, spec: ShotSpec, options: RenderOptions):
            """The job as the queue runs it: a LocalRunner's render (one running task)."""
            runner = LocalRunner(director, slots=SLOTS)
            out = Path(folder) / f"{name}.mp4"
            return lambda: runner.render(name, spec, out, options,
                                         on_progress=lambda *_: None, on_preview=lambda _: None)

        def job(name: str):
            if name == "post":
                spec = ShotSpec(idea=IDEA, style=style, seed=7, music="none")
                return queued(post, name, spec, plain)
            app = renders[int(name[-1]) - 1]
            return queued(app.director, name, ShotSpec(idea=IDEA, seed=7, music="none"), tiny)

        work = {name: job(name) for name in ("render1", "render2", "post")}
        for run in work.values():  # warm: models built and loaded, caches filled
            run()
        spent: dict[str, list[float]] = {name: [] for name in [*work, "total"]}
        for _ in range(repeats):
            gate = threading.Barrier(len(work) + 1)

            def timed(name: str) -> None:
                gate.wait()
                started = time.perf_counter()
                work[name]()
                spent[name].append(time.perf_counter() - started)

            threads = [threading.Thread(target=timed, args=(name,)) for name in work]
            for thread in threads:
                thread.start()
            gate.wait()
            started = time.perf_counter()
            for thread in threads:
                thread.join()
            spent["total"].append(time.perf_counter() - started)
    return {"seconds": {k: statistics.median(v) for k, v in spent.items()},
            "budget": (f"{budget.describe()} at start, then split by the jobs running"
                       if budget is not None else "library defaults"),
            "load": load_average()}


def run_child(kind: str, threads: str, folder: Path, repeats: int, quick: bool) -> dict:
    """One variant of a row in its own process; its JSON result."""
    args = [sys.executable, "-m", "bench.threads", "--child", kind, "--repeats", str(repeats)]
    done = subprocess.run([*args, *(["--quick"] if quick else [])], cwd=ROOT,
                          env=child_env(threads, folder), capture_output=True, text=True,
                          timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"bench child {kind} ({threads}) failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def jobs_rows(repeats: int, quick: bool, folder: Path, busy: int) -> list[Measurement]:
    """Defaults vs budget for three jobs at once, with `busy` spinning processes beside."""
    rows = []
    with busy_processes(busy):
        for name, threads in VARIANTS.items():
            result = run_child("jobs", threads, folder, repeats, quick)
            seconds = result["seconds"]
            rows.append(Measurement(
                f"two tiny renders + one post-production at once, {name}"
                f"{f', {busy} busy processes' if busy else ''}", seconds["total"], repeats,
                note=(f"render {seconds['render1']:.2f} / {seconds['render2']:.2f} s, post "
                      f"{seconds['post']:.2f} s; {result['budget']}; load "
                      f"{result['load']:.1f}")))
    return rows


# --- `generate --engine tiny` ---------------------------------------------------------------

def generate_run(threads: str, folder: Path) -> tuple[float, float]:
    """One `python app.py generate --engine tiny` (silent, seed 7): its wall seconds, start-up
    included, and the seconds its render took (the director's total, from --json)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "app.py", "generate", IDEA, "--engine", "tiny",
                           "--music", "none", "--seed", "7", "--json",
                           "--out", str(folder / "gen.mp4")],
                          cwd=ROOT, env=child_env(threads, folder), capture_output=True,
                          text=True, check=True, timeout=600)
    wall = time.perf_counter() - started
    return wall, json.loads(done.stdout.strip().splitlines()[-1])["timings"]["total"]


def generate_rows(repeats: int, folder: Path, busy: int) -> list[Measurement]:
    """Defaults vs budget for the one-shot command, runs alternated so load hits both (the
    tiny model is already in the bench's cache: the jobs rows built it)."""
    spent: dict[str, list[tuple[float, float]]] = {name: [] for name in VARIANTS}
    loads = []
    with busy_processes(busy):
        for _ in range(repeats):
            for name, threads in VARIANTS.items():
                spent[name].append(generate_run(threads, folder))
                loads.append(load_average())
    return [Measurement(f"`generate --engine tiny`, {name}, {busy} busy processes: render",
                        statistics.median(render for _, render in runs), repeats,
                        note=(f"renders {', '.join(f'{r:.2f}' for _, r in runs)} s; command "
                              f"wall {', '.join(f'{w:.1f}' for w, _ in runs)} s; load "
                              f"{min(loads):.1f}–{max(loads):.1f}"))
            for name, runs in spent.items()]


def run(repeats: int, *, quick: bool = False, busy: int = BUSY) -> list[Measurement]:
    """Every row: three jobs at once (quiet, loaded), then the one-shot command (loaded).
    `quick` (the tests): tiny clips, and the loaded rows only."""
    repeats = max(1, min(repeats, 3))  # each repeat is several renders; 3 is enough
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        rows = [] if quick else jobs_rows(repeats, quick, folder, busy=0)
        rows += jobs_rows(repeats, quick, folder, busy=busy)
        rows += generate_rows(repeats, folder, busy=busy)
    return rows


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.threads --child jobs`: one variant's process (run() starts it)."""
    parser = argparse.ArgumentParser(prog="python -m bench.threads")
    parser.add_argument("--child", choices=("jobs",), required=True)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="tiny clips (for the tests)")
    args = parser.parse_args(argv)
    print(json.dumps(jobs_at_once(args.repeats, args.quick)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
