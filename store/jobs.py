"""Render jobs in SQLite: the durable line that API and browser users share.

A job row holds what to render (the spec and options, as JSON text the caller encodes),
who asked (`owner`: "key:<key id>" or "session:<browser id>"), its status
(queued → running → done | failed) with timestamps and the error text, and where the
result files are. Only persistence lives here; `studio/jobs.py` runs the jobs.

The line is fair: each owner's jobs run in the order they were sent, and owners take
turns. A job gets its turn when it is sent — one past the later of the turn the line has
reached (the highest turn of a job that has started) and its owner's last turn still
waiting or running — and the line runs by turn, then by the order jobs were sent. Turns
are fixed once given, so no job sent later passes a waiting job whose owner had nothing
else waiting: its place in line only goes down. An owner's second or later waiting job
lets newcomers' first jobs go ahead of it; that is the fairness.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field

from store.db import Component, Database

JOBS = Component("jobs", [
    """
    CREATE TABLE jobs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,   -- submission order
        id TEXT NOT NULL UNIQUE,
        owner TEXT NOT NULL,
        request_id TEXT NOT NULL,                -- the caller's idempotency key
        end_user TEXT,                           -- the API's user_id, for the operator
        api_model TEXT,                          -- the model name an API caller asked by
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
        spec TEXT NOT NULL,
        options TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,     -- times a worker claimed it
        error TEXT,
        created_at REAL NOT NULL,
        started_at REAL,
        finished_at REAL,
        file_token TEXT NOT NULL,                -- unguessable part of result URLs
        mp4 TEXT,
        poster TEXT,
        prompt TEXT,
        engine TEXT,
        model TEXT,
        seed INTEGER,
        test_pattern INTEGER NOT NULL DEFAULT 0,
        warnings TEXT NOT NULL DEFAULT '[]',
        UNIQUE (owner, request_id)
    );
    CREATE INDEX jobs_by_status ON jobs (status, seq);
    CREATE INDEX jobs_by_owner ON jobs (owner, seq);
    """,
    # Turns given at submission (see the module docstring). Jobs already waiting keep the
    # order the previous rule gave them: their turn is their rank under that rule.
    """
    ALTER TABLE jobs ADD COLUMN turn INTEGER NOT NULL DEFAULT 0;
    WITH running AS (SELECT owner, COUNT(*) AS n FROM jobs WHERE status = 'running'
                     GROUP BY owner),
         ranked AS (SELECT q.id, q.turn + COALESCE(r.n, 0) AS rank FROM (
                        SELECT id, owner, ROW_NUMBER() OVER (PARTITION BY owner ORDER BY seq)
                        AS turn FROM jobs WHERE status = 'queued') AS q
                    LEFT JOIN running AS r ON r.owner = q.owner)
    UPDATE jobs SET turn = (SELECT rank FROM ranked WHERE ranked.id = jobs.id)
    WHERE status = 'queued';
    CREATE INDEX jobs_line ON jobs (status, turn, seq);
    CREATE INDEX jobs_by_turn ON jobs (turn);
    """,
    # The finished video's facts, carried from the engine so nothing decodes the file again.
    """
    ALTER TABLE jobs ADD COLUMN width INTEGER;
    ALTER TABLE jobs ADD COLUMN height INTEGER;
    ALTER TABLE jobs ADD COLUMN fps REAL;
    ALTER TABLE jobs ADD COLUMN frames INTEGER;
    ALTER TABLE jobs ADD COLUMN track TEXT;
    """,
    # What an API request asked for (a SHA-256 of its canonical body), so a request_id sent
    # again with a different body is refused instead of answered with the first task.
    # NULL for browser jobs and for API jobs sent before this column existed.
    """
    ALTER TABLE jobs ADD COLUMN request_digest TEXT;
    """,
])

STATUSES = ("queued", "running", "done", "failed")
IN_FLIGHT = ("queued", "running")

# The fair order of the waiting jobs (see the module docstring).
_LINE_SQL = "SELECT id FROM jobs WHERE status = 'queued' ORDER BY turn, seq"
# A new job's turn: one past the turn the line has reached and the owner's last in flight.
_NEXT_TURN_SQL = """
    SELECT MAX(
        COALESCE((SELECT turn FROM jobs WHERE started_at IS NOT NULL
                  ORDER BY turn DESC LIMIT 1), 0),
        COALESCE((SELECT MAX(turn) FROM jobs WHERE owner = ?
                  AND status IN ('queued', 'running')), 0)) + 1
"""


@dataclass(frozen=True)
class JobRow:
    """One row of the jobs table, as stored (spec and options are JSON text)."""

    id: str
    seq: int
    owner: str
    request_id: str
    end_user: str | None
    api_model: str | None
    status: str
    spec: str
    options: str
    attempts: int
    error: str | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    file_token: str
    mp4: str | None = None
    poster: str | None = None
    prompt: str | None = None
    engine: str | None = None
    model: str | None = None
    seed: int | None = None
    test_pattern: bool = False
    warnings: tuple[str, ...] = ()
    turn: int = 0  # its place in the owners' rotation (see the module docstring)
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    frames: int | None = None
    track: str | None = None  # the library track muxed on, None for silence or an upload
    request_digest: str | None = None  # what the API request asked for (see the migration)


@dataclass(frozen=True)
class JobOutcome:
    """What a finished render left behind, recorded with status 'done'."""

    mp4: str
    poster: str
    width: int
    height: int
    fps: float
    frames: int
    prompt: str
    engine: str
    model: str
    seed: int
    track: str | None = None
    test_pattern: bool = False
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _row(raw) -> JobRow:
    data = dict(raw)
    data["test_pattern"] = bool(data["test_pattern"])
    data["warnings"] = tuple(json.loads(data["warnings"] or "[]"))
    return JobRow(**data)


class JobStore:
    """Queries and updates of the jobs table; every change is one transaction."""

    def __init__(self, db: Database):
        self.db = db
        db.migrate(JOBS)

    # --- adding and reading ----------------------------------------------------------------

    def add(self, owner: str, spec: str, options: str, request_id: str | None = None, *,
            end_user: str | None = None, api_model: str | None = None) -> tuple[JobRow, bool]:
        """Queue a job; with a request_id the owner already used, return that job instead.

        Returns (row, created): created is False when the request was a repeat.
        """
        job_id = secrets.token_hex(16)
        request_id = request_id or f"req-{job_id}"
        with self.db.transaction() as conn:
            turn = conn.execute(_NEXT_TURN_SQL, (owner,)).fetchone()[0]
            cursor = conn.execute(
                "INSERT INTO jobs (id, owner, request_id, end_user, api_model, status, spec, "
                "options, created_at, file_token, turn) "
                "VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?) "
                "ON CONFLICT (owner, request_id) DO NOTHING",
                (job_id, owner, request_id, end_user, api_model, spec, options, time.time(),
                 secrets.token_urlsafe(18), turn))
            created = cursor.rowcount == 1
            raw = conn.execute("SELECT * FROM jobs WHERE owner = ? AND request_id = ?",
                               (owner, request_id)).fetchone()
        return _row(raw), created

    def get(self, job_id: str) -> JobRow | None:
        """A job by id, whoever owns it (for workers and file routes)."""
        rows = self.db.query("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return _row(rows[0]) if rows else None

    def get_for(self, job_id: str, owner: str) -> JobRow | None:
        """A job by id, only if `owner` owns it."""
        rows = self.db.query("SELECT * FROM jobs WHERE id = ? AND owner = ?", (job_id, owner))
        return _row(rows[0]) if rows else None

    def get_by_request(self, owner: str, request_id: str) -> JobRow | None:
        """The owner's job sent with this request_id, if any."""
        rows = self.db.query("SELECT * FROM jobs WHERE owner = ? AND request_id = ?",
                             (owner, request_id))
        return _row(rows[0]) if rows else None

    def keep_request_digest(self, job_id: str, digest: str) -> str | None:
        """Record what the request that made the job asked for, unless something is recorded
        already; returns what is recorded now (None: no such job)."""
        with self.db.transaction() as conn:
            conn.execute("UPDATE jobs SET request_digest = ? WHERE id = ? "
                         "AND request_digest IS NULL", (digest, job_id))
            row = conn.execute("SELECT request_digest FROM jobs WHERE id = ?",
                               (job_id,)).fetchone()
        return row[0] if row else None

    def list_for(self, owner: str, limit: int = 50) -> list[JobRow]:
        """An owner's most recent jobs, newest first."""
        rows = self.db.query("SELECT * FROM jobs WHERE owner = ? ORDER BY seq DESC LIMIT ?",
                             (owner, limit))
        return [_row(r) for r in rows]

    def in_flight(self, owner: str) -> int:
        """How many of the owner's jobs are queued or running."""
        return self.db.query("SELECT COUNT(*) FROM jobs WHERE owner = ? AND status IN "
                             "('queued', 'running')", (owner,))[0][0]

    def line(self) -> list[str]:
        """Ids of the waiting jobs, in the order they will run."""
        return [r[0] for r in self.db.query(_LINE_SQL)]

    def recent_run_seconds(self, limit: int = 20) -> list[float]:
        """How long the latest successful jobs took from start to finish."""
        rows = self.db.query("SELECT finished_at - started_at FROM jobs WHERE status = 'done' "
                             "AND started_at IS NOT NULL ORDER BY finished_at DESC LIMIT ?",
                             (limit,))
        return [float(r[0]) for r in rows]

    # --- moving along the line -------------------------------------------------------------

    def claim_next(self, skip: tuple[str, ...] = ()) -> JobRow | None:
        """Mark the first job in line (not one of `skip`) as running (one more attempt)
        and return it."""
        with self.db.transaction() as conn:
            waiting = conn.execute(_LINE_SQL).fetchall() if skip else \
                conn.execute(_LINE_SQL + " LIMIT 1").fetchall()
            first = next((r for r in waiting if r[0] not in skip), None)
            if first is None:
                return None
            conn.execute("UPDATE jobs SET status = 'running', started_at = ?, "
                         "attempts = attempts + 1, error = NULL WHERE id = ?",
                         (time.time(), first[0]))
            raw = conn.execute("SELECT * FROM jobs WHERE id = ?", (first[0],)).fetchone()
        return _row(raw)

    def finish(self, job_id: str, outcome: JobOutcome) -> None:
        """Record a successful render."""
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE jobs SET status = 'done', finished_at = ?, error = NULL, mp4 = ?, "
                "poster = ?, width = ?, height = ?, fps = ?, frames = ?, track = ?, "
                "prompt = ?, engine = ?, model = ?, seed = ?, test_pattern = ?, "
                "warnings = ? WHERE id = ?",
                (time.time(), outcome.mp4, outcome.poster, outcome.width, outcome.height,
                 outcome.fps, outcome.frames, outcome.track, outcome.prompt, outcome.engine,
                 outcome.model, outcome.seed, int(outcome.test_pattern),
                 json.dumps(list(outcome.warnings), ensure_ascii=False), job_id))

    def fail(self, job_id: str, error: str) -> None:
        """Record a failure and its reason."""
        with self.db.transaction() as conn:
            conn.execute("UPDATE jobs SET status = 'failed', finished_at = ?, error = ? "
                         "WHERE id = ?", (time.time(), error, job_id))

    def requeue(self, job_id: str, *, count_attempt: bool = True) -> None:
        """Put a running job back in line (its place by submission order is kept)."""
        with self.db.transaction() as conn:
            conn.execute("UPDATE jobs SET status = 'queued', started_at = NULL, "
                         "attempts = attempts - ? WHERE id = ? AND status = 'running'",
                         (0 if count_attempt else 1, job_id))

    def cancel_waiting(self, job_id: str, owner: str, reason: str) -> bool:
        """Fail a job that has not started yet; False if it is not the owner's or not waiting."""
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE jobs SET status = 'failed', finished_at = ?, error = ? "
                "WHERE id = ? AND owner = ? AND status = 'queued'",
                (time.time(), reason, job_id, owner))
        return cursor.rowcount == 1

    def recover_interrupted(self, max_attempts: int, reason: str) -> tuple[list[str], list[str]]:
        """After a crash: re-queue running jobs with attempts left, fail the others.

        Returns (requeued ids, failed ids).
        """
        with self.db.transaction() as conn:
            rows = conn.execute("SELECT id, attempts FROM jobs WHERE status = 'running'").fetchall()
            requeued = [r["id"] for r in rows if r["attempts"] < max_attempts]
            failed = [r["id"] for r in rows if r["attempts"] >= max_attempts]
            now = time.time()
            for job_id in requeued:
                conn.execute("UPDATE jobs SET status = 'queued', started_at = NULL WHERE id = ?",
                             (job_id,))
            for job_id in failed:
                conn.execute("UPDATE jobs SET status = 'failed', finished_at = ?, error = ? "
                             "WHERE id = ?", (now, reason, job_id))
        return requeued, failed
