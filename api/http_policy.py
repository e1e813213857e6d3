"""What the server believes and allows at its HTTP edge, for every route of the app it wraps
(the API alone, or the page, share pages and API of `serve` together):

- Calls from scripts on other sites (CORS) are off unless their origin is on the allow-list
  (`--cors-origin`). An allowed origin may call without credentials (no cookies: the API's
  key travels in a header); any other origin's preflight is refused, and no route answers it
  with CORS headers — Gradio's own, which echo any localhost origin with credentials
  included, are removed.
- `X-Forwarded-For`, `-Proto`, `-Host` and `Forwarded` are believed only from the address
  of a proxy named with `--trusted-proxy`: from there the client's address and scheme are
  taken from them (uvicorn's ProxyHeadersMiddleware); from anyone else they are removed
  before any route can read them. Run uvicorn with proxy_headers=False, so this is the one
  place that decides.
"""

from __future__ import annotations

import ipaddress
from typing import Iterable
from urllib.parse import urlsplit

from errors import InputError

FORWARDED = frozenset({b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host",
                       b"x-forwarded-port", b"x-forwarded-prefix", b"forwarded"})
ANY_ORIGIN = "*"
_PREFLIGHT_HEADERS = [(b"access-control-allow-methods", b"GET, POST, HEAD, OPTIONS"),
                      (b"access-control-max-age", b"600")]
_REFUSED = b"this origin may not call this server from a browser (see --cors-origin)\n"


def allowed_origin(value: str) -> str:
    """An origin as browsers send it ("https://app.example.com", "http://localhost:3000"),
    or "*" for any origin; InputError for anything else (a path, another scheme)."""
    text = value.strip().rstrip("/")
    if text == ANY_ORIGIN:
        return text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or \
            parts.query or parts.fragment or parts.username:
        raise InputError(f"--cors-origin must look like https://app.example.com (a scheme, a "
                         f"host and an optional port) or *; got '{value}'")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def trusted_proxy(value: str) -> str:
    """A proxy's address or network ("127.0.0.1", "10.0.0.0/8", "::1"); InputError else."""
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        raise InputError(f"--trusted-proxy must be an IP address or a network like "
                         f"10.0.0.0/8; got '{value}'") from None


def add_flags(parser) -> None:
    """The flags of the commands that serve HTTP (`serve`, `api`)."""
    parser.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                        help="let scripts on this site (e.g. https://app.example.com; * for "
                             "any) call the server from a browser, without cookies; repeat "
                             "for more. Default: no other site may")
    parser.add_argument("--trusted-proxy", action="append", default=[], metavar="ADDRESS",
                        help="believe X-Forwarded-For/-Proto/-Host from this proxy address "
                             "or network (e.g. 127.0.0.1 for a proxy on this machine); "
                             "repeat for more. Default: from no one")


def flags_of(args) -> dict[str, tuple[str, ...]]:
    """The checked values of those flags, as ApiConfig's cors_origins and trusted_proxies."""
    return {"cors_origins": tuple(allowed_origin(o) for o in args.cors_origin),
            "trusted_proxies": tuple(trusted_proxy(p) for p in args.trusted_proxy)}


class HttpPolicy:
    """ASGI middleware: the CORS allow-list and the trusted proxies (see the module)."""

    def __init__(self, app, *, cors_origins: Iterable[str] = (),
                 trusted_proxies: Iterable[str] = ()):
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        self.app = app
        self.origins = frozenset(allowed_origin(o) for o in cors_origins)
        self.proxies = tuple(ipaddress.ip_network(trusted_proxy(p)) for p in trusted_proxies)
        # From a trusted proxy: the client's address and scheme from its headers.
        self.inner = ProxyHeadersMiddleware(app, trusted_hosts=[str(p) for p in self.proxies]) \
            if self.proxies else app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if not self._from_proxy(scope):
            scope = {**scope, "headers": [(name, value) for name, value in scope["headers"]
                                          if name not in FORWARDED]}
        origin = _header(scope, b"origin")
        if scope["type"] != "http" or origin is None:
            await self.inner(scope, receive, send)
            return
        allowed = ANY_ORIGIN if ANY_ORIGIN in self.origins else \
            origin if origin.lower() in self.origins else None
        if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method"):
            await self._preflight(scope, send, allowed)
            return
        await self.inner(scope, receive, _with_cors(send, allowed))

    def _from_proxy(self, scope) -> bool:
        client = scope.get("client")
        if not self.proxies or not client:
            return False
        try:
            address = ipaddress.ip_address(client[0])
        except ValueError:
            return False
        return any(address in network for network in self.proxies)

    @staticmethod
    async def _preflight(scope, send, allowed: str | None) -> None:
        """Answer a CORS preflight here: 204 for an allowed origin, 403 for any other."""
        headers = [(b"vary", b"Origin")]
        if allowed is None:
            status, body = 403, _REFUSED
            headers.append((b"content-type", b"text/plain; charset=utf-8"))
        else:
            status, body = 204, b""
            headers += [(b"access-control-allow-origin", allowed.encode("latin-1")),
                        *_PREFLIGHT_HEADERS]
            asked = _header(scope, b"access-control-request-headers")
            if asked:
                headers.append((b"access-control-allow-headers", asked.encode("latin-1")))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _with_cors(send, allowed: str | None):
    """`send` with every CORS header the app set removed, and the allowed origin's added."""
    async def sending(message) -> None:
        if message["type"] == "http.response.start":
            headers = [(name, value) for name, value in message.get("headers", [])
                       if not name.lower().startswith(b"access-control-")]
            if allowed is not None:
                headers += [(b"access-control-allow-origin", allowed.encode("latin-1")),
                            (b"access-control-expose-headers", b"Retry-After")]
            vary = [value for name, value in headers if name.lower() == b"vary"]
            headers = [(name, value) for name, value in headers if name.lower() != b"vary"]
            headers.append((b"vary", b", ".join([*vary, b"Origin"])))
            message = {**message, "headers": headers}
        await send(message)
    return sending


def _header(scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None
