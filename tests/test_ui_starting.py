"""Start-up: the server answers at once; the Gradio page joins when it is built.

A real uvicorn server on 127.0.0.1 runs `ui.server.build_server` in this process. The page
build is the real one, held at a gate by the test, so the "starting" phase is seen for sure.
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest
import uvicorn

import ui.server
from ui.server import ServeOptions, build_server
from ui.starting import DeferredApp

STARTING_MARK = b'id="clipwright-starting"'


def fetch(url: str, method: str = "GET") -> tuple[int, object, bytes]:
    """(status, headers (case-insensitive), body) of one request."""
    request = urllib.request.Request(url, method=method, headers={"Accept": "text/html"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


class Running:
    """A uvicorn server for an ASGI app on a free port, in a thread of this process."""

    def __init__(self, app):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run,
                                       kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> "Running":
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "no start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


def test_the_deferred_page_answers_starting_then_hands_over():
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    page = DeferredApp()
    web = FastAPI()
    web.get("/ping")(lambda: {"ok": True})
    web.mount("", page)
    real = FastAPI()
    real.get("/")(lambda: HTMLResponse("<p>the real page</p>"))
    with Running(web) as server:
        status, headers, body = fetch(server.url + "/")
        assert status == 200 and STARTING_MARK in body
        assert '<meta http-equiv="refresh"' in body.decode()  # it reloads itself
        assert headers["Cache-Control"] == "no-store"  # never cached in the app's place
        assert fetch(server.url + "/", "HEAD")[::2] == (200, b"")
        status, headers, _ = fetch(server.url + "/config")
        assert status == 503 and headers["Retry-After"] == "1"
        assert fetch(server.url + "/ping")[0] == 200  # routes of their own answer
        page.attach(real)
        assert page.ready
        status, _, body = fetch(server.url + "/")
        assert status == 200 and body == b"<p>the real page</p>"


@pytest.fixture
def wired(tmp_path, shared_cache, monkeypatch):
    from app import wire

    monkeypatch.setenv("CLIPWRIGHT_CACHE_DIR", str(shared_cache))
    return wire(argparse.Namespace(data_dir=str(tmp_path / "data")))


def api_door(web, services) -> None:
    """The REST API on the same server, as `python app.py serve` mounts it."""
    from api import ApiConfig, mount

    mount(web, services.queue, services.keys, ApiConfig(engine="tiny"))


def test_serve_answers_while_the_page_is_built_then_serves_the_page(wired, monkeypatch):
    gate, built = threading.Event(), threading.Event()
    real_build = ui.server.build_page

    def gated_build(*args, **kwargs):
        assert gate.wait(120), "the test never opened the gate"
        return real_build(*args, **kwargs)

    monkeypatch.setattr(ui.server, "build_page", gated_build)
    ready = threading.Event()
    server = build_server(wired, ServeOptions(engine="tiny"), on_ready=ready.set,
                          on_page=built.set, doors=(api_door,))
    with Running(server.app) as running:
        assert ready.is_set() and not built.is_set()
        status, _, body = fetch(running.url + "/")
        assert status == 200 and STARTING_MARK in body
        assert fetch(running.url + "/config")[0] == 503
        assert fetch(running.url + "/s/" + "A" * 22)[0] == 404  # share pages already answer
        assert fetch(running.url + "/api/paas/v4/async-result/nope")[0] == 401  # the API too
        gate.set()
        assert built.wait(120), "the page was never built"
        status, _, body = fetch(running.url + "/")
        assert status == 200 and STARTING_MARK not in body and b"gradio" in body.lower()
        assert fetch(running.url + "/config")[0] == 200


def test_a_page_that_cannot_be_built_is_reported(wired, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("theme file unreadable")

    monkeypatch.setattr(ui.server, "build_page", broken)
    failures: list[Exception] = []
    reported = threading.Event()

    def on_failed(exc: Exception) -> None:
        failures.append(exc)
        reported.set()

    server = build_server(wired, ServeOptions(engine="tiny"), on_page_failed=on_failed)
    with Running(server.app) as running:
        assert reported.wait(60)
        assert [str(f) for f in failures] == ["theme file unreadable"]
        assert fetch(running.url + "/")[0] == 200  # still the starting page, not a crash
