"""The REST API's latency: a status poll on one kept-alive HTTP connection.

A real `python app.py api` process on 127.0.0.1, with a data folder and a key of its own,
renders one task with the cloud engine against a local endpoint that takes the connection
and never answers, so the task stays "running" (PROCESSING, queue_position 0) the way a
client's task does while it waits. One http.client connection polls
`GET /api/paas/v4/async-result/{id}` (key check, rate limit, database read, JSON answer),
and, for the figure issue #20 measured, an unknown id (a 404 after the same key check).

Before TCP_NODELAY was set on the listening socket's accepted connections, each answer on a
kept-alive connection waited for the client's delayed ACK: about 40 ms a poll.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bench.startup import _stop
from bench.timing import Measurement, measure

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "/api/paas/v4"
POLLS_PER_REPEAT = 50
MAX_POLLS = 500  # a key may make 600 requests a minute (api/platform.toml)
TARGET_S = 0.002


@contextmanager
def silent_endpoint() -> Iterator[str]:
    """An http:// address whose connections are taken and never answered."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)  # the kernel completes the handshakes; nothing reads
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def _environment(data: Path, cloud_url: str) -> dict[str, str]:
    return dict(os.environ, HF_HUB_OFFLINE="1", CLIPWRIGHT_DATA_DIR=str(data),
                ZHIPUAI_API_KEY="bench.key", CLIPWRIGHT_CLOUD_BASE_URL=cloud_url,
                CLIPWRIGHT_REWRITER="formula")


def create_key(env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "app.py"), "keys", "create", "--name",
                           "bench", "--json"], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(done.stdout)["key"]


@contextmanager
def api_process(env: dict[str, str], timeout: float = 120) -> Iterator[str]:
    """`python app.py api --engine cloud --port 0`; yields its base URL, stops it after."""
    process = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "api", "--engine",
                                "cloud", "--port", "0"], env=env, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               start_new_session=True)
    found: list[str] = []

    def read() -> None:  # until the address is printed (nothing much follows it)
        for line in process.stdout:
            if match := re.search(r"listening on (http://\S+)", line):
                found.append(match[1])
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        reader.join(timeout)
        if not found:
            raise RuntimeError("`python app.py api` did not start")
        yield found[0]
    finally:
        _stop(process)


class Poller:
    """GET requests on one kept-alive connection; fails if the server closes it."""

    def __init__(self, url: str, key: str):
        address = url.removeprefix("http://")
        host, port = address.rsplit(":", 1)
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        self.headers = {"Authorization": f"Bearer {key}"}
        self.socket: socket.socket | None = None

    def get(self, path: str) -> tuple[int, dict]:
        self.connection.request("GET", path, headers=self.headers)
        answer = self.connection.getresponse()
        body = json.loads(answer.read())
        if self.socket is None:
            self.socket = self.connection.sock
        elif self.connection.sock is not self.socket:
            raise RuntimeError("the server closed the kept-alive connection")
        return answer.status, body

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        self.connection.request("POST", path, body=json.dumps(body),
                                headers={**self.headers, "Content-Type": "application/json"})
        answer = self.connection.getresponse()
        return answer.status, json.loads(answer.read())


def run(repeats: int) -> list[Measurement]:
    polls = min(MAX_POLLS, max(20, repeats * POLLS_PER_REPEAT))
    with tempfile.TemporaryDirectory() as folder, silent_endpoint() as cloud_url:
        env = _environment(Path(folder) / "data", cloud_url)
        key, other_key = create_key(env), create_key(env)  # each within its request rate
        with api_process(env) as url:
            poller, other = Poller(url, key), Poller(url, other_key)
            status, task = poller.post(f"{PREFIX}/videos/generations", {
                "model": "cogvideox-3", "prompt": "a cheetah lying in the grass"})
            if status != 200:
                raise RuntimeError(f"the task was refused: {task}")
            path = f"{PREFIX}/async-result/{task['id']}"

            def poll_task() -> None:
                status, answer = poller.get(path)
                if status != 200 or answer["task_status"] != "PROCESSING":
                    raise RuntimeError(f"the task is no longer waiting: {answer}")

            def poll_unknown() -> None:
                if other.get(f"{PREFIX}/async-result/x")[0] != 404:
                    raise RuntimeError("an unknown task did not answer 404")

            rendering = measure("API: a running task's status poll on a kept-alive connection",
                                poll_task, repeats=polls, warmup=5, target_s=TARGET_S,
                                note="`python app.py api` on 127.0.0.1; PROCESSING with "
                                     "queue_position; before TCP_NODELAY ≈ 45 ms")
            unknown = measure("API: an unknown task's poll (404) on a kept-alive connection",
                              poll_unknown, repeats=polls, warmup=5, target_s=TARGET_S,
                              note="the request issue #20 timed at 48 ms")
    return [rendering, unknown]
