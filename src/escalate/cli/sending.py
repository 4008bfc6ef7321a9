"""Sending an outbox entry: the entry stays until HubSpot confirmed every step."""

from __future__ import annotations

from typing import Any

from ..errors import EscalateError, ExitCode
from ..outbox import Entry
from ..workflows.ui import Ui
from .env import Env

KEPT = {
    "create": "La escalación quedó en la bandeja de salida",
    "attach": "Los adjuntos quedaron en la bandeja de salida",
    "contacted": "El seguimiento quedó en la bandeja de salida",
    "draft": "El borrador sigue en la bandeja de salida",
}


def progressed(entry: Entry) -> bool:
    """Whether HubSpot already holds part of the entry's work (a ticket, a file, a note)."""
    state = entry.state
    return bool(state.get("ticket") or state.get("uploaded") or state.get("note_pending")
                or state.get("note_id"))


def run_entry(env: Env, entry: Entry, *, ui: Ui, fresh: bool) -> Any:
    """Carry out one entry; on failure keep it (with its error) whenever retrying makes sense.

    A fresh command the agent can simply correct and retype (invalid input, contact not
    found) drops its entry; anything HubSpot could not receive stays for `outbox send`.
    """
    from ..workflows.create import Declined
    from ..workflows.senders import sender_for

    outbox = env.outbox
    try:
        gateway = env.gateway()
        result = sender_for(entry.kind)(entry, gateway=gateway, settings=env.settings,
                                        outbox=outbox, ui=ui, now=env.now())
    except Declined:
        outbox.done(entry.id)
        raise
    except KeyboardInterrupt:
        outbox.failed(entry, "Interrumpido por el usuario.")
        env.err.print(f"{KEPT.get(entry.kind, 'Quedó en la bandeja de salida')}: "
                      "reenvíela con «escalate outbox send».")
        raise
    except EscalateError as exc:
        retryable = exc.exit_code in (ExitCode.AUTH, ExitCode.UNREACHABLE)
        if retryable or not fresh or progressed(entry):
            outbox.failed(entry, exc.message)
            kept = (f"{KEPT.get(entry.kind, 'Quedó en la bandeja de salida')} "
                    f"(id {entry.id[:8]}): reenvíela con «escalate outbox send».")
            exc.hint = f"{exc.hint}\n{kept}" if exc.hint else kept
        else:
            outbox.done(entry.id)
        raise
    except Exception:
        outbox.failed(entry, "Error inesperado de escalate.")
        raise
    outbox.done(entry.id)
    return result
