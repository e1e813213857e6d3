"""Bearer authentication with API keys, per-key rate limits (token buckets), and a limit on
failed key checks per client address.

The platform's SDKs send `Authorization: Bearer <id>.<secret>`; a bare key without the
word Bearer is accepted too. Signed JWT tokens are not: the secret is stored hashed.
Keys hold 128 random bits, so guessing one is hopeless anyway; the failed-check limit keeps
a client that tries from hammering the database (and from trying leaked lists at speed).
The client address is the TCP peer's, or the one a trusted proxy forwarded
(api/http_policy.py): a header anyone can send cannot reset it.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Callable

from fastapi import Request

from api.errors import BAD_KEY, NO_KEY, TOO_FREQUENT, ApiError
from store.keys import ApiKey, KeyStore


@dataclass
class _Bucket:
    tokens: float
    updated: float


# Buckets kept before idle ones are dropped: per-address buckets would otherwise grow with
# every address that ever failed a key check. A bucket untouched for a minute is full again,
# the same as no bucket at all.
_MAX_BUCKETS = 4096


class RateLimiter:
    """Token buckets by name: `per_minute` tokens, refilled evenly, bursts up to that many."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, name: str, per_minute: int) -> float:
        """Take one token: 0.0 when allowed, else the seconds until one is free."""
        now = self._clock()
        with self._lock:
            if name not in self._buckets and len(self._buckets) >= _MAX_BUCKETS:
                self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated < 60}
            bucket = self._buckets.setdefault(name, _Bucket(tokens=float(per_minute), updated=now))
            rate = per_minute / 60.0
            bucket.tokens = min(float(per_minute), bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate

    def wait(self, name: str, per_minute: int) -> float:
        """The seconds until `take` would allow one (0.0: now), taking nothing."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(name)
            if bucket is None:
                return 0.0
            rate = per_minute / 60.0
            tokens = min(float(per_minute), bucket.tokens + (now - bucket.updated) * rate)
            return 0.0 if tokens >= 1.0 else (1.0 - tokens) / rate


def too_frequent(wait_s: float, what: str) -> ApiError:
    """A 429 with Retry-After."""
    seconds = max(1, math.ceil(wait_s))
    return ApiError(429, TOO_FREQUENT, f"{what}; retry in {seconds} s",
                    headers={"Retry-After": str(seconds)})


def presented_key(request: Request) -> str:
    """The key in the Authorization header, or a 401 saying what is missing."""
    header = request.headers.get("authorization", "").strip()
    if not header:
        raise ApiError(401, NO_KEY, "missing Authorization header; send "
                       "'Authorization: Bearer <your API key>'",
                       headers={"WWW-Authenticate": "Bearer"})
    scheme, _, rest = header.partition(" ")
    return rest.strip() if scheme.lower() == "bearer" else header


def client_address(request: Request) -> str:
    """Who is asking, for per-address limits: the peer, or a trusted proxy's client."""
    return request.client.host if request.client else "unknown"


class Authenticator:
    """A FastAPI dependency: the caller's active key, within its request rate; an address
    that failed `failed_per_minute` key checks gets 429 until its minute refills."""

    def __init__(self, keys: KeyStore, limiter: RateLimiter, requests_per_minute: int,
                 failed_per_minute: int = 10):
        self.keys = keys
        self.limiter = limiter
        self.requests_per_minute = requests_per_minute
        self.failed_per_minute = failed_per_minute

    def __call__(self, request: Request) -> ApiKey:
        presented = presented_key(request)  # no header at all is a 401, not a guess
        failures = f"failed-keys:{client_address(request)}"
        wait = self.limiter.wait(failures, self.failed_per_minute)
        if wait:  # checked before the key, so a right guess now is not told apart
            raise too_frequent(wait, f"more than {self.failed_per_minute} wrong API keys "
                                     f"came from this address in a minute")
        key = self.keys.verify(presented)
        if key is None:
            self.limiter.take(failures, self.failed_per_minute)
            raise ApiError(401, BAD_KEY, "the API key is not valid (unknown, mistyped or "
                           "revoked)", headers={"WWW-Authenticate": "Bearer"})
        wait = self.limiter.take(f"requests:{key.id}", self.requests_per_minute)
        if wait:
            raise too_frequent(wait, f"this key made more than {self.requests_per_minute} "
                                     f"requests in a minute")
        return key
