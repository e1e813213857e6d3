"""Caps on what the page's upload route takes (Gradio's `/gradio_api/upload`), checked
before a byte of the body is stored: one request holds at most one photo's worth, and one
client sends at most a few photos' worth in a window. Gradio itself checks only each file's
size, so five 20 MB files of any kind in one request were all kept."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

UPLOAD_PATH = "/gradio_api/upload"


@dataclass(frozen=True)
class UploadLimits:
    """How much the upload route takes: per request, and per client address per window."""

    request_bytes: int  # one request's whole body (a photo and the multipart framing)
    client_bytes: int  # what one address may send within `window_s`
    window_s: float = 600.0


class _Ledger:
    """Bytes each client address sent within the window (old entries fall out)."""

    def __init__(self, window_s: float):
        self.window_s = window_s
        self._sent: dict[str, deque[tuple[float, int]]] = {}
        self._lock = threading.Lock()

    def used(self, client: str, now: float) -> tuple[int, float]:
        """(bytes sent in the window, seconds until the oldest of them falls out)."""
        with self._lock:
            entries = self._sent.get(client, deque())
            while entries and entries[0][0] <= now - self.window_s:
                entries.popleft()
            if not entries:
                self._sent.pop(client, None)
                return 0, 0.0
            return sum(n for _, n in entries), entries[0][0] + self.window_s - now

    def add(self, client: str, size: int, now: float) -> None:
        with self._lock:
            self._sent.setdefault(client, deque()).append((now, size))


def limit_uploads(app, limits: UploadLimits):
    """An ASGI app answering as `app` does, except that an upload without a declared length
    is refused (411), one over the request cap 413, and one past the client's budget 429
    with Retry-After — each with one plain sentence, before the body is read."""
    ledger = _Ledger(limits.window_s)

    async def guarded(scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or \
                not scope["path"].endswith(UPLOAD_PATH):
            await app(scope, receive, send)
            return
        length = _content_length(scope)
        client = (scope.get("client") or ("?", 0))[0]
        now = time.monotonic()
        used, wait_s = ledger.used(client, now)
        if length is None:
            await _refuse(send, 411, "an upload must say its size (Content-Length)")
        elif length > limits.request_bytes:
            await _refuse(send, 413, f"one upload may hold at most "
                          f"{limits.request_bytes // (1024 * 1024)} MB: send one photo at a time")
        elif used + length > limits.client_bytes:
            await _refuse(send, 429, "too many uploads from here in a short time; try again "
                          f"in {int(wait_s) + 1} s", retry_after=int(wait_s) + 1)
        else:
            ledger.add(client, length, now)
            await app(scope, _capped(receive, length), send)

    return guarded


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return max(0, int(value))
            except ValueError:
                return None
    return None


def _capped(receive, declared: int):
    """The body as sent, cut off at its declared length (a client that declares less than
    it sends gets no more read than it declared)."""
    taken = 0

    async def capped():
        nonlocal taken
        message = await receive()
        if message["type"] == "http.request":
            body = message.get("body", b"")[: max(0, declared - taken)]
            taken += len(body)
            more = message.get("more_body", False) and taken < declared
            message = {**message, "body": body, "more_body": more}
        return message

    return capped


async def _refuse(send, status: int, sentence: str, retry_after: int | None = None) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": sentence.encode()})
