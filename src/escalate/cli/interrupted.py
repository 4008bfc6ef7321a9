"""Command lines kept at a Ctrl-C (`rescue.py`), turned into drafts when the outbox opens.

Read with the `create` command's own parser, so a draft holds what the options meant."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..outbox import Outbox, outbox_home
from ..short_ids import short_id
from ..system import process_alive, temp_folder
from ..workflows.entries import new_entry
from .rescue import CREATE, GLOBAL_FLAGS, MAGIC


def import_interrupted(outbox: Outbox) -> None:
    """Turn every command line kept at Ctrl-C for this home into a draft in the outbox."""
    folder = temp_folder() / "early"
    if not folder.is_dir():
        return
    mine = os.path.abspath(os.path.expanduser(outbox.home))
    for path in sorted(folder.glob("argv-*")):
        if path.suffix == ".tmp" or written_by_a_running_command(path):
            continue
        try:
            magic, draft_id, home, cwd, *argv = path.read_bytes().split(b"\0")
            if magic != MAGIC:
                raise ValueError("no es una línea de órdenes guardada")
            words = [os.fsdecode(a) for a in argv]
            home_text = os.fsdecode(home) or str(default_home())
            own = outbox_home(Path(os.path.expanduser(home_text)), sandbox="--sandbox" in words)
            if os.path.abspath(own) != mine:
                continue  # another ESCALATE_HOME's (or its sandbox's): it waits for that one
            answers = answers_from_argv(words, Path(os.fsdecode(cwd)))
            at = path.stat().st_mtime
        except (OSError, ValueError):
            continue
        if answers:
            entry = new_entry("draft", {"input": answers},
                              entry_id=draft_id.decode("ascii", "replace"))
            entry.created_at = at
            outbox.put(entry, claim=False)
            outbox.notices.append("Se guardó como borrador lo escrito en un «escalate crear» "
                                  f"interrumpido ({short_id(entry.id)}).")
        path.unlink(missing_ok=True)


# Longer than any command takes from its Ctrl-C to `rescue.settle`: a file this old is
# left over, whatever process now has the id in its name.
SETTLE_SECONDS = 180.0


def written_by_a_running_command(path: Path) -> bool:
    """Whether the command that kept this command line may still run: it keeps its own
    work and then drops the file (`rescue.settle`), so another terminal importing it
    meanwhile would make a second draft of what was kept, or already sent. A file named
    before 2026-12 (no process id) is not."""
    import time

    _, _, pid = path.name.removeprefix("argv-").partition("-")
    if not pid.isdigit():
        return False
    try:
        fresh = time.time() - path.stat().st_mtime < SETTLE_SECONDS
    except OSError:
        return True  # gone meanwhile: nothing to import
    return fresh and process_alive(int(pid))


def default_home() -> Path:
    from platformdirs import user_data_path

    return user_data_path("escalate", appauthor=False)


FIELDS = {"policy": "policy", "client": "client_name", "email": "email", "phone": "phone",
          "priority": "priority", "what": "what", "how": "how", "where": "where",
          "when": "when", "change": "changes", "channel": "channel", "date": "created_at",
          "attach": "attachments"}


def answers_from_argv(argv: list[str], cwd: Path) -> dict[str, Any]:
    """The draft answers a `create` command line holds (read by the CLI's own parser)."""
    import typer

    from .create import create

    rest = [a for a in argv if a not in GLOBAL_FLAGS]
    if not rest or rest[0] not in CREATE:
        return {}
    holder = typer.Typer()
    holder.command(rest[0])(create)
    command: Any = typer.main.get_command(holder)  # one command: the command itself
    ctx = command.make_context(rest[0], rest[1:], resilient_parsing=True)
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
