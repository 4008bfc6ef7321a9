"""Incidents: one problem, many clients (issue 25). An incident is a ticket of its own in the
escalation pipeline, carrying the count of clients affected (`escalate_affected`); each
client's ticket is associated to it with the ticket-to-ticket label «Incidente» (its inverse,
«Cliente afectado», from the incident to the member), which `setup` creates.

Membership is read from associations (consistent), never from search (which lags writes);
the count, the name and the priority follow every change (`recount`). Opening is idempotent
by a key (`escalate_id`, unique): two agents opening an incident for the same tickets at the
same moment make one. Closing the members of a closed incident is `closing.py`'s; what a
create reads and does for incidents, `alike.py`'s.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..config import Settings
from ..domain import incidents
from ..domain.priority import Priority
from ..domain.records import INCIDENT_COUNT, AssociationLabel, Ticket
from ..domain.team import Owner
from ..errors import AuthProblem, NotFound, Refused
from ..gateway import TICKET_PROPERTIES, Gateway
from .portal import SETUP, Portal, load_portal

LABEL, LABEL_NAME, INVERSE = "Incidente", "incidente", "Cliente afectado"
READ = [*TICKET_PROPERTIES, "content", "hubspot_owner_id", "escalate_agent"]
LISTED = [*TICKET_PROPERTIES, "hubspot_owner_id"]  # what `incidentes` shows
KEY_NAMESPACE = uuid.UUID("5f3b1c4e-25a1-4c3e-9d2a-1e0c1d2b3a25")


@dataclass(frozen=True)
class Labels:
    """The portal's «Incidente» label (member → incident) and its inverse."""

    member_to_incident: AssociationLabel
    incident_to_member: AssociationLabel


def ensure_labels(gateway: Gateway) -> bool:
    """Make the «Incidente» / «Cliente afectado» labels unless the portal has them; whether
    they were made (for `setup`)."""
    if find_labels(gateway) is not None:
        return False
    gateway.create_association_label("tickets", "tickets", LABEL, LABEL_NAME, INVERSE)
    return True


def find_labels(gateway: Gateway) -> Labels | None:
    found = {t.label: t for t in gateway.association_labels("tickets", "tickets") if t.label}
    if LABEL in found and INVERSE in found:
        return Labels(found[LABEL], found[INVERSE])
    return None


def ready(gateway: Gateway, settings: Settings, now: datetime,
          read: Labels | None = None) -> tuple[Portal, Labels]:
    """The portal and its incident labels (`read`: as read a moment ago), once `setup` made
    them (exit 4 saying so)."""
    portal = load_portal(gateway, settings, now=now, needs=(INCIDENT_COUNT,))
    portal.require_tool_properties(INCIDENT_COUNT)
    return portal, read or labels(gateway)


def labels(gateway: Gateway) -> Labels:
    found = find_labels(gateway)
    if found is None:
        raise AuthProblem(f"El portal no tiene la etiqueta de asociación «{LABEL}» entre "
                          "tickets.", next_steps=(SETUP,))
    return found


# -- reading incidents and their members ---------------------------------------------------


def members_of(gateway: Gateway, found: Labels, incident_ids: Iterable[str]
               ) -> dict[str, list[str]]:
    """For each incident, its members' ticket ids (associations: consistent)."""
    wanted = found.incident_to_member.type_id
    return {i: sorted((a.to_id for a in links if any(t.type_id == wanted for t in a.types)),
                      key=id_order)
            for i, links in gateway.associations("tickets", "tickets", incident_ids).items()}


def incident_of(gateway: Gateway, found: Labels, ticket_ids: Iterable[str]) -> dict[str, str]:
    """For each ticket that belongs to an incident, the incident's id."""
    wanted = found.member_to_incident.type_id
    return {t: a.to_id for t, links in gateway.associations("tickets", "tickets",
                                                            ticket_ids).items()
            for a in links if any(x.type_id == wanted for x in a.types)}


def id_order(ticket_id: str) -> tuple[int, str]:
    return (int(ticket_id), "") if ticket_id.isdigit() else (0, ticket_id)


def _read(gateway: Gateway, ids: Sequence[str]) -> dict[str, Ticket]:
    """The tickets asked for, by the id asked (a merged id answers with its primary)."""
    found = {t.id: t for t in gateway.tickets_by_id(ids, READ)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound("No existe el ticket " + ", ".join(missing) + ".",
                       hint="Revise los números de ticket.")
    return found


def _member(ticket: Ticket) -> incidents.Member:
    from ..domain.report import sections

    parts = sections(ticket.properties.get("content") or "")
    return incidents.Member(ticket.id, ticket.policy, parts.get("QUÉ", ticket.subject),
                            parts.get("CÓMO", ""), parts.get("DÓNDE", ""))


# -- open, join, split ---------------------------------------------------------------------


@dataclass
class Changed:
    """An incident after a change: its id, clients affected, name and priority."""

    id: str
    affected: int
    subject: str
    priority: Priority | None
    created: bool = False
    members: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "affected": self.affected, "subject": self.subject,
                "priority": self.priority.value if self.priority else None,
                "created": self.created, "members": self.members}


def creation_key(ticket_ids: Iterable[str]) -> str:
    """The incident's `escalate_id`: the same for every agent who opens an incident from
    the same first ticket (HubSpot keeps one ticket per value)."""
    first = min(ticket_ids, key=id_order)
    return uuid.uuid5(KEY_NAMESPACE, f"incidente:{first}").hex


def open_incident(gateway: Gateway, settings: Settings, policy: incidents.Rules,
                  ticket_ids: Sequence[str], *, now: datetime,
                  read: Labels | None = None) -> Changed:
    """An incident from tickets already escalated: made once (by its key), each ticket
    associated to it, the count, name and priority set. `read`: the incident labels, when
    the caller read them a moment ago."""
    from .team import assign

    portal, found_labels = ready(gateway, settings, now, read)
    tickets = _read(gateway, list(dict.fromkeys(ticket_ids)))
    _check_members(portal, list(tickets.values()))
    key = creation_key(tickets)
    # Another agent may have opened it from the same first ticket a moment ago, or this
    # command was cut short: that incident is the one joined (a conflict on the key while
    # creating reads it the same way).
    existing = gateway.ticket_by_escalate_id(key)
    if existing is not None and existing.stage not in portal.open_stage_ids:
        raise Refused(f"El incidente {existing.id}, abierto antes desde el ticket "
                      f"{min(tickets, key=id_order)}, ya está cerrado.",
                      hint="Reábralo en HubSpot si el problema volvió, o abra el nuevo "
                           "incidente desde otro ticket.")
    taken = {t: i for t, i in incident_of(gateway, found_labels, tickets).items()
             if existing is None or i != existing.id}
    if taken:
        raise Refused("Ya pertenece a un incidente: " + ", ".join(
            f"{t} (incidente {i})" for t, i in sorted(taken.items())) + ".",
            hint="Sepárelo primero de su incidente, o súmelo al otro.")
    members = [_member(t) for t in tickets.values()]
    best = incidents.best_described(members)
    affected = clients_of(gateway, list(tickets))
    levels = [p for t in tickets.values() if (p := Priority.from_hubspot(t.priority))]
    priority = incidents.raised(max(levels, key=list(Priority).index) if levels else None,
                                affected, policy.levels)
    who = assign(gateway, settings, priority or Priority.MEDIA, best.where, now=now)
    properties = {"subject": incidents.subject(best.what, affected),
                  "content": incidents.content(best, members),
                  "hs_pipeline": portal.pipeline.id, "hs_pipeline_stage": portal.stage.id,
                  "escalate_id": key, INCIDENT_COUNT: str(affected),
                  **who.properties()}
    option = priority.portal_option(portal.priority_options) if priority else None
    if option:
        properties["hs_ticket_priority"] = option
    made = existing or gateway.create_ticket(properties, None)
    for ticket_id in tickets:
        gateway.associate("tickets", ticket_id, "tickets", made.id,
                          [found_labels.member_to_incident])
    changed = recount(gateway, portal, policy, found_labels, made.id)
    changed.created = existing is None
    return changed


def _check_members(portal: Portal, tickets: list[Ticket]) -> None:
    nested = [t.id for t in tickets if t.is_incident]
    if nested:
        raise Refused("Un incidente no puede ser parte de otro: " + ", ".join(nested)
                      + " es un incidente.", hint="Indique los tickets de los clientes.")
    closed = [t.id for t in tickets if t.stage not in portal.open_stage_ids]
    if closed:
        raise Refused("El ticket " + ", ".join(closed) + " ya está cerrado.",
                      hint="Un incidente reúne tickets abiertos.")


def checked_incident(gateway: Gateway, portal: Portal, incident_id: str) -> Ticket:
    incident = _read(gateway, [incident_id])[incident_id]
    if not incident.is_incident:
        raise Refused(f"El ticket {incident_id} no es un incidente.",
                      hint="Use el número de un incidente abierto (la lista de incidentes "
                           "los muestra).")
    if incident.stage not in portal.open_stage_ids:
        raise Refused(f"El incidente {incident_id} ya está cerrado.",
                      hint="Reábralo en HubSpot si el problema volvió, o abra otro "
                           "incidente.")
    return incident


def join(gateway: Gateway, settings: Settings, policy: incidents.Rules, ticket_id: str,
         incident_id: str, *, now: datetime) -> Changed:
    """Add a ticket to an open incident (moved from another one it belonged to); the
    count, name and priority follow."""
    portal, found_labels = ready(gateway, settings, now)
    checked_incident(gateway, portal, incident_id)
    ticket = _read(gateway, [ticket_id])[ticket_id]
    _check_members(portal, [ticket])
    before = incident_of(gateway, found_labels, [ticket_id]).get(ticket_id)
    if before is not None and before != incident_id:
        gateway.dissociate("tickets", ticket_id, "tickets", before)
        recount(gateway, portal, policy, found_labels, before)
    gateway.associate("tickets", ticket_id, "tickets", incident_id,
                      [found_labels.member_to_incident])
    return recount(gateway, portal, policy, found_labels, incident_id)


def split(gateway: Gateway, settings: Settings, policy: incidents.Rules, ticket_id: str, *,
          now: datetime) -> Changed:
    """Take a ticket out of its incident; the count and name follow (the priority stays:
    it is never lowered)."""
    portal, found_labels = ready(gateway, settings, now)
    incident_id = incident_of(gateway, found_labels, [ticket_id]).get(ticket_id)
    if incident_id is None:
        _read(gateway, [ticket_id])  # a missing ticket says so
        raise Refused(f"El ticket {ticket_id} no pertenece a ningún incidente.")
    gateway.dissociate("tickets", ticket_id, "tickets", incident_id)
    return recount(gateway, portal, policy, found_labels, incident_id)


def recount(gateway: Gateway, portal: Portal, policy: incidents.Rules, found: Labels,
            incident_id: str) -> Changed:
    """Count the incident's members as HubSpot holds them now, and make its count, name and
    priority say so (written only when one differs)."""
    linked, incident = gateway.together(
        lambda: members_of(gateway, found, [incident_id]),
        lambda: _read(gateway, [incident_id])[incident_id])
    members = linked.get(incident_id, [])
    affected = clients_of(gateway, members)
    current = Priority.from_hubspot(incident.priority)
    priority = incidents.raised(current, affected, policy.levels)
    wanted = {INCIDENT_COUNT: str(affected),
              "subject": incidents.retitled(incident.subject, affected)}
    option = priority.portal_option(portal.priority_options) if priority else None
    if option and priority != current:
        wanted["hs_ticket_priority"] = option
    if any(_number(incident.properties.get(k)) != _number(v) for k, v in wanted.items()):
        gateway.update_ticket(incident_id, wanted)
    return Changed(incident_id, affected, wanted["subject"], priority, members=members)


def clients_of(gateway: Gateway, ticket_ids: Sequence[str]) -> int:
    """How many clients these tickets are of: one client who escalated twice (two tickets
    of one contact) is one client affected, as the incident's name, count and priority
    thresholds say (one association read; a ticket without a contact counts as its own)."""
    if not ticket_ids:
        return 0
    links = gateway.ticket_contact_ids(ticket_ids)
    return len({found[0] if (found := sorted(links.get(t) or [], key=id_order)) else f"#{t}"
                for t in ticket_ids})


def _number(value: str | None) -> str | None:
    """A property value as compared: HubSpot may answer a number as «3.0»."""
    if value is not None and value.endswith(".0") and value[:-2].isdigit():
        return value[:-2]
    return value


# -- the open incidents --------------------------------------------------------------------


@dataclass(frozen=True)
class OpenIncident:
    id: str
    subject: str
    affected: int
    priority: Priority | None
    owner_id: str | None
    created_at: datetime | None
    url: str
    owner: Owner | None = None

    def as_json(self, now: datetime) -> dict[str, Any]:
        age = (now - self.created_at).total_seconds() / 3600 if self.created_at else None
        return {"id": self.id, "subject": self.subject, "affected": self.affected,
                "priority": self.priority.value if self.priority else None,
                "owner_id": self.owner_id,
                "owner": self.owner.as_json() if self.owner else None,
                "hours_open": round(age, 1) if age else age,
                "created_at": self.created_at.isoformat() if self.created_at else None,
                "url": self.url}


def incident_filters(portal: Portal, stages: list[str]) -> list[dict[str, Any]]:
    return [{"propertyName": "hs_pipeline", "operator": "EQ", "value": portal.pipeline.id},
            {"propertyName": "hs_pipeline_stage", "operator": "IN", "values": stages},
            {"propertyName": INCIDENT_COUNT, "operator": "HAS_PROPERTY"}]


def open_incidents(gateway: Gateway, settings: Settings, *, now: datetime
                   ) -> list[OpenIncident]:
    """The open incidents, the most clients first. Search lags writes: one another agent
    opened seconds ago may be missing still, but this home's own changes of the last minutes
    show at once, as HubSpot holds them now (`recent.with_own_writes`)."""
    portal = load_portal(gateway, settings, now=now, needs=(INCIDENT_COUNT,))
    portal.require_tool_properties(INCIDENT_COUNT)
    from .recent import fresh_writes, with_own_writes
    from .team import owners_by_id

    searched, written = gateway.together(
        lambda: [t for t, _total in gateway.search_tickets(
            [{"filters": incident_filters(portal, portal.open_stage_ids)}], properties=LISTED)],
        lambda: fresh_writes(gateway, settings, LISTED, now=now))
    open_stages = set(portal.open_stage_ids)
    found = list(with_own_writes(searched, written, lambda t: (
        t.pipeline == portal.pipeline.id and t.stage in open_stages and t.is_incident)))

    owner_ids = {i for t in found if (i := t.properties.get("hubspot_owner_id"))}
    owners = owners_by_id(gateway, settings, owner_ids, now=now) if owner_ids else {}
    listed = [OpenIncident(t.id, t.subject, int(float(t.properties.get(INCIDENT_COUNT) or 0)),
                           Priority.from_hubspot(t.priority), owner_id, t.created_at,
                           portal.account.ticket_url(t.id), owners.get(owner_id or ""))
              for t in found for owner_id in (t.properties.get("hubspot_owner_id"),)]
    return sorted(listed, key=lambda i: (-i.affected, id_order(i.id)))


def incident_policy(settings: Settings) -> incidents.Rules:
    """`[incidentes]` of the policy file in force (the defaults without one); a bad value is
    exit 2 with its line, before anything is sent."""
    from pathlib import Path

    from .. import policy_file
    loaded = policy_file.in_force(settings.policy_file, Path.cwd(), settings.home)
    return incidents.Rules() if loaded is None else incidents.Rules.of(loaded.policy.incidents)
