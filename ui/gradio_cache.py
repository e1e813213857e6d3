"""A photo the browser sends lands in Gradio's upload cache; it goes once the studio kept it.

Gradio stores an upload at `<GRADIO_TEMP_DIR>/<sha256 of the content>/<name>`, served at
/gradio_api/file=<that path> to whoever knows it, and keeps it until the server stops. The
studio keeps its own copy in the data folder (uploads/<session>/, shown in place and owned,
ui/file_guard.py), so Gradio's is removed at once: deleting the photo's last creation then
leaves no copy anywhere (issue #20).
"""

from __future__ import annotations

import logging
from pathlib import Path

from ui.file_guard import gradio_cache_folder, inside

log = logging.getLogger(__name__)


def discard_upload(path: str | Path | None, cache_dir: str | None = None) -> None:
    """Remove a browser upload from Gradio's cache (and its folder, once empty). A path
    outside the cache, or one already gone, is left alone."""
    if not path:
        return
    cache = Path(cache_dir or gradio_cache_folder()).resolve()
    upload = Path(path)
    if not inside(str(upload), cache) or upload.resolve() == cache:
        return
    try:
        upload.unlink(missing_ok=True)
        upload.parent.rmdir()  # only when nothing else shares its content hash
    except OSError:
        pass  # the folder holds another name of the same content: kept
    log.debug("removed the browser's upload %s from Gradio's cache", upload)
