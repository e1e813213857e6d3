"""kill -9 the API server in the middle of a job, start it again: nothing is lost or torn.

The server is a real `python app.py api` process on the tiny engine; the test watches the
database read-only to kill it while a job is running.
"""

import re

import httpx
import pytest

from studio.job_records import INTERRUPTED_TWICE
from api_support import PREFIX, ApiProcess, result, submit, wait_for, wait_result
from fault_support import create_key, job_row
from store.db import Database
from store.layout import DataLayout
from video.ffmpeg import probe

pytestmark = pytest.mark.slow


# The second take is the longest the API allows (a 10-s clip at 48 fps, upscaled), so that
# it is still running when the test kills the server (about 1.7 s here, the others 0.4 s).
TAKES = [{}, {"size": "1440x960", "fps": 48, "duration": 10}, {}]


def make_key(data) -> str:
    return create_key(data, "kill test", submits_per_minute=100, max_in_flight=10)[1]


def running(data, job_id: str, attempts: int) -> bool:
    row = job_row(data, job_id)
    return row.get("status") == "running" and row.get("attempts") == attempts


def no_partial_files(data) -> bool:
    return not list((DataLayout(data).root / "jobs").glob("*/.*.part"))


def test_kill_during_a_job_then_restart_finishes_it(tmp_path, shared_cache):
    data = tmp_path / "data"
    key = make_key(data)
    server = ApiProcess(data, shared_cache)
    try:
        ids = [submit(server.url, key, {"model": "cogvideox-3", "prompt": f"a cat, take {i}",
                                        "request_id": f"take-{i}", **TAKES[i]}).json()["id"]
               for i in range(3)]
        # Watched on the database at once: a tiny job can end within a result poll.
        wait_for(lambda: running(data, ids[1], 1), 120, "the second job to run", every=0.02)
        # While it runs nothing of it is served, even to someone holding its file token.
        token = job_row(data, ids[1])["file_token"]
        half = httpx.get(f"{server.url}{PREFIX}/files/{ids[1]}/{token}/video.mp4", timeout=10)
        assert half.status_code == 404
        first = result(server.url, key, ids[0]).json()  # jobs run one at a time: it is done
        assert first["task_status"] == "SUCCESS"
    finally:
        server.kill()

    assert job_row(data, ids[1])["status"] == "running"  # as the dead process left it
    server = ApiProcess(data, shared_cache)
    try:
        answers = [wait_result(server.url, key, task_id) for task_id in ids]
        assert [a["task_status"] for a in answers] == ["SUCCESS"] * 3
        assert job_row(data, ids[1])["attempts"] == 2
        path_of = lambda answer: re.sub(r"^http://[^/]+", "", answer["video_result"][0]["url"])
        assert path_of(answers[0]) == path_of(first)  # the same file, on the new port
        for answer in answers:
            video = httpx.get(answer["video_result"][0]["url"], timeout=30)
            assert video.status_code == 200
            path = tmp_path / "check.mp4"
            path.write_bytes(video.content)
            assert probe(path).video_frames > 0  # whole files only
        # A repeat after the restart is still the same task.
        again = submit(server.url, key, {"model": "cogvideox-3", "prompt": "a cat, take 1",
                                         "request_id": "take-1", **TAKES[1]}).json()
        assert again["id"] == ids[1]
    finally:
        server.stop()
    assert no_partial_files(data)
    db = Database(DataLayout(data).db_path)
    assert db.query("PRAGMA integrity_check")[0][0] == "ok"
    db.close()


def test_a_job_killed_twice_fails_with_a_reason(tmp_path, shared_cache):
    data = tmp_path / "data"
    key = make_key(data)
    for attempt in (1, 2):
        server = ApiProcess(data, shared_cache)
        try:
            if attempt == 1:
                task_id = submit(server.url, key, {"model": "cogvideox-3",
                                                   "prompt": "a dog running"}).json()["id"]
            wait_for(lambda: running(data, task_id, attempt), 120, f"attempt {attempt}")
        finally:
            server.kill()

    server = ApiProcess(data, shared_cache)
    try:
        answer = result(server.url, key, task_id).json()
        assert answer["task_status"] == "FAIL" and answer["video_result"] == []
        assert answer["error_message"] == INTERRUPTED_TWICE
        # The server goes on serving: a new task renders.
        fresh = submit(server.url, key, {"model": "cogvideox-3", "prompt": "a dog"}).json()
        assert wait_result(server.url, key, fresh["id"])["task_status"] == "SUCCESS"
    finally:
        server.stop()
    assert no_partial_files(data)
    db = Database(DataLayout(data).db_path)
    assert db.query("PRAGMA integrity_check")[0][0] == "ok"
    db.close()
