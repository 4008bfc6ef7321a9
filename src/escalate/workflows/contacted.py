"""`contacted`: the client was given an update. A note on the ticket and its contact, the
ticket's last client update (which restarts the follow-up clock), and its call task
completed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..config import Settings
from ..domain.moments import epoch_ms
from ..gateway import Gateway
from ..outbox import Entry, Outbox
from .entries import new_entry
from .notes import add_note_once, note_html
from .portal import load_portal
from .target import merged_words, target
from .tasks import complete_ticket_tasks
from .team import agent_owner
from .ui import Ui


def contacted_entry(ticket_id: str, note: str, channel: str | None, at: datetime) -> Entry:
    return new_entry("contacted", {"ticket_id": ticket_id, "note": note, "channel": channel,
                                   "at": at.isoformat()})


def send_contacted(entry: Entry, *, gateway: Gateway, settings: Settings, outbox: Outbox,
                   ui: Ui, now: datetime) -> dict[str, Any]:
    """A note on the ticket and its contact, and the ticket's last client update set."""
    from ..domain.escalation import Channel
    from ..domain.moments import parse_time

    payload = entry.payload
    at = parse_time(payload.get("at")) or now
    portal = load_portal(gateway, settings, now=now, warn=ui.warn)
    portal.require_tool_properties()
    agent = agent_owner(gateway, settings, now=now)  # the note's owner (from the cache)
    found = target(gateway, str(payload["ticket_id"]))
    merged = merged_words(found)
    if merged:
        ui.warn(merged)
    ticket, contact_ids, ticket_id = found.ticket, found.contact_ids, found.id
    if not contact_ids:
        ui.warn(f"El ticket {ticket_id} no tiene contacto en HubSpot: la nota queda solo en el "
                "ticket.")
    channel = Channel(payload["channel"]).label if payload.get("channel") else None
    text = str(payload["note"]) + (f"\n\nCanal: {channel}" if channel else "")
    body = note_html(text, heading="Seguimiento al cliente", reference=entry.id)
    note_id = add_note_once(gateway, outbox, entry, ticket_id=ticket_id,
                            contact_ids=contact_ids, body_html=body, at=at,
                            owner_id=agent.id if agent else None)
    gateway.update_ticket(ticket_id, {"escalate_last_client_update": epoch_ms(at)})
    completed = complete_ticket_tasks(gateway, ticket_id)
    return {"ticket_id": ticket_id, "note_id": note_id, "subject": ticket.subject,
            "last_client_update": at.isoformat(), "contact_ids": contact_ids,
            "completed_tasks": completed, "merged_from": found.merged_from}
