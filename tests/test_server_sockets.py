"""The listening sockets of `serve` (ui/server.py) and `api` (api/server.py): every accepted
connection has TCP_NODELAY, so an answer on a kept-alive connection is not held ~40 ms by
Nagle's algorithm and the client's delayed ACK (issue #20: a status poll took a median of
48 ms; asyncio sets TCP_NODELAY only when the listening socket's protocol says TCP)."""

from __future__ import annotations

import http.client
import socket
import statistics
import threading
import time
from contextlib import contextmanager

import pytest
import uvicorn
from fastapi import FastAPI

from api.server import listening_socket
from api_support import wait_for
from ui.server import _bind


def small_app() -> FastAPI:
    app = FastAPI()

    @app.get("/status")
    def status() -> dict:  # a poll's answer: headers and a small body, sent apart
        return {"id": "x", "task_status": "PROCESSING", "queue_position": 1}

    return app


@contextmanager
def serving(sock: socket.socket):
    """uvicorn on `sock` in a thread, as serve() runs it; yields the uvicorn.Server."""
    server = uvicorn.Server(uvicorn.Config(small_app(), log_level="warning",
                                           proxy_headers=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started, 20, "the server to start")
        yield server
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


BINDERS = {"api": listening_socket, "serve": _bind}


@pytest.mark.parametrize("door", BINDERS)
def test_every_accepted_connection_has_tcp_nodelay(door):
    with serving(BINDERS[door]("127.0.0.1", 0)) as server:
        port = server.servers[0].sockets[0].getsockname()[1]
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        client.request("GET", "/status")
        assert client.getresponse().read()
        # The server's side of this very connection, as asyncio accepted it.
        accepted = [connection.transport.get_extra_info("socket")
                    for connection in server.server_state.connections]
        assert accepted, "no open connection on the server"
        assert all(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for sock in accepted)
        client.close()


def test_polls_on_a_kept_alive_connection_are_not_held_by_nagle():
    """20 polls on one connection: before, each waited for the delayed ACK (~40 ms; a median
    of 46 ms here); now well under a millisecond. The bound is generous for a busy machine."""
    with serving(listening_socket("127.0.0.1", 0)) as server:
        port = server.servers[0].sockets[0].getsockname()[1]
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        times = []
        for _ in range(25):
            started = time.perf_counter()
            client.request("GET", "/status")
            client.getresponse().read()
            times.append(time.perf_counter() - started)
        client.close()
    assert statistics.median(times[5:]) < 0.025, times
