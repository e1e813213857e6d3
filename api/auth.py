"""Bearer authentication with API keys, and per-key rate limits (token buckets).

The platform's SDKs send `Authorization: Bearer <id>.<secret>`; a bare key without the
word Bearer is accepted too. Signed JWT tokens are not: the secret is stored hashed.
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
            bucket = self._buckets.setdefault(name, _Bucket(tokens=float(per_minute), updated=now))
            rate = per_minute / 60.0
            bucket.tokens = min(float(per_minute), bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate


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


class Authenticator:
    """A FastAPI dependency: the caller's active key, within its request rate."""

    def __init__(self, keys: KeyStore, limiter: RateLimiter, requests_per_minute: int):
        self.keys = keys
        self.limiter = limiter
        self.requests_per_minute = requests_per_minute

    def __call__(self, request: Request) -> ApiKey:
        key = self.keys.verify(presented_key(request))
        if key is None:
            raise ApiError(401, BAD_KEY, "the API key is not valid (unknown, mistyped or "
                           "revoked)", headers={"WWW-Authenticate": "Bearer"})
        wait = self.limiter.take(f"requests:{key.id}", self.requests_per_minute)
        if wait:
            raise too_frequent(wait, f"this key made more than {self.requests_per_minute} "
                                     f"requests in a minute")
        return key
