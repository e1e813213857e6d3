"""The request's `image_url` → a checked photo file in the data folder.

The platform accepts an http(s) URL, a `data:image/...;base64,` URI, or bare base64. URLs
are fetched with a size cap, an overall deadline and a few redirects at most; by default
hosts that resolve to loopback, private or link-local addresses are refused, so a key
holder cannot make the server read its own network (`allow_private_hosts` lifts that for
tests and trusted set-ups).
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
from files import atomic_path


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


def _public_host(host: str, port: int) -> None:
    """Refuse hosts that resolve to this machine's or a private network's addresses."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise bad_image(f"cannot resolve host '{host}'") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise bad_image(f"host '{host}' is a private or local address; send the image "
                            f"as base64 instead")


def fetch(url: str, rules: ImageRules) -> bytes:
    """Download at most max_bytes within timeout_s, following few redirects."""
    import httpx

    deadline = time.monotonic() + rules.timeout_s
    with httpx.Client(follow_redirects=False, timeout=rules.timeout_s) as client:
        for _hop in range(rules.max_redirects + 1):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise bad_image(f"cannot fetch '{url}'")
            if not rules.allow_private_hosts:
                _public_host(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
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
    path = path_for(".jpg")
    with atomic_path(path) as tmp:
        image.save(tmp, format="JPEG", quality=95)
    return path
