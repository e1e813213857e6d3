"""Who a browser is: a session id in a signed, HttpOnly cookie the page's script never sees.

Before issue #20 the page kept its session id in Gradio's BrowserState, "encrypted" with a
key that Gradio hands to every page in /config, and the load event believed any id the page
sent: anyone who learned an id (from the database, a log, a shared machine) could open that
session. Now the server mints the id, signs it with a key kept in secrets/ (never sent
anywhere) and sets it as `cw_session` (HttpOnly, SameSite=Lax); the page's events read the
id from that cookie, checked again, and never from anything the page sends.
"""

from __future__ import annotations

import hashlib
import hmac
from http.cookies import CookieError, SimpleCookie

from store.creations import new_id

COOKIE = "cw_session"
MAX_AGE_S = 400 * 24 * 3600  # the longest a browser keeps a cookie (Chrome caps at 400 days)


class SessionCookies:
    """Mints and checks `cw_session` values: "<session id>.<HMAC-SHA256 of it>"."""

    def __init__(self, secret: str):
        if len(secret) < 16:
            raise ValueError("the session cookie key is too short")
        self._key = secret.encode("utf-8")

    def _signature(self, session_id: str) -> str:
        return hmac.new(self._key, session_id.encode("utf-8"), hashlib.sha256).hexdigest()

    def mint(self) -> tuple[str, str]:
        """A new session: (its id, the cookie value that proves it)."""
        session_id = new_id()
        return session_id, self.value_for(session_id)

    def value_for(self, session_id: str) -> str:
        """The cookie value that proves `session_id`."""
        return f"{session_id}.{self._signature(session_id)}"

    def verify(self, value: str | None) -> str | None:
        """The session id a cookie value proves, or None (missing, malformed, forged)."""
        if not value or value.count(".") != 1:
            return None
        session_id, signature = value.split(".")
        if not session_id or not hmac.compare_digest(signature, self._signature(session_id)):
            return None
        return session_id

    def session_of(self, cookie_header: str | None) -> str | None:
        """The proven session id in a request's Cookie header, or None."""
        return self.verify(cookie_value(cookie_header))


def proven_session(cookies: SessionCookies | None, request) -> str | None:
    """The session id a Gradio request's cookie proves, or None (no request, no cookie, a
    forged one, or no `cookies` to check with)."""
    if cookies is None or request is None:
        return None
    return cookies.session_of(request.headers.get("cookie"))


def cookie_value(cookie_header: str | None) -> str | None:
    """`cw_session`'s value in a Cookie header, or None (an unparsable header counts as none)."""
    if not cookie_header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None


def set_cookie_header(value: str, secure: bool) -> bytes:
    """The Set-Cookie header for a minted value."""
    parts = [f"{COOKIE}={value}", "Path=/", f"Max-Age={MAX_AGE_S}", "HttpOnly",
             "SameSite=Lax"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts).encode("latin-1")


def with_session_cookie(app, cookies: SessionCookies):
    """An ASGI app answering as `app` does, where every HTTP request carries a valid
    `cw_session`: one without (or with a forged one) gets a new session, put into the
    request's Cookie header for the routes below and set on the answer for the browser."""
    async def page(scope, receive, send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers = list(scope.get("headers", []))
        raw = b"; ".join(v for k, v in headers if k.lower() == b"cookie").decode("latin-1")
        if cookies.session_of(raw) is not None:
            await app(scope, receive, send)
            return
        _, minted = cookies.mint()
        # Drop whatever cw_session came in (forged or stale); keep the browser's others.
        others = "; ".join(part.strip() for part in raw.split(";")
                           if part.strip() and not part.strip().startswith(COOKIE + "="))
        cookie = f"{others}; {COOKIE}={minted}" if others else f"{COOKIE}={minted}"
        scope = {**scope, "headers": [*((k, v) for k, v in headers if k.lower() != b"cookie"),
                                      (b"cookie", cookie.encode("latin-1"))]}
        set_cookie = set_cookie_header(minted, secure=scope.get("scheme") == "https")

        async def sending(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"set-cookie", set_cookie)]}
            await send(message)

        await app(scope, receive, sending)
    return page
