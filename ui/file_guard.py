"""Gradio's file route never serves the data folder itself (issue #20).

The page shows a library file (a video, a poster, a photo) through Gradio, which copies it
into its cache and hands the page a URL of that copy; the data folder is in Gradio's
`allowed_paths` only so that the copy can be made. Served as they were, the originals also
answered /gradio_api/file=<data>/creations/<id>/video.mp4 to anyone, with no check of whose
they are. This guard answers such a request with a plain 404 before Gradio sees it; the
owner's page and share links (ui/share.py, which checks the token) are untouched.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from urllib.parse import unquote

# Every spelling of Gradio's file route: /gradio_api/file=…, /gradio_api/file/…, /file=…
FILE_ROUTE = re.compile(r"^(?:/gradio_api)?/file[=/](?P<path>.*)$", re.DOTALL)


def inside(path: str, folder: Path) -> bool:
    """True when `path` (as Gradio would read it, or with its links followed) is in folder."""
    for candidate in (os.path.abspath(path), os.path.realpath(path)):
        if Path(candidate) == folder or folder in Path(candidate).parents:
            return True
    return False


def refused(path: str, data_root: Path, gradio_cache: Path) -> bool:
    """True for a file-route path that names something in the data folder (and not in
    Gradio's own cache, should that live there)."""
    for spelling in {path, unquote(path)}:
        if "\x00" in spelling:  # names no file; os.path would raise on it
            return True
        if inside(spelling, data_root) and not inside(spelling, gradio_cache):
            return True
    return False


def gradio_cache_folder() -> str:
    """Where Gradio keeps its copies (gradio.utils.get_upload_folder, without importing
    Gradio: the server answers before the page's slow import)."""
    return os.environ.get("GRADIO_TEMP_DIR") or str(Path(tempfile.gettempdir()) / "gradio")


def guard_data_files(app, data_root: Path, gradio_cache: Path | None = None):
    """An ASGI app answering as `app` does, except that Gradio's file route answers 404 for
    any path in `data_root`."""
    root = Path(os.path.realpath(data_root))
    cache = Path(os.path.realpath(gradio_cache or gradio_cache_folder()))

    async def guarded(scope, receive, send) -> None:
        match = FILE_ROUTE.match(scope.get("path", "")) if scope["type"] == "http" else None
        if match and refused(match["path"], root, cache):
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"cache-control", b"no-store")]})
            await send({"type": "http.response.body", "body": b"Not found"})
            return
        await app(scope, receive, send)
    return guarded
