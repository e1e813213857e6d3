"""Isolation: a browser session and an API key see and touch only their own creations and
jobs — not by listing, fetching, downloading, sharing, revoking or deleting, and not by
guessing ids. Deleting a creation removes its files, its photo when nothing else uses it,
and its share links. Photos people sent follow the rule in store/uploads.py.

The doors that are HTTP are tried over HTTP against a real `python app.py serve` on
127.0.0.1 (share pages, Gradio's file route, the REST API mounted beside it); what a page
does for its session is tried through studio.session.Studio, the layer the page's handlers call
(a browser cannot name a session or a creation: both live in server-side state).
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from io import BytesIO

import httpx
import pytest
from PIL import Image

from studio.director import Director, RenderOptions
from studio.job_records import encode_options, encode_spec
from studio.jobs import JobQueue
from agent.shot import ShotSpec
from api_support import PREFIX, result, submit, wait_for, wait_result
from errors import InputError
from fault_support import AppProcess, create_key, studio_on
from store.creations import CreationStore
from store.db import Database
from store.keys import KeyStore
from store import uploads
from store.layout import DataLayout
from ui.server import session_cookie_key
from ui.session_cookie import COOKIE, SessionCookies
from studio.session import ShotEdits
from video.engines.pool import EnginePool

pytestmark = pytest.mark.slow
QUICK = RenderOptions(engine="tiny", steps=1, upscale=1)


@pytest.fixture(scope="module")
def served(tmp_path_factory, shared_cache, engine_settings):
    """A serve process on a fresh data folder, and the page's wiring on the same folder."""
    data = tmp_path_factory.mktemp("isolation") / "data"
    studio, db = studio_on(data, engine_settings)
    server = AppProcess("serve", data, shared_cache)
    yield server, studio
    server.stop()
    db.close()


def make(studio, session, idea: str = "a red kite over a beach", photo=None):
    """One finished creation of the session (tiny engine, one step, no music)."""
    studio.say(session, idea, photo=photo)
    job = studio.generate(session, ShotEdits(music="none"), QUICK)
    done = studio.queue.wait(job.id, session.owner, timeout=300)
    assert done.status == "done", done.error
    return studio.collect(session, done), done


def get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=30)


def gradio_file(server, path, session=None) -> int:
    """Status of a file through Gradio's file route (what the page's players load), asked
    with `session`'s signed cookie (as its browser would) or with none."""
    headers = {}
    if session is not None:
        cookies = SessionCookies(session_cookie_key(session_layout(server)))
        headers["cookie"] = f"{COOKIE}={cookies.value_for(session.session_id)}"
    return httpx.get(f"{server.url}/gradio_api/file={path}", headers=headers,
                     timeout=30).status_code


def session_layout(server) -> DataLayout:
    return DataLayout(server.data_dir)


def photo_file(folder, name: str = "photo.png", colour=(200, 120, 40)):
    path = folder / name
    Image.new("RGB", (96, 64), colour).save(path)
    return path


def test_a_session_sees_and_touches_only_its_own(served):
    server, studio = served
    ann, bob = studio.open_session(None, "en"), studio.open_session(None, "en")
    mine, job = make(studio, ann)
    token = studio.share(ann, mine.id).token
    share_page = f"{server.url}/s/{token}"

    # Bob lists nothing of Ann's, and every way to reach her creation or job by its id fails.
    assert studio.creations(bob) == [] and studio.history(bob) == []
    assert studio.creation(bob, mine.id) is None and studio.creation_spec(bob, mine.id) is None
    assert studio.status(bob, job.id) is None and not studio.cancel(bob, job.id)
    for act in (lambda: studio.share(bob, mine.id),
                lambda: studio.draw_again(bob, mine.id, QUICK),
                lambda: studio.change_music(bob, mine.id, None)):
        with pytest.raises(InputError):
            act()
    assert studio.revoke(bob, mine.id) == 0 and not studio.delete(bob, mine.id)
    assert get(share_page).status_code == 200  # Ann's link lives on
    # Gradio's file route serves a library file only to the session that owns it (before
    # issue #20: 200 to anyone who named its path); her share link serves it by its token.
    assert get(share_page + "/video.mp4").content == mine.mp4.read_bytes()
    for path in (mine.mp4, mine.poster, mine.gif):
        assert gradio_file(server, path, ann) == 200, path
        assert gradio_file(server, path, bob) == gradio_file(server, path) == 404, path
    for path in (f"{mine.mp4}%00", str(mine.mp4).replace("/", "%252F"),
                 mine.mp4.parent / "spec.json", mine.mp4.parent):
        assert gradio_file(server, path, ann) == 404, path
    assert get(f"{server.url}/gradio_api/file/{mine.mp4}").status_code == 404

    # Guessing: share tokens and creation folders that do not exist, the folders themselves,
    # and the private parts of the data folder all answer without a byte of anyone's data.
    nothing = get(f"{server.url}/s/{secrets.token_urlsafe(16)}")
    assert nothing.status_code == 404
    for _ in range(20):
        guess = get(f"{server.url}/s/{secrets.token_urlsafe(16)}/video.mp4")
        assert (guess.status_code, guess.content) == (404, nothing.content)
    layout = studio.layout
    for path in (layout.creation_dir(secrets.token_hex(16)) / "video.mp4", layout.creations,
                 layout.uploads, layout.db_path, layout.root / "secrets" / "session-cookie",
                 layout.root / "jobs"):
        assert gradio_file(server, path) in (403, 404), path

    # Ann deletes it: the files go, the share page answers the plain 404 of a token that
    # never was, and nothing of the video stays anywhere in the data folder.
    assert studio.delete(ann, mine.id)
    assert not layout.creation_dir(mine.id).exists()
    assert not (layout.root / "jobs" / job.id).exists()
    for name in ("", "/video.mp4", "/poster.jpg", "/clip.gif"):
        gone = get(share_page + name)
        assert (gone.status_code, gone.content) == (404, nothing.content)
    assert gradio_file(server, mine.mp4, ann) in (403, 404)
    assert studio.store.shared(token) is None and studio.creations(ann) == []
    assert studio.history(ann)[-1].creation_id is None  # the chat line stays, unlinked


def test_an_api_key_sees_only_its_own_tasks(served):
    server, studio = served
    db = Database(studio.layout.db_path)
    keys = KeyStore(db)
    first_key, first = keys.create("first")
    second = keys.create("second")[1]
    body = {"model": "cogvideox-3", "prompt": "a paper boat on a river"}
    task = submit(server.url, first, body).json()["id"]
    done = wait_result(server.url, first, task)
    assert done["task_status"] == "SUCCESS"
    video_url = done["video_result"][0]["url"]
    file_token = video_url.split("/")[-2]

    # The second key: her task is as unknown as a made-up id, word for word.
    theirs = result(server.url, second, task)
    made_up = secrets.token_hex(16)
    unknown = result(server.url, second, made_up)
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json()["error"]["message"].replace(task, "ID") == \
        unknown.json()["error"]["message"].replace(made_up, "ID")
    # Result files need the task's own unguessable token, whoever asks.
    base = f"{server.url}{PREFIX}/files"
    assert get(video_url).status_code == 200
    for wrong in (f"{base}/{task}/{secrets.token_urlsafe(18)}/video.mp4",
                  f"{base}/{made_up}/{file_token}/video.mp4",
                  f"{base}/{task}/{file_token}/../../clipwright.db"):
        assert get(wrong).status_code == 404, wrong
    # Sessions and keys are separate owners: neither sees the other's jobs.
    session = studio.open_session(None, "en")
    assert studio.status(session, task) is None
    studio.say(session, "a cat sleeping on a sofa")
    browser_job = studio.generate(session, ShotEdits(music="none"), QUICK)
    assert result(server.url, first, browser_job.id).status_code == 404
    studio.cancel(session, browser_job.id)
    # A revoked key reaches nothing, not even its own task.
    assert keys.revoke(first_key.id)
    assert result(server.url, first, task).status_code == 401
    db.close()


def test_deleting_a_creation_removes_its_photo_once_nothing_uses_it(served, tmp_path):
    server, studio = served
    ann = studio.open_session(None, "en")
    first, _ = make(studio, ann, "make it move", photo=photo_file(tmp_path))
    kept = studio.creation_spec(ann, first.id).source_image
    assert kept.is_file() and studio.layout.uploads in kept.parents
    again = studio.draw_again(ann, first.id, QUICK)
    second = studio.collect(ann, studio.queue.wait(again.id, ann.owner, timeout=300))
    # The chat moves on to another photo: the first one is used by the two creations only.
    make(studio, ann, "make it move", photo=photo_file(tmp_path, "other.png", (20, 90, 200)))
    newer = studio.current_spec(ann).source_image
    assert studio.delete(ann, first.id) and kept.is_file()  # the second creation uses it
    bob = studio.open_session(None, "en")
    assert gradio_file(server, kept, ann) == 200  # her chat shows it, in place
    assert gradio_file(server, kept, bob) == gradio_file(server, kept) == 404
    assert studio.delete(ann, second.id) and not kept.exists()
    assert gradio_file(server, kept, ann) == 404
    assert newer.is_file()  # the chat's current shot still renders from this one
    user_lines = [m for m in studio.history(ann) if m.role == "user"]
    assert user_lines[0].attachment == kept  # the chat line stays; the page shows its text


def photo_task(key_url: str, key: str) -> str:
    """Submit an image-to-video task with a small PNG; the task's id."""
    buffer = BytesIO()
    Image.new("RGB", (96, 64), (10, 160, 90)).save(buffer, format="PNG")
    image = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    answer = submit(key_url, key, {"model": "cogvideox-3", "prompt": "make it move",
                                   "image_url": image})
    assert answer.status_code == 200, answer.text
    return answer.json()["id"]


def test_an_api_photo_goes_when_its_task_ends(served):
    server, studio = served
    key_info, key = create_key(studio.layout.root, "photos")
    folder = studio.layout.uploads / f"key-{key_info.id}"
    task = photo_task(server.url, key)
    assert len(list(folder.iterdir())) == 1  # kept while the task waits or runs
    assert wait_result(server.url, key, task)["task_status"] == "SUCCESS"
    wait_for(lambda: not any(folder.iterdir()), 30, "the photo to go")


def test_an_api_photo_goes_when_its_task_fails(tmp_path, shared_cache):
    """A server told to render with CogVideoX where it has no GPU (or, on a GPU machine, no
    weights offline) takes the task, fails it with the reason, and lets go of the photo."""
    layout = DataLayout(tmp_path / "data")
    key_info, key = create_key(layout.root, "photos")
    server = AppProcess("serve", layout.root, shared_cache, "--engine", "cogvideox")
    try:
        task = photo_task(server.url, key)
        answer = wait_result(server.url, key, task)
        assert answer["task_status"] == "FAIL" and answer["video_result"] == []
        assert "GPU" in answer["error_message"] or "weights" in answer["error_message"]
        folder = layout.uploads / f"key-{key_info.id}"
        wait_for(lambda: not folder.exists() or not any(folder.iterdir()), 30,
                 "the failed task's photo to go")
    finally:
        server.stop()


def test_start_up_removes_only_uploads_nothing_uses(tmp_path, engine_settings):
    """Photos a crash or a chat that moved on left behind go at start-up once an hour old;
    newer ones, and old ones still in a chat's shot or a waiting job, stay."""
    layout = DataLayout(tmp_path / "data").ensure()
    db = Database(layout.db_path)
    store = CreationStore(db, layout)
    queue = JobQueue(db, Director(EnginePool(engine_settings)), layout.root)
    session = "ab" * 16
    store.ensure_session(session)
    old, fresh, in_chat = (layout.upload_path(session, ".png") for _ in range(3))
    waiting = layout.upload_path("key-feed", ".jpg")
    for path in (old, fresh, in_chat, waiting):
        path.write_bytes(b"photo")
    store.save_state(session, {"spec": encode_spec(ShotSpec(idea="x", source_image=in_chat))})
    queue.store.add("key:feed", encode_spec(ShotSpec(idea="x", source_image=waiting)),
                    encode_options(QUICK))
    hours_ago = time.time() - 7200
    for path in (old, in_chat, waiting):
        os.utime(path, (hours_ago, hours_ago))
    assert uploads.sweep(db, layout) == [old]
    assert fresh.is_file() and in_chat.is_file() and waiting.is_file()

    # The job queue sweeps as it starts (here with nothing in line that it could run).
    queue.store.cancel_waiting(queue.store.line()[0], "key:feed", "test")
    uploads.release(db, layout, [waiting])
    stray = layout.upload_path("gone-session", ".png")
    stray.write_bytes(b"photo")
    os.utime(stray, (hours_ago, hours_ago))
    queue.start()
    queue.stop()
    assert not stray.exists() and not stray.parent.exists() and not waiting.exists()
    assert fresh.is_file() and in_chat.is_file()
    db.close()
