"""`followup` and `contacted`: every client owed a call, fetched in a few requests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..domain.followup import Clock, Owed, most_overdue_first
from ..domain.moments import epoch_ms
from ..domain.priority import Priority
from ..domain.records import Contact, Ticket
from ..errors import NotFound
from ..gateway import Gateway
from ..outbox import Entry, Outbox
from .clock import portal_clock
from .notes import add_note_once, note_html
from .portal import Portal, load_portal
from .ui import Ui

if TYPE_CHECKING:
    from ..domain.policy import FollowupPolicy

MAX_RESULTS = 10_000  # HubSpot's search stops there: larger queries are split by date
FIRST_MOMENT = datetime(2000, 1, 1).astimezone()


@dataclass
class FollowupRow:
    owed: Owed
    priority: Priority | None
    contact: Contact | None
    url: str

    def as_json(self) -> dict[str, Any]:
        ticket = self.owed.ticket
        return {
            "id": ticket.id,
            "subject": ticket.subject,
            "priority": self.priority.value if self.priority else None,
            "reason": self.owed.reason.value,
            "hours_waiting": self.owed.hours_waiting,
            "created_at": ticket.created_at.isoformat() if ticket.created_at else None,
            "last_client_update": (ticket.last_client_update.isoformat()
                                   if ticket.last_client_update else None),
            "url": self.url,
            "contact": self.contact.as_json() if self.contact else None,
        }


@dataclass
class FollowupReport:
    rows: list[FollowupRow] = field(default_factory=list)
    due_soon: int = 0

    def count(self, reason: str) -> int:
        return sum(1 for r in self.rows if r.owed.reason.value == reason)


def followup(gateway: Gateway, settings: Settings, *, hours: float | None, now: datetime,
             only: Priority | None = None, ui: Ui | None = None,
             policy: FollowupPolicy | None = None) -> FollowupReport:
    """The tickets whose client is owed a call, most overdue first, with their contacts.

    `hours` (`--horas`) overrides every priority's interval; None: the policy's, else
    ESCALATE_FOLLOWUP_HOURS.
    """
    portal = load_portal(gateway, settings, warn=ui.warn if ui else None)
    portal.require_tool_properties()
    clock = portal_clock(portal, settings, policy, hours)
    report = FollowupReport()
    owed: list[Owed] = []
    for ticket in fetch_candidates(gateway, portal, clock, now):
        found = clock.owed(ticket, now)
        if found is not None:
            owed.append(found)
        elif clock.due_soon(ticket, now):
            report.due_soon += 1
    if only is not None:
        owed = [o for o in owed if _priority(o.ticket, portal) == only]
    owed = most_overdue_first(owed)
    links = gateway.ticket_contact_ids(o.ticket.id for o in owed) if owed else {}
    contacts = gateway.contacts(c for ids in links.values() for c in ids[:1]) if links else {}
    for item in owed:
        ids = links.get(item.ticket.id) or []
        report.rows.append(FollowupRow(
            owed=item, priority=_priority(item.ticket, portal),
            contact=contacts.get(ids[0]) if ids else None,
            url=portal.account.ticket_url(item.ticket.id)))
    return report


def candidate_groups(portal: Portal, clock: Clock, now: datetime,
                     window: tuple[datetime, datetime] | None = None) -> list[dict[str, Any]]:
    """Server-side filters: open tickets due now or within a day, and recently closed ones.

    Open tickets: created before the clock's bound and with no client update, or one older
    than the bound. Closed ones: closed since the clock's cutoff (whether the client was told
    after the close is compared here: search cannot compare two properties).
    """
    bounds = clock.search_window(now)
    due_by = epoch_ms(bounds.open_anchor_before)
    pipeline = {"propertyName": "hs_pipeline", "operator": "EQ", "value": portal.pipeline.id}
    opened = {"propertyName": "hs_pipeline_stage", "operator": "IN",
              "values": portal.open_stage_ids}
    old_enough = {"propertyName": "createdate", "operator": "LT", "value": due_by}
    dated = [] if window is None else [
        {"propertyName": "createdate", "operator": "GTE", "value": epoch_ms(window[0])},
        {"propertyName": "createdate", "operator": "LT", "value": epoch_ms(window[1])},
    ]
    groups = [
        {"filters": [pipeline, opened, old_enough, *dated,
                     {"propertyName": "escalate_last_client_update",
                      "operator": "NOT_HAS_PROPERTY"}]},
        {"filters": [pipeline, opened, old_enough, *dated,
                     {"propertyName": "escalate_last_client_update", "operator": "LT",
                      "value": due_by}]},
    ]
    if portal.closed_stage_ids:
        groups.append({"filters": [
            pipeline,
            {"propertyName": "hs_pipeline_stage", "operator": "IN",
             "values": portal.closed_stage_ids},
            {"propertyName": "closed_date", "operator": "GTE",
             "value": epoch_ms(bounds.closed_since)},
            *dated,
        ]})
    return groups


def fetch_candidates(gateway: Gateway, portal: Portal, clock: Clock,
                     now: datetime) -> list[Ticket]:
    """Every candidate ticket; a query past HubSpot's 10,000 results is split by create date."""
    properties = _properties(portal)
    sorts = [{"propertyName": "createdate", "direction": "ASCENDING"}]
    windows: list[tuple[datetime, datetime] | None] = [None]
    found: dict[str, Ticket] = {}
    while windows:
        window = windows.pop()
        pages = gateway.search_tickets(candidate_groups(portal, clock, now, window),
                                       sorts=sorts, properties=properties)
        first = next(pages, None)
        if first is None:
            continue
        ticket, total = first
        start, end = window or (ticket.created_at or FIRST_MOMENT, now + clock.look_ahead)
        if total > MAX_RESULTS and end - start > timedelta(milliseconds=2):
            middle = start + (end - start) / 2
            windows += [(start, middle), (middle, end)]
            continue
        found[ticket.id] = ticket
        for ticket, _total in pages:
            found[ticket.id] = ticket
    return list(found.values())


def _properties(portal: Portal) -> list[str]:
    from ..gateway.hubspot import TICKET_PROPERTIES

    return [*TICKET_PROPERTIES,
            *(f"hs_v2_date_entered_{stage}" for stage in portal.closed_stage_ids)]


def _priority(ticket: Ticket, portal: Portal) -> Priority | None:
    value = ticket.priority
    if not value:
        return None
    for priority in Priority:
        if priority.portal_option(portal.priority_options) == value:
            return priority
    return Priority.from_hubspot(value)


# -- contacted ------------------------------------------------------------------------


def contacted_entry(ticket_id: str, note: str, channel: str | None, at: datetime) -> Entry:
    return Entry(id=uuid.uuid4().hex, kind="contacted", payload={
        "ticket_id": ticket_id, "note": note, "channel": channel, "at": at.isoformat()})


def send_contacted(entry: Entry, *, gateway: Gateway, settings: Settings, outbox: Outbox,
                   ui: Ui, now: datetime) -> dict[str, Any]:
    """A note on the ticket and its contact, and the ticket's last client update set."""
    from ..domain.escalation import Channel
    from ..domain.moments import parse_time

    payload = entry.payload
    ticket_id = str(payload["ticket_id"])
    at = parse_time(payload.get("at")) or now
    portal = load_portal(gateway, settings, warn=ui.warn)
    portal.require_tool_properties()
    found = gateway.ticket(ticket_id)
    if found is None:
        raise NotFound(f"No existe el ticket {ticket_id} en HubSpot.")
    ticket, contact_ids = found
    channel = Channel(payload["channel"]).label if payload.get("channel") else None
    text = str(payload["note"]) + (f"\n\nCanal: {channel}" if channel else "")
    body = note_html(text, heading="Seguimiento al cliente", reference=entry.id)
    note_id = add_note_once(gateway, outbox, entry, ticket_id=ticket_id,
                            contact_ids=contact_ids, body_html=body, at=at)
    gateway.update_ticket(ticket_id, {"escalate_last_client_update": epoch_ms(at)})
    return {"ticket_id": ticket_id, "note_id": note_id, "subject": ticket.subject,
            "last_client_update": at.isoformat(), "contact_ids": contact_ids}
