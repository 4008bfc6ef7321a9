"""The outbox: every escalation, upload and note is kept here until HubSpot confirms it.

SQLite gives atomic writes and safe use by several `escalate` processes at once; an
entry is worked on by one process at a time (its claim), and a claim whose process has
died is taken over.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import private_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    owner_pid INTEGER,
    owner_host TEXT
);
"""


@dataclass
class Entry:
    """One pending operation: what to do (payload) and how far it got (state)."""

    id: str
    kind: str
    payload: dict[str, Any]
    state: dict[str, Any] = field(default_factory=dict)
    created_at: float = 0.0
    attempts: int = 0
    last_error: str | None = None


@dataclass
class Damaged:
    """An entry that cannot be read back; reported, never sent."""

    id: str
    problem: str


class Outbox:
    """Pending operations under ESCALATE_HOME/outbox.sqlite3 (0600, folder 0700)."""

    def __init__(self, home: Path) -> None:
        self.path = private_dir(home) / "outbox.sqlite3"
        self.warning: str | None = None
        self._conn = self._open()

    def _open(self) -> sqlite3.Connection:
        created = not self.path.exists()
        if created:
            self.path.touch(mode=0o600)
        os.chmod(self.path, 0o600)
        try:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(SCHEMA)
        except sqlite3.DatabaseError:
            aside = self.path.with_name(f"outbox.damaged-{int(time.time())}.sqlite3")
            os.replace(self.path, aside)
            self.warning = (f"La bandeja de salida estaba dañada; se apartó en {aside} y se "
                            "empezó una nueva.")
            self.path.touch(mode=0o600)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.executescript(SCHEMA)
        return conn

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def close(self) -> None:
        self._conn.close()

    # -- writing ------------------------------------------------------------------------

    def put(self, entry: Entry, *, claim: bool = True) -> None:
        """Keep an entry (durably, before anything is sent), claimed by this process."""
        now = time.time()
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO entries (id, kind, payload, state, created_at,"
                " updated_at, attempts, last_error, owner_pid, owner_host)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (entry.id, entry.kind, json.dumps(entry.payload), json.dumps(entry.state),
                 entry.created_at or now, now, entry.attempts, entry.last_error,
                 os.getpid() if claim else None, socket.gethostname() if claim else None))

    def save_state(self, entry: Entry) -> None:
        with self._tx() as db:
            db.execute("UPDATE entries SET state = ?, updated_at = ? WHERE id = ?",
                       (json.dumps(entry.state), time.time(), entry.id))

    def failed(self, entry: Entry, error: str) -> None:
        """Record why the entry could not be finished, and let other processes take it."""
        with self._tx() as db:
            db.execute(
                "UPDATE entries SET last_error = ?, attempts = attempts + 1, updated_at = ?,"
                " owner_pid = NULL, owner_host = NULL WHERE id = ?",
                (error, time.time(), entry.id))

    def done(self, entry_id: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM entries WHERE id = ?", (entry_id,))

    def claim(self, entry_id: str) -> bool:
        """Take the entry for this process unless a live process already works on it."""
        with self._tx() as db:
            row = db.execute("SELECT owner_pid, owner_host FROM entries WHERE id = ?",
                             (entry_id,)).fetchone()
            if row is None:
                return False
            pid, host = row
            if pid is not None and pid != os.getpid() and _alive(pid, host):
                return False
            db.execute("UPDATE entries SET owner_pid = ?, owner_host = ? WHERE id = ?",
                       (os.getpid(), socket.gethostname(), entry_id))
            return True

    # -- reading ------------------------------------------------------------------------

    def entries(self) -> tuple[list[Entry], list[Damaged]]:
        """Every pending entry, oldest first, and those that cannot be read."""
        rows = self._conn.execute(
            "SELECT id, kind, payload, state, created_at, attempts, last_error FROM entries"
            " ORDER BY created_at, id").fetchall()
        good, damaged = [], []
        for row in rows:
            try:
                payload, state = json.loads(row[2]), json.loads(row[3])
                if not isinstance(payload, dict) or not isinstance(state, dict):
                    raise ValueError("not an object")
            except ValueError as exc:
                damaged.append(Damaged(str(row[0]), f"contenido ilegible ({exc})"))
                continue
            good.append(Entry(str(row[0]), str(row[1]), payload, state, float(row[4]),
                              int(row[5]), row[6]))
        return good, damaged


def _alive(pid: int, host: str | None) -> bool:
    if host and host != socket.gethostname():
        return True  # another machine's process: assume it is still at work
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
