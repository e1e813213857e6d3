"""Issue #20: every published file is complete or absent, the data folder is private, and a
full disk is a read-only mode with one clear sentence.

The full disks are real: a small tmpfs mounted here (root, or skipped where the machine
cannot mount one), filled with fallocate. Short writes are also simulated for the helper
itself, which runs everywhere."""

from __future__ import annotations

import errno
import io
import os
import shutil
import subprocess
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import files
from files import copy_complete, out_of_space, write_complete, write_image


def _can_mount() -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    probe = Path(f"/tmp/clipwright-mount-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
                          capture_output=True, timeout=20).returncode != 0:
            return False
        subprocess.run(["umount", str(probe)], capture_output=True, timeout=20)
        return True
    except (OSError, subprocess.TimeoutExpired):
        return False
    finally:
        probe.rmdir()


needs_tmpfs = pytest.mark.skipif(not _can_mount(), reason="needs root to mount a small tmpfs")


@contextmanager
def small_disk(size: str = "4m"):
    """A real, small file system (tmpfs) of its own, unmounted afterwards."""
    folder = Path(f"/tmp/clipwright-disk-{uuid.uuid4().hex[:8]}")
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                   check=True, timeout=20)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], timeout=20)
        folder.rmdir()


def fill(disk: Path, leave: int = 0) -> None:
    """Take all but `leave` bytes (rounded down to pages) of the disk's free space."""
    room = os.statvfs(disk)
    free = room.f_bavail * room.f_frsize
    with open(disk / f"ballast-{uuid.uuid4().hex[:6]}", "wb") as handle:
        os.posix_fallocate(handle.fileno(), 0, free - (leave // 4096) * 4096)


def noise_jpeg(width: int = 500, height: int = 400) -> bytes:
    """A JPEG that compresses badly (random pixels): about 240 KB."""
    pixels = np.random.default_rng(0).integers(0, 255, (height, width, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


# --- the helper ------------------------------------------------------------------------------


def test_a_short_write_is_continued_and_a_stopped_one_leaves_nothing(tmp_path, monkeypatch):
    real_write = os.write
    calls = []

    def short(fd, data):  # the kernel takes at most 1000 bytes a call
        calls.append(len(data))
        return real_write(fd, bytes(data[:1000]))
    monkeypatch.setattr(files.os, "write", short)
    target = write_complete(tmp_path / "a.bin", b"x" * 5000)
    assert target.read_bytes() == b"x" * 5000 and len(calls) == 5

    def full(fd, data):  # 1000 bytes, then the disk takes nothing more
        if sum(calls) > 6000:
            raise OSError(errno.ENOSPC, "No space left on device")
        calls.append(len(data))
        return real_write(fd, bytes(data[:1000]))
    monkeypatch.setattr(files.os, "write", full)
    with pytest.raises(OSError) as raised:
        write_complete(tmp_path / "b.bin", b"y" * 9000)
    assert out_of_space(raised.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin"]  # no b.bin, no .part


def test_a_copy_is_checked_against_its_source(tmp_path, monkeypatch):
    source = tmp_path / "photo.jpg"
    source.write_bytes(noise_jpeg())
    monkeypatch.setattr(files.os, "write", lambda fd, data: 0)  # the disk takes nothing
    with pytest.raises(OSError) as raised:
        copy_complete(source, tmp_path / "out" / "kept.jpg")
    assert out_of_space(raised.value) and not list((tmp_path / "out").iterdir())
    monkeypatch.undo()
    assert copy_complete(source, tmp_path / "out" / "kept.jpg").read_bytes() == \
        source.read_bytes()
    assert (tmp_path / "out" / "kept.jpg").stat().st_mode & 0o777 == 0o600


@needs_tmpfs
def test_an_api_photo_on_a_nearly_full_disk_is_refused_not_truncated():
    """Before: PIL's encoder ignores a short write, so save_image returned a path to a JPEG
    cut at a page boundary (the attack's 552,960 of 563,127 bytes) and the task failed later
    with "image file is truncated". Now OSError (ENOSPC: the API's 507) and no file."""
    from api.images import save_image

    data, kept = noise_jpeg(), io.BytesIO()
    Image.open(io.BytesIO(data)).save(kept, format="JPEG", quality=95)  # as save_image does
    with small_disk("1m") as disk:
        (disk / "uploads").mkdir()
        fill(disk, leave=len(kept.getvalue()) - 10_000)  # its last piece does not fit
        with pytest.raises(OSError) as raised:
            save_image(data, lambda suffix: disk / "uploads" / f"photo{suffix}")
        assert out_of_space(raised.value)
        assert list((disk / "uploads").iterdir()) == []  # neither the photo nor a .part


@needs_tmpfs
def test_a_poster_on_a_nearly_full_disk_is_refused_not_truncated():
    from video.encode import write_poster

    frame = np.random.default_rng(1).integers(0, 255, (400, 500, 3), dtype=np.uint8)
    with small_disk("1m") as disk:
        fill(disk, leave=120_000)  # the poster is about 200 KB
        with pytest.raises(OSError) as raised:
            write_poster(frame, disk / "poster.jpg", 500, 400)
        assert out_of_space(raised.value)
        assert not [p for p in disk.iterdir() if not p.name.startswith("ballast")]


@needs_tmpfs
def test_an_image_that_fits_is_written_whole():
    with small_disk("1m") as disk:
        image = Image.open(io.BytesIO(noise_jpeg()))
        path = write_image(image, disk / "ok.jpg", "JPEG", quality=95)
        Image.open(path).load()  # decodes to the end: not truncated


# --- the start-up sweep of unfinished writes -----------------------------------------------------


def test_start_up_removes_the_part_files_a_crash_left(tmp_path):
    from store.layout import DataLayout

    layout = DataLayout(tmp_path / "data").ensure()
    old = time.time() - 7200
    left = [layout.uploads / "key-1" / ".abc.jpg.x1.part", layout.creations / "c1" /
            ".poster.jpg.x2.part", layout.root / "jobs" / "j1" / ".clip.mp4.x3.part"]
    fresh = layout.uploads / "key-1" / ".def.jpg.x4.part"  # a write in progress elsewhere
    for path in (*left, fresh):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half")
    for path in left:
        os.utime(path, (old, old))
    assert layout.sweep_partials() == 3
    assert not any(p.exists() for p in left) and fresh.exists()


# --- the data folder is private --------------------------------------------------------------------


def test_the_data_folder_is_0700_and_its_database_0600_whatever_the_umask(tmp_path):
    """Before: clipwright.db was created 0644 (and its -wal/-shm alike) in a 0755 folder, so
    any user of the machine could read every session id."""
    from store.db import Database
    from store.layout import DataLayout

    previous = os.umask(0o022)
    try:
        layout = DataLayout(tmp_path / "data").ensure()
        db = Database(layout.db_path)
        with db.transaction() as conn:
            conn.execute("CREATE TABLE t (x)")
        modes = {p.name: p.stat().st_mode & 0o777 for p in layout.root.iterdir()}
        db.close()
    finally:
        os.umask(previous)
    assert modes["clipwright.db"] == 0o600
    assert all(modes[name] == 0o600 for name in modes if name.startswith("clipwright.db-"))
    assert all(mode == 0o700 for name, mode in modes.items() if "." not in name)
    assert layout.root.stat().st_mode & 0o777 == 0o700


def test_an_older_open_data_folder_is_made_private_when_opened(tmp_path):
    from store.db import Database
    from store.layout import DataLayout

    root = tmp_path / "data"
    (root / "secrets").mkdir(parents=True)
    (root / "clipwright.db").touch()
    (root / "secrets" / "browser-state").write_text("k")
    for path, mode in ((root, 0o755), (root / "clipwright.db", 0o644),
                       (root / "secrets" / "browser-state", 0o644)):
        path.chmod(mode)
    layout = DataLayout(root).ensure()
    Database(layout.db_path).close()
    assert root.stat().st_mode & 0o777 == 0o700
    assert (root / "clipwright.db").stat().st_mode & 0o777 == 0o600
    assert (root / "secrets" / "browser-state").stat().st_mode & 0o777 == 0o600
