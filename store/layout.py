"""The data folder: where the database, finished videos, uploads and secrets live.

    <data>/clipwright.db           SQLite (WAL) shared by every store component
    <data>/creations/<id>/         one finished creation: video.mp4, poster.jpg, clip.gif
    <data>/staging/<key>/          renders in progress; moved into creations/ when whole
    <data>/jobs/<id>/              a render job's result (clip.mp4, clip.jpg); a browser's
                                   moves into its creation when the page collects it
    <data>/uploads/<owner>/        photos and audio a browser or API key sent, kept while
                                   something uses them (store/uploads.py)
    <data>/secrets/<name>          small random keys made once (mode 0600)

The folder is private: 0700, and its files 0600 (the database holds every session id).
`ensure` sets the modes with chmod, which no umask changes, and mends an older folder's.

Paths kept in the database are relative to the data folder, so the folder can move.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from files import PART_SUFFIX, write_complete

log = logging.getLogger(__name__)

FOLDER_MODE, FILE_MODE = 0o700, 0o600

# Ids that name folders: letters, digits, '-' and '_' only, so no id can climb out.
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class UnsafePath(ValueError):
    """A path that would leave the data folder, or an id that cannot name a folder."""


def check_id(value: str, what: str = "id") -> str:
    """`value` if it can name a folder safely, else UnsafePath."""
    if not isinstance(value, str) or not _SAFE_ID.match(value):
        raise UnsafePath(f"bad {what}: {value!r}")
    return value


@dataclass(frozen=True)
class DataLayout:
    """Paths inside one data folder. `ensure()` creates the folders."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).expanduser().resolve())

    @property
    def db_path(self) -> Path:
        return self.root / "clipwright.db"

    @property
    def creations(self) -> Path:
        return self.root / "creations"

    @property
    def staging(self) -> Path:
        return self.root / "staging"

    @property
    def uploads(self) -> Path:
        return self.root / "uploads"

    def ensure(self) -> "DataLayout":
        """Create the folders (idempotent), make them private (0700, the database and
        secrets 0600: older folders were made 0755/0644) and return self. On a full disk
        the folders that exist are enough: opening one needs no new byte."""
        for folder in (self.root, self.creations, self.staging, self.uploads,
                       self.root / "secrets"):
            folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
            private(folder, FOLDER_MODE)
        for file in (*self.db_files(), *(self.root / "secrets").iterdir()):
            private(file, FILE_MODE)
        return self

    def db_files(self) -> list[Path]:
        """The database and its WAL and shared-memory files, those that exist."""
        return [path for path in (self.db_path, self.db_path.with_name(self.db_path.name +
                "-wal"), self.db_path.with_name(self.db_path.name + "-shm")) if path.exists()]

    def creation_dir(self, creation_id: str) -> Path:
        """The folder of one published creation."""
        return self.creations / check_id(creation_id, "creation id")

    def staging_dir(self, key: str) -> Path:
        """A fresh, empty folder for a render in progress."""
        folder = self.staging / check_id(key, "staging key")
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder

    def upload_path(self, session_id: str, suffix: str) -> Path:
        """A new, unused path for a file a browser sent (suffix like '.jpg')."""
        if not re.fullmatch(r"\.[A-Za-z0-9]{1,8}", suffix):
            raise UnsafePath(f"bad file suffix: {suffix!r}")
        folder = self.uploads / check_id(session_id, "session id")
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{secrets.token_hex(8)}{suffix.lower()}"

    def relative(self, path: Path | str) -> str:
        """`path` relative to the data folder (POSIX form); UnsafePath if outside it."""
        absolute = Path(path).expanduser().resolve()
        try:
            return absolute.relative_to(self.root).as_posix()
        except ValueError:
            raise UnsafePath(f"{absolute} is outside the data folder {self.root}") from None

    def resolve(self, relative: str) -> Path:
        """The absolute path of a stored relative path; UnsafePath if it leaves the folder."""
        candidate = (self.root / relative).resolve()
        if candidate != self.root and self.root not in candidate.parents:
            raise UnsafePath(f"{relative!r} leaves the data folder")
        return candidate

    def secret(self, name: str, nbytes: int = 32) -> str:
        """A random key made on first use and kept (e.g. the browser-state encryption key)."""
        path = self.root / "secrets" / check_id(name, "secret name")
        if path.is_file():
            value = path.read_text(encoding="utf-8").strip()
            if value:
                return value
        value = secrets.token_urlsafe(nbytes)
        write_complete(path, value.encode("utf-8"))  # made 0600, like every file here
        # Another process may have won the race; everyone uses what is on disk.
        return path.read_text(encoding="utf-8").strip()

    def stored_secret(self, name: str) -> str | None:
        """A secret someone gave and `keep_secret` kept (e.g. a platform API key), or None."""
        path = self.root / "secrets" / check_id(name, "secret name")
        try:
            value = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return value or None

    def keep_secret(self, name: str, value: str) -> None:
        """Keep a secret someone gave, whole or not at all, readable by this user only."""
        write_complete(self.root / "secrets" / check_id(name, "secret name"),
                       value.encode("utf-8"))

    def forget_secret(self, name: str) -> None:
        """Remove a kept secret (nothing to do when there is none)."""
        (self.root / "secrets" / check_id(name, "secret name")).unlink(missing_ok=True)

    def publish(self, staging: Path, creation_id: str) -> Path:
        """Move a whole staged render into creations/<id> in one rename; return that folder."""
        target = self.creation_dir(creation_id)
        if Path(staging).resolve().parent != self.staging:
            raise UnsafePath(f"{staging} is not a staging folder")
        if target.exists():
            raise FileExistsError(f"creation {creation_id} already exists")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, target)
        return target

    def sweep_partials(self, older_than_s: float = 3600.0) -> int:
        """Remove the `.part` files of writes a crash interrupted (files.write_complete,
        atomic_path), once they are older than any write in progress; returns how many."""
        removed, cutoff = 0, time.time() - older_than_s
        for folder in (self.root, self.creations, self.uploads, self.root / "jobs",
                       self.root / "secrets"):
            for part in (*folder.glob(f".*{PART_SUFFIX}"), *folder.glob(f"*/.*{PART_SUFFIX}")):
                try:
                    if part.is_file() and part.stat().st_mtime < cutoff:
                        part.unlink()
                        removed += 1
                except FileNotFoundError:
                    continue
        if removed:
            log.info("removed %d unfinished file write(s) a crash left", removed)
        return removed

    def sweep_staging(self, older_than_s: float = 3600.0) -> int:
        """Remove renders abandoned by a crash; returns how many folders went."""
        if not self.staging.is_dir():
            return 0
        removed, cutoff = 0, time.time() - older_than_s
        for folder in self.staging.iterdir():
            try:
                if folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder) if folder.is_dir() else folder.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed


def private(path: Path, mode: int) -> None:
    """chmod `path` to `mode` when it differs (no umask applies to chmod); a folder or file
    this user cannot change is left as it is, with a warning."""
    try:
        if path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("could not make %s private (mode %o): %s", path, mode, exc)
