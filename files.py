"""Atomic file writing, shared by every folder that writes user-visible files, and how a
full disk is recognised wherever it surfaces."""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success rename it over `target`.

    On any error the temporary file is removed, so a reader sees the old file or the whole
    new one, never half of it.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


# errno values that mean "the disk (or a quota, or a file-size limit) took no more".
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
# The same, as ffmpeg's stderr and SQLite (SQLITE_FULL) word it inside their errors.
_FULL_WORDS = ("no space left on device", "file too large", "disk quota exceeded",
               "database or disk is full")


def out_of_space(exc: BaseException | None) -> bool:
    """Whether an error, or one it was raised from, is a full disk: an OSError with ENOSPC,
    EFBIG or EDQUOT, or an ffmpeg or SQLite failure whose text says so."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
            return True
        if any(words in str(exc).lower() for words in _FULL_WORDS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False
