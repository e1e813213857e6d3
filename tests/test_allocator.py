"""allocator.py: free memory scattered over thread arenas goes back to the system."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from allocator import MemoryTrimmer, _glibc

pytestmark = pytest.mark.skipif(_glibc() is None,
                                reason="not glibc: the trimmer does nothing here")

# Four threads fill 200 MB with 2 KiB blocks (above Python's small-object allocator, so
# glibc's own) and hold them until all four are full, then free all but every 50th: the
# pages are free, yet glibc keeps them. (Without the barrier, a thread that started late
# reused the pages of one that had finished, and "before" was sometimes only 125 MiB.)
SCRIPT = textwrap.dedent("""
    import sys, threading
    from allocator import MemoryTrimmer, _glibc

    def rss_mib():
        with open("/proc/self/status") as status:
            return next(int(l.split()[1]) for l in status if l.startswith("VmRSS")) // 1024

    trimmer = MemoryTrimmer(every_s=3600)
    assert trimmer.start()
    kept = []
    all_full = threading.Barrier(4)
    def churn():
        blocks = [bytes(2048) for _ in range(25_000)]
        kept.extend(blocks[::50])
        all_full.wait()  # all four hold their blocks at once, so none reuses another's
    threads = [threading.Thread(target=churn) for _ in range(4)]
    for t in threads: t.start()
    for t in threads: t.join()
    before = rss_mib()
    trimmer.trim()
    print(before, rss_mib(), len(kept))
    trimmer.stop()
""")


def test_trim_hands_freed_memory_back():
    result = subprocess.run([sys.executable, "-c", SCRIPT],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    before, after, kept = map(int, result.stdout.split())
    assert kept == 2000
    assert before - after > 100, (before, after)  # most of the ~200 MB was given back


def test_start_and_stop_are_idempotent():
    trimmer = MemoryTrimmer(every_s=0.05)
    assert trimmer.start() and trimmer.start() and trimmer.active
    trimmer.stop()
    trimmer.stop()
    assert not trimmer.active
