"""Gradio's file route and the data folder (issue #20): a library file answers only to the
session that owns it, by its plain path, and nothing of a browser's photo stays in Gradio's
cache once the studio kept it. The real server and page are tried in test_isolation.py and
test_ui_browser.py; here the guard is an ASGI wrapper around a stand-in for Gradio."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from ui.file_guard import guard_data_files
from ui.gradio_cache import discard_upload
from ui.session_cookie import COOKIE, SessionCookies

COOKIES = SessionCookies("k" * 32)


@pytest.fixture
def folders(tmp_path):
    data, cache = tmp_path / "data", tmp_path / "gradio"
    video = data / "creations" / "c1" / "video.mp4"
    photo = data / "uploads" / "ann" / "p.jpg"
    for path in (video, photo):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"v")
    (data / "link").symlink_to(data / "creations")
    return data, cache, video, photo


def client_for(data: Path, cache: Path, owned: dict[str, set[Path]]) -> TestClient:
    """The guard in front of a page that answers "gradio"; `owned` says who may read what."""
    page = Starlette(routes=[Route("/{rest:path}", lambda r: PlainTextResponse("gradio"),
                                   methods=["GET", "HEAD"])])
    may_read = lambda session_id, file: file in owned.get(session_id, set())  # noqa: E731
    return TestClient(guard_data_files(page, data, COOKIES, may_read, cache))


def as_session(session_id: str | None) -> dict:
    return {"cookie": f"{COOKIE}={COOKIES.value_for(session_id)}"} if session_id else {}


def test_the_owner_reads_its_files_by_their_plain_path(folders):
    data, cache, video, photo = folders
    client = client_for(data, cache, {"ann": {video, photo}})
    for path in (video, photo):
        for route in (f"/gradio_api/file={path}", f"/gradio_api/file/{path}", f"/file={path}"):
            answer = client.get(route, headers=as_session("ann"))
            assert (answer.status_code, answer.text) == (200, "gradio"), route
        assert client.head(f"/gradio_api/file={path}", headers=as_session("ann")).status_code \
            == 200


def test_nobody_else_reads_them_by_any_spelling(folders):
    data, cache, video, photo = folders
    client = client_for(data, cache, {"ann": {video, photo}})
    forged = {"cookie": f"{COOKIE}=ann.{'0' * 64}"}
    for headers in (as_session("bob"), {}, forged):
        for path in (video, photo):
            answer = client.get(f"/gradio_api/file={path}", headers=headers)
            assert (answer.status_code, answer.text) == (404, "Not found"), (headers, path)
    # A NUL is refused even to Ann (a double-encoded spelling is tried against the real
    # server in test_isolation.py: Starlette's test client decodes twice).
    assert client.get(f"/gradio_api/file={video}%00", headers=as_session("ann")).status_code \
        == 404
    # Through a link inside the folder, or a folder itself: the real path decides.
    for path in (f"{data}/link/c1/video.mp4", str(data), f"{data}/creations"):
        assert client.get(f"/gradio_api/file={path}", headers=as_session("ann")).status_code \
            == (200 if path.endswith("video.mp4") else 404), path


def test_a_file_that_is_gone_answers_nobody(folders):
    data, cache, video, _ = folders
    owned = {"ann": {video}}
    client = client_for(data, cache, owned)
    assert client.get(f"/gradio_api/file={video}", headers=as_session("ann")).status_code == 200
    owned["ann"].clear()  # deleted: Studio.may_read no longer names it
    assert client.get(f"/gradio_api/file={video}", headers=as_session("ann")).status_code == 404


def test_paths_outside_the_data_folder_are_gradios_to_judge(folders, tmp_path):
    data, cache, _, _ = folders
    client = client_for(data, cache, {})
    for path in (f"/gradio_api/file={cache}/abc/video.mp4", "/gradio_api/file=/etc/hosts", "/",
                 "/config", f"/gradio_api/file={tmp_path}/database"):
        assert client.get(path).text == "gradio", path


def test_a_browser_upload_leaves_gradios_cache_once_kept(tmp_path):
    cache = tmp_path / "gradio"
    upload = cache / "ab12" / "photo.jpg"
    twin = cache / "cd34" / "photo.jpg"
    shared = cache / "ef56" / "a.jpg"
    for path in (upload, twin, shared, shared.with_name("b.jpg")):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"jpeg")
    outside = tmp_path / "mine.jpg"
    outside.write_bytes(b"jpeg")

    discard_upload(str(upload), str(cache))
    assert not upload.exists() and not upload.parent.exists() and twin.exists()
    discard_upload(shared, str(cache))  # another name of the same content keeps the folder
    assert not shared.exists() and shared.with_name("b.jpg").exists()
    for path in (outside, cache, None, upload):  # not Gradio's, the cache itself, gone
        discard_upload(path, str(cache))
    assert outside.exists() and cache.is_dir()
