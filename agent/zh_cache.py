"""A disk cache for the Chinese reader's two big tables, so a new process reads them in a
tenth of a second instead of parsing them again: CC-CEDICT as a marshal file, and jieba's
dictionary cut down to the words that mean something to us (those CC-CEDICT, the glossary
or the gazetteer know, and every word of one or two characters), whose prefix table jieba
then caches itself.

The cache lives in $CLIPWRIGHT_CACHE_DIR, else $XDG_CACHE_HOME/clipwright, else
~/.cache/clipwright. Files are named by a hash of what they were made from, written
atomically (parallel processes may race to write the same file: the last rename wins, and
both are whole), and an unwritable cache only costs time."""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
from pathlib import Path
from typing import Callable

import files

log = logging.getLogger("clipwright.agent")


def cache_dir() -> Path:
    """Where the cache files go."""
    explicit = os.environ.get("CLIPWRIGHT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "clipwright"


def fingerprint(*parts: object) -> str:
    """A short name for what a cache file was made from."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:16]


def cached_table(name: str, key: str, build: Callable[[], dict]) -> dict:
    """The dict `build()` makes, read from the cache when it is there."""
    path = cache_dir() / f"{name}-{key}.marshal"
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        pass
    table = build()
    try:
        with files.atomic_path(path) as tmp:
            tmp.write_bytes(marshal.dumps(table))
    except OSError as exc:  # a read-only home: slower, never wrong
        log.info("no cache for %s: %s", name, exc)
    return table


def word_list(key: str, lines: Callable[[], list[str]]) -> Path | None:
    """A jieba dictionary file ("word freq tag" lines) in the cache, written once; None when
    the cache cannot be written (the caller then uses jieba's own dictionary)."""
    path = cache_dir() / f"jieba-words-{key}.txt"
    if path.is_file():
        return path
    try:
        with files.atomic_path(path) as tmp:
            tmp.write_text("".join(lines()), encoding="utf-8")
    except OSError as exc:
        log.info("no cache for the segmenter: %s", exc)
        return None
    return path
