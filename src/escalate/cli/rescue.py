"""Ctrl-C from the first millisecond: the options of a `create` are never lost.

`guard` is installed before anything else runs (from `escalate/cli/__init__.py` when
`escalate` is the program, then again first thing in `main()`). If the agent presses
Ctrl-C before the command kept its work itself (while Python is still importing, or
before the entry is in the outbox), the command line is written to
`$TMPDIR/escalate-<uid>/early/`; the next time the outbox of that ESCALATE_HOME opens,
the file becomes a draft (`escalate crear --borrador ID`, by `interrupted.py`). If the
command did keep its work, the file is removed: one copy, never two.

This module imports only `os`, `signal`, `sys`, `short_ids` (which imports nothing) and
`escalate.system` (itself only `os` and `sys`) at the top, and the handler writes the file
with `os` alone: a Ctrl-C can land in the middle of any other import.
"""

from __future__ import annotations

import os
import signal
import sys

from ..short_ids import short_id
from ..system import temp_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any

    from .env import Env

GLOBAL_FLAGS = ("--sandbox", "--verbose", "-v", "--detallado")
CREATE = ("crear", "create")  # its Spanish name and English alias (cli/names.py's)
INTERRUPTED = 130
MAGIC = b"escalate-argv-1"

# The command line being guarded, the draft id it would get, whether Python is still
# importing (`early`), and the file written at Ctrl-C (if any).
_state: dict[str, Any] = {}


def globals_first(argv: list[str]) -> list[str]:
    """The command line with `--sandbox` and `--detallado` moved before the command, where
    the program reads them: «add --sandbox to any command» holds wherever it is typed."""
    moved = [a for a in argv if a in GLOBAL_FLAGS and a.startswith("--")]
    return [*moved, *(a for a in argv if a not in moved)]


def wants_keeping(argv: list[str]) -> bool:
    """A `create` with at least one option typed: something worth keeping."""
    rest = [a for a in argv if a not in GLOBAL_FLAGS]
    return bool(rest) and rest[0] in CREATE and len(rest) > 1 and "--help" not in rest \
        and "-h" not in rest


def guard(argv: list[str], *, early: bool = False) -> None:
    """Install the SIGINT handler. `early`: Python is still importing the tool, so the
    handler keeps the options, says so and exits 130 at once."""
    _state.setdefault("draft_id", os.urandom(16).hex())
    _state.update(argv=list(argv), early=early)
    _state.setdefault("saved", None)
    signal.signal(signal.SIGINT, _on_interrupt)


def _on_interrupt(_signum: int, _frame: FrameType | None) -> None:
    argv: list[str] = _state.get("argv") or []
    if _state.get("saved") is None and wants_keeping(argv):
        try:
            _state["saved"] = write_argv(argv, str(_state["draft_id"]))
        except OSError:
            _state["saved"] = None
    if _state.get("early"):
        os.write(2, ("Interrumpido. " + said() + "\n").encode("utf-8", "replace"))
        os._exit(INTERRUPTED)
    raise KeyboardInterrupt


def said() -> str:
    """What the agent is told about the command line after a Ctrl-C."""
    sandbox = "--sandbox " if "--sandbox" in (_state.get("argv") or []) else ""
    if _state.get("saved"):
        return ("Las opciones escritas quedaron guardadas como borrador: retómelo con "
                f"«escalate {sandbox}crear --borrador {short_id(str(_state['draft_id']))}» (está "
                f"en «escalate {sandbox}bandeja»).")
    if wants_keeping(_state.get("argv") or []):
        return "No se pudieron guardar las opciones escritas."
    return "No había nada que guardar (lo que ya estaba en la bandeja de salida sigue ahí)."


def settle(env: Env, code: int) -> None:
    """After the command: drop the saved command line if the command kept its own work,
    else tell the agent where it is. A later Ctrl-C no longer interrupts anything."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    saved = _state.get("saved")
    if saved and env.kept_entries:  # the command kept its own copy: never two
        from contextlib import suppress

        with suppress(OSError):
            os.unlink(saved)
        _state["saved"] = None
    if code != INTERRUPTED or env.interrupt_told:  # one message: the command's own
        return
    # typer ends a Ctrl-C silently: say where the work is
    if env.kept_entries:
        from .hints import command_line

        sys.stderr.write("Interrumpido. Lo escrito está en la bandeja de salida: véalo con "
                         f"«{command_line(env, 'outbox')}».\n")
    else:
        sys.stderr.write("Interrumpido. " + said() + "\n")


def early_folder() -> str:
    """`$TMPDIR/escalate-<uid>/early`, found with `os` alone (as tempfile would)."""
    base = next((os.environ[v] for v in ("TMPDIR", "TEMP", "TMP") if os.environ.get(v)), "/tmp")
    return os.path.join(base, temp_name(os.getuid() if hasattr(os, "getuid") else None),
                        "early")


def write_argv(argv: list[str], draft_id: str) -> str:
    """The command line, its folder and ESCALATE_HOME, written atomically (0600). The name
    ends in this process's id: another `escalate` leaves the file alone while it runs
    (`interrupted.written_by_a_running_command`)."""
    folder = early_folder()
    os.makedirs(folder, mode=0o700, exist_ok=True)
    fields = [MAGIC, draft_id.encode(), os.fsencode(os.environ.get("ESCALATE_HOME", "")),
              os.fsencode(os.getcwd()), *(os.fsencode(a) for a in argv)]
    path = os.path.join(folder, f"argv-{draft_id}-{os.getpid()}")
    temporary = path + ".tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, b"\0".join(fields))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    return path
