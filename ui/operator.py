"""Who may change the server's settings (the Settings tab, issue #19): its operator.

- A server started with `--auth`: whoever signed in (Gradio's login; one account, the
  operator's).
- Otherwise only a browser on the server's own computer. That holds when the server listens
  on a loopback address only and opened no share tunnel and names no public address (a
  tunnel or a proxy on this computer makes every visitor's request come from 127.0.0.1),
  the request comes from a loopback address, and both its Host and its Origin name a
  loopback host: a page elsewhere that points its own name at 127.0.0.1 (DNS rebinding)
  sends that name in both, and a proxy sends the public site's Origin. Browsers send Origin
  with every POST, which is how Gradio's events arrive.

X-Forwarded-* headers count for nothing here: api/http_policy.py removes them unless they
come from a `--trusted-proxy`, whose requests then carry the real client's address.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback(host: str | None) -> bool:
    """True for a loopback address or the name localhost ("127.0.0.5", "::1")."""
    if not host:
        return False
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _host_of(value: str | None, *, with_scheme: bool) -> str | None:
    """The host name of a Host header ("127.0.0.1:7860") or an Origin ("http://…")."""
    if not value:
        return None
    try:
        return urlsplit(value if with_scheme else f"//{value}").hostname
    except ValueError:
        return None


@dataclass(frozen=True)
class OperatorRule:
    """Which requests come from the server's operator."""

    signed_in: bool = False  # --auth: every signed-in browser is the operator
    local: bool = False  # no --auth: a browser on this computer is, when the server is local

    @classmethod
    def for_server(cls, host: str, auth: bool, share: bool, public_url: str) -> "OperatorRule":
        """The rule for a server listening on `host` with these serve flags."""
        return cls(signed_in=auth,
                   local=not auth and is_loopback(host) and not share and not public_url)

    def admits(self, request) -> bool:
        """True when a gr.Request (or any request with client, headers, username) comes
        from the operator; False for None (a call with no request) and everyone else."""
        if request is None:
            return False
        if self.signed_in:
            return bool(getattr(request, "username", None))
        if not self.local:
            return False
        client = getattr(request, "client", None)
        headers = request.headers
        return (is_loopback(getattr(client, "host", None))
                and is_loopback(_host_of(headers.get("host"), with_scheme=False))
                and is_loopback(_host_of(headers.get("origin"), with_scheme=True)))
