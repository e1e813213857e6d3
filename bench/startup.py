"""App cold start: `python app.py serve` launched to its first HTTP 200, and to its Gradio
page answering, with no model loaded."""

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
    return times_to_ok(command, [url], timeout=timeout, env=env, cwd=cwd)[0]


def times_to_ok(command: list[str], urls: list[str], *, timeout: float = 60.0,
                env: dict[str, str] | None = None, cwd: Path = ROOT) -> list[float]:
    """Seconds from starting `command` until each of `urls` first answers 200 (polled
    together, in one run); the process is stopped after. RuntimeError as above."""
    log = tempfile.TemporaryFile()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)  # its own group: stopped as one below
    seconds: dict[str, float] = {}
    try:
        while time.perf_counter() - started < timeout:
            if process.poll() is not None:
                raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}: "
                                   f"{_tail(log)}")
            for url in urls:
                if url not in seconds and _answers_ok(url):
                    seconds[url] = time.perf_counter() - started
            if len(seconds) == len(urls):
                return [seconds[url] for url in urls]
            time.sleep(0.05)
        waiting = ", ".join(url for url in urls if url not in seconds)
        raise RuntimeError(f"{waiting} did not answer 200 within {timeout:.0f} s: {_tail(log)}")
    finally:
        _stop(process)
        log.close()


def _answers_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


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
    first, page, cpu = [], [], []
    runs = max(1, min(repeats, 3))  # each run is a whole cold start
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, CLIPWRIGHT_DATA_DIR=data, HF_HUB_OFFLINE="1")
        for _ in range(runs):
            port = free_port()
            command = [sys.executable, str(ROOT / "app.py"), "serve", "--port", str(port),
                       "--engine", "tiny", "--data-dir", data]
            before = _children_cpu()
            # "/" answers at once (a self-reloading "starting…" page until the Gradio page
            # is built); Gradio's /config answers once the page itself does.
            root, config = times_to_ok(command, [f"http://127.0.0.1:{port}/",
                                                 f"http://127.0.0.1:{port}/config"], env=env)
            first.append(root)
            page.append(config)
            cpu.append(_children_cpu() - before)  # includes its shutdown, a small share
    return [Measurement("app cold start: `python app.py serve` to first HTTP 200",
                        statistics.median(first), runs, target_s=TARGET_S,
                        note="no model loaded; the root answers a self-reloading "
                             "starting page until the Gradio page is built"),
            Measurement("app cold start: `python app.py serve` to the Gradio page answering",
                        statistics.median(page), runs,
                        note=f"no model loaded; CPU {statistics.median(cpu):.1f} s "
                             f"(the server's, both cores summed)")]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
