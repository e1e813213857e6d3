"""How the server runs the API: which engine renders, and where its URLs point."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ApiConfig:
    """Server-side choices for the API, from the serve command's flags.

    engine/model: what renders requests that name a platform model (cogvideox-3, …).
    public_base_url: the base of result URLs (e.g. https://clips.example.com); None takes
    it from each request (scheme, host and root path as the client used them).
    allow_private_image_hosts: let image_url point at loopback or private addresses.
    cors_origins: sites whose scripts may call the server from a browser ("*": any); none by
    default. trusted_proxies: addresses or networks whose X-Forwarded-* headers are believed;
    none by default (api/http_policy.py).
    """

    engine: str = "auto"
    model: str | None = None
    public_base_url: str | None = None
    allow_private_image_hosts: bool = False
    cors_origins: tuple[str, ...] = ()
    trusted_proxies: tuple[str, ...] = ()
