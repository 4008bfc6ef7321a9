"""The sandbox's SQLite schema, one function per version: `PRAGMA user_version` says how many
have run, and opening a folder runs the rest in one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


# One function per schema version: `PRAGMA user_version` says how many have run.
def _v1(db: sqlite3.Connection) -> None:
    """The first schema (folders made before versions carry it with user_version 0)."""
    for statement in (
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS objects (id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " type TEXT NOT NULL, props TEXT NOT NULL, created_at INTEGER NOT NULL,"
        " updated_at INTEGER NOT NULL)",
        "CREATE INDEX IF NOT EXISTS objects_type ON objects (type)",
        "CREATE TABLE IF NOT EXISTS uniques (type TEXT NOT NULL, prop TEXT NOT NULL,"
        " value TEXT NOT NULL, object_id INTEGER NOT NULL, PRIMARY KEY (type, prop, value))",
        "CREATE TABLE IF NOT EXISTS assocs (from_type TEXT NOT NULL, from_id INTEGER NOT NULL,"
        " to_type TEXT NOT NULL, to_id INTEGER NOT NULL, type_id INTEGER NOT NULL,"
        " category TEXT NOT NULL, PRIMARY KEY (from_type, from_id, to_type, to_id, type_id))",
        "CREATE TABLE IF NOT EXISTS properties (type TEXT NOT NULL, name TEXT NOT NULL,"
        " def TEXT NOT NULL, PRIMARY KEY (type, name))",
        "CREATE TABLE IF NOT EXISTS property_groups (type TEXT NOT NULL, name TEXT NOT NULL,"
        " def TEXT NOT NULL, PRIMARY KEY (type, name))",
        "CREATE TABLE IF NOT EXISTS pipelines (type TEXT NOT NULL, id TEXT NOT NULL,"
        " def TEXT NOT NULL, PRIMARY KEY (type, id))",
        "CREATE TABLE IF NOT EXISTS files (id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " folder TEXT NOT NULL, md5 TEXT NOT NULL, def TEXT NOT NULL)",
    ):
        db.execute(statement)


def _v2(db: sqlite3.Connection) -> None:
    """Archived objects, property history, and a change counter per object type."""
    db.execute("ALTER TABLE objects ADD COLUMN archived INTEGER NOT NULL DEFAULT 0")
    db.execute("CREATE TABLE history (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
               " object_id INTEGER NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,"
               " at INTEGER NOT NULL, source TEXT NOT NULL)")
    db.execute("CREATE INDEX history_object ON history (object_id, name)")
    db.execute("CREATE TABLE type_versions (type TEXT PRIMARY KEY, version INTEGER NOT NULL)")


def _v3(db: sqlite3.Connection) -> None:
    """Each object remembers the change counter of its last write, so a reader catches up
    on what changed instead of reading every object again."""
    db.execute("ALTER TABLE objects ADD COLUMN changed INTEGER NOT NULL DEFAULT 0")
    db.execute("CREATE INDEX objects_changed ON objects (type, changed)")


def _v4(db: sqlite3.Connection) -> None:
    """What 2026-09 added: a portal's own association labels, merged objects (their id
    answers with the one they were merged into), and the values an object held before its
    last writes (what a lagging search still shows)."""
    db.execute("CREATE TABLE labels (from_type TEXT NOT NULL, to_type TEXT NOT NULL,"
               " type_id INTEGER NOT NULL, label TEXT NOT NULL, name TEXT NOT NULL,"
               " inverse INTEGER NOT NULL, PRIMARY KEY (from_type, to_type, type_id))")
    db.execute("ALTER TABLE objects ADD COLUMN merged_into INTEGER")
    db.execute("CREATE TABLE versions (object_id INTEGER NOT NULL, valid_from INTEGER NOT NULL,"
               " valid_to INTEGER NOT NULL, props TEXT NOT NULL)")
    db.execute("CREATE INDEX versions_object ON versions (object_id, valid_to)")
    db.execute("CREATE INDEX versions_age ON versions (valid_to)")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, _v4]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection) -> int:
    """Run the missing schema steps in one transaction; the version reached."""
    db.execute("BEGIN IMMEDIATE")
    try:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"sandbox schema {version} is newer than this code "
                               f"({SCHEMA_VERSION}): reset it or upgrade")
        for step in MIGRATIONS[version:]:
            step(db)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return SCHEMA_VERSION
