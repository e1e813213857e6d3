"""Atomic file writing, shared by every folder that writes user-visible files."""

from __future__ import annotations

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


def read_toml(path: Path | str, error: type[Exception] = ValueError) -> dict:
    """A data file's tables. A missing, unreadable or malformed file raises `error` with one
    line naming the file, so every loader reports a broken data file the same way."""
    import tomllib

    path = Path(path)
    shown = _shown(path)
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise error(f"{shown}: file is missing") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{shown}: cannot be read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{shown}: not valid TOML: {exc}") from exc


def _shown(path: Path) -> str:
    """The path as someone editing the project would look for it (agent/data/x.toml)."""
    try:
        return path.resolve().relative_to(Path(__file__).resolve().parent).as_posix()
    except ValueError:
        return path.name
