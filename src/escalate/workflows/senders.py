"""Which workflow carries out each kind of outbox entry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..config import Settings
from ..errors import InvalidInput
from ..gateway import Gateway
from ..outbox import Entry, Outbox
from .ui import Ui

Sender = Callable[..., Any]


def send_draft(entry: Entry, *, gateway: Gateway, settings: Settings, outbox: Outbox, ui: Ui,
               now: datetime) -> Any:
    """A draft typed before Ctrl-C: sent as an escalation once it is complete and valid."""
    from .create import create_entry, escalation_from_input, send_create

    try:
        escalation = escalation_from_input(entry.payload.get("input") or {}, settings, now)
    except InvalidInput as exc:
        raise InvalidInput([f"borrador incompleto: {p}" for p in exc.problems],
                           hint="Vuelva a escribir la escalación con «escalate create».") from None
    created = create_entry(escalation, [])
    outbox.put(created)
    outbox.done(entry.id)
    entry.id, entry.kind, entry.payload, entry.state = (created.id, created.kind,
                                                        created.payload, created.state)
    return send_create(entry, gateway=gateway, settings=settings, outbox=outbox, ui=ui, now=now)


def sender_for(kind: str) -> Sender:
    from .attach import send_attach
    from .create import send_create
    from .followup import send_contacted

    senders: dict[str, Sender] = {"create": send_create, "attach": send_attach,
                                  "contacted": send_contacted, "draft": send_draft}
    if kind not in senders:
        raise InvalidInput([f"tipo de entrada desconocido en la bandeja de salida: {kind}"])
    return senders[kind]
