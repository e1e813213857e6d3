"""store/db.py: WAL, per-component migrations, transactions."""

import sqlite3
import pytest

from store.db import Component, Database

NOTES = Component("notes", [
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
    "ALTER TABLE notes ADD COLUMN owner TEXT NOT NULL DEFAULT '';",
])


def test_migrations_apply_once_and_resume(tmp_path):
    path = tmp_path / "app.db"
    db = Database(path, [Component("notes", NOTES.migrations[:1])])
    assert db.query("SELECT version FROM schema_versions")[0][0] == 1
    db.close()
    db = Database(path, [NOTES])  # a later release adds a migration
    columns = [r["name"] for r in db.query("PRAGMA table_info(notes)")]
    assert columns == ["id", "body", "owner"]
    assert db.query("PRAGMA journal_mode")[0][0] == "wal"
    assert db.query("PRAGMA integrity_check")[0][0] == "ok"


def test_transaction_rolls_back_on_error(tmp_path):
    db = Database(tmp_path / "app.db", [NOTES])
    with pytest.raises(sqlite3.IntegrityError):
        with db.transaction() as conn:
            conn.execute("INSERT INTO notes (body) VALUES ('kept?')")
            conn.execute("INSERT INTO notes (body) VALUES (NULL)")
    assert db.query("SELECT COUNT(*) FROM notes")[0][0] == 0


def test_failed_migration_leaves_version_unchanged(tmp_path):
    broken = Component("notes", [*NOTES.migrations, "ALTER TABLE nowhere ADD COLUMN x;"])
    Database(tmp_path / "app.db", [NOTES]).close()
    with pytest.raises(sqlite3.OperationalError):
        Database(tmp_path / "app.db", [broken])
    db = Database(tmp_path / "app.db", [NOTES])
    assert db.query("SELECT version FROM schema_versions WHERE component='notes'")[0][0] == 2
