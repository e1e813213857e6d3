"""Gradio's file route serves a data-folder file only to the session it belongs to (#20).

The page shows library files (a video, its poster and GIF, a photo the browser sent) in
place: the creations/ and uploads/ folders are Gradio static paths, so Gradio makes no copy
in its cache, and the page's URL is /gradio_api/file=<the file's path>. Every such request
passes this guard first: it answers only when the request's signed session cookie
(ui/session_cookie.py) names the session that owns the file (Studio.may_read), and a plain
404 otherwise — to other sessions, to anyone without the cookie, to odd spellings of a
path. A deleted creation's files are gone from the disk, and there is no copy anywhere, so
nothing of it answers afterwards, whichever door (page, API, CLI) deleted it. Before #20
the originals answered to anyone who named the path, and Gradio's copies for a day after a
delete. Share links serve a shared video by its token (ui/share.py), not through here.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import Callable
from urllib.parse import unquote

from ui.session_cookie import SessionCookies

# Every spelling of Gradio's file route: /gradio_api/file=…, /gradio_api/file/…, /file=…
FILE_ROUTE = re.compile(r"^(?:/gradio_api)?/file[=/](?P<path>.*)$", re.DOTALL)
NOT_FOUND = [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")]

MayRead = Callable[[str, Path], bool]  # (session id, file) → may that session read it


def inside(path: str, folder: Path) -> bool:
    """True when `path` (as Gradio would read it, or with its links followed) is in folder."""
    for candidate in (os.path.abspath(path), os.path.realpath(path)):
        if Path(candidate) == folder or folder in Path(candidate).parents:
            return True
    return False


def data_file(path: str, data_root: Path, gradio_cache: Path) -> Path | None | bool:
    """What a file-route path names: None when it is outside the data folder (Gradio's own
    checks decide), the real path of a data-folder file asked for plainly, or False for a
    request to refuse (a NUL, or a percent-encoded spelling that leads into the folder)."""
    spellings = {path, unquote(path)}
    if any("\x00" in spelling for spelling in spellings):  # names no file; os.path raises
        return False
    wanted = [s for s in spellings if inside(s, data_root) and not inside(s, gradio_cache)]
    if not wanted:
        return None
    if len(spellings) > 1:  # Gradio reads the path as it came; only that form is honoured
        return False
    return Path(os.path.realpath(path))


def gradio_cache_folder() -> str:
    """Where Gradio keeps its copies (gradio.utils.get_upload_folder, without importing
    Gradio: the server answers before the page's slow import)."""
    return os.environ.get("GRADIO_TEMP_DIR") or str(Path(tempfile.gettempdir()) / "gradio")


def guard_data_files(app, data_root: Path, cookies: SessionCookies, may_read: MayRead,
                     gradio_cache: Path | None = None):
    """An ASGI app answering as `app` does, except that Gradio's file route answers a path
    in `data_root` only when `may_read(<the cookie's session>, <the file>)`, else 404."""
    root = Path(os.path.realpath(data_root))
    cache = Path(os.path.realpath(gradio_cache or gradio_cache_folder()))

    async def allowed(scope, file: Path | bool) -> bool:
        if file is False:
            return False
        cookie = b"; ".join(v for k, v in scope.get("headers", []) if k.lower() == b"cookie")
        session_id = cookies.session_of(cookie.decode("latin-1"))
        # A database read: off the event loop, which serves every other request.
        return session_id is not None and await asyncio.to_thread(may_read, session_id, file)

    async def guarded(scope, receive, send) -> None:
        match = FILE_ROUTE.match(scope.get("path", "")) if scope["type"] == "http" else None
        file = data_file(match["path"], root, cache) if match else None
        if file is not None and not await allowed(scope, file):
            await send({"type": "http.response.start", "status": 404, "headers": NOT_FOUND})
            await send({"type": "http.response.body", "body": b"Not found"})
            return
        await app(scope, receive, send if file is None else _without_file_name(send))
    return guarded


def _without_file_name(send):
    """Gradio answers a file with `Content-Disposition: …; filename="video.mp4"`, which a
    browser prefers to the name the page's download button gives (the idea and the day,
    ui/named_download.py): the name is left out, so the button's name is used."""
    async def sending(message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, b"inline" if k.lower() == b"content-disposition" else v)
                       for k, v in message.get("headers", [])]
            message = {**message, "headers": headers}
        await send(message)
    return sending
