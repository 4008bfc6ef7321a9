"""SQLite persistence for the sandbox: a portal's objects, associations, schema and files.

Several processes may open the same folder (a served sandbox and `--sandbox` runs), so
every write runs in an IMMEDIATE transaction and unique values are enforced by SQLite.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import seed
from .migrations import migrate

FIRST_OBJECT_ID = 1000
FIRST_FILE_ID = 190000000
TABLES = ("objects", "uniques", "assocs", "properties", "property_groups", "pipelines", "files",
          "meta", "history", "labels", "versions")
FIRST_LABEL_ID = 1000  # USER_DEFINED association type ids, after HubSpot's own
MAX_MERGES = 20  # a chain of merges this long is followed to its end


@dataclass
class Row:
    """One CRM object as stored: every property value is a string, as HubSpot keeps them."""

    id: int
    type: str
    props: dict[str, str]
    created_at: int
    updated_at: int


@dataclass(frozen=True)
class Link:
    """One association as stored: the target, its type id and the type's category."""

    to_id: int
    type_id: int
    category: str


@dataclass(frozen=True)
class Label:
    """A portal's own association type: its id, label, internal name, and the type id of
    the other direction (itself when the label reads the same both ways)."""

    type_id: int
    label: str
    name: str
    inverse: int


@dataclass
class Change:
    """One value a property took, when and from where (for `propertiesWithHistory`)."""

    value: str
    at: int
    source: str


class Store:
    """The sandbox portal's state in one SQLite file under `folder`."""

    def __init__(self, folder: Path, *, bare: bool = False) -> None:
        self.folder = folder
        self.bare = bare
        folder.mkdir(parents=True, exist_ok=True)
        self.blobs = folder / "files"
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            folder / "hubspot.sqlite3", timeout=30, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._definition_cache: dict[tuple[str, str], tuple[Any, dict[str, Any]]] = {}
        with self._lock:
            migrate(self._conn)

    # -- transactions -----------------------------------------------------------------

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """An IMMEDIATE transaction: one writer across threads and processes."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- seed ---------------------------------------------------------------------------

    def reset(self, db: sqlite3.Connection) -> None:
        """Empty the portal back to its seed schema (inside the caller's transaction)."""
        for table in TABLES:
            db.execute(f"DELETE FROM {table}")
        db.execute("DELETE FROM sqlite_sequence")
        db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('objects', ?)",
                   (FIRST_OBJECT_ID,))
        db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('files', ?)",
                   (FIRST_FILE_ID,))
        for type_, props in seed.PROPERTIES.items():
            for prop in props:
                self._put_property(db, type_, prop)
        for type_, groups in seed.PROPERTY_GROUPS.items():
            for i, name in enumerate(groups):
                self._put_group(db, type_, {"name": name, "label": name, "displayOrder": i})
        if not self.bare:
            self._put_group(db, "tickets", seed.TOOL_GROUP)
            for prop in seed.TOOL_PROPERTIES:
                self._put_property(db, "tickets", prop)
        db.execute("INSERT INTO pipelines VALUES ('tickets', ?, ?)",
                   (seed.TICKET_PIPELINE["id"], json.dumps(seed.TICKET_PIPELINE)))
        db.execute("INSERT INTO meta VALUES ('seeded', '1')")
        db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(time.time_ns()),))
        # A new generation: whatever a reader caught up on before the reset is gone.
        db.execute("INSERT INTO meta VALUES ('generation', ?)", (str(time.time_ns()),))
        # Never back to an earlier number: another process may hold rows decoded at it.
        for type_ in seed.PROPERTIES:
            self._changed(db, type_)
        if self.blobs.exists():
            shutil.rmtree(self.blobs)

    @staticmethod
    def _put_property(db: sqlite3.Connection, type_: str, prop: dict[str, Any]) -> None:
        db.execute("INSERT OR REPLACE INTO properties VALUES (?, ?, ?)",
                   (type_, prop["name"], json.dumps(prop)))

    @staticmethod
    def _put_group(db: sqlite3.Connection, type_: str, group: dict[str, Any]) -> None:
        db.execute("INSERT OR REPLACE INTO property_groups VALUES (?, ?, ?)",
                   (type_, group["name"], json.dumps(group)))

    @staticmethod
    def seeded(db: sqlite3.Connection) -> bool:
        return db.execute("SELECT 1 FROM meta WHERE key = 'seeded'").fetchone() is not None

    # -- schema -------------------------------------------------------------------------

    def properties(self, type_: str) -> dict[str, dict[str, Any]]:
        return self._definitions("properties", type_)

    def add_property(self, type_: str, prop: dict[str, Any]) -> bool:
        """Store a new property definition; False when the name is taken."""
        return self._add_definition("properties", type_, prop)

    def replace_property(self, type_: str, prop: dict[str, Any]) -> None:
        """Store a property's changed definition."""
        with self.write() as db:
            self._put_property(db, type_, prop)
            self._schema_changed(db)

    def groups(self, type_: str) -> dict[str, dict[str, Any]]:
        return self._definitions("property_groups", type_)

    def add_group(self, type_: str, group: dict[str, Any]) -> bool:
        """Store a new property group; False when the name is taken."""
        return self._add_definition("property_groups", type_, group)

    def _definitions(self, table: str, type_: str) -> dict[str, dict[str, Any]]:
        """Definitions decoded once per change of the portal's schema (by any process)."""
        with self.read() as db:
            version = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            cached = self._definition_cache.get((table, type_))
            if cached is not None and cached[0] == version:
                return cached[1]
            rows = db.execute(f"SELECT name, def FROM {table} WHERE type = ?",
                              (type_,))
            found = {name: json.loads(d) for name, d in rows.fetchall()}
            self._definition_cache[(table, type_)] = (version, found)
            return found

    def _add_definition(self, table: str, type_: str, definition: dict[str, Any]) -> bool:
        with self.write() as db:
            cur = db.execute(f"INSERT OR IGNORE INTO {table} VALUES (?, ?, ?)",
                             (type_, definition["name"], json.dumps(definition)))
            self._schema_changed(db)
            return cur.rowcount == 1

    @staticmethod
    def _schema_changed(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO meta VALUES ('schema', '1') ON CONFLICT (key)"
                   " DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def pipelines(self, type_: str) -> list[dict[str, Any]]:
        with self.read() as db:
            rows = db.execute("SELECT def FROM pipelines WHERE type = ? ORDER BY id", (type_,))
            return [json.loads(d) for (d,) in rows.fetchall()]

    def put_pipeline(self, type_: str, definition: dict[str, Any]) -> None:
        """Store a pipeline as a whole (new, or with its stages changed)."""
        with self.write() as db:
            db.execute("INSERT OR REPLACE INTO pipelines VALUES (?, ?, ?)",
                       (type_, definition["id"], json.dumps(definition)))

    def new_pipeline_ids(self, type_: str, count: int) -> list[str]:
        """Fresh ids for pipelines and stages, never one used before (a deleted stage's id
        stays on the tickets that sat in it)."""
        with self.write() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'pipeline_ids'").fetchone()
            used = [int(i) for (d,) in db.execute("SELECT def FROM pipelines WHERE type = ?",
                                                  (type_,)).fetchall()
                    for p in [json.loads(d)] for i in [p["id"], *(s["id"] for s in p["stages"])]
                    if str(i).isdigit()]
            top = max([int(row[0]) if row else 0, *used])
            db.execute("INSERT OR REPLACE INTO meta VALUES ('pipeline_ids', ?)",
                       (str(top + count),))
        return [str(top + n) for n in range(1, count + 1)]

    def count_in_stage(self, type_: str, pipeline_id: str, stage_id: str) -> int:
        """Live objects of a type sitting in a pipeline's stage."""
        with self.read() as db:
            row = db.execute(
                "SELECT COUNT(*) FROM objects WHERE type = ? AND archived = 0"
                " AND merged_into IS NULL AND json_extract(props, '$.hs_pipeline') = ?"
                " AND json_extract(props, '$.hs_pipeline_stage') = ?",
                (type_, pipeline_id, stage_id)).fetchone()
        return int(row[0])

    # -- objects ------------------------------------------------------------------------

    def insert(self, db: sqlite3.Connection, type_: str, props: dict[str, str],
               created_at: int, updated_at: int) -> int:
        cur = db.execute(
            "INSERT INTO objects (type, props, created_at, updated_at) VALUES (?, ?, ?, ?)",
            (type_, "{}", created_at, updated_at),
        )
        object_id = int(cur.lastrowid or 0)
        props = {**props, "hs_object_id": str(object_id)}
        db.execute("UPDATE objects SET props = ?, changed = ? WHERE id = ?",
                   (json.dumps(props), self._changed(db, type_), object_id))
        return object_id

    def update(self, db: sqlite3.Connection, row: Row, props: dict[str, str],
               now: int) -> None:
        db.execute("UPDATE objects SET props = ?, updated_at = ?, changed = ? WHERE id = ?",
                   (json.dumps(props), now, self._changed(db, row.type), row.id))

    def keep_version(self, db: sqlite3.Connection, row: Row, now: int, oldest: int) -> None:
        """Remember what `row` held until `now` (a lagging search still shows it), and forget
        versions that ended before `oldest`."""
        if now > row.updated_at:
            db.execute("INSERT INTO versions VALUES (?, ?, ?, ?)",
                       (row.id, row.updated_at, now, json.dumps(row.props)))
        db.execute("DELETE FROM versions WHERE valid_to < ?", (oldest,))

    def version_at(self, row: Row, moment: int) -> Row | None:
        """The object as it was at `moment` (None: not created yet), for a row written
        since."""
        with self.read() as db:
            found = db.execute(
                "SELECT props, valid_from FROM versions WHERE object_id = ? AND valid_from <= ?"
                " AND valid_to > ? ORDER BY valid_to LIMIT 1", (row.id, moment, moment)).fetchone()
        if found is None:
            return None
        return Row(row.id, row.type, json.loads(found[0]), row.created_at, int(found[1]))

    def archive(self, db: sqlite3.Connection, row: Row, now: int) -> None:
        db.execute("UPDATE objects SET archived = 1, updated_at = ?, changed = ? WHERE id = ?",
                   (now, self._changed(db, row.type), row.id))
        db.execute("DELETE FROM uniques WHERE object_id = ?", (row.id,))

    def merge(self, db: sqlite3.Connection, merged: Row, primary: Row, now: int) -> None:
        """`merged` leaves the portal into `primary`: its id, unique values and associations
        lead to the primary from now on."""
        db.execute("UPDATE objects SET archived = 1, merged_into = ?, updated_at = ?, changed = ?"
                   " WHERE id = ?", (primary.id, now, self._changed(db, merged.type), merged.id))
        db.execute("UPDATE uniques SET object_id = ? WHERE object_id = ?", (primary.id, merged.id))
        links = db.execute("SELECT from_type, from_id, to_type, to_id, type_id, category"
                           " FROM assocs WHERE from_id = ? OR to_id = ?",
                           (merged.id, merged.id)).fetchall()
        db.execute("DELETE FROM assocs WHERE from_id = ? OR to_id = ?", (merged.id, merged.id))
        for from_type, from_id, to_type, to_id, type_id, category in links:
            from_id = primary.id if from_id == merged.id else from_id
            to_id = primary.id if to_id == merged.id else to_id
            if from_id != to_id:  # a link between the two tickets merged ends with them
                self.associate(db, from_type, from_id, to_type, to_id, type_id, category)

    def merged_into(self, type_: str, object_id: int,
                    db: sqlite3.Connection | None = None) -> int | None:
        """The live object a merged one now answers with (None: not merged)."""
        with contextlib.ExitStack() as stack:
            conn = db if db is not None else stack.enter_context(self.read())
            current, seen = object_id, 0
            while seen < MAX_MERGES:
                row = conn.execute("SELECT merged_into FROM objects WHERE id = ? AND type = ?",
                                   (current, type_)).fetchone()
                if row is None or row[0] is None:
                    return None if current == object_id else current
                current, seen = int(row[0]), seen + 1
        return current

    @staticmethod
    def _changed(db: sqlite3.Connection, type_: str) -> int:
        """Count one more write to objects of this type; the new count."""
        db.execute("INSERT INTO type_versions VALUES (?, 1) ON CONFLICT (type)"
                   " DO UPDATE SET version = version + 1", (type_,))
        return int(db.execute("SELECT version FROM type_versions WHERE type = ?",
                              (type_,)).fetchone()[0])

    def claim_unique(self, db: sqlite3.Connection, type_: str, prop: str, value: str,
                     object_id: int) -> int | None:
        """Reserve a unique value; returns the id already holding it, or None."""
        held = db.execute("SELECT object_id FROM uniques WHERE type = ? AND prop = ? AND value = ?",
                          (type_, prop, value.lower())).fetchone()
        if held is not None and int(held[0]) != object_id:
            return int(held[0])
        db.execute("INSERT OR REPLACE INTO uniques VALUES (?, ?, ?, ?)",
                   (type_, prop, value.lower(), object_id))
        return None

    def release_unique(self, db: sqlite3.Connection, type_: str, prop: str, value: str) -> None:
        db.execute("DELETE FROM uniques WHERE type = ? AND prop = ? AND value = ?",
                   (type_, prop, value.lower()))

    def find_unique(self, type_: str, prop: str, value: str,
                    db: sqlite3.Connection | None = None) -> int | None:
        with contextlib.ExitStack() as stack:
            conn = db if db is not None else stack.enter_context(self.read())
            row = conn.execute(
                "SELECT object_id FROM uniques WHERE type = ? AND prop = ? AND value = ?",
                (type_, prop, value.lower()),
            ).fetchone()
        return None if row is None else int(row[0])

    def get(self, type_: str, object_id: int, db: sqlite3.Connection | None = None, *,
            archived: bool = False) -> Row | None:
        """A live object of this type (`archived`: one archived, not merged, instead)."""
        with contextlib.ExitStack() as stack:
            conn = db if db is not None else stack.enter_context(self.read())
            row = conn.execute(
                "SELECT id, type, props, created_at, updated_at FROM objects"
                " WHERE id = ? AND type = ? AND archived = ? AND merged_into IS NULL",
                (object_id, type_, int(archived)),
            ).fetchone()
        return None if row is None else Row(row[0], row[1], json.loads(row[2]), row[3], row[4])

    def page(self, type_: str, after: int, limit: int, *, archived: bool = False) -> list[Row]:
        """Up to `limit` objects of a type with ids above `after`, in id order (`archived`:
        the archived ones, not merged, instead of the live ones)."""
        with self.read() as db:
            rows = db.execute(
                "SELECT id, type, props, created_at, updated_at FROM objects WHERE type = ?"
                " AND archived = ? AND merged_into IS NULL AND id > ? ORDER BY id LIMIT ?",
                (type_, int(archived), after, limit)).fetchall()
        return [Row(r[0], r[1], json.loads(r[2]), r[3], r[4]) for r in rows]

    def version(self, type_: str) -> tuple[str, int]:
        """(generation, count of writes) for a type: the generation changes on a reset, the
        count on every write to an object of the type, whichever process writes."""
        with self.read() as db:
            generation = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
            row = db.execute("SELECT version FROM type_versions WHERE type = ?",
                             (type_,)).fetchone()
        return ("" if generation is None else str(generation[0]),
                0 if row is None else int(row[0]))

    def all(self, type_: str) -> list[Row]:
        """Every live object of a type, in id order."""
        with self.read() as db:
            rows = db.execute(
                "SELECT id, type, props, created_at, updated_at FROM objects WHERE type = ?"
                " AND archived = 0 ORDER BY id",
                (type_,),
            ).fetchall()
        return [Row(r[0], r[1], json.loads(r[2]), r[3], r[4]) for r in rows]

    def changed_since(self, type_: str, version: int) -> list[tuple[Row, bool]]:
        """Objects of a type written after `version`, each with whether it is archived."""
        with self.read() as db:
            rows = db.execute(
                "SELECT id, type, props, created_at, updated_at, archived FROM objects"
                " WHERE type = ? AND changed > ? ORDER BY id",
                (type_, version),
            ).fetchall()
        return [(Row(r[0], r[1], json.loads(r[2]), r[3], r[4]), bool(r[5])) for r in rows]

    # -- history ------------------------------------------------------------------------

    def add_history(self, db: sqlite3.Connection, object_id: int,
                    changes: Iterable[tuple[str, str]], at: int, source: str) -> None:
        db.executemany("INSERT INTO history (object_id, name, value, at, source)"
                       " VALUES (?, ?, ?, ?, ?)",
                       [(object_id, name, value, at, source) for name, value in changes])

    def history(self, object_ids: list[int],
                names: list[str]) -> dict[int, dict[str, list[Change]]]:
        """For each object, each named property's values, newest first."""
        found: dict[int, dict[str, list[Change]]] = {i: {n: [] for n in names}
                                                     for i in object_ids}
        if not object_ids or not names:
            return found
        with self.read() as db:
            for object_id in object_ids:
                marks = ",".join("?" * len(names))
                rows = db.execute(
                    f"SELECT name, value, at, source FROM history WHERE object_id = ?"
                    f" AND name IN ({marks}) ORDER BY at DESC, seq DESC",
                    (object_id, *names)).fetchall()
                for name, value, at, source in rows:
                    found[object_id][name].append(Change(value, at, source))
        return found

    # -- associations -------------------------------------------------------------------

    def associate(self, db: sqlite3.Connection, from_type: str, from_id: int, to_type: str,
                  to_id: int, type_id: int, category: str = "HUBSPOT_DEFINED") -> None:
        db.execute("INSERT OR IGNORE INTO assocs VALUES (?, ?, ?, ?, ?, ?)",
                   (from_type, from_id, to_type, to_id, type_id, category))

    def dissociate(self, db: sqlite3.Connection, one: tuple[str, int],
                   other: tuple[str, int]) -> None:
        """Every link between two objects, both ways, whatever its type."""
        db.execute("DELETE FROM assocs WHERE (from_type = ? AND from_id = ? AND to_type = ?"
                   " AND to_id = ?) OR (from_type = ? AND from_id = ? AND to_type = ?"
                   " AND to_id = ?)", (*one, *other, *other, *one))

    def associations(self, from_type: str, from_ids: list[int],
                     to_type: str) -> dict[int, list[Link]]:
        """For each source id, its links to live objects, by target id."""
        found: dict[int, list[Link]] = {i: [] for i in from_ids}
        with self.read() as db:
            for from_id in from_ids:
                rows = db.execute(
                    "SELECT a.to_id, a.type_id, a.category FROM assocs a"
                    " JOIN objects o ON o.id = a.to_id"
                    " WHERE a.from_type = ? AND a.from_id = ? AND a.to_type = ?"
                    " AND o.archived = 0 ORDER BY a.to_id, a.type_id",
                    (from_type, from_id, to_type),
                ).fetchall()
                found[from_id] = [Link(int(a), int(b), str(c)) for a, b, c in rows]
        return found

    # -- association labels (USER_DEFINED) ----------------------------------------------

    def labels(self, from_type: str, to_type: str) -> list[Label]:
        with self.read() as db:
            rows = db.execute("SELECT type_id, label, name, inverse FROM labels"
                              " WHERE from_type = ? AND to_type = ? ORDER BY type_id",
                              (from_type, to_type)).fetchall()
        return [Label(int(t), str(lb), str(n), int(i)) for t, lb, n, i in rows]

    def label(self, type_id: int) -> tuple[str, str, Label] | None:
        """A portal's own association type by id, with its (from type, to type)."""
        with self.read() as db:
            row = db.execute("SELECT from_type, to_type, label, name, inverse FROM labels"
                             " WHERE type_id = ?", (type_id,)).fetchone()
        if row is None:
            return None
        return str(row[0]), str(row[1]), Label(type_id, str(row[2]), str(row[3]), int(row[4]))

    def add_label(self, from_type: str, to_type: str, label: str, name: str,
                  inverse_label: str | None) -> list[Label]:
        """A new label (and its inverse, the other way): the labels made, or [] when `name`
        is taken for the pair."""
        with self.write() as db:
            taken = db.execute("SELECT 1 FROM labels WHERE from_type = ? AND to_type = ?"
                               " AND name = ?", (from_type, to_type, name)).fetchone()
            if taken is not None:
                return []
            top = db.execute("SELECT MAX(type_id) FROM labels").fetchone()[0]
            first = max(FIRST_LABEL_ID, int(top or 0) + 1)
            made = [Label(first, label, name, first + 1 if inverse_label else first)]
            if inverse_label:
                made.append(Label(first + 1, inverse_label, f"{name}_inverse", first))
            for item, (a, b) in zip(made, [(from_type, to_type), (to_type, from_type)],
                                    strict=False):
                db.execute("INSERT INTO labels VALUES (?, ?, ?, ?, ?, ?)",
                           (a, b, item.type_id, item.label, item.name, item.inverse))
        return made

    # -- files --------------------------------------------------------------------------

    def file_with_md5(self, md5: str, folder: str | None) -> dict[str, Any] | None:
        """The first file with this content, in `folder` or (None) anywhere in the portal."""
        with self.read() as db:
            row = db.execute("SELECT def FROM files WHERE md5 = ? AND (? IS NULL OR folder = ?)"
                             " ORDER BY id", (md5, folder, folder)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def add_file(self, folder: str, md5: str, data: bytes,
                 describe: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
        """Store the bytes and the File record `describe(id)` builds for them."""
        with self.write() as db:
            cur = db.execute("INSERT INTO files (folder, md5, def) VALUES (?, ?, '{}')",
                             (folder, md5))
            file_id = int(cur.lastrowid or 0)
            record: dict[str, Any] = describe(file_id)
            db.execute("UPDATE files SET def = ? WHERE id = ?", (json.dumps(record), file_id))
            self.blobs.mkdir(parents=True, exist_ok=True)
            (self.blobs / str(file_id)).write_bytes(data)
        return record

    def get_file(self, file_id: int) -> dict[str, Any] | None:
        with self.read() as db:
            row = db.execute("SELECT def FROM files WHERE id = ?", (file_id,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def file_bytes(self, file_id: int) -> bytes:
        return (self.blobs / str(file_id)).read_bytes()

    def delete_file(self, file_id: int) -> bool:
        """Remove a file and its bytes for good; False when there is none."""
        with self.write() as db:
            gone = db.execute("DELETE FROM files WHERE id = ?", (file_id,)).rowcount
        (self.blobs / str(file_id)).unlink(missing_ok=True)
        return bool(gone)
