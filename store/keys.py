"""API keys, stored hashed.

A key reads `<id>.<secret>`, the shape the reference platform uses, so SDKs written for
it accept ours. Only the id and a SHA-256 of the secret are kept: the secret has 256
random bits, so a slow password hash would add nothing, and a leaked database reveals no
usable key. The full key is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from store.db import Component, Database

KEYS = Component("keys", [
    """
    CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        secret_sha256 TEXT NOT NULL,
        created_at REAL NOT NULL,
        revoked_at REAL,
        last_used_at REAL,
        submits_per_minute INTEGER NOT NULL,
        max_in_flight INTEGER NOT NULL
    );
    """,
])

DEFAULT_SUBMITS_PER_MINUTE = 10
DEFAULT_MAX_IN_FLIGHT = 3
# Refresh last_used_at at most this often per key, so polling does not write on every call.
_TOUCH_EVERY_S = 60.0


@dataclass(frozen=True)
class ApiKey:
    """A key's public facts (never its secret)."""

    id: str
    name: str
    created_at: float
    revoked_at: float | None
    last_used_at: float | None
    submits_per_minute: int
    max_in_flight: int

    @property
    def owner(self) -> str:
        """The job owner string for this key."""
        return f"key:{self.id}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _key(row) -> ApiKey:
    return ApiKey(id=row["id"], name=row["name"], created_at=row["created_at"],
                  revoked_at=row["revoked_at"], last_used_at=row["last_used_at"],
                  submits_per_minute=row["submits_per_minute"],
                  max_in_flight=row["max_in_flight"])


class KeyStore:
    """Create, verify, list and revoke API keys."""

    def __init__(self, db: Database):
        self.db = db
        db.migrate(KEYS)

    def create(self, name: str, *, submits_per_minute: int = DEFAULT_SUBMITS_PER_MINUTE,
               max_in_flight: int = DEFAULT_MAX_IN_FLIGHT) -> tuple[ApiKey, str]:
        """A new key; returns its facts and the full key string (shown once, never stored)."""
        if submits_per_minute < 1 or max_in_flight < 1:
            raise ValueError("limits must be at least 1")
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO api_keys (id, name, secret_sha256, created_at, "
                         "submits_per_minute, max_in_flight) VALUES (?, ?, ?, ?, ?, ?)",
                         (key_id, name, _digest(secret), time.time(), submits_per_minute,
                          max_in_flight))
        return self.get(key_id), f"{key_id}.{secret}"

    def verify(self, token: str) -> ApiKey | None:
        """The active key a presented `<id>.<secret>` string belongs to, else None."""
        key_id, dot, secret = token.strip().partition(".")
        if not dot or not key_id or not secret:
            return None
        rows = self.db.query("SELECT * FROM api_keys WHERE id = ?", (key_id,))
        if not rows or rows[0]["revoked_at"] is not None:
            return None
        if not hmac.compare_digest(rows[0]["secret_sha256"], _digest(secret)):
            return None
        key = _key(rows[0])
        now = time.time()
        if key.last_used_at is None or now - key.last_used_at > _TOUCH_EVERY_S:
            with self.db.transaction() as conn:
                conn.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (now, key_id))
        return key

    def get(self, key_id: str) -> ApiKey | None:
        rows = self.db.query("SELECT * FROM api_keys WHERE id = ?", (key_id,))
        return _key(rows[0]) if rows else None

    def list(self) -> list[ApiKey]:
        """Every key, oldest first, revoked ones included."""
        return [_key(r) for r in self.db.query("SELECT * FROM api_keys ORDER BY created_at")]

    def revoke(self, key_id: str) -> bool:
        """Revoke a key; False when there is no such active key."""
        with self.db.transaction() as conn:
            cursor = conn.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND "
                                  "revoked_at IS NULL", (time.time(), key_id))
        return cursor.rowcount == 1
