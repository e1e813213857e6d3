"""`python -m bench cluster`: renders on a real local Ray cluster (issue #17), tiny engine.

A `ray.cluster_utils.Cluster` on this machine: a head with no CPUs (it places nothing) and
single-core worker nodes that each declare one `clipwright_render`; the web host is this
process, opened the way `serve --cluster ADDRESS` opens a data folder. Three figures:

1. Throughput: a batch of clips (clips per minute, first submit to last done) on one
   worker node, then again after a second node joins. Issue #17 is done when two nodes
   give at least 1.8× one. The nodes run with OMP_NUM_THREADS=1 so that two renders do
   not fight over the cores; the web host, Ray's own processes and ffmpeg share them too.
2. Dispatch overhead: a 1-step clip, submit → done through the cluster (warm actors)
   minus the same through a queue that renders in this process (`LocalRunner`, one torch
   thread as on a node), taken in turn; the median of the pairs' differences.
3. A lost node: a long render on an extra node, `remove_node` mid-render; the seconds
   until the job renders again on another node, and until it is done.

`--quick` runs tiny numbers (tests/test_bench_cluster.py). Figures: bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench.timing import machine

# What each worker node declares: one render at a time on one core.
NODE = {"num_cpus": 1, "resources": {"clipwright_render": 1}}
SPEEDUP_TARGET = 1.8  # two worker nodes vs one (issue #17's "done when")
OWNER = "key:bench"
WAIT_S = 600.0  # the longest any one wait may take before the suite gives up
POLL_S = 0.05  # how often the lost-node phase looks at its job


@dataclass(frozen=True)
class Plan:
    """How much to render. A clip of 200 steps × 49 frames takes about 3.5 s on one core."""

    jobs: int = 8  # clips per throughput batch
    steps: int = 200
    frames: int = 49  # the tiny model's longest clip
    overhead_runs: int = 5  # 1-step clips, one after another, each way
    victim_steps: int = 200  # the lost node's clip: long enough to catch it rendering
    victim_frames: int = 49


QUICK = Plan(jobs=2, steps=2, frames=9, overhead_runs=2)


@dataclass
class Batch:
    """One throughput batch: how long its clips took and where they ran."""

    nodes: int  # worker nodes in the cluster
    seconds: float  # first submit to last done
    statuses: list[str]
    nodes_used: int  # distinct nodes its jobs ran on
    render_s: float  # median of one clip's claimed → done
    cores_busy: float | None  # the whole machine's cores in use, on average (Linux)
    ours_busy: float | None  # ... by this process and the cluster it started
    host_cpu_s: float  # CPU seconds this process (the web host) spent on the batch

    @property
    def clips_per_minute(self) -> float:
        return 60.0 * len(self.statuses) / self.seconds

    @property
    def clips_per_core_minute(self) -> float | None:
        """Per core this bench had: other work on the machine taken out."""
        return self.clips_per_minute / self.ours_busy if self.ours_busy else None


@dataclass
class Overhead:
    """Submit → done of 1-step clips, on the cluster and in this process, in pairs."""

    cluster_s: list[float]
    local_s: list[float]
    statuses: list[str]

    @property
    def seconds(self) -> float:
        """The median of the pairs' differences (each pair met the same load)."""
        return statistics.median(c - l for c, l in zip(self.cluster_s, self.local_s))


@dataclass
class Restart:
    """From `remove_node` (called mid-render) to the job placed, rendering and done again."""

    removal_s: float  # how long remove_node itself took (it waits for the processes)
    placed_s: float  # a live actor on another node has the job
    rendering_s: float  # ... and reports "generating"
    done_s: float
    status: str
    attempts: int
    holder_statuses: list[str]  # the short jobs that kept the warm actors busy


@dataclass
class Report:
    """Everything one run measured, with the machine's load around it."""

    plan: Plan
    batches: list[Batch]
    overhead: Overhead
    restart: Restart
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    cores: int = field(default_factory=lambda: len(os.sched_getaffinity(0)))

    @property
    def speedup(self) -> float:
        one, two = self.batches
        return two.clips_per_minute / one.clips_per_minute

    @property
    def all_done(self) -> bool:
        statuses = [s for b in self.batches for s in b.statuses] + self.overhead.statuses \
            + self.restart.holder_statuses + [self.restart.status]
        return all(s == "done" for s in statuses)


# --- the web host ---------------------------------------------------------------------------

def _open(data: Path, cache: Path, address: str | None):
    """A data folder opened and started as `serve` (with `--cluster address` when given)."""
    from studio.parts import Settings, build
    from studio.runner import ClusterOptions
    from studio.services import open_services
    from video.engines.base import EngineSettings

    settings = Settings(data_dir=data, engines=EngineSettings(cache_dir=cache), env={},
                        music=False,
                        cluster=ClusterOptions(address=address) if address else None)
    services = open_services(build(settings))
    services.start()
    return services


def _options(steps: int, frames: int | None = None):
    from studio.director import RenderOptions

    return RenderOptions(engine="tiny", upscale=1, steps=steps, frames=frames)


def _submit(queue, count: int, options, label: str) -> list:
    from agent.shot import ShotSpec

    return [queue.submit(OWNER, ShotSpec(idea=f"a red kite over a beach, {label} {i}", seed=i,
                                         music="none"), options) for i in range(count)]


def _finish(queue, jobs: list) -> list:
    """The jobs once each is done or failed (RuntimeError when one is neither in time)."""
    finished = [queue.wait(job.id, OWNER, timeout=WAIT_S) for job in jobs]
    stuck = [job.id for job in finished if not job.finished]
    if stuck:
        raise RuntimeError(f"jobs still unfinished after {WAIT_S:.0f} s: {stuck}")
    return finished


def _wait_for(condition, what: str, timeout: float = WAIT_S):
    """condition()'s first true answer, looked for every POLL_S."""
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what}")
        time.sleep(POLL_S)
    return found


# --- the three figures --------------------------------------------------------------------------

def _batch(services, plan: Plan, nodes: int) -> Batch:
    """Warm an actor on every node (one job each, at once), then time a batch."""
    queue = services.queue
    _wait_for(lambda: queue.runner.capacity() == nodes, f"{nodes} render slot(s)")
    _finish(queue, _submit(queue, nodes, _options(plan.steps, plan.frames), f"warm-up {nodes}"))
    before, host_before = _cpu_ticks(), time.process_time()
    finished = _finish(queue, _submit(queue, plan.jobs, _options(plan.steps, plan.frames),
                                      f"batch {nodes}"))
    after, host_cpu = _cpu_ticks(), time.process_time() - host_before
    seconds = max(j.finished_at for j in finished) - min(j.created_at for j in finished)
    used = {queue.runner.ran_on[j.id].node_id for j in finished if j.id in queue.runner.ran_on}
    busy = ours = None
    if before and after:  # cores in use on average: ticks used ÷ ticks of one core
        elapsed = (after[2] - before[2]) / (os.cpu_count() or 1)
        busy, ours = ((after[i] - before[i]) / max(1, elapsed) for i in (0, 1))
    return Batch(nodes=nodes, seconds=seconds, statuses=[j.status for j in finished],
                 nodes_used=len(used),
                 render_s=statistics.median(j.finished_at - j.started_at for j in finished),
                 cores_busy=busy, ours_busy=ours, host_cpu_s=host_cpu)


def _cpu_ticks() -> tuple[int, int, int] | None:
    """Clock ticks since boot (Linux's /proc; None elsewhere): all cores busy, this process
    and its descendants (the cluster's processes, the actors, their ffmpeg), all cores."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            ticks = [int(n) for n in stat.readline().split()[1:]]
        parents, spent = {}, {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:  # fields after the command's ")": ppid is 2nd, utime..cstime 12th-15th
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # not a process, or one that has just ended
            parents[int(entry.name)] = int(fields[1])
            spent[int(entry.name)] = sum(int(n) for n in fields[11:15])
    except (OSError, ValueError):
        return None
    ours, grew = {os.getpid()}, True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in ours}
        grew, ours = bool(found - ours), ours | found
    idle = ticks[3] + ticks[4]  # idle + iowait
    return sum(ticks) - idle, sum(spent[pid] for pid in ours), sum(ticks)


def _overhead(cluster_queue, local_queue, runs: int) -> Overhead:
    """Submit → done of 1-step clips, each submitted once the one before is done, the
    cluster's and this process's in turn (after one each that is not timed)."""
    seconds: dict[str, list[float]] = {"cluster": [], "local": []}
    statuses = []
    for i in range(runs + 1):
        for label, queue in (("cluster", cluster_queue), ("local", local_queue)):
            (job,) = _finish(queue, _submit(queue, 1, _options(1), f"{label} {i}"))
            statuses.append(job.status)
            if i:
                seconds[label].append(job.finished_at - job.created_at)
    return Overhead(cluster_s=seconds["cluster"], local_s=seconds["local"], statuses=statuses)


def _restart(cluster, services, plan: Plan) -> Restart:
    """A long job on an extra node whose removal it must survive.

    The long job is sent while two short ones hold the warm actors, so that it gets a new
    actor, which only the extra node has room for; the short ones are done before the
    node goes, so that the job need not wait for a free actor elsewhere."""
    queue, runner = services.queue, services.queue.runner
    extra = cluster.add_node(**NODE)
    cluster.wait_for_nodes()
    _wait_for(lambda: runner.capacity() == len(cluster.worker_nodes), "the extra node's slot")
    holders = _submit(queue, len(cluster.worker_nodes) - 1, _options(plan.steps, plan.frames),
                      "holder")
    _wait_for(lambda: all(j.id in runner.ran_on for j in holders), "the warm actors busy")
    (victim,) = _submit(queue, 1, _options(plan.victim_steps, plan.victim_frames), "long")
    _wait_for(lambda: victim.id in runner.ran_on, "the long job placed")
    if runner.ran_on[victim.id].node_id != extra.node_id:
        raise RuntimeError("the long job went to a warm actor, not to the extra node")
    holder_statuses = [job.status for job in _finish(queue, holders)]

    def rendering(on_extra: bool) -> bool:
        where, progress = runner.ran_on[victim.id], queue.progress(victim.id)
        if progress.stage in ("done", "failed"):
            raise RuntimeError(f"the long job ended ({progress.stage}) before its node went; "
                               "give it more steps or frames")
        return progress.stage == "generating" and (where.node_id == extra.node_id) == on_extra

    _wait_for(lambda: rendering(on_extra=True), "the long job rendering on the extra node")
    removed_at, removed_wall = time.monotonic(), time.time()  # the store's clock is wall time
    cluster.remove_node(extra)
    removal = time.monotonic() - removed_at
    _wait_for(lambda: runner.ran_on[victim.id].node_id != extra.node_id, "the job placed again")
    placed = time.monotonic() - removed_at
    _wait_for(lambda: rendering(on_extra=False), "the job rendering again")
    again = time.monotonic() - removed_at
    (done,) = _finish(queue, [victim])
    return Restart(removal_s=removal, placed_s=placed, rendering_s=again,
                   done_s=done.finished_at - removed_wall, status=done.status,
                   attempts=done.attempts, holder_statuses=holder_statuses)


def run_suite(plan: Plan, cache: Path | None = None) -> Report:
    """Start a local cluster, take the three figures, take it all down again."""
    os.environ["OMP_NUM_THREADS"] = "1"  # the node processes inherit this process's env
    import ray
    from ray.cluster_utils import Cluster

    from app import default_dir

    import torch

    cache = cache or default_dir("CLIPWRIGHT_CACHE_DIR", Path.home() / ".cache" / "clipwright")
    load_before, threads = os.getloadavg(), torch.get_num_threads()
    torch.set_num_threads(1)  # the in-process baseline renders as a worker node does
    with tempfile.TemporaryDirectory(prefix="clipwright-bench-cluster-") as folder:
        # The baseline's queue first: its first render builds the tiny model in the cache
        # before any node wants it.
        local = _open(Path(folder) / "local", cache, None)
        cluster = services = None
        try:
            _finish(local.queue, _submit(local.queue, 1, _options(1), "build"))
            cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
            cluster.add_node(**NODE)
            cluster.wait_for_nodes()
            services = _open(Path(folder) / "cluster", cache, cluster.address)
            batches = [_batch(services, plan, nodes=1)]
            cluster.add_node(**NODE)
            cluster.wait_for_nodes()
            batches.append(_batch(services, plan, nodes=2))
            overhead = _overhead(services.queue, local.queue, plan.overhead_runs)
            restart = _restart(cluster, services, plan)
        finally:
            for opened in (services, local):
                if opened is not None:
                    opened.close()
            if ray.is_initialized():
                ray.shutdown()
            if cluster is not None:
                cluster.shutdown()
            torch.set_num_threads(threads)
    return Report(plan=plan, batches=batches, overhead=overhead, restart=restart,
                  load_before=load_before, load_after=os.getloadavg())


# --- the table -----------------------------------------------------------------------------------

def rows(report: Report, quick: bool = False) -> list[tuple[str, str, str]]:
    """(benchmark, figure, note) for each line of the table."""
    plan, over, lost = report.plan, report.overhead, report.restart
    one, two = report.batches
    clip = f"{plan.jobs} clips of {plan.steps} steps × {plan.frames} frames"
    verdict = ("(--quick: no verdict)" if quick else
               "target met" if report.speedup >= SPEEDUP_TARGET else "BELOW TARGET")

    def batch(b: Batch) -> str:
        busy = ("?" if b.cores_busy is None else
                f"{b.cores_busy:.2f} (this bench {b.ours_busy:.2f}, other work "
                f"{b.cores_busy - b.ours_busy:.2f})")
        return (f"{clip} in {b.seconds:.1f} s on {b.nodes_used} node(s); one clip claimed → "
                f"done {b.render_s:.2f} s (median); cores busy {busy} of {os.cpu_count()}; "
                f"web host CPU {b.host_cpu_s:.1f} s")

    return [
        ("throughput, 1 worker node", f"{one.clips_per_minute:.1f} clips/min", batch(one)),
        ("throughput, 2 worker nodes", f"{two.clips_per_minute:.1f} clips/min", batch(two)),
        ("speed-up, 2 nodes vs 1", f"{report.speedup:.2f}×",
         f"target ≥ {SPEEDUP_TARGET}×: {verdict}; per core this bench had: " + " vs ".join(
             f"{b.clips_per_core_minute:.1f}" if b.clips_per_core_minute else "?"
             for b in (one, two)) + " clips/min"),
        ("dispatch overhead per job, 1-step clip", f"{over.seconds:+.3f} s",
         f"submit → done, median of {len(over.cluster_s)} pairs taken in turn: cluster "
         f"{statistics.median(over.cluster_s):.3f} s vs in-process queue "
         f"{statistics.median(over.local_s):.3f} s; warm actors"),
        ("a lost node's job rendering again elsewhere", f"{lost.rendering_s:.2f} s",
         f"from remove_node (which took {lost.removal_s:.2f} s): placed again "
         f"{lost.placed_s:.2f} s, done {lost.done_s:.2f} s; {lost.status} after "
         f"{lost.attempts} attempts; {plan.victim_steps} steps × {plan.victim_frames} frames"),
    ]


def format_report(report: Report, quick: bool = False) -> str:
    load = lambda values: " / ".join(f"{v:.2f}" for v in values)  # noqa: E731
    lines = [f"Clipwright cluster benchmark, {time.strftime('%Y-%m-%d')}, {machine()}",
             f"{report.cores} cores for this process; load average (1/5/15 min) "
             f"{load(report.load_before)} before, {load(report.load_after)} after; "
             "worker nodes: 1 CPU each, OMP_NUM_THREADS=1; head: 0 CPUs", "",
             "| benchmark | figure | note |", "|---|---|---|"]
    lines += [f"| {name} | {figure} | {note} |" for name, figure, note in rows(report, quick)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench cluster",
        description="Tiny-engine renders on a local Ray cluster: throughput on one worker "
                    "node vs two, dispatch overhead, a lost node's job restarting.")
    parser.add_argument("--quick", action="store_true",
                        help="tiny numbers: 2 clips of 2 steps × 9 frames a batch, 2 overhead "
                             "runs (the suite's test)")
    parser.add_argument("--jobs", type=int, help=f"clips per batch (default {Plan.jobs})")
    parser.add_argument("--steps", type=int, help=f"steps a clip (default {Plan.steps})")
    parser.add_argument("--frames", type=int, help=f"frames a clip, 4k+1 ≤ 49 (default "
                                                   f"{Plan.frames})")
    parser.add_argument("--overhead-runs", type=int,
                        help=f"1-step clips each way (default {Plan.overhead_runs})")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else Plan()
    chosen = {name: value for name, value in (("jobs", args.jobs), ("steps", args.steps),
                                              ("frames", args.frames),
                                              ("overhead_runs", args.overhead_runs))
              if value is not None}
    report = run_suite(replace(plan, **chosen))
    print(format_report(report, args.quick))
    if not report.all_done:
        print("error: not every job finished (see the statuses above)", file=sys.stderr)
        return 1
    return 0 if args.quick or report.speedup >= SPEEDUP_TARGET else 1
