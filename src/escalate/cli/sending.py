"""Sending one entry a command just kept: delivery (workflows) decides, this only renders."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..outbox import Entry
    from ..workflows.ui import Ui
    from .env import Env


def run_entry(env: Env, entry: Entry, *, ui: Ui, fresh: bool) -> object:
    """Deliver the entry; its result, or the error that stopped it (with the outbox hint).

    Kept for the commands that send one entry and expect an exception on failure; new
    code calls `workflows.delivery.deliver` and renders the outcome.
    """
    from ..workflows.delivery import deliver, kept_text, raise_unless_delivered

    try:
        outcome = deliver(entry, env, ui=ui, fresh=fresh)
    except KeyboardInterrupt:
        env.err.print(f"{kept_text(entry)}: reenvíela con «{env.command('outbox send')}».")
        raise
    return raise_unless_delivered(outcome, entry)
