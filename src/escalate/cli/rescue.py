"""Ctrl-C from the first millisecond: the options of a `create` are never lost.

`guard` is installed before anything else runs. If the agent presses Ctrl-C before the
command has kept its work itself (while Python is still importing, or before the entry
is in the outbox), the command line is written to a file in the fallback folder; the
next time the outbox opens, that file becomes a draft (`escalate create --borrador ID`).
If the command did keep its work, the file is removed: one copy, never two.

Deliberately light: only the standard library, so it can run before the heavy imports.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..outbox import Outbox
    from .env import Env

GLOBAL_FLAGS = {"--sandbox", "--verbose", "-v", "--detallado"}
INTERRUPTED = 130


@dataclass
class _Guard:
    argv: list[str]
    draft_id: str
    early: bool
    saved: Path | None = None


_guard: _Guard | None = None


def wants_keeping(argv: list[str]) -> bool:
    """A `create` with at least one option typed: something worth keeping."""
    rest = [a for a in argv if a not in GLOBAL_FLAGS]
    return bool(rest) and rest[0] == "create" and len(rest) > 1 and "--help" not in rest \
        and "-h" not in rest


def guard(argv: list[str], *, early: bool = False) -> None:
    """Install the SIGINT handler. `early`: Python is still importing the tool, so the
    handler keeps the options, says so and exits 130 at once."""
    global _guard
    draft_id = _guard.draft_id if _guard else uuid.uuid4().hex
    _guard = _Guard(list(argv), draft_id, early, _guard.saved if _guard else None)
    signal.signal(signal.SIGINT, _on_interrupt)


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    state = _guard
    if state is None:
        raise KeyboardInterrupt
    if state.saved is None and wants_keeping(state.argv):
        try:
            state.saved = save_argv(state.argv, state.draft_id)
        except OSError:
            state.saved = None
    if state.early:
        sys.stderr.write("Interrumpido. " + _said(state) + "\n")
        sys.stderr.flush()
        os._exit(INTERRUPTED)
    raise KeyboardInterrupt


def _said(state: _Guard) -> str:
    if state.saved is not None:
        return ("Las opciones escritas quedaron guardadas como borrador: retómelo con "
                f"«escalate create --borrador {state.draft_id[:8]}» (está en «escalate outbox»).")
    if wants_keeping(state.argv):
        return "No se pudieron guardar las opciones escritas."
    return "No había nada que guardar."


def settle(env: Env, code: int) -> None:
    """After the command: drop the saved command line if the command kept its own work,
    else tell the agent where it is."""
    state = _guard
    if state is None or state.saved is None:
        return
    if env.kept_entries:
        state.saved.unlink(missing_ok=True)
        state.saved = None
        return
    if code == INTERRUPTED:
        sys.stderr.write(_said(state) + "\n")


def save_argv(argv: list[str], draft_id: str) -> Path:
    from ..outbox import fallback_dir, write_atomic

    folder = fallback_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"argv-{draft_id}.json"
    write_atomic(path, json.dumps({"id": draft_id, "argv": argv, "cwd": os.getcwd(),
                                   "at": time.time()}, ensure_ascii=False))
    return path


def import_interrupted(outbox: Outbox, now: datetime) -> None:
    """Turn every command line kept at Ctrl-C into a draft in the outbox."""
    from ..outbox import fallback_dir

    folder = fallback_dir()
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("argv-*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            answers = answers_from_argv([str(a) for a in raw["argv"]], Path(str(raw["cwd"])))
            draft_id = str(raw["id"])
            at = float(raw.get("at") or now.timestamp())
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if answers:
            from ..workflows.delivery import draft_entry

            entry = draft_entry(draft_id, answers)
            entry.created_at = at
            outbox.put(entry, claim=False)
            outbox.notices.append(f"Se guardó como borrador lo escrito en un «escalate create» "
                                  f"interrumpido al arrancar ({draft_id[:8]}).")
        path.unlink(missing_ok=True)


FIELDS = {"policy": "policy", "client": "client_name", "email": "email", "phone": "phone",
          "priority": "priority", "what": "what", "how": "how", "where": "where",
          "when": "when", "change": "changes", "channel": "channel", "date": "created_at",
          "attach": "attachments"}


def answers_from_argv(argv: list[str], cwd: Path) -> dict[str, Any]:
    """The draft answers a `create` command line holds (option names as the CLI knows them)."""
    import typer

    from .app import app

    group: Any = typer.main.get_command(app)
    rest = [a for a in argv if a not in GLOBAL_FLAGS]
    if not rest or rest[0] != "create":
        return {}
    command = group.get_command(None, "create")
    ctx = command.make_context("create", rest[1:], resilient_parsing=True)
    answers: dict[str, Any] = {}
    for param, key in FIELDS.items():
        value = ctx.params.get(param)
        if value in (None, "", [], ()):
            continue
        if key == "attachments":
            value = [str(cwd / v) for v in value]
        elif key == "changes":
            value = [str(v) for v in value]
        answers[key] = value
    return answers
