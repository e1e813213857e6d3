"""The job queue's local runner counts each job as a running task of the thread budget
(video/threads.py): seen from inside a real tiny render's progress reports, on the job's own
thread, with another job's task beside it that ends midway."""

from __future__ import annotations

import threading

import pytest

from agent.shot import ShotSpec
from errors import GenerationCancelled
from studio.director import Director, RenderOptions, Stage
from studio.runner import LocalRunner
from video import threads
from video.engines.pool import EnginePool
from video.threads import compute_budget


@pytest.fixture
def four_core_budget(monkeypatch):
    """This process's budget as if it had 4 cores and 3 slots (torch 3 for a task alone,
    1 beside another; OpenCV 4, then 2; ffmpeg 4 throughout); OpenCV's count is put back
    after."""
    import cv2

    cv2_before = cv2.getNumThreads()
    monkeypatch.setattr(threads, "_applied", compute_budget(4, slots=3))
    yield
    assert threads.running_tasks() == 0
    cv2.setNumThreads(cv2_before)


class JobBeside:
    """Another job's task on a thread of its own, running until `end()`."""

    def __init__(self):
        self._entered, self._may_end = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        with threads.running_task():
            self._entered.set()
            self._may_end.wait()

    def start(self) -> None:
        self._thread.start()
        assert self._entered.wait(60)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def end(self) -> None:
        self._may_end.set()
        self._thread.join()


def render_on_a_worker_thread(runner: LocalRunner, out, on_progress, steps: int = 2):
    """runner.render on a thread of its own, as the job queue's workers call it; what it
    raised, if anything."""
    raised: list[BaseException] = []

    def work() -> None:
        try:
            runner.render("job", ShotSpec(idea="a lighthouse at night", seed=1, music="none"),
                          out, RenderOptions(engine="tiny", steps=steps),
                          on_progress=on_progress, on_preview=lambda preview: None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            raised.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    return raised[0] if raised else None


@pytest.mark.slow
def test_a_local_render_is_a_running_task_that_follows_the_jobs_beside_it(
        four_core_budget, engine_settings, tmp_path):
    import cv2
    import torch

    runner = LocalRunner(Director(EnginePool(engine_settings)), slots=3)
    beside = JobBeside()
    beside.start()
    seen: list[tuple[str, int, int, int | None, int]] = []

    def on_progress(stage, fraction, detail):
        seen.append((stage, threads.running_tasks(), cv2.getNumThreads(),
                     threads.ffmpeg_threads(), torch.get_num_threads()))
        if stage == Stage.GENERATING and beside.running:
            beside.end()  # the other job finishes while this one renders

    assert render_on_a_worker_thread(runner, tmp_path / "clip.mp4", on_progress) is None
    assert (tmp_path / "clip.mp4").is_file()
    # two jobs at first: half OpenCV's pool each, torch one thread; ffmpeg every core
    assert seen[0] == (Stage.REWRITING, 2, 2, 4, 1)
    # alone once the other ended: the whole machine, and torch re-set at the next report
    assert seen[-1] == (Stage.POST_PRODUCTION, 1, 4, 4, 3)
    # none running: OpenCV at the start-up figure again (4 cores // 3 slots)
    assert (threads.running_tasks(), cv2.getNumThreads()) == (0, 1)


@pytest.mark.slow
def test_a_cancelled_local_render_ends_its_task(four_core_budget, engine_settings, tmp_path):
    runner = LocalRunner(Director(EnginePool(engine_settings)), slots=3)
    counted: list[int] = []

    def cancel_while_generating(stage, fraction, detail):
        counted.append(threads.running_tasks())
        if stage == Stage.GENERATING:
            raise GenerationCancelled("stop")

    raised = render_on_a_worker_thread(runner, tmp_path / "clip.mp4", cancel_while_generating)
    assert isinstance(raised, GenerationCancelled)
    assert counted and set(counted) == {1}
    assert threads.running_tasks() == 0
