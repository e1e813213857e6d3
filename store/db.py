"""SQLite in WAL mode, with per-component migrations.

Each component (jobs, creations, keys, …) registers its own ordered list of SQL migrations
under a name; `open_db` applies whatever is missing, in one transaction per migration, and
records it in `schema_versions`. Components can therefore evolve independently.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from files import disk_full

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Component:
    """A named, ordered list of migrations (each a SQL script)."""

    name: str
    migrations: Sequence[str]


def create_private(path: Path | str) -> None:
    """Make the database file 0600 before SQLite opens it: SQLite creates a file 0644 (less
    the umask) and gives its -wal and -shm files the database's mode, and the database holds
    every session id. An existing file is made 0600 too (folders made before issue #20)."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:  # read-only or full: SQLite says what is wrong, in its words
        return
    try:
        os.fchmod(fd, 0o600)  # the umask does not apply to fchmod
    except OSError:
        pass
    finally:
        os.close(fd)
    for suffix in ("-wal", "-shm"):
        try:
            os.chmod(f"{path}{suffix}", 0o600)
        except OSError:
            pass


def connect(path: Path | str) -> sqlite3.Connection:
    """A connection with WAL, foreign keys and a busy timeout, usable across threads; the
    file is created 0600 (create_private)."""
    if str(path) != ":memory:":
        create_private(path)
    try:
        return _connect(path, exclusive=False)
    except sqlite3.OperationalError:
        if str(path) == ":memory:" or not disk_full(Path(path).parent):
            raise
    # A full disk: WAL's shared-memory file (32 KiB) cannot be made, and SQLite says "disk
    # I/O error". In exclusive locking mode WAL keeps that index in this process's memory,
    # so the library can still be read (other processes wait until this one closes it).
    log.warning("the disk of %s is full: the database is opened for this process alone",
                path)
    return _connect(path, exclusive=True)


def _connect(path: Path | str, exclusive: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        if exclusive:
            conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
    except BaseException:
        conn.close()
        raise
    return conn


class Database:
    """One SQLite file shared by the app's components; serialises writes per process."""

    def __init__(self, path: Path | str, components: Sequence[Component] = ()):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = connect(self.path)
        self._lock = threading.RLock()
        self._conn.execute("CREATE TABLE IF NOT EXISTS schema_versions "
                           "(component TEXT PRIMARY KEY, version INTEGER NOT NULL)")
        for component in components:
            self.migrate(component)

    def migrate(self, component: Component) -> int:
        """Apply the component's missing migrations; return its version now."""
        with self.transaction() as conn:
            row = conn.execute("SELECT version FROM schema_versions WHERE component = ?",
                               (component.name,)).fetchone()
            current = row["version"] if row else 0
            for version, script in enumerate(component.migrations[current:], start=current + 1):
                for statement in _statements(script):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_versions (component, version) VALUES (?, ?) "
                             "ON CONFLICT(component) DO UPDATE SET version = excluded.version",
                             (component.name, version))
            return len(component.migrations) if component.migrations else current

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence | dict = ()) -> list[sqlite3.Row]:
        """Rows of a read-only query."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _statements(script: str) -> list[str]:
    """Split a migration script into complete statements (sqlite3.complete_statement)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return [s for s in statements if s]
