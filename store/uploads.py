"""Files people sent (`<data>/uploads/<owner>/<name>`: photos, audio) and when they go.

The rule: an upload is kept while something can still use it —

- a creation made from it (its spec names the file),
- a job that is queued or running, or a browser's finished job not yet turned into a
  creation (its video still waits in `jobs/<id>/`),
- a browser's current shot or conversation (`sessions.state`), which "generate" and
  "draw again" render from.

Once nothing does, the file is deleted: at once when a creation is deleted or a job ends
(`release`), and at start-up for any file nothing has used for an hour (`sweep`: a chat
that moved on to another idea, a file a crash left behind). The check and the delete run
in one write transaction, so no job can be queued with the file between the two.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from pathlib import Path
from typing import Iterable

from store.db import Database
from store.layout import DataLayout, UnsafePath

log = logging.getLogger(__name__)

SWEEP_AFTER_S = 3600.0
# How a stored spec or state names an upload (absolute or relative path, JSON-escaped or not).
_MENTION = re.compile(r"uploads/([A-Za-z0-9_-]{1,128})/([A-Za-z0-9._-]{1,64})")


def uploads_named(text: str, layout: DataLayout) -> list[Path]:
    """The upload files a stored text (a spec, a chat state) refers to."""
    found = []
    for folder, name in sorted(set(_MENTION.findall(text or ""))):
        if not name.startswith("."):
            found.append(layout.uploads / folder / name)
    return found


def in_use(conn: sqlite3.Connection, layout: DataLayout, path: Path) -> bool:
    """Whether a creation, a job or a browser's chat still refers to the upload `path`."""
    needle = _needle(layout, path)
    if needle is None:
        return True  # not an upload: never ours to delete
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "creations" in tables and conn.execute(
            "SELECT 1 FROM creations WHERE instr(spec, ?) LIMIT 1", (needle,)).fetchone():
        return True
    if "sessions" in tables and conn.execute(
            "SELECT 1 FROM sessions WHERE instr(state, ?) LIMIT 1", (needle,)).fetchone():
        return True
    if "jobs" in tables:
        if conn.execute("SELECT 1 FROM jobs WHERE status IN ('queued', 'running') "
                        "AND instr(spec, ?) LIMIT 1", (needle,)).fetchone():
            return True
        waiting = conn.execute("SELECT mp4 FROM jobs WHERE status = 'done' AND owner LIKE "
                               "'session:%' AND mp4 IS NOT NULL AND instr(spec, ?)", (needle,))
        for (mp4,) in waiting.fetchall():
            try:
                if layout.resolve(mp4).is_file():  # not yet collected into a creation
                    return True
            except UnsafePath:
                continue
    return False


def release(db: Database, layout: DataLayout, paths: Iterable[Path | str | None]) -> list[Path]:
    """Delete those of `paths` that are uploads nothing uses any more; returns them."""
    removed = []
    for path in paths:
        if path is None or _needle(layout, Path(path)) is None:
            continue
        path = Path(path)
        try:
            with db.transaction() as conn:
                if path.is_file() and not in_use(conn, layout, path):
                    path.unlink(missing_ok=True)
                    removed.append(path)
        except (OSError, sqlite3.Error):  # housekeeping: the next sweep tries again
            log.warning("could not release the upload %s", path, exc_info=True)
    return removed


def sweep(db: Database, layout: DataLayout, older_than_s: float = SWEEP_AFTER_S) -> list[Path]:
    """Delete uploads untouched for `older_than_s` that nothing uses; drop empty folders.
    Run it when no request is being served yet (start-up): folders may be removed."""
    if not layout.uploads.is_dir():
        return []
    cutoff = time.time() - older_than_s
    old = [f for f in layout.uploads.glob("*/*") if f.is_file() and _mtime(f) < cutoff]
    removed = release(db, layout, old)
    for folder in layout.uploads.iterdir():
        if folder.is_dir() and not any(folder.iterdir()):
            try:
                folder.rmdir()
            except OSError:
                pass
    if removed:
        log.info("removed %d upload(s) nothing uses any more", len(removed))
    return removed


def _needle(layout: DataLayout, path: Path) -> str | None:
    """'uploads/<owner>/<name>' for a file directly inside an owner's upload folder."""
    try:
        relative = layout.relative(path)
    except UnsafePath:
        return None
    match = _MENTION.fullmatch(relative)
    return relative if match else None


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()
