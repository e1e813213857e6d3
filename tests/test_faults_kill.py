"""kill -9 at the worst moments — in the middle of generating, of the music mux, of database
writes — then start again: the database is whole, nothing half-written is left where anyone
can see it, every job is re-run or failed with a reason its owner reads, and a retry works.

The processes are the app's own (`python app.py serve` and `python app.py api`) on the tiny
engine. The moment to kill comes from real signals: the engine's "placed" log line (the
pipeline is loaded and the denoising loop starts), and an ffmpeg stand-in (IMAGEIO_FFMPEG_EXE)
that reports each call and holds the mux still, as a slow disk would.
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time

import httpx
import pytest

from studio.director import RenderOptions
from studio.job_records import INTERRUPTED_TWICE
from studio.jobs import JobQueue
from api_support import result, submit, wait_for, wait_result
from fault_support import (ROOT, AppProcess, FfmpegStandIn, create_key, half_written, integrity,
                           job_row, studio_on, wait_running)
from store.creations import CreationStore
from store.db import Database
from store.jobs import JobStore
from store.layout import DataLayout
from studio.session import ShotEdits
from video.ffmpeg import probe

pytestmark = pytest.mark.slow


def make_key(data, in_flight: int = 50) -> str:
    return create_key(data, "faults", submits_per_minute=600, max_in_flight=in_flight)[1]


def test_kill_while_generating_in_the_browser_app(tmp_path, shared_cache, engine_settings):
    """A browser's render: the serve process dies in the denoising loop; after a restart
    the job runs again and the page collects a whole video from it."""
    data = tmp_path / "data"
    studio, db = studio_on(data, engine_settings)  # the page's wiring; the server runs jobs
    layout = studio.layout
    ffmpeg = FfmpegStandIn(tmp_path)
    server = AppProcess("serve", data, shared_cache, env=ffmpeg.env)
    try:
        session = studio.open_session(None, "en")
        studio.say(session, "a cat asleep on a warm roof")
        job = studio.generate(session, ShotEdits(music="none"),
                              RenderOptions(engine="tiny", steps=12, upscale=1))
        wait_running(data, job.id, attempts=1)
        wait_for(lambda: server.logged("placed:"), 240, "the pipeline to load")
    finally:
        server.kill()
    assert "encode" not in ffmpeg.kinds()  # it died before post-production began
    assert job_row(data, job.id)["status"] == "running"
    assert integrity(layout.db_path) == "ok"

    server = AppProcess("serve", data, shared_cache, env=ffmpeg.env)
    try:
        assert httpx.get(server.url + "/", timeout=30).status_code == 200
        status = studio.status(session, job.id)
        assert status is not None and status.job.id == job.id  # the page follows it again
        done = studio.queue.wait(job.id, session.owner, timeout=300)
        assert (done.status, done.attempts) == ("done", 2), done.error
        creation = studio.collect(session, done)
        assert probe(creation.mp4).video_frames == creation.frames > 0
        assert creation.poster.is_file() and creation.gif.is_file()
        assert studio.history(session)[-1].creation_id == creation.id
        assert studio.pending_job(session) is None
        # Retry: drawing it again renders as usual on the restarted server.
        again = studio.draw_again(session, creation.id, RenderOptions(engine="tiny", steps=1))
        assert studio.queue.wait(again.id, session.owner, timeout=300).status == "done"
    finally:
        server.stop()
    assert half_written(data) == []
    assert integrity(layout.db_path) == "ok"
    db.close()


def test_kill_during_the_music_mux_twice_fails_it_with_a_reason(tmp_path, shared_cache):
    """An API job dies twice while its soundtrack is muxed: it is given up with a reason,
    nothing of it is left, and the same request sent again renders with its music."""
    data = tmp_path / "data"
    key = make_key(data)
    body = {"model": "cogvideox-3", "prompt": "a kite over the sea", "with_audio": True,
            "music": "still-water"}
    task_id = None
    for attempt in (1, 2):
        ffmpeg = FfmpegStandIn(tmp_path, hold="mux")
        ffmpeg.log.unlink(missing_ok=True)
        server = AppProcess("api", data, shared_cache, env=ffmpeg.env)
        try:
            if task_id is None:
                task_id = submit(server.url, key, {**body, "request_id": "kite"}).json()["id"]
            wait_for(lambda: "mux" in ffmpeg.kinds(), 240, f"the mux (attempt {attempt})")
            folder = data / "jobs" / task_id
            assert list(folder.glob(".clip.mp4.*.part"))  # the muxed file is being written
            assert not (folder / "clip.mp4").exists()
            assert result(server.url, key, task_id).json()["task_status"] == "PROCESSING"
        finally:
            server.kill()
            ffmpeg.kill_held()
        assert job_row(data, task_id)["attempts"] == attempt
        assert integrity(data / "clipwright.db") == "ok"

    server = AppProcess("api", data, shared_cache)
    try:
        answer = result(server.url, key, task_id).json()
        assert answer["task_status"] == "FAIL" and answer["video_result"] == []
        assert answer["error_message"] == INTERRUPTED_TWICE
        assert not (data / "jobs" / task_id).exists()  # nothing of it remains
        retry = submit(server.url, key, {**body, "request_id": "kite, again"}).json()
        done = wait_result(server.url, key, retry["id"])
        assert done["task_status"] == "SUCCESS", done
        video = tmp_path / "retry.mp4"
        video.write_bytes(httpx.get(done["video_result"][0]["url"], timeout=30).content)
        assert probe(video).first("audio").codec == "aac"
    finally:
        server.stop()
    assert half_written(data) == []
    assert integrity(data / "clipwright.db") == "ok"


def test_kill_in_the_middle_of_database_writes(tmp_path):
    """A writer doing nothing but store transactions (jobs, creations, shares, deletes,
    chat state) is killed -9 five times: every change it reported survives whole, every
    listed creation has its files, and the next start recovers the rest."""
    data = tmp_path / "data"
    session = "0123456789abcdef0123456789abcdef"
    reported: list[list[str]] = []
    in_flight: set[str] = set()  # creations of a step the kill cut short: deleted or not
    rng = random.Random(10)
    for _ in range(5):
        writer = subprocess.Popen([sys.executable, str(ROOT / "tests" / "fault_writer.py"),
                                   str(data), session], cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        first = writer.stdout.readline()
        assert first.startswith("job "), first + writer.stderr.read()
        time.sleep(rng.uniform(0.2, 0.8))
        writer.kill()
        # Read on through the same text buffer: readline above may already hold more than
        # the first line, which communicate() (reading the pipe itself) would skip.
        out = writer.stdout.read()
        writer.wait(10)
        writer.stdout.close()
        writer.stderr.close()
        whole = (first + out).split("\n")[:-1]  # a line the kill cut short is not reported
        lines = [line.split() for line in whole if line.strip()]
        assert all(len(words) >= 2 for words in lines), whole
        last_state = max((i for i, words in enumerate(lines) if words[0] == "state"), default=-1)
        in_flight |= {words[1] for words in lines[last_state + 1:] if words[0] == "creation"}
        reported += lines
        last_step = max((int(words[1]) for words in lines if words[0] == "state"), default=0)
        assert integrity(data / "clipwright.db") == "ok"
    assert len(reported) > 25  # the kills landed among many transactions

    layout = DataLayout(data)
    db = Database(layout.db_path)
    store, jobs = CreationStore(db, layout), JobStore(db)
    deleted = {words[1] for words in reported if words[0] == "deleted"} | in_flight
    for words in reported:
        kind, ident = words[0], words[1]
        if kind == "job":
            assert jobs.get(ident) is not None
        elif kind == "done":
            row = jobs.get(ident)
            assert row.status == "done" and row.mp4 == f"jobs/{ident}/clip.mp4"
        elif kind == "creation" and ident not in deleted:
            assert store.creation(ident, session) is not None
        elif kind == "share" and words[2] not in deleted:
            assert store.shared(ident).id == words[2]
        elif kind == "deleted" and ident not in in_flight:
            assert store.creation(ident, session) is None
            assert not layout.creation_dir(ident).exists()
    assert store.state(session)["step"] >= last_step  # of the last run
    for row in db.query("SELECT * FROM jobs"):  # no torn rows
        assert row["status"] in ("queued", "running", "done")
        assert (row["status"] == "done") == (row["mp4"] is not None)
    for creation in store.creations(session):  # whatever is listed is whole
        assert creation.mp4.is_file() and creation.poster.is_file()
        assert creation.mp4.stat().st_size == 4096 + 12
    # A start after the crashes: jobs left running go back in line, and folders a kill
    # left between publishing and recording (or mid-delete) go once they are old.
    jobs.recover_interrupted(2, INTERRUPTED_TWICE)
    assert not db.query("SELECT 1 FROM jobs WHERE status = 'running'")
    store.sweep_orphans(older_than_s=0)
    layout.sweep_staging(older_than_s=0)
    listed = {c.id for c in store.creations(session)}
    assert {f.name for f in layout.creations.iterdir()} == listed
    assert half_written(data) == []
    assert db.query("PRAGMA integrity_check")[0][0] == "ok"
    db.close()


def test_kill_the_api_during_a_flood_of_submissions(tmp_path, shared_cache):
    """Eight clients submit as fast as they can; the API server is killed -9 among the
    writes. After a restart every task that was acknowledged is there under the same id,
    and every request sent again with its request_id gets exactly one task."""
    data = tmp_path / "data"
    key = make_key(data, in_flight=1000)
    server = AppProcess("api", data, shared_cache)
    acknowledged: dict[str, str] = {}
    sent: list[str] = []
    lock, stop = threading.Lock(), threading.Event()

    def client(n: int) -> None:
        i = 0
        while not stop.is_set():
            request_id = f"c{n}-{i}"
            i += 1
            with lock:
                sent.append(request_id)
            try:
                answer = submit(server.url, key, {"model": "cogvideox-3", "request_id": request_id,
                                                  "prompt": f"a fox, take {request_id}"})
            except httpx.HTTPError:
                return  # the server is gone
            if answer.status_code == 200:
                with lock:
                    acknowledged[request_id] = answer.json()["id"]

    clients = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in clients:
        thread.start()
    try:
        wait_for(lambda: len(acknowledged) >= 40, 120, "40 acknowledged submissions")
    finally:
        server.kill()
        stop.set()
        for thread in clients:
            thread.join(30)
    assert integrity(data / "clipwright.db") == "ok"

    server = AppProcess("api", data, shared_cache)
    try:
        for request_id in sent:
            again = submit(server.url, key, {"model": "cogvideox-3", "request_id": request_id,
                                             "prompt": f"a fox, take {request_id}"})
            assert again.status_code == 200, again.text
            if request_id in acknowledged:
                assert again.json()["id"] == acknowledged[request_id]
        check = Database(data / "clipwright.db")
        rows = check.query("SELECT request_id, status FROM jobs")
        check.close()
        assert sorted(r["request_id"] for r in rows) == sorted(sent)  # one task per request
        assert {r["status"] for r in rows} <= {"queued", "running", "done"}
        first = wait_result(server.url, key, acknowledged[sorted(acknowledged)[0]])
        assert first["task_status"] == "SUCCESS", first  # the line runs on after the crash
    finally:
        server.stop()  # SIGTERM; SIGKILL after 30 s, which may cut an encode in half
    assert integrity(data / "clipwright.db") == "ok"
    # Whatever a stop left half-written, the next start removes before it renders anything.
    db = Database(data / "clipwright.db")
    queue = JobQueue(db, director=None, data_dir=data)
    queue.recover()
    queue.stop()
    db.close()
    assert half_written(data) == [], "a partial file outlived the restart's recovery"
