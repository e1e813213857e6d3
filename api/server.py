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
    add_policy(app, config)
    return app


def add_policy(app, config: ApiConfig) -> None:
    """Put the HTTP edge's rules (CORS allow-list, trusted proxies) around every route of
    `app`: the API's own app, or serve's whole web app."""
    from api.http_policy import HttpPolicy

    app.add_middleware(HttpPolicy, cors_origins=config.cors_origins,
                       trusted_proxies=config.trusted_proxies)


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket (port 0 picks a free port).

    Made with protocol IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on accepted
    sockets whose protocol says TCP, and without it Nagle's algorithm and the client's
    delayed ACK hold each answer on a kept-alive connection about 40 ms."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
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
    # proxy_headers off: only api/http_policy.py decides whose X-Forwarded-* to believe.
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                           proxy_headers=False))
    trimmer = MemoryTrimmer()  # see allocator.py
    trimmer.start()
    try:
        server.run(sockets=[sock])
    finally:
        trimmer.stop()
        sock.close()
        sys.stdout.flush()
