"""App cold start: `python app.py serve` launched to its first HTTP 200, with no model loaded."""

from __future__ import annotations

import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.timing import Measurement

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 5.0


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def time_to_first_ok(command: list[str], url: str, *, timeout: float = 60.0,
                     env: dict[str, str] | None = None, cwd: Path = ROOT) -> float:
    """Seconds from starting `command` until `url` answers 200; the process is stopped after.

    Raises RuntimeError with the end of its output if it exits first or never answers.
    """
    log = tempfile.TemporaryFile()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)  # its own group: stopped as one below
    try:
        while time.perf_counter() - started < timeout:
            if process.poll() is not None:
                raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}: "
                                   f"{_tail(log)}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s: {_tail(log)}")
    finally:
        _stop(process)
        log.close()


def _tail(log, chars: int = 600) -> str:
    log.seek(0)
    return log.read().decode("utf-8", "replace")[-chars:].strip()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def run(repeats: int) -> list[Measurement]:
    times, cpu = [], []
    runs = max(1, min(repeats, 3))  # each run is a whole cold start
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, CLIPWRIGHT_DATA_DIR=data, HF_HUB_OFFLINE="1")
        for _ in range(runs):
            port = free_port()
            command = [sys.executable, str(ROOT / "app.py"), "serve", "--port", str(port),
                       "--engine", "tiny", "--data-dir", data]
            before = _children_cpu()
            times.append(time_to_first_ok(command, f"http://127.0.0.1:{port}/", env=env))
            cpu.append(_children_cpu() - before)  # includes its shutdown, a small share
    return [Measurement("app cold start: `python app.py serve` to first HTTP 200",
                        statistics.median(times), runs, target_s=TARGET_S,
                        note=f"no model loaded; CPU {statistics.median(cpu):.1f} s "
                             f"(the server's, both cores summed)")]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
