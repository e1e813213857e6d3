"""Running the API on its own: the routes on a FastAPI app of their own, and uvicorn.

The browser app's `serve` mounts the same routes beside Gradio; `python app.py api` uses
this module to serve them alone (headless servers, the cloud engine's tests). The data
folder's database, queue and keys come from studio.services.open_services.
"""

from __future__ import annotations

import socket
import sys
from typing import Callable

from allocator import MemoryTrimmer
from api.config import ApiConfig
from studio.services import Services

DESCRIPTION = """\
A self-hosted video API compatible with Zhipu's open-platform video generation contract:
submit with `POST /api/paas/v4/videos/generations`, poll with
`GET /api/paas/v4/async-result/{id}`. Authenticate with `Authorization: Bearer <key>`
(create keys with `python app.py keys create`).
"""


def build_app(services: Services, config: ApiConfig, rules=None):
    """A FastAPI app with only the video API (OpenAPI page at /docs).

    rules: api.platform.PlatformRules, default from api/platform.toml.
    """
    from fastapi import FastAPI

    from api.routes import mount

    app = FastAPI(title="Clipwright video API", description=DESCRIPTION, version="1")
    mount(app, services.queue, services.keys, config, rules)
    return app


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket (port 0 picks a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def serve(app, host: str = "127.0.0.1", port: int = 8000,
          announce: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted; `announce(url)` is called once the port is open."""
    import uvicorn

    sock = listening_socket(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    url = f"http://{f'[{bound_host}]' if ':' in bound_host else bound_host}:{bound_port}"
    (announce or (lambda u: print(f"Clipwright API listening on {u}", flush=True)))(url)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    trimmer = MemoryTrimmer()  # see allocator.py
    trimmer.start()
    try:
        server.run(sockets=[sock])
    finally:
        trimmer.stop()
        sock.close()
        sys.stdout.flush()
