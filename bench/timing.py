"""Timing helpers shared by the benchmark suites: median of repeats, a results table."""

from __future__ import annotations

import os
import platform
import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class Measurement:
    """One benchmark figure: the median of repeated runs, and its target if any."""

    name: str
    median_s: float
    runs: int
    target_s: float | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        """'ok', 'SLOW' or '' when there is no target."""
        if self.target_s is None:
            return ""
        return "ok" if self.median_s <= self.target_s else "SLOW"


def measure(name: str, fn: Callable[[], object], *, repeats: int = 5, warmup: int = 1,
            target_s: float | None = None, note: str = "") -> Measurement:
    """Run fn warmup+repeats times and keep the median of the timed repeats."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return Measurement(name, statistics.median(times), repeats, target_s, note)


def machine() -> str:
    """A one-line description of where the figures were taken."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.machine()}"


def table(measurements: list[Measurement]) -> str:
    """A Markdown table of the measurements."""
    lines = ["| benchmark | median | runs | target | verdict | note |",
             "|---|---|---|---|---|---|"]
    for m in measurements:
        target = f"≤ {m.target_s:g} s" if m.target_s is not None else ""
        lines.append(f"| {m.name} | {m.median_s:.3f} s | {m.runs} | {target} | {m.verdict} | {m.note} |")
    return "\n".join(lines)
