"""Helpers for the API, job and cloud tests: real servers on 127.0.0.1, free ports only."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import httpx

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "/api/paas/v4"


@contextmanager
def thread_server(app) -> Iterator[str]:
    """Serve a FastAPI app with uvicorn in a thread on a free port; yield its base URL."""
    import uvicorn

    from api.server import listening_socket

    sock = listening_socket("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        wait_for(lambda: server.started, 20, "the API server to start")
        yield url
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextmanager
def platform_server(data_dir: Path, cache_dir: Path, name: str) -> Iterator[tuple[str, str]]:
    """A second Clipwright serving the platform's API (tiny engine) as the cloud engine
    reaches it: yields (base URL, an API key named `name`)."""
    from store.db import Database
    from store.keys import KeyStore
    from store.layout import DataLayout

    db = Database(DataLayout(data_dir).ensure().db_path)
    key = KeyStore(db).create(name, submits_per_minute=100, max_in_flight=10)[1]
    db.close()
    server = ApiProcess(data_dir, cache_dir)
    try:
        yield server.url + PREFIX, key
    finally:
        server.stop()


class ApiProcess:
    """`python app.py api` in a subprocess, with its own data folder."""

    def __init__(self, data_dir: Path, cache_dir: Path, *args: str):
        env = dict(os.environ, CLIPWRIGHT_CACHE_DIR=str(cache_dir), HF_HUB_OFFLINE="1")
        env.pop("ZHIPUAI_API_KEY", None)
        self.log_path = data_dir.parent / f"{data_dir.name}-server.log"
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "api", "--engine", "tiny", "--port", "0",
             "--data-dir", str(data_dir), "--allow-private-image-hosts", *args],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=self.log)
        self.url = self._read_url()

    def _read_url(self, timeout: float = 120) -> str:
        found: list[str] = []

        def read() -> None:
            for line in self.proc.stdout:
                text = line.decode("utf-8", "replace")
                if "listening on " in text:
                    found.append(text.split("listening on ", 1)[1].strip())
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout)
        if not found:
            self.stop()
            raise RuntimeError(f"the API server did not start: {self.log_path.read_text()[-2000:]}")
        wait_for(lambda: _answers(found[0]), 30, "the API server to answer")
        return found[0]

    def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        self.proc.kill()
        self.proc.wait(10)
        self.log.close()

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()


def stop_process(proc: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM, and SIGKILL if it has not ended within `timeout` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/docs", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(predicate: Callable[[], object], timeout: float, what: str, every: float = 0.1):
    """Poll until predicate() is truthy; return its value, or fail naming `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def submit(url: str, key: str | None, body: dict | bytes, **kwargs) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if isinstance(body, bytes):
        return httpx.post(url + PREFIX + "/videos/generations", content=body,
                          headers={**headers, "Content-Type": "application/json"},
                          timeout=60, **kwargs)
    return httpx.post(url + PREFIX + "/videos/generations", json=body, headers=headers,
                      timeout=60, **kwargs)


def result(url: str, key: str | None, task_id: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.get(f"{url}{PREFIX}/async-result/{task_id}", headers=headers, timeout=30)


def wait_result(url: str, key: str, task_id: str, timeout: float = 300) -> dict:
    """Poll async-result until SUCCESS or FAIL; return the answer."""
    def finished():
        answer = result(url, key, task_id).json()
        return answer if answer.get("task_status") in ("SUCCESS", "FAIL") else None

    return wait_for(finished, timeout, f"task {task_id}", every=0.3)
