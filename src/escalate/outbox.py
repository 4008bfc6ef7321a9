"""The outbox: every escalation, upload and note is kept here until HubSpot confirms it.

SQLite gives atomic writes and safe use by several `escalate` processes at once. What can
go wrong on the agent's machine is handled here, so that nothing typed is ever lost:

- a damaged file (a page, an index, the header, truncation, zero bytes, a folder in its
  place) is set aside, every readable entry is salvaged into a fresh outbox, and the
  warning says how many were saved, how many could not be read and where the copy is;
- a full disk, a read-only or missing home, a lock held by another process become a
  `LocalTrouble` (exit 2, or 5 once HubSpot holds part) naming the folder and the fix,
  with the entry written to a fallback file in the user's temporary folder, imported
  back the next time the outbox opens;
- an entry is worked on under a lease: taken with a time, renewed while its process
  works, and taken over once older than `LEASE_SECONDS` whatever its PID or host.

Deleted rows are zeroed (`secure_delete`) and the rollback journal keeps every committed
row in the main file, so salvaging by reading the raw bytes never brings back an entry
that was already delivered.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import os_errors
from .errors import EscalateError, ExitCode, Next
from .redaction import redact as scrub
from .short_ids import SHORT_ID, short_id
from .system import place_new, private_dir, process_alive, replace, temp_folder, write_private

FILE_NAME = "outbox.sqlite3"
SCHEMA_VERSION = 3
LEASE_SECONDS = 180.0  # a claim not renewed for this long belongs to nobody
RENEW_SECONDS = 20.0
LOCK_SECONDS = 5.0  # longer than this behind another process's lock is local trouble

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
    owner_host TEXT,
    holder TEXT,
    renewed_at REAL,
    claimed_at REAL
);
"""
COLUMNS = "id, kind, payload, state, created_at, attempts, last_error"

_BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}
_DAMAGE = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}


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
    aside: bool = False  # waiting in the fallback folder, not yet back in the outbox


@dataclass
class Damaged:
    """An entry that cannot be read back; reported, never sent."""

    id: str
    problem: str


class LocalTrouble(EscalateError):
    """The agent's machine, not HubSpot nor the agent: disk full, no permission, a lock."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, *, hint: str | None = None,
                 exit_code: ExitCode = ExitCode.USAGE) -> None:
        super().__init__(message, hint=hint)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Lease:
    """Another process's hold on an entry: its host and process, and since when (epoch s).
    All None: the entry does not exist."""

    host: str | None
    pid: int | None
    since: float | None


def new_holder() -> str:
    """Who holds a lease: this host, this process, and a tag of this outbox object."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def fallback_dir(home: Path) -> Path:
    """Where entries go when ESCALATE_HOME cannot take them: the user's temporary folder,
    one subfolder per home (so that each home gets back only what was its own)."""
    import hashlib

    key = hashlib.sha256(os.path.abspath(os.path.expanduser(home)).encode()).hexdigest()[:16]
    return temp_folder() / key


def keep_aside(entry: Entry, home: Path, redact: Callable[[str], str] = scrub) -> Path:
    """Write the entry to the fallback folder (atomically, 0600); returns the file. Its
    last error is stored redacted, as in the outbox."""
    folder = fallback_dir(home)
    private_dir(folder.parent)
    private_dir(folder)
    path = folder / f"entry-{entry.id}.json"
    write_private(path, json.dumps({"id": entry.id, "kind": entry.kind, "payload": entry.payload,
                                   "state": entry.state, "created_at": entry.created_at,
                                   "attempts": entry.attempts,
                                   "last_error": redact(entry.last_error or "") or None},
                                  ensure_ascii=False))
    return path


def kept_aside(entry: Entry, home: Path, redact: Callable[[str], str] = scrub) -> str:
    """Keep the entry aside (see `keep_aside`) and say where it is for the hint; when even
    that fails, the hint carries what was going to be sent."""
    try:
        path = keep_aside(entry, home, redact)
    except OSError:
        return ("Tampoco se pudo guardar en la carpeta temporal; esto es lo que iba a "
                "enviarse:\n" + json.dumps({"kind": entry.kind, "payload": entry.payload},
                                            ensure_ascii=False))
    return (f"Lo escrito está a salvo en {path}: se recupera solo la próxima vez que "
            "escalate pueda usar su carpeta.")


def local_cause(exc: BaseException, folder: Path | None = None) -> str:
    """The errno name of a local failure (os_errors.py); for the outbox's own folder, a
    file where the folder should be is ENOTDIR, and SQLite's bare "disk I/O error" (its
    journal could not be written) is a full disk when `folder`'s disk is nearly full."""
    found = os_errors.code(exc)
    if found == "EEXIST":
        return "ENOTDIR"
    if found in os_errors.REASONS:
        return found
    return "ENOSPC" if folder is not None and _nearly_full(folder) else "EIO"


def describe_os_error(exc: BaseException, folder: Path | None = None) -> str:
    """The cause of a local failure in the agent's words."""
    cause = local_cause(exc, folder)
    if cause == "EBUSY" and isinstance(exc, sqlite3.Error):  # SQLite waited LOCK_SECONDS
        return f"{os_errors.REASONS[cause]} desde hace más de {LOCK_SECONDS:g} s"
    return os_errors.REASONS.get(cause, "no se puede escribir en ella")


def _nearly_full(folder: Path) -> bool:
    import shutil

    for place in (folder, *folder.parents):
        try:
            return shutil.disk_usage(place).free < 256 * 1024
        except OSError:
            continue
    return False


def trouble(folder: Path, exc: BaseException, *, kept: str | None = None,
            holds_part: bool = False) -> LocalTrouble:
    """A LocalTrouble naming the folder, the cause, the fix and where the work is kept."""
    code = local_cause(exc, folder)
    fixes = {
        "ENOSPC": f"libere espacio en el disco de {folder}",
        "EROFS": f"use una carpeta con escritura (ESCALATE_HOME) o dé permiso de escritura "
                 f"a {folder}",
        "EACCES": f"ejecute «chmod u+rwx {folder}» o use otra carpeta con ESCALATE_HOME",
        "ENOTDIR": "mueva ese archivo o apunte ESCALATE_HOME a una carpeta",
        "EBUSY": "cierre el otro «escalate» (o espere a que termine)",
        "MOVED": "no hace falta cambiar nada",
    }
    fixes.update(EDQUOT=fixes["ENOSPC"], EFBIG=fixes["ENOSPC"], EPERM=fixes["EACCES"])
    fix = fixes.get(code, f"revise la carpeta {folder}")
    message = (f"No se pudo usar la carpeta de datos de escalate ({folder}): "
               f"{describe_os_error(exc, folder)}.")
    hint = f"Solución: {fix}; luego repita el comando."
    if kept:
        hint = f"{kept}\n{hint}"
    problem = LocalTrouble(message, hint=hint,
                           exit_code=ExitCode.UNREACHABLE if holds_part else ExitCode.USAGE)
    if kept:
        problem.next_steps = (SEE_OUTBOX,)
    return problem


SEE_OUTBOX = Next("outbox", "Véalo con")


def local_failure(exc: BaseException) -> bool:
    """Whether an exception is the machine's trouble (not damage, not a bug)."""
    if isinstance(exc, sqlite3.DatabaseError):
        name = getattr(exc, "sqlite_errorname", "") or ""
        return isinstance(exc, sqlite3.OperationalError) and name not in _DAMAGE
    return isinstance(exc, OSError)


def damaged_db(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.DatabaseError) and not local_failure(exc)


class Outbox:
    """Pending operations under ESCALATE_HOME/outbox.sqlite3 (0600, folder 0700).

    `redact` scrubs every error text before it is stored (redaction.py; the command passes
    one that knows its token)."""

    def __init__(self, home: Path, *, clock: Callable[[], float] = time.time,
                 redact: Callable[[str], str] = scrub) -> None:
        self.home = home
        self.clock = clock
        self.redact = redact
        self.path = home / FILE_NAME
        self.notices: list[str] = []
        self.written = 0  # entries this process put in (the Ctrl-C guard reads it)
        self.holder = new_holder()
        self._conn: sqlite3.Connection | None = None
        self._opened: tuple[int, int] | None = None  # the file `_conn` has open (`_replaced`)
        try:
            private_dir(home)
        except OSError as exc:
            raise trouble(home, exc) from None
        self._conn = self._open()
        self._import_fallback()

    # -- opening, checking, salvaging ---------------------------------------------------

    def _connect(self, path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, timeout=LOCK_SECONDS, isolation_level=None)
        conn.execute("PRAGMA secure_delete=ON")
        return conn

    def _open(self) -> sqlite3.Connection:
        problem = self._problem()
        if problem is None:
            try:
                self._opened = _identity(self.path)  # before the open: a later swap is seen
                conn = self._connect(self.path)
                self._check(conn)
                self._migrate(conn)
                return conn
            except sqlite3.DatabaseError as exc:
                if not damaged_db(exc):
                    raise trouble(self.home, exc) from None
                problem = "estaba dañada"
        return self._salvage(problem)

    def _problem(self) -> str | None:
        """What is wrong with the file before SQLite reads it (None: nothing seen)."""
        if not os.path.lexists(self.path):
            self._create_fresh()
            return None
        if self.path.is_dir():
            return "era una carpeta, no un archivo"
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:  # set aside by another process's salvage this moment
            self._create_fresh()
            return None
        if size == 0:
            return "estaba vacía (0 bytes)"
        with suppress(OSError):  # a read-only disk: reading works, writing says its trouble
            os.chmod(self.path, 0o600)
        return None

    def _create_fresh(self) -> None:
        """A new outbox appears whole (schema included) or not at all: never 0 bytes. When
        another `escalate` on this home made one meanwhile, that one is used: replacing it
        would leave that process writing to a file no longer in the folder, which SQLite
        refuses as a "readonly database" (the agent read "es de solo lectura")."""
        fd, tmp = tempfile.mkstemp(dir=self.home, prefix=".outbox-")
        os.close(fd)
        try:
            os.chmod(tmp, 0o600)
            conn = self._connect(Path(tmp))
            conn.execute("PRAGMA journal_mode=DELETE")
            conn.executescript(SCHEMA)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            conn.close()
            place_new(tmp, self.path)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise trouble(self.home, exc) from None
        finally:
            with suppress(OSError):
                Path(tmp).unlink(missing_ok=True)  # placed, it has gone already

    @staticmethod
    def _check(conn: sqlite3.Connection) -> None:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        if [r[0] for r in rows] != ["ok"]:
            raise sqlite3.DatabaseError("integrity_check: " + "; ".join(
                str(r[0]) for r in rows[:3]))
        conn.execute("SELECT count(*) FROM entries NOT INDEXED").fetchone()

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version >= SCHEMA_VERSION:
            return
        with self._tx(conn):
            have = {r[1] for r in conn.execute("PRAGMA table_info(entries)")}
            if not have:
                conn.execute(SCHEMA.strip().rstrip(";"))
            for column, kind in (("holder", "TEXT"), ("renewed_at", "REAL"),
                                 ("claimed_at", "REAL")):
                if have and column not in have:
                    conn.execute(f"ALTER TABLE entries ADD COLUMN {column} {kind}")
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        with suppress(sqlite3.OperationalError):  # open elsewhere in WAL: a later open
            conn.execute("PRAGMA journal_mode=DELETE")

    def _salvage(self, problem: str) -> sqlite3.Connection:
        """Set the damaged file aside, keep every readable entry in a fresh outbox."""
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(self.clock()))
        aside = self.home / f"outbox.damaged-{stamp}-{uuid.uuid4().hex[:4]}.sqlite3"
        try:
            replace(self.path, aside)
            for suffix in ("-journal", "-wal", "-shm"):
                extra = Path(f"{self.path}{suffix}")
                if extra.exists():
                    replace(extra, Path(f"{aside}{suffix}"))
        except OSError as exc:
            raise trouble(self.home, exc) from None
        saved, lost = salvage(aside)
        self._create_fresh()
        self._opened = _identity(self.path)
        conn = self._connect(self.path)
        for entry in saved:
            entry.state["salvaged"] = True  # checked again before it is sent
            self._insert(conn, entry, claim=False)
        named = "".join(f"\n  • {item}" for item in lost)
        self.notices.append(
            f"La bandeja de salida {self.path} {problem}: se recuperaron {len(saved)} "
            f"entrada(s) y {len(lost)} no se pudieron leer; la copia dañada quedó en {aside}."
            + (f" Escriba de nuevo las que se perdieron:{named}" if lost else ""))
        return conn

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def _tx(self, conn: sqlite3.Connection | None = None) -> Iterator[sqlite3.Connection]:
        db = conn or self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            if db.in_transaction:  # SQLite may have ended it: the error is the news
                db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @property
    def _db(self) -> sqlite3.Connection:
        """The connection, to the file now at `path`: when another process has set the
        one it had open aside (a salvage), the new one is opened first."""
        assert self._conn is not None, "outbox closed"
        if self._replaced():
            self._conn.close()
            self._conn = None
            self._conn = self._open()
        return self._conn

    def _replaced(self) -> bool:
        return self._opened is not None and _identity(self.path) != self._opened

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- writing ------------------------------------------------------------------------

    def _insert(self, db: sqlite3.Connection, entry: Entry, *, claim: bool) -> None:
        now = self.clock()
        db.execute(
            "INSERT OR REPLACE INTO entries (id, kind, payload, state, created_at, updated_at,"
            " attempts, last_error, owner_pid, owner_host, holder, renewed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry.id, entry.kind, json.dumps(entry.payload, ensure_ascii=False),
             json.dumps(entry.state, ensure_ascii=False), entry.created_at or now, now,
             entry.attempts, entry.last_error, os.getpid() if claim else None,
             socket.gethostname() if claim else None, self.holder if claim else None,
             now if claim else None))

    def put(self, entry: Entry, *, claim: bool = True) -> None:
        """Keep an entry (durably, before anything is sent), claimed by this process.

        If the outbox cannot take it, the entry is written to the fallback folder and a
        LocalTrouble says where (exit 2, or 5 when HubSpot already holds part of it).
        """
        try:
            with self._tx() as db:
                self._insert(db, entry, claim=claim)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise self._kept_elsewhere(entry, exc) from None
        self.written += 1

    def save_state(self, entry: Entry) -> None:
        """Record a step HubSpot confirmed; the lease is renewed with it."""
        try:
            with self._tx() as db:
                db.execute("UPDATE entries SET state = ?, updated_at = ?, renewed_at = ?"
                           " WHERE id = ?", (json.dumps(entry.state, ensure_ascii=False),
                                             self.clock(), self.clock(), entry.id))
        except (sqlite3.DatabaseError, OSError) as exc:
            raise self._kept_elsewhere(entry, exc, holds_part=True) from None

    def _kept_elsewhere(self, entry: Entry, exc: BaseException,
                        holds_part: bool = False) -> LocalTrouble:
        kept = kept_aside(entry, self.home, self.redact)
        return trouble(self.home, exc, kept=kept, holds_part=holds_part)

    def failed(self, entry: Entry, error: str) -> None:
        """Record why the entry could not be finished, and let other processes take it."""
        self._quietly("UPDATE entries SET last_error = ?, attempts = attempts + 1,"
                      " updated_at = ?, owner_pid = NULL, owner_host = NULL, holder = NULL,"
                      " renewed_at = NULL WHERE id = ?", (self.redact(error), self.clock(),
                                                          entry.id))

    def needs_action(self, entry: Entry, why: str) -> None:
        """Mark the entry as one retrying cannot fix (the agent must edit or drop it)."""
        why = self.redact(why)
        entry.state["needs_action"] = why
        self._quietly("UPDATE entries SET state = ?, last_error = ?, attempts = attempts + 1,"
                      " updated_at = ?, holder = NULL, renewed_at = NULL, owner_pid = NULL,"
                      " owner_host = NULL WHERE id = ?",
                      (json.dumps(entry.state, ensure_ascii=False), why, self.clock(),
                       entry.id))

    def done(self, entry_id: str) -> None:
        """HubSpot holds everything: forget the entry (a failure here only means a
        harmless, idempotent resend later, so it is a notice, not an error)."""
        self._quietly("DELETE FROM entries WHERE id = ?", (entry_id,))
        with suppress(OSError):  # a copy still waiting in the fallback folder goes too
            (self.fallback / f"entry-{entry_id}.json").unlink(missing_ok=True)

    def _quietly(self, sql: str, args: tuple[Any, ...]) -> None:
        try:
            with self._tx() as db:
                db.execute(sql, args)
        except (sqlite3.DatabaseError, OSError) as exc:
            if not (local_failure(exc) or damaged_db(exc)):
                raise
            self.notices.append(f"No se pudo actualizar la bandeja de salida ({self.path}): "
                                f"{describe_os_error(exc)}.")

    def claim(self, entry_id: str) -> bool:
        """Take the entry's lease unless another process holds a live one."""
        return self.lease(entry_id) is None

    def lease(self, entry_id: str) -> Lease | None:
        """Take the entry's lease and answer None; or, when another process holds a live one,
        leave it and answer who holds it and since when (an entry that does not exist is
        held by nobody, and taken by nobody: `Lease` with no host)."""
        try:
            with self._tx() as db:
                row = db.execute("SELECT holder, renewed_at, owner_pid, owner_host, claimed_at"
                                 " FROM entries WHERE id = ?", (entry_id,)).fetchone()
                if row is None:
                    return Lease(None, None, None)
                holder, renewed, pid, host, since = row
                now = self.clock()
                if holder not in (None, self.holder) and renewed is not None \
                        and float(renewed) > now:  # renewed by a host whose clock is ahead
                    renewed = now  # counted from now: it lapses LEASE_SECONDS from here
                    db.execute("UPDATE entries SET renewed_at = ? WHERE id = ?",
                               (now, entry_id))
                if holder not in (None, self.holder) and self._live(renewed, pid, host):
                    return Lease(host, pid, since if since is not None else renewed)
                db.execute("UPDATE entries SET holder = ?, renewed_at = ?, owner_pid = ?,"
                           " owner_host = ?, claimed_at = ? WHERE id = ?",
                           (self.holder, now, os.getpid(), socket.gethostname(),
                            since if holder == self.holder else now, entry_id))
                return None
        except (sqlite3.DatabaseError, OSError) as exc:
            raise trouble(self.home, exc) from None

    def _live(self, renewed: float | None, pid: int | None, host: str | None) -> bool:
        """A lease is live while renewed recently; a dead process on this host frees it
        at once (a PID reused by another program only delays it until the lease ends)."""
        if renewed is None or self.clock() - float(renewed) > LEASE_SECONDS:
            return False
        dead_here = pid is not None and host == socket.gethostname() and not process_alive(
            int(pid))
        return not dead_here

    @contextmanager
    def working_on(self, entry_id: str) -> Iterator[None]:
        """Renew the entry's lease in the background while the caller works on it."""
        stop = threading.Event()

        def renewing() -> None:
            conn: sqlite3.Connection | None = None
            while not stop.wait(RENEW_SECONDS):
                try:
                    conn = conn or self._connect(self.path)
                    conn.execute("UPDATE entries SET renewed_at = ? WHERE id = ? AND "
                                 "holder = ?", (self.clock(), entry_id, self.holder))
                except sqlite3.Error:  # the next renewal tries again, on a fresh connection
                    if conn is not None:  # (the file may have been set aside and replaced)
                        conn.close()
                    conn = None
            if conn is not None:
                conn.close()

        worker = threading.Thread(target=renewing, name="outbox-lease", daemon=True)
        worker.start()
        try:
            yield
        finally:
            stop.set()
            worker.join(timeout=5)

    # -- reading ------------------------------------------------------------------------

    def entries(self) -> tuple[list[Entry], list[Damaged]]:
        """Every pending entry, oldest first, and those that cannot be read."""
        try:
            rows = self._db.execute(f"SELECT {COLUMNS} FROM entries NOT INDEXED"
                                    " ORDER BY created_at, id").fetchall()
        except sqlite3.DatabaseError as exc:
            if local_failure(exc):
                raise trouble(self.home, exc) from None
            self.close()
            self._conn = self._salvage("estaba dañada")
            rows = self._db.execute(f"SELECT {COLUMNS} FROM entries ORDER BY created_at, id"
                                    ).fetchall()
        good: list[Entry] = []
        damaged: list[Damaged] = []
        for row in rows:
            entry = _entry(row)
            if isinstance(entry, Damaged):
                damaged.append(entry)
            else:
                good.append(entry)
        good.extend(e for e in self.rescued() if e.id not in {g.id for g in good})
        return good, damaged

    def get(self, id_or_prefix: str, what: str = "entrada") -> Entry:
        """The one entry whose id starts with `id_or_prefix` (8 characters or more);
        `what` names what the agent is looking for, in the messages."""
        from .errors import InvalidInput

        key = id_or_prefix.strip().lower()
        if len(key) < SHORT_ID or not re.fullmatch(r"[0-9a-f]+", key):
            raise InvalidInput([f"«{id_or_prefix[:40]}» no es un id de {what}: use al menos "
                                f"{SHORT_ID} caracteres del id que muestra la bandeja de "
                                "salida."], next_steps=(SEE_OUTBOX,))
        entries, _ = self.entries()
        found = [e for e in entries if e.id.startswith(key)]
        if not found:
            raise InvalidInput([f"no hay {what} con el id «{key}» en la bandeja de salida."],
                               next_steps=(SEE_OUTBOX,))
        if len(found) > 1:
            raise InvalidInput([f"«{key}» corresponde a {len(found)} entradas: escriba más "
                                "caracteres del id."], next_steps=(SEE_OUTBOX,))
        return found[0]

    # -- the fallback folder --------------------------------------------------------------

    @property
    def fallback(self) -> Path:
        return fallback_dir(self.home)

    def rescued(self) -> list[Entry]:
        """Entries waiting in the fallback folder (shown even when the outbox is sick)."""
        found: list[Entry] = []
        folder = self.fallback
        for path in sorted(folder.glob("entry-*.json")) if folder.is_dir() else []:
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                found.append(Entry(str(raw["id"]), str(raw["kind"]), dict(raw["payload"]),
                                   dict(raw.get("state") or {}),
                                   float(raw.get("created_at") or 0), int(raw.get("attempts")
                                                                          or 0),
                                   raw.get("last_error"), aside=True))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return found

    def _import_fallback(self) -> None:
        """Bring back what an earlier run had to keep in the temporary folder."""
        folder = self.fallback
        if not folder.is_dir():
            return
        for path in sorted(folder.glob("entry-*.json")):
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                entry = Entry(str(raw["id"]), str(raw["kind"]), dict(raw["payload"]),
                              dict(raw.get("state") or {}), float(raw.get("created_at") or 0),
                              int(raw.get("attempts") or 0), raw.get("last_error"))
            except (OSError, ValueError, KeyError, TypeError):
                continue
            try:
                with self._tx() as db:
                    exists = db.execute("SELECT 1 FROM entries WHERE id = ?",
                                        (entry.id,)).fetchone()
                    if exists is None:
                        self._insert(db, entry, claim=False)
                    else:  # the outbox row and the saved copy: keep the further state
                        db.execute("UPDATE entries SET state = ? WHERE id = ? AND length(state)"
                                   " < ?", (json.dumps(entry.state, ensure_ascii=False),
                                            entry.id, len(json.dumps(entry.state))))
                path.unlink()
            except (sqlite3.DatabaseError, OSError):
                return  # still no room: it stays where it is, listed from there
            self.notices.append(f"Se recuperó en la bandeja de salida una entrada guardada en "
                                f"{path.parent} cuando la carpeta de datos no se podía usar.")


class UnavailableOutbox(Outbox):
    """The outbox when ESCALATE_HOME cannot be used (read-only, missing, locked, a file):
    what would be kept goes to the fallback folder, and what is there is listed."""

    def __init__(self, home: Path, problem: LocalTrouble, *,
                 clock: Callable[[], float] = time.time,
                 redact: Callable[[str], str] = scrub) -> None:
        self.home = home
        self.clock = clock
        self.redact = redact
        self.path = home / FILE_NAME
        self.problem = problem
        self.notices = [f"{problem.message} Se usa la carpeta temporal {fallback_dir(home)}."]
        self.written = 0
        self.holder = new_holder()
        self._conn = None

    def put(self, entry: Entry, *, claim: bool = True) -> None:
        raise self._kept_elsewhere(entry, _Unusable(self.problem.message))

    def save_state(self, entry: Entry) -> None:
        raise self._kept_elsewhere(entry, _Unusable(self.problem.message), holds_part=True)

    def _quietly(self, sql: str, args: tuple[Any, ...]) -> None:
        return None

    def close(self) -> None:
        return None

    def claim(self, entry_id: str) -> bool:
        return False

    def lease(self, entry_id: str) -> Lease | None:
        return None  # what waits in the temporary folder has no lease to take

    def entries(self) -> tuple[list[Entry], list[Damaged]]:
        return self.rescued(), []

    def _kept_elsewhere(self, entry: Entry, exc: BaseException,
                        holds_part: bool = False) -> LocalTrouble:
        kept = kept_aside(entry, self.home, self.redact)
        hint = f"{kept}\n{self.problem.hint}" if self.problem.hint else kept
        code = ExitCode.UNREACHABLE if holds_part else self.problem.exit_code
        trouble = LocalTrouble(self.problem.message, hint=hint, exit_code=code)
        trouble.next_steps = (SEE_OUTBOX,)
        return trouble


class _Unusable(OSError):
    pass


def outbox_home(home: Path, *, sandbox: bool) -> Path:
    """Where an ESCALATE_HOME's outbox lives: the sandbox keeps its own, so a practice
    escalation never reaches the portal and one kept for the portal never goes to the
    sandbox."""
    return home / "sandbox" / "bandeja" if sandbox else home


def open_outbox(home: Path, *, clock: Callable[[], float] = time.time,
                redact: Callable[[str], str] = scrub) -> Outbox:
    """The outbox, or its stand-in in the fallback folder when the home cannot be used."""
    try:
        return Outbox(home, clock=clock, redact=redact)
    except LocalTrouble as problem:
        return UnavailableOutbox(home, problem, clock=clock, redact=redact)


def _identity(path: Path) -> tuple[int, int] | None:
    """Which file is at `path` (device, inode); None: none is."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _entry(row: tuple[Any, ...]) -> Entry | Damaged:
    try:
        payload, state = json.loads(row[2]), json.loads(row[3])
        if not isinstance(payload, dict) or not isinstance(state, dict):
            raise ValueError("no es un objeto")
    except (ValueError, TypeError) as exc:  # json's own words are English
        why = "no es un objeto" if str(exc) == "no es un objeto" else "JSON dañado"
        return Damaged(str(row[0]), f"contenido ilegible ({why})")
    return Entry(str(row[0]), str(row[1]), payload, state, float(row[4] or 0), int(row[5] or 0),
                 row[6])


# -- salvage ------------------------------------------------------------------------------

# A row's id, kind and payload, as SQLite stores them side by side (any kind: which kinds
# exist is the workflows' table, workflows/entries.py).
_RECORD = re.compile(rb"([0-9a-f]{32})([a-z]{3,20})\{")
# An entry's id wherever SQLite keeps it: in its row, and in the primary key's index, whose
# pages hold every live id apart from the rows (with `secure_delete`, no deleted one); an id
# inside a payload's JSON is quoted, and is not counted.
_ID = re.compile(rb'(?<![0-9a-f"])[0-9a-f]{32}(?![0-9a-f"])')
_POLICY = re.compile(rb'"policy": "([^"\\]{1,60})"')
_CLIENT = re.compile(rb'"client_name": "([^"\\]{1,100})"')


@dataclass(frozen=True)
class Lost:
    """An entry a salvage found a trace of but could not read: its id, and the policy and
    client when any copy (the damaged file, its journal) still says them."""

    id: str
    policy: str | None = None
    client: str | None = None

    def __str__(self) -> str:
        shown = short_id(self.id)
        if self.policy or self.client:
            return f"{shown}: {self.policy or '?'} - {self.client or '?'}"
        return f"{shown}: (sin datos legibles)"


def salvage(path: Path) -> tuple[list[Entry], list[Lost]]:
    """Every entry that can be read from a damaged outbox file, and every one it holds a
    trace of that cannot (named as far as it can be).

    SQLite reads what its structure still reaches (row by row, without the index); the raw
    bytes are then searched for the records of the pages SQLite cannot reach (a damaged
    page, header or truncation). With `secure_delete`, only live rows remain in the file,
    so every id left in it (a row's, or the index's) is an entry that was waiting.
    """
    found: dict[str, Entry] = {}
    for entry in _read_with_sqlite(path):
        if isinstance(entry, Entry):
            found[entry.id] = entry
    data = _bytes(path)
    decoder = json.JSONDecoder()
    for match in _RECORD.finditer(data):
        entry_id, kind = match.group(1).decode(), match.group(2).decode()
        if entry_id in found:
            continue
        try:
            text = data[match.end() - 1: match.end() - 1 + 200_000].decode("utf-8", "replace")
            payload, end = decoder.raw_decode(text)
            state, _ = decoder.raw_decode(text, end)
            if not isinstance(payload, dict) or not isinstance(state, dict):
                raise ValueError
        except ValueError:
            continue
        found[entry_id] = Entry(entry_id, kind, payload, state, 0.0)
    traces = dict.fromkeys(m.group().decode() for m in _ID.finditer(data))
    copies = data + _bytes(Path(f"{path}-journal"))
    return list(found.values()), [_named(i, copies) for i in traces if i not in found]


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes() if path.is_file() else b""
    except OSError:
        return b""


def _named(entry_id: str, copies: bytes) -> Lost:
    """What the bytes near the id's record still say of it (its policy and client)."""
    at = copies.find(entry_id.encode() + b"create{")
    if at < 0:
        return Lost(entry_id)
    near = copies[at: at + 4096]
    policy, client = _POLICY.search(near), _CLIENT.search(near)
    return Lost(entry_id, policy.group(1).decode("utf-8", "replace") if policy else None,
                client.group(1).decode("utf-8", "replace") if client else None)


def _read_with_sqlite(path: Path) -> list[Entry | Damaged]:
    if not path.is_file():
        return []
    rows: list[Entry | Damaged] = []
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, timeout=1)
    except sqlite3.Error:
        return rows
    try:
        cursor = conn.execute(f"SELECT {COLUMNS} FROM entries NOT INDEXED")
        while True:
            try:
                row = cursor.fetchone()
            except sqlite3.Error:
                break
            if row is None:
                break
            rows.append(_entry(row))
    except sqlite3.Error:
        pass
    finally:
        conn.close()
    return rows

