"""The web page's place on the server while it loads: the server answers at once.

Importing Gradio and building the page take seconds on a small machine. `DeferredApp` is
mounted where the page lives: until `attach` hands it the built Gradio app, the root
answers a small page that reloads itself (200) and every other path 503 with Retry-After;
from then on every request goes to the Gradio app. Share pages and the REST API are routes
of their own and answer from the first moment.
"""

from __future__ import annotations

from pathlib import Path

PAGE_FILE = Path(__file__).with_name("starting.html")
RETRY_S = 1
# The starting page must never be cached: the same address serves the app a moment later.
HEADERS = {"Cache-Control": "no-store", "Retry-After": str(RETRY_S),
           "X-Content-Type-Options": "nosniff"}


class DeferredApp:
    """An ASGI app that stands in for the Gradio app until `attach` gives it the real one."""

    def __init__(self) -> None:
        self._app = None
        self._page = PAGE_FILE.read_bytes()

    @property
    def ready(self) -> bool:
        """Whether the real app answers now."""
        return self._app is not None

    def attach(self, app) -> None:
        """Hand over to `app` (an ASGI app whose start-up has run): it answers from now on."""
        self._app = app

    async def __call__(self, scope, receive, send) -> None:
        app = self._app
        if app is not None:
            await app(scope, receive, send)
        elif scope["type"] == "http":
            await self._starting(scope, send)
        elif scope["type"] == "websocket":  # 1013: try again later
            await send({"type": "websocket.close", "code": 1013})

    async def _starting(self, scope, send) -> None:
        root = scope["path"] in ("", "/") and scope["method"] in ("GET", "HEAD")
        if root:
            status, body, kind = 200, self._page, b"text/html; charset=utf-8"
        else:
            status, body, kind = 503, b"Clipwright is starting; try again in a moment.\n", \
                b"text/plain; charset=utf-8"
        headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                   *((k.lower().encode(), v.encode()) for k, v in HEADERS.items())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body",
                    "body": b"" if scope["method"] == "HEAD" else body})
