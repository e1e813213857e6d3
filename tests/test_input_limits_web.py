"""What the web server shows and serves, against `python app.py serve` on 127.0.0.1: user
text on the share page is escaped everywhere it goes (no live tag, parsed as HTML), no file
route serves anything outside the data folder's media (`..`, `%2e%2e`, absolute paths,
symlinks pointing out), and share tokens are unguessable, not enumerable and revocable."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from api_support import stop_process

from store.creations import Creation, CreationStore, new_id
from store.db import Database
from store.layout import DataLayout

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # a `python app.py serve` process, started and filled first

XSS = ('<script>alert("idea")</script><img src=x onerror=alert(1)> a fox '
       '"quoted" & \'single\' </title><meta http-equiv="refresh" content="0;url=//evil">')
OUTSIDE_SECRET = "outside-the-data-folder-7f3a"


class Site:
    """The running server, its data folder, one shared creation and its owner."""

    def __init__(self, url: str, layout: DataLayout, store: CreationStore, sid: str,
                 creation: Creation, outside: Path):
        self.url, self.layout, self.store, self.sid = url, layout, store, sid
        self.creation, self.outside = creation, outside
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port

    def get(self, path: str) -> tuple[int, dict, bytes]:
        """GET a raw path, sent byte for byte (no client-side normalising of '..')."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.putrequest("GET", path, skip_accept_encoding=True)
            conn.endheaders()
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, \
                response.read()
        finally:
            conn.close()

    def add_creation(self, idea: str) -> Creation:
        creation_id = new_id()
        staging = self.layout.staging_dir(creation_id)
        (staging / "video.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(512))
        (staging / "poster.jpg").write_bytes(b"\xff\xd8\xff poster")
        folder = self.layout.publish(staging, creation_id)
        return self.store.add_creation(Creation(
            id=creation_id, session_id=self.sid, idea=idea, prompt=f"Close-up. {idea}",
            engine="tiny", model="tiny", seed=1, mp4=folder / "video.mp4",
            poster=folder / "poster.jpg", width=192, height=128, fps=8.0, frames=9,
            style="cinematic", test_pattern=True))


@pytest.fixture(scope="module")
def site(tmp_path_factory, shared_cache):
    root = tmp_path_factory.mktemp("limits-web")
    outside = root / "outside" / "secret.txt"
    outside.parent.mkdir()
    outside.write_text(OUTSIDE_SECRET)
    data = root / "data"
    env = dict(os.environ, CLIPWRIGHT_CACHE_DIR=str(shared_cache), HF_HUB_OFFLINE="1",
               GRADIO_ANALYTICS_ENABLED="False")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "serve", "--port", "0", "--engine", "tiny",
         "--data-dir", str(data)], cwd=root, env=env, stdout=subprocess.PIPE,
        stderr=open(root / "server.log", "w"), text=True)
    found: list[str] = []

    def read() -> None:
        for line in process.stdout:
            if match := re.search(r"running on (http://127\.0\.0\.1:\d+)", line):
                found.append(match[1])

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + 120
    while not found and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert found, "the server did not start"
    layout = DataLayout(data)
    db = Database(layout.db_path)
    store = CreationStore(db, layout)
    sid = new_id()
    store.ensure_session(sid)
    site = Site(found[0], layout, store, sid, None, outside)
    site.creation = site.add_creation(XSS)
    try:
        yield site
    finally:
        stop_process(process)
        db.close()


class Tags(HTMLParser):
    """Every start tag with its attributes, as a browser's parser sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_endtag(self, tag):
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data):
        if self._open:
            self.text[self._open[-1]] = self.text.get(self._open[-1], "") + data


def test_the_share_page_shows_a_hostile_idea_as_text_only(site):
    token = site.store.share(site.creation.id, site.sid).token
    status, headers, body = site.get(f"/s/{token}")
    assert status == 200 and "script-src 'unsafe-inline'" in headers["content-security-policy"]
    parser = Tags()
    parser.feed(body.decode("utf-8"))
    names = [tag for tag, _ in parser.tags]
    assert names.count("script") == 1  # the page's own copy-link script, nothing more
    assert "img" not in names and names.count("title") == 1
    assert all(not a.startswith("on") for _, attrs in parser.tags for a in attrs)
    refresh = [attrs for tag, attrs in parser.tags
               if tag == "meta" and attrs.get("http-equiv")]
    assert refresh == []
    # The text comes back whole where it is shown: title, heading, prompt and the OG tags.
    title = " ".join(XSS.split())
    short = site.creation.title  # the idea, cut at 80 characters with "…" for a title
    assert parser.text["title"] == f"{short} · Clipwright"
    assert parser.text["h1"] == short and title.startswith(short[:-1])
    meta = {attrs.get("property") or attrs.get("name"): attrs.get("content")
            for tag, attrs in parser.tags if tag == "meta"}
    assert meta["og:title"] == meta["twitter:title"] == short
    assert meta["og:description"] == f"Close-up. {title}"
    assert f"Close-up. {title}" in parser.text["p"]  # the prompt, whole
    assert XSS not in body.decode("utf-8") and "&lt;script&gt;" in body.decode("utf-8")


def test_the_my_videos_card_and_caption_escape_the_idea(site):
    from studio.i18n import load_strings
    from ui.views import creation_caption, creation_details

    details = creation_details(load_strings(), "en", site.creation, [], [])
    assert "<" not in details and "](" not in details
    # The gallery caption is handed to Gradio as plain text (shown as text, not HTML).
    assert creation_caption(site.creation, [], "en").startswith("<script>")


def secrets_of(site: Site) -> list[bytes]:
    return [OUTSIDE_SECRET.encode(), b"SQLite format 3", b"root:x:0:0",
            (site.layout.root / "secrets" / "session-cookie").read_bytes().strip()]


def traversal_paths(site: Site, token: str) -> list[str]:
    data = str(site.layout.root)
    folder = f"{data}/creations/{site.creation.id}"
    return [
        "/gradio_api/file=/etc/passwd", f"/gradio_api/file={site.outside}",
        f"/gradio_api/file={data}/clipwright.db",
        f"/gradio_api/file={data}/secrets/session-cookie",
        f"/gradio_api/file={data}/creations/../clipwright.db",
        f"/gradio_api/file={data}/creations/%2e%2e/clipwright.db",
        f"/gradio_api/file={data}/creations/%2E%2E%2Fsecrets%2Fsession-cookie",
        f"/gradio_api/file={folder}/../../secrets/session-cookie",
        f"/gradio_api/file={folder}/leak.txt",  # a symlink out of the data folder
        f"/gradio_api/file={data}/uploads/{site.sid}/leak.jpg",  # a symlink out
        f"/gradio_api/file={folder}/video.mp4%00/../../../clipwright.db",
        "/gradio_api/file=..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/gradio_api/file=%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        f"/gradio_api/file/{data}/clipwright.db", f"/file={data}/clipwright.db",
        "/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/assets/..%2f..%2f..%2f..%2fetc%2fpasswd", "/favicon.ico/../../etc/passwd",
        f"/s/{token}/poster.jpg",  # the poster is a symlink out of the data folder
        f"/s/{token}/..%2f..%2f..%2fclipwright.db", f"/s/{token}/%2e%2e/%2e%2e/clipwright.db",
        f"/s/{token}/{quote(str(site.outside), safe='')}",
        f"/s/..%2f..%2fclipwright.db/video.mp4", f"/s/{token}/../../clipwright.db",
        f"/api/paas/v4/files/x/{token}/..%2f..%2fclipwright.db",
        f"/api/paas/v4/files/..%2f..%2f/{token}/video.mp4",
    ]


def test_no_file_route_serves_anything_outside_the_data_folders_media(site):
    creation = site.add_creation("a symlinked poster")
    token = site.store.share(creation.id, site.sid).token
    folder = site.layout.creation_dir(site.creation.id)
    (folder / "leak.txt").symlink_to(site.outside)
    creation.poster.unlink()
    creation.poster.symlink_to(site.outside)
    upload = site.layout.uploads / site.sid
    upload.mkdir(parents=True, exist_ok=True)
    (upload / "leak.jpg").symlink_to(site.outside)
    # The data folder is never served by path (its own video neither: the share route and
    # the page's cached copies are the ways in), and the share route does send it.
    status, _, _ = site.get(f"/gradio_api/file={quote(str(site.creation.mp4))}")
    assert status in (403, 404)
    good = site.store.share(site.creation.id, site.sid).token
    assert site.get(f"/s/{good}/video.mp4")[2] == site.creation.mp4.read_bytes()
    # A creation whose files point out of the data folder is not shared at all.
    assert [site.get(f"/s/{token}{part}")[:3:2] for part in ("", "/video.mp4")] == \
        [(404, b"Not found")] * 2
    forbidden = secrets_of(site)
    for path in traversal_paths(site, token):
        status, _, body = site.get(path)
        assert 400 <= status < 500, (path, status)
        assert not any(secret in body for secret in forbidden), path


def test_share_tokens_are_long_random_and_from_secrets(site, monkeypatch):
    import store.creations as module

    asked: list[int] = []
    real = secrets.token_urlsafe
    monkeypatch.setattr(module.secrets, "token_urlsafe",
                        lambda n: asked.append(n) or real(n))
    tokens = {site.store.share(site.add_creation(f"idea {i}").id, site.sid).token
              for i in range(40)}
    assert len(tokens) == 40 and asked and min(asked) >= 16  # 16 bytes: 128 bits
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22,}", token) for token in tokens)


def test_unknown_revoked_and_deleted_tokens_answer_the_same_plain_404(site):
    def answer(path: str) -> tuple[int, tuple, bytes]:
        status, headers, body = site.get(path)
        return status, tuple(sorted((k, v) for k, v in headers.items() if k != "date")), body

    live = site.add_creation("a cat on a roof")
    token = site.store.share(live.id, site.sid).token
    gone = site.add_creation("a dog on a beach")
    gone_token = site.store.share(gone.id, site.sid).token
    site.store.delete_creation(gone.id, site.sid)
    assert site.get(f"/s/{token}")[0] == 200
    site.store.revoke(live.id, site.sid)
    swapped = token.swapcase() if token.swapcase() != token else token[::-1]
    candidates = [token, gone_token, secrets.token_urlsafe(16), token[:-1], token + "A",
                  swapped, "A" * 22, "%" * 22, "_" * 22, "abc", "x" * 65, "' OR 1=1 --"]
    answers = {answer(f"/s/{quote(t, safe='')}{suffix}")
               for t in candidates for suffix in ("", "/video.mp4", "/poster.jpg")}
    [(status, _, body)] = list(answers)  # one answer, byte for byte, for all of them
    assert status == 404 and body == b"Not found"
    again = site.store.share(live.id, site.sid).token  # revoking is not forever for the owner
    assert again != token and site.get(f"/s/{again}")[0] == 200
    assert site.get(f"/s/{token}")[0] == 404  # the old link stays dead
