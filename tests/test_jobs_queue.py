"""studio/jobs.py: the job queue running real renders (tiny engine) through the director."""

import time

import pytest

from studio.director import Director, RenderOptions
from studio.job_records import (CANCELLED, INTERRUPTED_TWICE, STAGE_WEIGHTS, encode_options,
                                encode_spec)
from studio.jobs import JobQueue
from agent.shot import ShotSpec
from api_support import wait_for
from errors import EngineUnavailable
from store.db import Database
from store.jobs import JobStore
from video.engines.pool import EnginePool
from video.ffmpeg import probe

TINY = RenderOptions(engine="tiny", upscale=1)
SLOW = RenderOptions(engine="tiny", upscale=1, steps=200)  # long enough to catch it running


@pytest.fixture(scope="module")
def director(engine_settings):
    """One director (and so one loaded tiny pipeline) for the module."""
    return Director(EnginePool(engine_settings))


@pytest.fixture
def queue(tmp_path, director):
    db = Database(tmp_path / "data" / "clipwright.db")
    jobs = JobQueue(db, director, tmp_path / "data")
    yield jobs
    jobs.stop()
    db.close()


def stepping(queue: JobQueue, job_id: str) -> bool:
    """True once the job's denoising steps run (its model is loaded): cancelling is prompt."""
    progress = queue.progress(job_id)
    return progress.stage == "generating" and progress.fraction > STAGE_WEIGHTS["rewriting"]


def spec(idea="a cat lying in the grass", seed=5) -> ShotSpec:
    return ShotSpec(idea=idea, seed=seed)


def test_a_job_renders_and_records_its_files(queue, tmp_path):
    queue.start()
    job = queue.submit("session:s1", spec(), TINY, request_id="first")
    assert job.status in ("queued", "running") and job.owner == "session:s1"
    done = queue.wait(job.id, "session:s1", timeout=300)
    assert done.status == "done", done.error
    assert done.mp4 == tmp_path / "data" / "jobs" / job.id / "clip.mp4"
    assert probe(done.mp4).video_frames > 0 and done.poster.is_file()
    assert (done.engine, done.model, done.seed, done.test_pattern) == ("tiny", "tiny", 5, True)
    assert done.prompt and done.started_at >= done.created_at and done.finished_at
    # Paths are kept relative to the data folder, so the folder can move.
    row = queue.store.get(job.id)
    assert row.mp4 == f"jobs/{job.id}/clip.mp4"
    assert queue.position(job.id) == -1
    assert queue.progress(job.id).stage == "done" and queue.progress(job.id).fraction == 1.0
    # A repeat of the same request is the same job, not a second render.
    assert queue.submit("session:s1", spec("something else"), TINY, request_id="first").id == job.id
    assert len(queue.list("session:s1")) == 1


def test_owners_see_only_their_jobs(queue):
    job = queue.submit("key:a", spec(), TINY)
    assert queue.get(job.id, "key:a").id == job.id
    assert queue.get(job.id, "key:b") is None
    assert not queue.cancel(job.id, "key:b")
    assert queue.get(job.id, "key:a").status == "queued"
    assert queue.list("key:b") == [] and queue.in_flight("key:a") == 1


def test_positions_and_estimates_while_waiting(queue):
    first = queue.submit("key:a", spec(), TINY)
    second = queue.submit("key:a", spec(), TINY)
    other = queue.submit("session:b", spec(), TINY)
    assert [queue.position(j.id) for j in (first, other, second)] == [1, 2, 3]
    waiting = queue.progress(second.id)
    assert (waiting.stage, waiting.detail, waiting.eta_s) == ("queued", "3 in line", None)
    assert queue.position("no-such-job") == -1


def test_cancel_a_waiting_and_a_running_job(queue):
    queue.start()
    running = queue.submit("key:a", spec(), SLOW)
    waiting = queue.submit("key:a", spec(), TINY)
    wait_for(lambda: stepping(queue, running.id), 300, "the first denoising step")
    assert queue.position(running.id) == 0
    assert 0 < queue.progress(running.id).fraction < 1
    assert queue.cancel(waiting.id, "key:a")
    assert queue.cancel(running.id, "key:a")
    stopped = queue.wait(running.id, "key:a", timeout=300)
    assert (stopped.status, stopped.error) == ("failed", CANCELLED)
    assert (queue.get(waiting.id, "key:a").status, queue.get(waiting.id, "key:a").error) == (
        "failed", CANCELLED)
    assert not (queue.jobs_dir / running.id / "clip.mp4").exists()


def test_a_failing_job_says_why_and_the_worker_goes_on(queue):
    queue.start()
    bad = queue.submit("key:a", spec(), RenderOptions(engine="tiny", model="cogvideox-5b"))
    good = queue.submit("key:a", spec(), TINY)
    failed = queue.wait(bad.id, "key:a", timeout=300)
    assert failed.status == "failed" and "tiny models" in failed.error
    assert queue.wait(good.id, "key:a", timeout=300).status == "done"


def test_a_damaged_row_fails_with_a_reason_instead_of_blocking_the_line(queue):
    """The line asks the runner whether a job can run anywhere before it takes it; a row
    whose options no longer read (a hand edit, a bad migration) must fail like any broken
    job, not stay "running" for ever."""
    broken = queue.submit("key:a", spec(), TINY)
    with queue.store.db.transaction() as conn:
        conn.execute("UPDATE jobs SET options = '{not json' WHERE id = ?", (broken.id,))
    good = queue.submit("key:a", spec(), TINY)
    queue.start()
    # The good job behind it renders: the worker lived through the broken one.
    assert queue.wait(good.id, "key:a", timeout=300).status == "done"
    failed = queue.store.get(broken.id)
    assert failed.status == "failed" and failed.error


@pytest.mark.parametrize("column, value", [("options", "{not json"), ("spec", "[]"),
                                           ("spec", '"just words"'),
                                           ("spec", '{"no idea": true}')])
def test_its_owner_still_reads_a_damaged_row_with_the_reason_and_no_made_up_idea(
        queue, column, value):
    """Reading a job (the API's GET, the list, a repeated request) must not fail on a row
    that no longer reads: the owner gets the job with why, its idea empty, never a guess."""
    damaged = queue.submit("key:a", spec(), TINY, request_id="req-1")
    with queue.store.db.transaction() as conn:
        conn.execute(f"UPDATE jobs SET {column} = ? WHERE id = ?", (value, damaged.id))
    for job in (queue.get(damaged.id, "key:a"), queue.list("key:a")[0],
                queue.find("key:a", "req-1"),
                queue.submit("key:a", spec(), TINY, request_id="req-1")):
        assert job.id == damaged.id and job.status == "queued"
        assert "no longer reads" in job.error and job.spec.idea == ""
    assert queue.get(damaged.id, "key:b") is None  # still nobody else's


def _interrupted_job(data_dir, attempts: int) -> str:
    """A job a dead process left running, with a half-written file beside it."""
    db = Database(data_dir / "clipwright.db")
    jobs = JobStore(db)
    row, _ = jobs.add("key:a", encode_spec(spec()), encode_options(TINY))
    for _ in range(attempts):
        jobs.requeue(row.id)
        jobs.claim_next()
    folder = data_dir / "jobs" / row.id
    folder.mkdir(parents=True)
    (folder / ".clip.mp4.abc123.part").write_bytes(b"half a video")
    db.close()
    return row.id


def test_restart_requeues_an_interrupted_job_once(queue, tmp_path):
    job_id = _interrupted_job(tmp_path / "data", attempts=1)
    queue.start()
    done = queue.wait(job_id, "key:a", timeout=300)
    assert done.status == "done" and done.attempts == 2
    assert not list((queue.jobs_dir / job_id).glob("*.part"))


def test_restart_gives_up_a_job_interrupted_twice(queue, tmp_path):
    job_id = _interrupted_job(tmp_path / "data", attempts=2)
    queue.start()
    failed = queue.get(job_id, "key:a")
    assert (failed.status, failed.error) == ("failed", INTERRUPTED_TWICE)
    assert not list((queue.jobs_dir / job_id).glob("*.part"))
    assert queue.store.db.query("PRAGMA integrity_check")[0][0] == "ok"


def test_one_process_runs_a_data_folders_jobs(queue, tmp_path, director):
    queue.start()
    db = Database(tmp_path / "data" / "clipwright.db")
    second = JobQueue(db, director, tmp_path / "data")
    with pytest.raises(EngineUnavailable, match="another Clipwright process"):
        second.start()
    queue.stop()
    second.start()
    second.stop()
    db.close()


def test_stop_puts_a_running_job_back_in_line(queue, tmp_path, director):
    queue.start()
    job = queue.submit("key:a", spec(), SLOW)
    wait_for(lambda: stepping(queue, job.id), 300, "the first denoising step")
    started = time.monotonic()
    queue.stop()
    assert time.monotonic() - started < 20
    back = queue.get(job.id, "key:a")
    assert (back.status, back.attempts) == ("queued", 0)


def test_specs_and_options_survive_the_database_across_releases():
    from pathlib import Path

    from studio.job_records import decode_options, decode_spec

    full = ShotSpec(idea="猎豹卧在草地上", camera="slow push in", style="ink-wash", seed=7,
                    source_image=Path("/data/uploads/s/photo.jpg"), duration=5.0)
    assert decode_spec(encode_spec(full)) == full
    options = RenderOptions(engine="tiny", model="tiny", steps=3, frames=9, fps=32, upscale=1)
    assert decode_options(encode_options(options)) == options
    # A field a newer release wrote, or an older one dropped, does not break reading.
    assert decode_spec('{"idea": "a cat", "invented_later": 1}') == ShotSpec(idea="a cat")
    assert decode_options('{"engine": "tiny", "gone_now": true}') == RenderOptions(engine="tiny")
