"""Gradio's copies of a creation's files, forgotten when the creation is deleted.

Gradio serves a file the page shows (the chat's video, My videos' poster and player, the
download buttons) from a copy in its cache, `<GRADIO_TEMP_DIR>/<sha256 of the content>/<name>`,
at /gradio_api/file=<that path>. Its own clean-up removes copies only after a day, so before
issue #20 a deleted video stayed downloadable at that URL. Deleting now removes those copies
with the originals.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable

log = logging.getLogger(__name__)


def cached_copies(paths: Iterable[Path], cache_dir: str | None = None) -> list[Path]:
    """Where Gradio's cache keeps (or would keep) a copy of each existing file in `paths`.

    Computed from the files' contents, so call it before the files are deleted."""
    from gradio import processing_utils, utils
    from gradio_client.utils import strip_invalid_filename_characters

    cache = Path(cache_dir or utils.get_upload_folder())
    copies = []
    for path in paths:
        if path is None or not Path(path).is_file():
            continue
        folder = cache / processing_utils.hash_file(path)
        copies.append(folder / strip_invalid_filename_characters(Path(path).name))
    return copies


def forget(copies: Iterable[Path]) -> None:
    """Remove Gradio's copies (and their folders, once empty); a missing one is fine."""
    for copy in copies:
        try:
            copy.unlink(missing_ok=True)
            copy.parent.rmdir()  # only when nothing else shares its content hash
        except OSError:
            pass  # the folder holds another name of the same content: kept
        log.debug("forgot Gradio's copy %s", copy)


def creation_files(creation) -> list[Path]:
    """Every file of a creation the page may have shown: its folder's files, and its mp4,
    poster and GIF wherever they are."""
    named = [creation.mp4, creation.poster, creation.gif]
    folder = Path(creation.mp4).parent
    found = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    return list(dict.fromkeys([*found, *(Path(p) for p in named if p is not None)]))
