"""The request's `image_url` → a checked photo file in the data folder.

The platform accepts an http(s) URL, a `data:image/...;base64,` URI, or bare base64. URLs
are fetched with a size cap, an overall deadline and a few redirects at most; by default
hosts that resolve to loopback, private or link-local addresses are refused, so a key
holder cannot make the server read its own network (`allow_private_hosts` lifts that for
tests and trusted set-ups).

The check and the connection use the same lookup: each connection resolves the host once,
vets every address, and connects to a vetted address — TLS (SNI, certificate) and the
Host header still name the host. A name that answers a public address to the check and a
private one to the connection (DNS rebinding) therefore cannot slip through, and every
redirect is a new connection, vetted again. Environment proxies are not used: a proxy
would do its own lookup.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urljoin, urlsplit

from api.errors import BAD_FIELD, TOO_LARGE, ApiError
from errors import InputError
from files import write_image


@dataclass(frozen=True)
class ImageRules:
    """Limits on a photo sent through the API."""

    max_bytes: int
    timeout_s: float
    max_redirects: int
    allow_private_hosts: bool = False


def bad_image(message: str) -> ApiError:
    return ApiError(400, BAD_FIELD, f"image_url: {message}")


def image_bytes(image_url: str, rules: ImageRules) -> bytes:
    """The photo's bytes from a URL, a data URI or bare base64."""
    text = image_url.strip()
    scheme = urlsplit(text).scheme.lower() if "://" in text[:12] else ""
    if scheme in ("http", "https"):
        return fetch(text, rules)
    if scheme:
        raise bad_image(f"only http(s) URLs and base64 data are accepted, not '{scheme}:'")
    if text.startswith("data:"):
        header, comma, text = text.partition(",")
        if not comma or ";base64" not in header:
            raise bad_image("a data URI must read data:image/<type>;base64,<data>")
    return decode_base64(text, rules.max_bytes)


def decode_base64(text: str, max_bytes: int) -> bytes:
    if len(text) * 3 // 4 > max_bytes + 3:
        raise ApiError(413, TOO_LARGE, f"image_url: the image is larger than "
                                       f"{max_bytes // 2**20} MiB")
    try:
        data = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise bad_image("not a URL and not valid base64 data") from None
    if not data:
        raise bad_image("the image data is empty")
    return data


def _resolve(host: str, port: int) -> list[str]:
    """The host's addresses, in the resolver's order, once each."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_global


@dataclass(frozen=True)
class HostPolicy:
    """Which addresses an image fetch may connect to, and how names are looked up.

    resolve and is_public are seams for tests (a resolver that changes its answer, a
    loopback address taken as public); the server uses the defaults.
    """

    allow_private: bool = False
    resolve: Callable[[str, int], list[str]] = _resolve
    is_public: Callable[[ipaddress.IPv4Address | ipaddress.IPv6Address], bool] = _is_public

    def addresses(self, host: str, port: int) -> list[str]:
        """The addresses to connect to for host:port; ApiError when any of them is not
        allowed (a name that also points inside is refused whole)."""
        try:
            found = self.resolve(host, port)
        except (socket.gaierror, UnicodeError):
            raise bad_image(f"cannot resolve host '{host}'") from None
        if not found:
            raise bad_image(f"cannot resolve host '{host}'")
        if not self.allow_private:
            for address in found:
                if not self.is_public(ipaddress.ip_address(address)):
                    raise bad_image(f"host '{host}' is a private or local address; send the "
                                    f"image as base64 instead")
        return found


def _pinned_transport(policy: HostPolicy):
    """An httpx transport whose every connection goes to an address the policy vetted."""
    import httpcore
    import httpx

    class VettedBackend(httpcore.SyncBackend):
        def connect_tcp(self, host, port, timeout=None, local_address=None,
                        socket_options=None):
            failure = None
            for address in policy.addresses(host, port):
                try:
                    return super().connect_tcp(address, port, timeout, local_address,
                                               socket_options)
                except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                    failure = exc
            raise failure

    transport = httpx.HTTPTransport(trust_env=False)
    # httpx (pinned in requirements.txt) builds its pool without a way to pass a network
    # backend; this is the same pool with ours. Refuse to run if that ever changes.
    if not isinstance(getattr(transport, "_pool", None), httpcore.ConnectionPool):
        raise RuntimeError("this httpx cannot pin image fetches to vetted addresses")
    transport._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(),
                                              network_backend=VettedBackend())
    return transport


def fetch(url: str, rules: ImageRules, policy: HostPolicy | None = None) -> bytes:
    """Download at most max_bytes within timeout_s, following few redirects; every
    connection goes to an address `policy` vetted (by default: public ones only, unless
    rules.allow_private_hosts)."""
    import httpx

    policy = policy or HostPolicy(allow_private=rules.allow_private_hosts)
    deadline = time.monotonic() + rules.timeout_s
    with httpx.Client(transport=_pinned_transport(policy), follow_redirects=False,
                      timeout=rules.timeout_s, trust_env=False) as client:
        for _hop in range(rules.max_redirects + 1):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise bad_image(f"cannot fetch '{url}'")
            try:
                with client.stream("GET", url) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    if response.status_code != 200:
                        raise bad_image(f"fetching the image gave HTTP {response.status_code}")
                    return _read_capped(response, rules.max_bytes, deadline)
            except httpx.HTTPError as exc:
                raise bad_image(f"cannot fetch the image: {type(exc).__name__}: {exc}") from None
        raise bad_image(f"more than {rules.max_redirects} redirects")


def _read_capped(response, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ApiError(413, TOO_LARGE, f"image_url: the image is larger than "
                                       f"{max_bytes // 2**20} MiB")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise ApiError(413, TOO_LARGE, f"image_url: the image is larger than "
                                           f"{max_bytes // 2**20} MiB")
        if time.monotonic() > deadline:
            raise bad_image("fetching the image took too long")
        chunks.append(chunk)
    if not size:
        raise bad_image("the image at the URL is empty")
    return b"".join(chunks)


def save_image(data: bytes, path_for: Callable[[str], Path]) -> Path:
    """Check the photo with video.intake and keep it, upright RGB, as a JPEG at path_for('.jpg').

    Storing the intake's result (EXIF orientation applied, CMYK/16-bit/alpha made plain
    RGB, HEIC decoded) means the queued job reads an ordinary file, however odd the upload.
    """
    from video.intake import IntakeLimits, load_image

    try:
        image = load_image(data, name="image_url", limits=IntakeLimits(max_bytes=len(data)))
    except InputError as exc:
        raise ApiError(400, BAD_FIELD, str(exc)) from None
    # Complete or absent: a nearly full disk raises (a 507), never a truncated photo.
    return write_image(image, path_for(".jpg"), "JPEG", quality=95)
