"""Sessions, chat messages, creations and share links, persisted in SQLite.

Every query that reads a browser's data takes that browser's session id, so one browser
can never read another's chat or videos: ownership is part of the WHERE clause, not a
check done afterwards. Only persistence lives here; the UI decides what to store.

A creation's files are rendered into a staging folder and published with one rename
(`DataLayout.publish`) before its row is inserted, so nothing half-written is ever listed.
"""

from __future__ import annotations

import json
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TypeVar

from store.db import Component, Database
from store.layout import DataLayout, check_id
from store.uploads import release, uploads_named

CREATIONS = Component("creations", [
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        created_at REAL NOT NULL,
        seen_at REAL NOT NULL,
        language TEXT,
        state TEXT NOT NULL DEFAULT '{}'        -- the chat's current shot, as JSON
    );
    CREATE TABLE creations (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        idea TEXT NOT NULL,
        prompt TEXT NOT NULL,
        camera TEXT NOT NULL DEFAULT '',
        scene TEXT NOT NULL DEFAULT '',
        details TEXT NOT NULL DEFAULT '',
        style TEXT,
        track TEXT,
        engine TEXT NOT NULL,
        model TEXT NOT NULL,
        seed INTEGER NOT NULL,
        mp4 TEXT NOT NULL,                      -- paths relative to the data folder
        poster TEXT NOT NULL,
        gif TEXT,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        fps REAL NOT NULL,
        frames INTEGER NOT NULL,
        test_pattern INTEGER NOT NULL DEFAULT 0,
        spec TEXT NOT NULL DEFAULT '{}',
        timings TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL
    );
    CREATE INDEX creations_by_session ON creations (session_id, created_at);
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
        text TEXT NOT NULL DEFAULT '',
        attachment TEXT,                        -- a photo the user sent (relative path)
        creation_id TEXT REFERENCES creations (id) ON DELETE SET NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX messages_by_session ON messages (session_id, id);
    CREATE TABLE shares (
        token TEXT PRIMARY KEY,
        creation_id TEXT NOT NULL REFERENCES creations (id) ON DELETE CASCADE,
        created_at REAL NOT NULL,
        revoked_at REAL
    );
    CREATE INDEX shares_by_creation ON shares (creation_id);
    """,
    # The render job a creation was published from: one creation per job, however many
    # processes or pages try to publish it at once.
    """
    ALTER TABLE creations ADD COLUMN job_id TEXT;
    CREATE UNIQUE INDEX creations_by_job ON creations (job_id);
    """,
])

ROLES = ("user", "assistant")
T = TypeVar("T")
_KEEP = object()  # "leave this field as it is"


@dataclass(frozen=True)
class Message:
    """One chat line; an assistant line may carry a finished video (creation_id)."""

    id: int
    session_id: str
    role: str
    text: str
    created_at: float
    attachment: Path | None = None
    creation_id: str | None = None
    had_creation: bool = False  # True when it showed a video that was deleted since


@dataclass(frozen=True)
class Creation:
    """A finished video and how it was made. File paths are absolute."""

    id: str
    session_id: str
    idea: str
    prompt: str
    engine: str
    model: str
    seed: int
    mp4: Path
    poster: Path
    width: int
    height: int
    fps: float
    frames: int
    camera: str = ""
    scene: str = ""
    details: str = ""
    style: str | None = None
    track: str | None = None
    gif: Path | None = None
    test_pattern: bool = False
    spec: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    created_at: float = 0.0
    job_id: str | None = None  # the render job it was published from

    @property
    def duration(self) -> float:
        """Seconds of video."""
        return self.frames / self.fps if self.fps else 0.0

    @property
    def title(self) -> str:
        """A short title: the user's idea, cut at 80 characters."""
        idea = " ".join(self.idea.split())
        return idea if len(idea) <= 80 else idea[:79].rstrip() + "…"


@dataclass(frozen=True)
class Share:
    """A share link's token for one creation."""

    token: str
    creation_id: str
    created_at: float
    revoked_at: float | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class AlreadyPublished(Exception):
    """Another publisher recorded a creation for the same job first."""


def new_id() -> str:
    """An unguessable id for a session or a creation (128 bits)."""
    return secrets.token_hex(16)


class CreationStore:
    """The queries the browser app needs, each scoped to one session."""

    def __init__(self, db: Database, layout: DataLayout):
        self.db = db
        self.layout = layout
        db.migrate(CREATIONS)

    # --- sessions --------------------------------------------------------------------------

    def ensure_session(self, session_id: str) -> None:
        """Create the session on first sight; mark it seen."""
        check_id(session_id, "session id")
        now = time.time()
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO sessions (id, created_at, seen_at) VALUES (?, ?, ?) "
                         "ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
                         (session_id, now, now))

    def state(self, session_id: str) -> dict:
        """The session's saved chat state ({} when none)."""
        rows = self.db.query("SELECT state FROM sessions WHERE id = ?", (session_id,))
        return json.loads(rows[0]["state"]) if rows else {}

    def update_state(self, session_id: str, change: Callable[[dict], T]) -> T:
        """Apply `change` to the session's state in one transaction (two publishers of one
        job, in one process or two, never both see it unrecorded); returns what it returns."""
        with self.db.transaction() as conn:
            rows = conn.execute("SELECT state FROM sessions WHERE id = ?",
                                (session_id,)).fetchall()
            state = json.loads(rows[0]["state"]) if rows else {}
            answer = change(state)
            conn.execute("UPDATE sessions SET state = ? WHERE id = ?",
                         (json.dumps(state, ensure_ascii=False), session_id))
        return answer

    def save_state(self, session_id: str, state: dict) -> None:
        """Replace the session's chat state (JSON-serialisable)."""
        with self.db.transaction() as conn:
            conn.execute("UPDATE sessions SET state = ? WHERE id = ?",
                         (json.dumps(state, ensure_ascii=False), session_id))

    def language(self, session_id: str) -> str | None:
        rows = self.db.query("SELECT language FROM sessions WHERE id = ?", (session_id,))
        return rows[0]["language"] if rows else None

    def set_language(self, session_id: str, language: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE sessions SET language = ? WHERE id = ?",
                         (language, session_id))

    # --- messages --------------------------------------------------------------------------

    def add_message(self, session_id: str, role: str, text: str, *,
                    attachment: Path | None = None,
                    creation_id: str | None = None) -> Message:
        """Append a chat line to the session's history."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, not {role!r}")
        relative = self.layout.relative(attachment) if attachment else None
        now = time.time()
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO messages (session_id, role, text, attachment, creation_id, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, role, text, relative, creation_id, now))
        return Message(id=cursor.lastrowid, session_id=session_id, role=role, text=text,
                       created_at=now, attachment=Path(attachment) if attachment else None,
                       creation_id=creation_id, had_creation=creation_id is not None)

    def messages(self, session_id: str, limit: int = 500) -> list[Message]:
        """The session's latest `limit` chat lines, oldest first."""
        rows = self.db.query(
            "SELECT * FROM (SELECT * FROM messages WHERE session_id = ? "
            "ORDER BY id DESC LIMIT ?) ORDER BY id", (session_id, limit))
        return [self._message(row) for row in rows]

    def _message(self, row) -> Message:
        attachment = self.layout.resolve(row["attachment"]) if row["attachment"] else None
        return Message(id=row["id"], session_id=row["session_id"], role=row["role"],
                       text=row["text"], created_at=row["created_at"], attachment=attachment,
                       creation_id=row["creation_id"],
                       had_creation=row["creation_id"] is not None)

    # --- creations -------------------------------------------------------------------------

    def add_creation(self, creation: Creation) -> Creation:
        """Record a creation whose files are already published in its folder."""
        folder = self.layout.creation_dir(creation.id)
        for path in (creation.mp4, creation.poster, creation.gif):
            if path is not None and folder not in Path(path).resolve().parents:
                raise ValueError(f"{path} is not inside the creation's folder {folder}")
        created_at = creation.created_at or time.time()
        rel = self.layout.relative
        with self.db.transaction() as conn:
            if creation.job_id is not None and conn.execute(
                    "SELECT 1 FROM creations WHERE job_id = ?", (creation.job_id,)).fetchone():
                raise AlreadyPublished(creation.job_id)
            conn.execute(
                "INSERT INTO creations (id, session_id, idea, prompt, camera, scene, details, "
                "style, track, engine, model, seed, mp4, poster, gif, width, height, fps, "
                "frames, test_pattern, spec, timings, created_at, job_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (creation.id, creation.session_id, creation.idea, creation.prompt,
                 creation.camera, creation.scene, creation.details, creation.style,
                 creation.track, creation.engine, creation.model, creation.seed,
                 rel(creation.mp4), rel(creation.poster),
                 rel(creation.gif) if creation.gif else None, creation.width,
                 creation.height, creation.fps, creation.frames, int(creation.test_pattern),
                 json.dumps(creation.spec, ensure_ascii=False),
                 json.dumps(creation.timings), created_at, creation.job_id))
        return self.creation(creation.id, creation.session_id)

    def creation_of_job(self, job_id: str, session_id: str) -> Creation | None:
        """The session's creation published from a render job, if there is one."""
        rows = self.db.query("SELECT * FROM creations WHERE job_id = ? AND session_id = ?",
                             (job_id, session_id))
        return self._creation(rows[0]) if rows else None

    def creations(self, session_id: str) -> list[Creation]:
        """The session's creations, newest first."""
        rows = self.db.query("SELECT * FROM creations WHERE session_id = ? "
                             "ORDER BY created_at DESC, rowid DESC", (session_id,))
        return [self._creation(row) for row in rows]

    def creation(self, creation_id: str, session_id: str) -> Creation | None:
        """One creation, only if it belongs to the session."""
        rows = self.db.query("SELECT * FROM creations WHERE id = ? AND session_id = ?",
                             (creation_id, session_id))
        return self._creation(rows[0]) if rows else None

    def update_files(self, creation_id: str, session_id: str, *, mp4: Path | None = None,
                     gif: Path | None = None, track: object = _KEEP) -> Creation | None:
        """Point a creation at new files in its folder (e.g. after its music changed).

        `track` is the new track id, None for no music, or left out to keep the current one.
        """
        current = self.creation(creation_id, session_id)
        if current is None:
            return None
        mp4 = mp4 or current.mp4
        gif = gif or current.gif
        track = current.track if track is _KEEP else track
        with self.db.transaction() as conn:
            conn.execute("UPDATE creations SET mp4 = ?, gif = ?, track = ? "
                         "WHERE id = ? AND session_id = ?",
                         (self.layout.relative(mp4),
                          self.layout.relative(gif) if gif else None, track,
                          creation_id, session_id))
        return self.creation(creation_id, session_id)

    def delete_creation(self, creation_id: str, session_id: str) -> bool:
        """Delete a creation of the session: its row, its share links (their pages answer
        404 from now on), its files, and the photo it was made from when nothing else uses
        it (store/uploads.py has the rule)."""
        with self.db.transaction() as conn:
            row = conn.execute("SELECT spec FROM creations WHERE id = ? AND session_id = ?",
                               (creation_id, session_id)).fetchone()
            if row is None:
                return False
            conn.execute("DELETE FROM creations WHERE id = ?", (creation_id,))
        shutil.rmtree(self.layout.creation_dir(creation_id), ignore_errors=True)
        release(self.db, self.layout, uploads_named(row["spec"], self.layout))
        return True

    def sweep_orphans(self, older_than_s: float = 3600.0) -> int:
        """Remove creation folders no row lists (a crash between publishing a folder and
        recording it, or during a delete) once older than `older_than_s`; returns how many.
        The age spares a folder published a moment ago whose row is being written."""
        if not self.layout.creations.is_dir():
            return 0
        known = {row[0] for row in self.db.query("SELECT id FROM creations")}
        cutoff, removed = time.time() - older_than_s, 0
        for folder in self.layout.creations.iterdir():
            try:
                if folder.name not in known and folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder) if folder.is_dir() else folder.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def _creation(self, row) -> Creation:
        resolve = self.layout.resolve
        return Creation(
            id=row["id"], session_id=row["session_id"], idea=row["idea"],
            prompt=row["prompt"], camera=row["camera"], scene=row["scene"],
            details=row["details"], style=row["style"], track=row["track"],
            engine=row["engine"], model=row["model"], seed=row["seed"],
            mp4=resolve(row["mp4"]), poster=resolve(row["poster"]),
            gif=resolve(row["gif"]) if row["gif"] else None, width=row["width"],
            height=row["height"], fps=row["fps"], frames=row["frames"],
            test_pattern=bool(row["test_pattern"]), spec=json.loads(row["spec"]),
            timings=json.loads(row["timings"]), created_at=row["created_at"],
            job_id=row["job_id"])

    # --- shares ----------------------------------------------------------------------------

    def share(self, creation_id: str, session_id: str) -> Share | None:
        """The creation's active share link, made now if it has none; None if not theirs."""
        with self.db.transaction() as conn:
            owned = conn.execute("SELECT 1 FROM creations WHERE id = ? AND session_id = ?",
                                 (creation_id, session_id)).fetchone()
            if not owned:
                return None
            row = conn.execute("SELECT * FROM shares WHERE creation_id = ? AND revoked_at "
                               "IS NULL ORDER BY created_at DESC LIMIT 1",
                               (creation_id,)).fetchone()
            if row is None:
                token, now = secrets.token_urlsafe(16), time.time()
                conn.execute("INSERT INTO shares (token, creation_id, created_at) "
                             "VALUES (?, ?, ?)", (token, creation_id, now))
                return Share(token=token, creation_id=creation_id, created_at=now)
        return Share(token=row["token"], creation_id=row["creation_id"],
                     created_at=row["created_at"])

    def active_share(self, creation_id: str, session_id: str) -> Share | None:
        """The creation's live share link, if it has one and belongs to the session."""
        rows = self.db.query(
            "SELECT s.* FROM shares s JOIN creations c ON c.id = s.creation_id "
            "WHERE s.creation_id = ? AND c.session_id = ? AND s.revoked_at IS NULL "
            "ORDER BY s.created_at DESC LIMIT 1", (creation_id, session_id))
        if not rows:
            return None
        return Share(token=rows[0]["token"], creation_id=creation_id,
                     created_at=rows[0]["created_at"])

    def revoke(self, creation_id: str, session_id: str) -> int:
        """Revoke every live link of the session's creation; returns how many."""
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE shares SET revoked_at = ? WHERE creation_id = ? AND revoked_at IS "
                "NULL AND creation_id IN (SELECT id FROM creations WHERE session_id = ?)",
                (time.time(), creation_id, session_id))
        return cursor.rowcount

    def shared(self, token: str) -> Creation | None:
        """The creation behind a live share token; None for unknown or revoked tokens."""
        if not isinstance(token, str) or not 16 <= len(token) <= 64:
            return None
        rows = self.db.query(
            "SELECT c.* FROM shares s JOIN creations c ON c.id = s.creation_id "
            "WHERE s.token = ? AND s.revoked_at IS NULL", (token,))
        return self._creation(rows[0]) if rows else None
