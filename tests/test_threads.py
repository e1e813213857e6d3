"""The thread budget: the pure share of cores between slots, the operator's overrides, that
`apply` really sets torch and OpenCV (in a child process, so this one is untouched), that
ffmpeg gets its share per call, and that the share follows the tasks running now (real
threads; torch's count per thread)."""

import json
import queue
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from errors import InputError
from video import threads
from video.ffmpeg import ffmpeg_command, probe, run_ffmpeg
from video.threads import (ThreadBudget, budget_from_env, cgroup_cpu_quota, compute_budget,
                           reserved_cores)

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("cores", [1, 2, 4, 16])
@pytest.mark.parametrize("slots", [1, 2, 3, 4])
def test_every_library_gets_at_least_one_thread_and_the_slots_never_take_more_than_the_cores(
        cores, slots):
    budget = compute_budget(cores, slots)
    counts = (budget.torch, budget.torch_interop, budget.opencv, budget.ffmpeg)
    assert min(counts) >= 1
    assert budget.ffmpeg == cores  # its threads wait, never spin: every core
    if budget.torch > 1:  # more than one each only where the cores really allow it
        assert budget.torch * slots + reserved_cores(cores) <= cores
    if budget.opencv > 1:
        assert budget.opencv * slots <= cores


@pytest.mark.parametrize("cores, slots, share, pools", [
    (1, 1, 1, 1), (2, 1, 1, 2), (2, 4, 1, 1), (4, 1, 3, 4), (4, 2, 1, 2), (16, 1, 14, 16),
    (16, 4, 3, 4)])
def test_torch_leaves_a_core_for_the_rest_of_the_process_and_the_pools_split_the_cores(
        cores, slots, share, pools):
    budget = compute_budget(cores, slots)
    assert (budget.torch, budget.opencv, budget.ffmpeg) == (share, pools, cores)


def test_the_measured_case_two_cores_one_render_is_one_torch_thread():
    # 2 cores, one slot: what fixed `generate --engine tiny` under load (issue #21).
    budget = compute_budget(2, 1)
    assert (budget.torch, budget.torch_interop, budget.source) == (1, 1, "cores")
    assert "torch 1" in budget.describe() and "2 cores, 1 slot " in budget.describe()
    assert (budget.opencv, budget.ffmpeg) == (2, 2)  # post-production keeps both cores


def test_the_environment_overrides_the_computed_share():
    assert budget_from_env({}, 16, 1).torch == 14
    assert budget_from_env({"CLIPWRIGHT_THREADS": "auto"}, 16, 1).torch == 14
    by_operator = budget_from_env({"CLIPWRIGHT_THREADS": "3", "OMP_NUM_THREADS": "5"}, 16, 1)
    assert (by_operator.torch, by_operator.ffmpeg, by_operator.source) == (
        3, 3, "CLIPWRIGHT_THREADS")
    by_omp = budget_from_env({"OMP_NUM_THREADS": "5"}, 2, 4)
    assert (by_omp.opencv, by_omp.source) == (5, "OMP_NUM_THREADS")
    assert budget_from_env({"OMP_NUM_THREADS": "4,2"}, 16, 1).torch == 4  # nested: outer
    assert budget_from_env({"OMP_NUM_THREADS": "lots"}, 16, 1).source == "cores"
    assert budget_from_env({"CLIPWRIGHT_THREADS": "Default"}, 16, 1) is None


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_a_thread_count_that_is_not_one_or_more_is_refused_in_words(value):
    with pytest.raises(InputError, match="CLIPWRIGHT_THREADS must be a whole number"):
        budget_from_env({"CLIPWRIGHT_THREADS": value}, 2, 1)


def test_zero_cores_or_slots_still_give_one_thread():
    assert compute_budget(0, 0) == ThreadBudget(cores=1, slots=1, torch=1, torch_interop=1,
                                                opencv=1, ffmpeg=1, source="cores")
    assert compute_budget(8, 1, per_task=0).torch == 1


def test_a_cgroup_quota_is_read_in_whole_cores(tmp_path):
    assert cgroup_cpu_quota(tmp_path) is None  # no files: no limit
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert cgroup_cpu_quota(tmp_path) is None
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert cgroup_cpu_quota(tmp_path) == 2
    v1 = tmp_path / "v1"
    (v1 / "cpu").mkdir(parents=True)
    (v1 / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    (v1 / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert cgroup_cpu_quota(v1) is None
    (v1 / "cpu" / "cpu.cfs_quota_us").write_text("300000\n")
    assert cgroup_cpu_quota(v1) == 3
    assert threads.usable_cores(tmp_path) == min(2, len(__import__("os").sched_getaffinity(0)))


CHILD = """
import json, os, sys, threading
order = sys.argv[1]
if order == "torch-first":
    import torch
from video import threads
budget = threads.configure(slots=1) if order != "bare" else None
import cv2, torch
seen = {}
worker = threading.Thread(target=lambda: seen.update(worker=torch.get_num_threads()))
worker.start(); worker.join()
print(json.dumps({"budget": None if budget is None else budget.torch,
                  "torch": torch.get_num_threads(), "worker": seen["worker"],
                  "interop": torch.get_num_interop_threads(), "cv2": cv2.getNumThreads(),
                  "ffmpeg": threads.ffmpeg_threads()}))
"""


def run_child(order: str, **env: str) -> dict:
    import os

    child_env = {k: v for k, v in os.environ.items()
                 if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "CLIPWRIGHT_THREADS")}
    child_env.update(env, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", CHILD, order], capture_output=True, text=True,
                          env=child_env, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("order", ["torch-first", "torch-later"])
def test_apply_sets_torch_and_opencv_whether_torch_is_loaded_before_or_after(order):
    # 1: a torch loaded later reads OMP_NUM_THREADS, which it caps at the machine's cores
    seen = run_child(order, CLIPWRIGHT_THREADS="1")
    # a thread started later (a job's worker) runs torch with the same count
    assert (seen["budget"], seen["torch"], seen["worker"], seen["cv2"], seen["ffmpeg"]) == (
        1, 1, 1, 1, 1)
    if order == "torch-first":  # set through the API; a later torch never starts the pool
        assert seen["interop"] == 1


@pytest.mark.slow
def test_library_defaults_are_left_alone_when_the_operator_asks():
    bare = run_child("bare")  # a process that never heard of the budget
    seen = run_child("torch-first", CLIPWRIGHT_THREADS="default")
    assert seen["budget"] is None and seen["ffmpeg"] is None
    assert (seen["torch"], seen["interop"], seen["cv2"]) == (
        bare["torch"], bare["interop"], bare["cv2"])


@pytest.fixture
def budget_of_two():
    before = threads.applied()
    threads.apply(compute_budget(8, 2, per_task=2))  # sets this process's cv2 to 2 too
    yield
    threads._applied = before  # keep the rest of the session as it was (library defaults)
    import cv2

    cv2.setNumThreads(-1)  # OpenCV's own default again


def test_ffmpeg_gets_the_budgets_share_unless_the_caller_names_a_count(budget_of_two):
    budgeted = ffmpeg_command(["-i", "in.mp4", "out.mp4"])
    assert budgeted[-3:] == ["-threads", "2", "out.mp4"]
    assert budgeted.index("-filter_threads") < budgeted.index("-i")
    assert budgeted[budgeted.index("-filter_threads") + 1] == "2"
    exact = ffmpeg_command(["-i", "in.mp4", "out.mp4"], threads=1)  # bit-exact callers
    assert exact[-3:] == ["-threads", "1", "out.mp4"] and "-filter_threads" not in exact


def test_without_a_budget_ffmpeg_chooses_its_own_threads():
    assert threads.applied() is None  # nothing in the test session applied one
    command = ffmpeg_command(["-i", "in.mp4", "out.mp4"])
    assert "-threads" not in command and "-filter_threads" not in command


def test_a_real_encode_with_the_budgets_threads_succeeds(budget_of_two, tmp_path):
    frames = np.random.default_rng(0).integers(0, 256, (9, 64, 96, 3), dtype=np.uint8)
    out = tmp_path / "budget.mp4"
    run_ffmpeg(["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "96x64", "-framerate", "8",
                "-i", "pipe:0", "-vf", "scale=192:128:flags=lanczos", "-c:v", "libx264",
                "-pix_fmt", "yuv420p", "-f", "mp4", str(out)], input_bytes=frames.tobytes())
    info = probe(out)
    assert info.video_frames == 9 and info.first("video").width == 192


# --- the share follows the tasks running now -----------------------------------------------

@pytest.mark.parametrize("cores, running, torch_share, pools", [
    (2, 1, 1, 2), (2, 2, 1, 1), (2, 3, 1, 1),
    (16, 1, 14, 16), (16, 2, 7, 8), (16, 3, 4, 5)])
def test_a_tasks_share_splits_the_cores_between_the_tasks_running(cores, running, torch_share,
                                                                   pools):
    started_with = compute_budget(cores, slots=3)  # the queue's slots: the start-up figure
    share = threads.task_share(started_with, running)
    assert (share.torch, share.torch_interop, share.opencv, share.ffmpeg, share.slots) == (
        torch_share, 1, pools, cores, running)


def test_an_operators_figure_and_library_defaults_ignore_the_count():
    fixed = budget_from_env({"CLIPWRIGHT_THREADS": "3"}, 16, 4)
    by_omp = budget_from_env({"OMP_NUM_THREADS": "2"}, 16, 4)
    for running in (1, 2, 5):
        share = threads.task_share(fixed, running)
        assert (share.torch, share.opencv, share.ffmpeg, share.source) == (
            3, 3, 3, "CLIPWRIGHT_THREADS")
        assert threads.task_share(by_omp, running).opencv == 2
        assert threads.task_share(None, running) is None


@pytest.fixture
def process_budget(monkeypatch):
    """Set this process's budget for a test (as `apply` keeps it) without touching torch's
    main-thread count; OpenCV's and torch's counts are put back after."""
    import cv2
    import torch

    cv2_before, torch_before = cv2.getNumThreads(), torch.get_num_threads()

    def use(budget: ThreadBudget | None) -> None:
        monkeypatch.setattr(threads, "_applied", budget)

    yield use
    assert threads.running_tasks() == 0  # every task a test entered has ended
    cv2.setNumThreads(cv2_before)
    torch.set_num_threads(torch_before)  # also the figure threads started later take


class JobThread:
    """A job on a real thread of its own, entering and leaving its task when the test says;
    each step is awaited (on a queue, never on time), then its torch counts read there
    (`read` alone only reads them)."""

    def __init__(self):
        self._orders: queue.Queue[str] = queue.Queue()
        self._done: queue.Queue[BaseException | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run)
        self.share: ThreadBudget | None = None
        self.torch = 0  # torch.get_num_threads() after the last step
        self.parallel_info = ""  # torch's OpenMP and MKL figures after it

    def __enter__(self) -> "JobThread":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._orders.put("stop")
        self._thread.join()

    def read(self) -> int:
        self._do("read")
        return self.torch

    def enter(self, *, then_read: bool = True) -> None:
        self._do("enter" if then_read else "enter, no read")

    def follow(self) -> None:
        self._do("follow")

    def leave(self) -> None:
        self._do("leave")

    def _do(self, order: str) -> None:
        self._orders.put(order)
        if (failure := self._done.get(timeout=60)) is not None:
            raise failure

    def _run(self) -> None:
        import torch

        task = threads.running_task()
        while (order := self._orders.get()) != "stop":
            try:
                if order.startswith("enter"):
                    self.share = task.__enter__()
                    if order == "enter, no read":  # its first torch op comes later
                        self._done.put(None)
                        continue
                elif order == "follow":
                    threads.follow_running_tasks()
                elif order == "leave":
                    task.__exit__(None, None, None)
                self.torch = torch.get_num_threads()
                self.parallel_info = torch.__config__.parallel_info()
                self._done.put(None)
            except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
                self._done.put(exc)


def test_the_count_goes_up_and_down_and_opencv_follows_it_ffmpeg_keeps_every_core(
        process_budget):
    import cv2

    process_budget(compute_budget(16, slots=3))
    assert threads.running_tasks() == 0
    seen = []
    with threads.running_task() as first, JobThread() as other:
        seen.append((threads.running_tasks(), cv2.getNumThreads(), threads.ffmpeg_threads()))
        other.enter()  # a second job, on its own thread
        seen.append((threads.running_tasks(), cv2.getNumThreads(), threads.ffmpeg_threads()))
        other.leave()  # it ended: this one gets the whole machine back
        seen.append((threads.running_tasks(), cv2.getNumThreads(), threads.ffmpeg_threads()))
    assert (first.opencv, other.share.opencv) == (16, 8)
    # ffmpeg's threads wait rather than spin, and an encode outlives the jobs beside it
    # when it starts: it keeps every core whatever the count.
    assert seen == [(1, 16, 16), (2, 8, 16), (1, 16, 16)]
    # none running: OpenCV back to the start-up figure (3 slots)
    assert (threads.running_tasks(), cv2.getNumThreads()) == (0, 5)


def test_the_grade_grades_as_many_blocks_at_once_as_the_cores_allow(process_budget):
    """The grade's own pool (styles/grades.py) waits rather than spins: it takes ffmpeg's
    figure (every core, at most 4), whatever runs beside it; an operator's fixed figure;
    a figure asked for; with library defaults, the cores."""
    import os

    from styles.grades import ClipGrade, GradeStep

    grade = ClipGrade((GradeStep("saturation", {"amount": 0.5}),), seed=1)
    process_budget(compute_budget(2, slots=1))
    assert grade._workers() == 2
    with threads.running_task(), JobThread() as other:
        other.enter()
        assert grade._workers() == 2  # two jobs on two cores: still both
        other.leave()
    process_budget(compute_budget(16, slots=1))
    assert grade._workers() == 4
    process_budget(budget_from_env({"CLIPWRIGHT_THREADS": "1"}, 16, 1))
    assert grade._workers() == 1
    assert ClipGrade(grade.steps, seed=1, workers=3)._workers() == 3
    process_budget(None)
    assert grade._workers() == min(4, os.cpu_count() or 1)


def test_a_job_that_raises_still_ends_its_task(process_budget):
    import cv2

    process_budget(compute_budget(16, slots=1))
    with pytest.raises(RuntimeError, match="the render failed"):
        with threads.running_task():
            with threads.running_task() as inner:  # entered again on its thread: counted once
                assert threads.running_tasks() == 1 and inner.opencv == 16
            assert threads.running_tasks() == 1
            raise RuntimeError("the render failed")
    assert threads.running_tasks() == 0 and cv2.getNumThreads() == 16


def test_library_defaults_and_a_fixed_figure_set_nothing_new(process_budget):
    import cv2
    import torch

    process_budget(None)
    cv2_before, torch_before = cv2.getNumThreads(), torch.get_num_threads()
    with threads.running_task() as share:
        assert share is None and threads.ffmpeg_threads() is None
        assert threads.follow_running_tasks() is None
        assert (cv2.getNumThreads(), torch.get_num_threads()) == (cv2_before, torch_before)
        assert threads.running_tasks() == 1  # counted all the same
    process_budget(compute_budget(16, 4, per_task=3, source="CLIPWRIGHT_THREADS"))
    with threads.running_task(), JobThread() as other:
        other.enter()  # two tasks: each keeps the operator's 3
        assert (cv2.getNumThreads(), threads.ffmpeg_threads(), torch.get_num_threads(),
                other.torch) == (3, 3, 3, 3)
        other.leave()


def test_each_tasks_thread_runs_torch_with_its_own_count(process_budget):
    import torch

    main_thread = torch.get_num_threads()
    process_budget(compute_budget(16, slots=3))
    with JobThread() as alone, JobThread() as beside:
        # A fresh thread, one task: 16 cores − 2 kept back = 14; its first torch op comes
        # after another thread set 7, and must not take that figure.
        alone.enter(then_read=False)
        beside_before = beside.read()  # a thread that ran torch before its task
        beside.enter()  # two tasks: 7 for the new one...
        assert (alone.read(), beside.torch) == (14, 7)  # ...while the first keeps its 14
        for job, count in ((alone, 14), (beside, 7)):  # torch's own kernels and MKL's
            assert f"omp_get_max_threads() : {count}" in job.parallel_info
            if "mkl_get_max_threads" in job.parallel_info:
                assert f"mkl_get_max_threads() : {count}" in job.parallel_info
        alone.follow()  # the first takes its share for two once it follows, between steps
        assert alone.torch == 7
        beside.leave()  # its thread's count as it was before the task
        assert beside.torch == beside_before
        alone.follow()  # the job left alone gets its 14 back
        assert alone.torch == 14
        alone.leave()
    assert torch.get_num_threads() == main_thread  # no other thread's count was touched
