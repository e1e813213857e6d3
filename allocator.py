"""Keep a long-running server's memory near what it really uses (glibc's allocator).

Each thread that allocates can get a malloc arena of its own (glibc allows 8 per core), and
memory freed in an arena stays there for reuse. A server answers on many threads — Gradio's
workers, the API's, the render worker — so after bursts of load it held hundreds of MiB it
no longer used, and more after every burst (five rounds of 20 browser sessions at
once: 0.80 GiB after warm-up, 1.34 GiB after the fifth round, peaks to 1.48 GiB; with
this, 0.77–0.90 GiB after each round, peaks under 0.98 GiB). `MemoryTrimmer` caps the
arenas at one per core and hands free pages back to the system every few seconds.
Where the C library is not glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's <malloc.h>
TRIM_EVERY_S = 5.0


def _glibc():
    """The process's C library if it is glibc (it has malloc_trim and mallopt), else None."""
    try:
        libc = ctypes.CDLL(None)
        libc.malloc_trim.argtypes, libc.mallopt.argtypes = [ctypes.c_size_t], [ctypes.c_int,
                                                                                 ctypes.c_int]
    except (OSError, AttributeError):
        return None
    return libc


class MemoryTrimmer:
    """Cap glibc's arenas and trim free memory on a timer, while a server runs."""

    def __init__(self, every_s: float = TRIM_EVERY_S, arenas: int | None = None):
        self.every_s = every_s
        self.arenas = arenas or max(2, os.cpu_count() or 2)
        self._libc = _glibc()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def active(self) -> bool:
        return self._thread is not None

    def start(self) -> bool:
        """Cap the arenas (for threads that start from now on) and start trimming.
        False where there is nothing to tune (not glibc)."""
        if self._libc is None or self._thread is not None:
            return self._thread is not None
        if not self._libc.mallopt(M_ARENA_MAX, self.arenas):
            log.debug("mallopt(M_ARENA_MAX) was refused; trimming only")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="clipwright-memory",
                                        daemon=True)
        self._thread.start()
        return True

    def trim(self) -> None:
        """Give the free pages of every arena back to the system, now."""
        if self._libc is not None:
            self._libc.malloc_trim(0)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.every_s + 1)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.trim()
