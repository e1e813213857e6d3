"""Complete-or-absent file writing, shared by every folder that writes user-visible files,
and how a full disk is recognised wherever it surfaces.

Every file a user later reads is published the same way: written to a `.part` file beside
the target, flushed and fsync'd, its size checked against what was meant to be written,
then renamed over the target. A failure removes the `.part` file and raises, so a reader
sees the old file or the whole new one; a crash may leave a `.part` file, which the
start-up sweep removes (store/layout.py `sweep_partials`).

- `write_complete(target, data)`: bytes from this process.
- `write_image(image, target, format)`: a PIL image, encoded in memory first. PIL's own
  file writer must not be used for published files: its encoder writes straight to the
  descriptor and ignores a short write, so on a nearly full disk it "saves" a truncated
  image without an error (issue #20: an API photo kept at 552,960 of 563,127 bytes).
- `copy_complete(source, target)`: a file copied, its size checked against the source's.
- `atomic_path(target)`: a temporary path for another program (ffmpeg) to write; only for
  writers that check their own writes, since no size is known to check here.
"""

from __future__ import annotations

import errno
import io
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

PART_SUFFIX = ".part"  # every temporary file of a write in progress ends so
_CHUNK = 1 << 20


@contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success fsync it and rename it over
    `target`. For a program that writes the file itself and checks its own writes
    (ffmpeg); bytes and images from this process go through write_complete/write_image.

    On any error the temporary file is removed, so a reader sees the old file or the whole
    new one, never half of it.
    """
    target = Path(target)
    fd, tmp = _temp_beside(target)
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _temp_beside(target: Path) -> tuple[int, Path]:
    """An open, new, private (0600) temporary file in the target's folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=PART_SUFFIX,
                                dir=target.parent)
    return fd, Path(name)


def _incomplete(target: Path, written: int, expected: int) -> OSError:
    # A write that stops short without an error is a disk that took no more (a short
    # write on a full file system); named as ENOSPC so out_of_space() recognises it.
    return OSError(errno.ENOSPC, f"only {written} of {expected} bytes of {target.name} "
                                 f"could be written (no space left on device?)")


def _publish(target: Path, fill: Callable[[int], int]) -> Path:
    """Run `fill(fd)` on a temporary file beside `target` (it returns the size it meant to
    write), fsync, check the size on disk, rename over `target`. Any failure removes the
    temporary file and raises."""
    fd, tmp = _temp_beside(target)
    try:
        try:
            expected = fill(fd)
            os.fsync(fd)
            size = os.fstat(fd).st_size
        finally:
            os.close(fd)
        if size != expected:
            raise _incomplete(target, size, expected)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _write_all(fd: int, view: memoryview, target: Path, expected: int, before: int = 0) -> int:
    """Write all of `view`, continuing short writes; returns the running count."""
    written = before
    while view:
        count = os.write(fd, view[:_CHUNK])
        if count <= 0:
            raise _incomplete(target, written, expected)
        written, view = written + count, view[count:]
    return written


def write_complete(target: Path | str, data: bytes | bytearray | memoryview) -> Path:
    """Write `data` to `target` completely or not at all (see the module's docstring).

    Every short write is continued and counted; a write that takes nothing, a size on disk
    that differs from len(data), or any error removes the temporary file and raises
    (OSError with ENOSPC for a full disk: files.out_of_space says True)."""
    target = Path(target)
    view = memoryview(data).cast("B")

    def fill(fd: int) -> int:
        _write_all(fd, view, target, len(view))
        return len(view)
    return _publish(target, fill)


def write_image(image: Any, target: Path | str, format: str, **options: Any) -> Path:
    """Save a PIL image to `target` completely or not at all: encoded in memory, then
    written by write_complete (PIL's file writer ignores short writes)."""
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return write_complete(target, buffer.getbuffer())


def copy_complete(source: Path | str, target: Path | str) -> Path:
    """Copy `source` to `target` completely or not at all: the copy's size must equal the
    source's, else the partial copy is removed and OSError (ENOSPC) raised."""
    target = Path(target)

    def fill(fd: int) -> int:
        with open(source, "rb") as reading:
            expected, written = os.fstat(reading.fileno()).st_size, 0
            while chunk := reading.read(_CHUNK):
                written = _write_all(fd, memoryview(chunk), target, expected, written)
        return expected
    return _publish(target, fill)


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


# Below this much free space a folder's disk counts as full: SQLite's shared-memory index
# alone needs 32 KiB, a chat turn a few pages.
FULL_MARGIN_BYTES = 256 * 1024


def disk_full(folder: Path | str, margin: int = FULL_MARGIN_BYTES) -> bool:
    """Whether the disk holding `folder` has less than `margin` bytes left for this user."""
    try:
        room = os.statvfs(folder)
    except OSError:
        return False
    return room.f_bavail * room.f_frsize < margin
