"""What a create reads for incidents (issue 25), beside its own reads (`lookup.prepare`):
the open escalations of the last days that look like this one and the incident they belong
to, or the incident the agent named, checked before anything is sent; and, once the
client's ticket exists, joining that incident or opening one with the tickets alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..config import Settings
from ..domain import incidents
from ..domain.incident_choice import Choice
from ..domain.records import INCIDENT_COUNT, Ticket
from ..gateway import Gateway
from .incidents import (
    LABEL,
    READ,
    Changed,
    Labels,
    checked_incident,
    find_labels,
    incident_filters,
    incident_policy,
    labels,
    open_incident,
    recount,
)
from .portal import Portal, load_portal

MAX_COMPARED = 1_000  # open tickets of the last days compared; the newest pages first


@dataclass
class Similar:
    """What a new escalation is offered, as HubSpot holds it now: the similar open tickets
    (best first), the incident most of them belong to, or a proposal to open one."""

    detection: incidents.Detection
    tickets: dict[str, Ticket]
    incident: Ticket | None = None
    since: datetime | None = None  # the oldest similar ticket's creation

    @property
    def offered(self) -> bool:
        return self.detection.offered

    def as_json(self) -> list[dict[str, Any]]:
        return [{"id": m.ticket_id, "subject": self.tickets[m.ticket_id].subject,
                 "score": m.score} for m in self.detection.similar if m.ticket_id in self.tickets]


def similar_open(gateway: Gateway, portal: Portal, what: str, where: str, *,
                 now: datetime, policy: incidents.Rules, own_id: str | None = None) -> Similar:
    """The open escalations of the last `policy.days` that look like QUÉ/DÓNDE: one search
    (beside the create's own reads: the recent open tickets, and the open incidents of any
    age), then the similar ones and those incidents read again with the similar ones'
    incident links, together (search lags: one closed a second ago is still found open)."""
    alike = _Alike(incidents.Fingerprint.of(what, where), policy, now)
    found, open_incidents = _recent_open(gateway, portal, policy, now, own_id)
    first = alike.detect(found.values())
    ids = [m.ticket_id for m in first.similar]
    if not ids or (not open_incidents and not first.propose):
        # Nothing to offer even if search is right: what it found is said, unconfirmed,
        # and the create waits for no second round trip.
        return Similar(first, {t: found[t] for t in ids})
    read, member_of = _confirmed(gateway, portal, ids, open_incidents)
    # A member of a closed incident is being closed with it: neither offered nor proposed.
    fresh = {i: t for i, t in read.items()
             if not t.is_incident and (i not in member_of or member_of[i] in read)}
    detection = alike.detect(fresh.values(), member_of)
    similar = Similar(detection, fresh, since=detection.since(
        {t.id: t.created_at for t in fresh.values() if t.created_at}))
    if detection.incident_id is not None:
        similar.incident = read[detection.incident_id]
    return similar


def _confirmed(gateway: Gateway, portal: Portal, ids: list[str], open_incidents: list[str]
               ) -> tuple[dict[str, Ticket], dict[str, str]]:
    """The alike tickets and the incidents as HubSpot holds them now (the open ones), with
    the incident each alike ticket belongs to, read together; an incident search did not
    list open is read after (opened seconds ago, or closed)."""
    read, links = gateway.together(
        lambda: _open_by_id(gateway, portal, [*ids, *open_incidents]),
        lambda: gateway.associations("tickets", "tickets", ids))
    member_of = {t: a.to_id for t, found_links in links.items() for a in found_links
                 if any(x.label == LABEL for x in a.types)}
    unknown = {i for i in member_of.values() if i not in read and i not in open_incidents}
    if unknown:
        read.update(_open_by_id(gateway, portal, sorted(unknown)))
    return read, member_of


def _open_by_id(gateway: Gateway, portal: Portal, ids: list[str]) -> dict[str, Ticket]:
    """These tickets as HubSpot holds them now, the open ones."""
    return {t.id: t for t in gateway.tickets_by_id(ids, READ)
            if t.stage in portal.open_stage_ids}


@dataclass(frozen=True)
class _Alike:
    """One new escalation, compared under the team's `[incidentes]`."""

    new: incidents.Fingerprint
    policy: incidents.Rules
    now: datetime

    def detect(self, tickets: Iterable[Ticket],
               member_of: dict[str, str] | None = None) -> incidents.Detection:
        from ..domain.report import sections

        def candidate(ticket: Ticket) -> incidents.Open:
            parts = sections(ticket.properties.get("content") or "")
            return incidents.Open(ticket.id, ticket.created_at or self.now,
                                  incidents.Fingerprint.of(parts.get("QUÉ", ticket.subject),
                                                           parts.get("DÓNDE", "")),
                                  (member_of or {}).get(ticket.id))

        return incidents.detect(self.new, [candidate(t) for t in tickets], self.now,
                                days=self.policy.days, minimum=self.policy.minimum,
                                threshold=self.policy.threshold)


def _recent_open(gateway: Gateway, portal: Portal, policy: incidents.Rules, now: datetime,
                 own_id: str | None) -> tuple[dict[str, Ticket], list[str]]:
    """One search: the open tickets of the last days (at most `MAX_COMPARED`), and the ids
    of the open incidents of any age."""
    from ..domain.moments import epoch_ms

    since = now - timedelta(days=policy.days)
    opened = incident_filters(portal, portal.open_stage_ids)
    groups = [{"filters": [*opened[:2], {"propertyName": "createdate", "operator": "GTE",
                                         "value": epoch_ms(since)}]},
              {"filters": opened}]
    found: dict[str, Ticket] = {}
    open_incidents: list[str] = []
    for ticket, _total in gateway.search_tickets(groups, properties=READ):
        if ticket.is_incident:
            open_incidents.append(ticket.id)
        elif ticket.escalate_id != own_id:
            found[ticket.id] = ticket
        if len(found) >= MAX_COMPARED:
            break
    return found, open_incidents


@dataclass
class AtCreate:
    """The incident side of a create's reads: what was found alike, and the incident to
    join (checked open before anything is sent)."""

    similar: Similar | None = None
    joining: Ticket | None = None
    labels: Labels | None = None  # read beside, when joining or when tickets alike are offered
    opening: list[str] = field(default_factory=list)  # open one with these and the new one

    def join_offered(self) -> None:
        """The agent took the incident offered."""
        if self.similar is not None and self.similar.incident is not None:
            self.joining = self.similar.incident

    def open_offered(self) -> None:
        """The agent opens an incident with the tickets alike and this one."""
        if self.similar is not None:
            self.opening = [m.ticket_id for m in self.similar.detection.similar]


def before_create(gateway: Gateway, settings: Settings, portal: Callable[[], Portal],
                  what: str, where: str, choice: Choice, *, now: datetime,
                  own_id: str) -> AtCreate:
    """The reads a create makes for incidents, beside its own (`lookup.prepare`; `portal`
    gives the one the create reads): the incident to join, checked before anything is sent
    (it exists, is an incident, is open: exit 3 otherwise), or the open tickets alike."""
    if choice.join is not None:
        incident_id = choice.join
        joining, found = gateway.together(lambda: _joinable(gateway, portal(), incident_id),
                                          lambda: labels(gateway))
        return AtCreate(joining=joining, labels=found)
    if not choice.detect or not portal().has_incidents:  # a portal before `setup` again
        return AtCreate()
    policy = incident_policy(settings)
    similar = similar_open(gateway, portal(), what, where, now=now, policy=policy,
                           own_id=own_id)
    # Joining or opening needs the portal's incident labels: read once something is offered.
    return AtCreate(similar=similar, labels=find_labels(gateway) if similar.offered else None)


def _joinable(gateway: Gateway, portal: Portal, incident_id: str) -> Ticket:
    portal.require_tool_properties(INCIDENT_COUNT)
    return checked_incident(gateway, portal, incident_id)


def join_created(gateway: Gateway, settings: Settings, ticket_id: str, found: AtCreate, *,
                 now: datetime) -> Changed | None:
    """A ticket just created joins the incident chosen before it was sent, or opens one
    with the tickets alike (None: neither)."""
    if found.opening:
        return open_incident(gateway, settings, incident_policy(settings),
                             [*found.opening, ticket_id], now=now, read=found.labels)
    if found.joining is None:
        return None
    portal = load_portal(gateway, settings, now=now)
    found_labels = found.labels or labels(gateway)
    gateway.associate("tickets", ticket_id, "tickets", found.joining.id,
                      [found_labels.member_to_incident])
    return recount(gateway, portal, incident_policy(settings), found_labels, found.joining.id)
