"""ui/share.py: share pages and their files over real HTTP on 127.0.0.1."""

from __future__ import annotations

import html
import re
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

from store.creations import Creation, CreationStore, new_id
from store.db import Database
from store.layout import DataLayout
from studio.i18n import load_strings
from ui.share import share_router
from studio.messages import Choice

IDEA = 'a cat <script>alert("x")</script> & "friends"'


@pytest.fixture
def site(tmp_path):
    """A FastAPI app with only the share routes, served by uvicorn on a free port."""
    import uvicorn
    from fastapi import FastAPI

    layout = DataLayout(tmp_path / "data").ensure()
    (layout.root / "secrets" / "browser-state").write_text("top secret")
    store = CreationStore(Database(layout.db_path), layout)
    sid = new_id()
    store.ensure_session(sid)
    creation_id = new_id()
    staging = layout.staging_dir(creation_id)
    (staging / "video.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    (staging / "poster.jpg").write_bytes(b"\xff\xd8poster")
    folder = layout.publish(staging, creation_id)
    creation = store.add_creation(Creation(
        id=creation_id, session_id=sid, idea=IDEA, prompt=f"Close-up. {IDEA}", engine="tiny",
        model="tiny", seed=3, mp4=folder / "video.mp4", poster=folder / "poster.jpg",
        width=192, height=128, fps=16.0, frames=17, style="cinematic", test_pattern=True))
    app = FastAPI()
    styles = [Choice("cinematic", {"en": "Cinematic", "zh": "电影感"}, {})]
    app.include_router(share_router(store, layout, load_strings(), styles))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    yield base, store, sid, creation
    server.should_exit = True
    thread.join(10)
    store.db.close()


def get(url: str, headers: dict | None = None, method: str = "GET"):
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_share_page_plays_escapes_and_carries_meta_tags(site):
    base, store, sid, creation = site
    token = store.share(creation.id, sid).token
    status, headers, body = get(f"{base}/s/{token}", {"Accept-Language": "zh-CN"})
    page = body.decode()
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert "<script>alert" not in page and html.escape(IDEA, quote=True) in page
    video = f"{base}/s/{token}/video.mp4"
    assert f'<meta property="og:video" content="{video}">' in page
    assert f'<meta property="og:image" content="{base}/s/{token}/poster.jpg">' in page
    assert '<meta name="twitter:card" content="player">' in page
    assert f'<source src="{video}" type="video/mp4">' in page
    assert "电影感" in page and "测试图样" in page  # the viewer's language; honest label
    assert "dl-gif" not in page  # this creation has no GIF

    status, headers, data = get(video)
    assert status == 200 and headers["content-type"] == "video/mp4"
    assert data == creation.mp4.read_bytes()
    status, headers, part = get(video, {"Range": "bytes=0-9"})
    assert status == 206 and part == data[:10]  # seekable in a browser
    # HEAD, as link-preview fetchers send it first: the same status and headers, no body
    # (before issue #19 a 404 while GET was 200).
    for url, kind in ((f"{base}/s/{token}", "text/html"), (video, "video/mp4")):
        status, headers, body = get(url, method="HEAD")
        assert (status, body) == (200, b"") and headers["content-type"].startswith(kind)
    assert get(f"{base}/s/{'A' * 22}", method="HEAD")[0] == 404
    status, headers, _ = get(video + "?download=1")
    assert re.search(r'attachment; filename="a-cat-script-alert-x-script-friends-\d{4}-\d\d-\d\d\.mp4"',
                     headers["content-disposition"])


@pytest.mark.parametrize("suffix", [
    "", "/clip.gif", "/clipwright.db", "/..%2F..%2Fclipwright.db", "/..%2F..%2Fsecrets%2Fbrowser-state",
    "/%2e%2e/%2e%2e/clipwright.db", "/video.mp4/../../../clipwright.db",
])
def test_nothing_but_a_live_tokens_files_is_served(site, suffix):
    base, store, sid, creation = site
    token = store.share(creation.id, sid).token
    for url in (f"{base}/s/{'A' * 22}{suffix}", f"{base}/s/{token}{suffix}"):
        status, _, body = get(url)
        if url.endswith(token):  # the live page itself
            assert status == 200
        else:
            assert status == 404 and b"top secret" not in body, url
            if "%" not in suffix and ".." not in suffix:  # paths our routes answer
                assert body == b"Not found"


def test_revoked_and_deleted_shares_are_plain_404s(site):
    base, store, sid, creation = site
    token = store.share(creation.id, sid).token
    assert get(f"{base}/s/{token}")[0] == 200
    store.revoke(creation.id, sid)
    assert get(f"{base}/s/{token}")[:1] == (404,)
    assert get(f"{base}/s/{token}/video.mp4")[2] == b"Not found"
    again = store.share(creation.id, sid).token
    assert get(f"{base}/s/{again}")[0] == 200
    store.delete_creation(creation.id, sid)
    assert get(f"{base}/s/{again}")[0] == 404
