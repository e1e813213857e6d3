"""The thread budget: the pure share of cores between slots, the operator's overrides, that
`apply` really sets torch and OpenCV (in a child process, so this one is untouched), and
that ffmpeg gets its share per call."""

import json
import subprocess
import sys
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
    assert budget.opencv == budget.ffmpeg  # a task's steps run one after another
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
    assert (budget.torch, budget.opencv, budget.ffmpeg) == (share, pools, pools)


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
