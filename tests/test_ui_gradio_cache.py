"""Deleting a creation forgets Gradio's cached copies of its files (issue #20: before, the
copies at /gradio_api/file=<cache>/<hash>/video.mp4, clip.gif and poster.jpg answered for a
day after the delete). The real page is tried in test_ui_browser.py."""

from __future__ import annotations

import types

from gradio import processing_utils

from ui.gradio_cache import cached_copies, creation_files, forget


def test_the_copies_gradio_made_are_found_and_removed(tmp_path):
    folder = tmp_path / "creations" / "c1"
    folder.mkdir(parents=True)
    files = {name: folder / name for name in ("video.mp4", "poster.jpg", "clip.gif")}
    for i, path in enumerate(files.values()):
        path.write_bytes(bytes([i]) * 1000)
    cache = tmp_path / "gradio"
    made = {processing_utils.save_file_to_cache(p, str(cache)) for p in files.values()}
    other = tmp_path / "other.mp4"  # someone else's file stays cached
    other.write_bytes(b"x" * 1000)
    kept = processing_utils.save_file_to_cache(other, str(cache))

    creation = types.SimpleNamespace(mp4=files["video.mp4"], poster=files["poster.jpg"],
                                     gif=files["clip.gif"])
    copies = cached_copies(creation_files(creation), str(cache))
    assert {str(c) for c in copies} == made
    for path in files.values():
        path.unlink()  # the store deletes the originals; the copies were found before
    forget(copies)
    assert not any(c.exists() or c.parent.exists() for c in copies)
    assert [p for p in cache.rglob("*") if p.is_file()] == [type(copies[0])(kept)]
    forget(copies)  # twice is harmless


def test_a_missing_file_has_no_copy_to_find(tmp_path):
    gone = types.SimpleNamespace(mp4=tmp_path / "c" / "video.mp4",
                                 poster=tmp_path / "c" / "poster.jpg", gif=None)
    assert cached_copies(creation_files(gone), str(tmp_path / "gradio")) == []


def test_the_file_route_never_serves_the_data_folder_by_path(tmp_path):
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from ui.file_guard import guard_data_files

    data, cache = tmp_path / "data", tmp_path / "gradio"
    video = data / "creations" / "c1" / "video.mp4"
    video.parent.mkdir(parents=True)
    video.write_bytes(b"v")
    (data / "link").symlink_to(data / "creations")
    page = Starlette(routes=[Route("/{rest:path}", lambda r: PlainTextResponse("gradio"))])
    client = TestClient(guard_data_files(page, data, cache))
    for path in (f"/gradio_api/file={video}", f"/gradio_api/file/{video}", f"/file={video}",
                 f"/gradio_api/file={data}/creations/../creations/c1/video.mp4",
                 f"/gradio_api/file={tmp_path}/x/../data/creations/c1/video.mp4",
                 f"/gradio_api/file=/{video}", f"/gradio_api/file={video}%00",
                 f"/gradio_api/file={str(video).replace('/', '%2F')}",
                 f"/gradio_api/file={data}/link/c1/video.mp4", f"/gradio_api/file={data}"):
        answer = client.get(path)
        assert (answer.status_code, answer.text) == (404, "Not found"), path
    for path in (f"/gradio_api/file={cache}/abc/video.mp4", "/gradio_api/file=/etc/hosts",
                 "/", "/config", f"/gradio_api/file={tmp_path}/database"):
        assert client.get(path).text == "gradio", path  # Gradio's own checks decide
