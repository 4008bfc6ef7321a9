"""`fusionar`: two open tickets of the same client about the same problem become one, through
HubSpot's merge (the merged ticket's id answers with the primary from then on). Kept in the
outbox like every write; carried out once: before merging, a get of the merged id tells
whether an earlier attempt already did it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..config import Settings
from ..domain.records import Ticket
from ..errors import NotFound, Refused
from ..gateway import Gateway
from ..outbox import Entry, Outbox
from .entries import new_entry
from .incidents import READ, find_labels, incident_of, incident_policy, recount
from .portal import Portal, load_portal
from .ui import Ui


@dataclass(frozen=True)
class Pair:
    """The two tickets as HubSpot holds them now, with their contacts."""

    primary: Ticket
    merged: Ticket
    contacts: dict[str, list[str]]

    def as_json(self) -> dict[str, Any]:
        return {"primary": _shown(self.primary, self.contacts),
                "merged": _shown(self.merged, self.contacts)}


def _shown(ticket: Ticket, contacts: dict[str, list[str]]) -> dict[str, Any]:
    return {"id": ticket.id, "subject": ticket.subject, "stage": ticket.stage,
            "created_at": ticket.created_at.isoformat() if ticket.created_at else None,
            "contacts": contacts.get(ticket.id, [])}


def pair(gateway: Gateway, portal: Portal, primary_id: str, merged_id: str) -> Pair:
    """Both tickets, checked: they exist, are two, are open, are no incident, and share a
    contact (the same client); exit 3 naming what is not so."""
    if primary_id == merged_id:
        raise Refused(f"Es el mismo ticket ({primary_id}): no hay nada que fusionar.")
    (found, contacts) = gateway.together(
        lambda: {t.id: t for t in gateway.tickets_by_id([primary_id, merged_id], READ)},
        lambda: gateway.ticket_contact_ids([primary_id, merged_id]))
    missing = [i for i in (primary_id, merged_id) if i not in found]
    if missing:
        raise NotFound("No existe el ticket " + ", ".join(missing) + ".")
    tickets = [found[primary_id], found[merged_id]]
    closed = [t.id for t in tickets if t.stage not in portal.open_stage_ids]
    if closed:
        raise Refused("Solo se fusionan tickets abiertos: " + ", ".join(closed)
                      + " está cerrado.")
    incidents = [t.id for t in tickets if t.is_incident]
    if incidents:
        raise Refused(", ".join(incidents) + " es un incidente, no el ticket de un cliente.",
                      hint="Un incidente reúne tickets; no se fusiona.")
    if not set(contacts.get(primary_id, [])) & set(contacts.get(merged_id, [])):
        raise Refused(f"Los tickets {primary_id} y {merged_id} son de clientes distintos: "
                      "no se fusionan.", hint="Fusione solo duplicados del mismo cliente.")
    return Pair(found[primary_id], found[merged_id], contacts)


def read_pair(gateway: Gateway, settings: Settings, primary_id: str, merged_id: str, *,
              now: datetime) -> Pair | None:
    """Both tickets, checked (`pair`); None when B is merged into A already."""
    portal = load_portal(gateway, settings, now=now)
    try:
        return pair(gateway, portal, primary_id, merged_id)
    except NotFound:
        if merged_into(gateway, merged_id) == primary_id:
            return None
        raise


def merged_into(gateway: Gateway, ticket_id: str) -> str | None:
    """The ticket a merged one answers with now (None: not merged, or none)."""
    found = gateway.ticket(ticket_id)
    return found[0].id if found is not None and found[0].id != ticket_id else None


def merge_entry(primary_id: str, merged_id: str) -> Entry:
    return new_entry("merge", {"ticket_id": primary_id, "merged_id": merged_id})


def send_merge(entry: Entry, *, gateway: Gateway, settings: Settings, outbox: Outbox, ui: Ui,
               now: datetime) -> dict[str, Any]:
    """The merge, once: when the merged id already answers with the primary, it was done;
    otherwise both are checked again (an entry may wait in the outbox) and merged. An
    incident either belonged to has its count made current."""
    primary_id = str(entry.payload["ticket_id"])
    merged_id = str(entry.payload["merged_id"])
    if merged_into(gateway, merged_id) != primary_id:
        portal = load_portal(gateway, settings, now=now, warn=ui.warn)
        pair(gateway, portal, primary_id, merged_id)
        gateway.merge_tickets(primary_id, merged_id)
    _recount_incident(gateway, settings, primary_id, now)
    return {"id": primary_id, "merged": merged_id}


def _recount_incident(gateway: Gateway, settings: Settings, ticket_id: str,
                      now: datetime) -> None:
    labels = find_labels(gateway)
    if labels is None:
        return
    incident = incident_of(gateway, labels, [ticket_id]).get(ticket_id)
    if incident is not None:
        recount(gateway, load_portal(gateway, settings, now=now), incident_policy(settings),
                labels, incident)
