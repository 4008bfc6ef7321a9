"""`followup` and `contacted`: every client owed a call, fetched in a few requests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..domain.followup import Clock, Owed, most_overdue_first
from ..domain.moments import epoch_ms
from ..domain.oddities import Odd, Tally
from ..domain.priority import Priority
from ..domain.records import Contact, Ticket
from ..domain.team import Owner
from ..gateway import Gateway
from .clock import portal_clock
from .portal import Portal, load_portal
from .team import AGENT_PROPERTY
from .ui import Ui

if TYPE_CHECKING:
    from ..domain.policy import FollowupPolicy


@dataclass
class FollowupRow:
    owed: Owed
    priority: Priority | None
    contact: Contact | None
    url: str
    agent: Owner | None = None
    contacts: int = 1  # how many contacts the ticket has (the first is shown)
    priority_label: str | None = None  # the portal's option, when not a level escalate knows

    @property
    def odd(self) -> tuple[Odd, ...]:
        """What the agent should know before calling: no contact to call, several, or a
        priority escalate does not know (typed or edited in HubSpot)."""
        found = []
        if self.contact is None:
            found.append(Odd.NO_CONTACT)
        elif self.contacts > 1:
            found.append(Odd.SEVERAL_CONTACTS)
        if self.priority is None:
            found.append(Odd.UNKNOWN_PRIORITY if self.owed.ticket.priority else Odd.NO_PRIORITY)
        return tuple(found)

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
            "agent": self.agent.as_json() if self.agent else None,
            "contacts": self.contacts,
            "flags": [odd.value for odd in self.odd],
        }


@dataclass
class FollowupReport:
    rows: list[FollowupRow] = field(default_factory=list)
    due_soon: int = 0
    look_ahead: timedelta = timedelta(hours=24)
    skipped: Tally = field(default_factory=Tally)  # tickets not listed, and why

    def flagged(self) -> Tally:
        """The listed tickets the agent should check in HubSpot, by why."""
        found = Tally()
        for row in self.rows:
            found.add_all(row.odd, row.owed.ticket.id)
        return found

    def count(self, reason: str) -> int:
        return sum(1 for r in self.rows if r.owed.reason.value == reason)


@dataclass(frozen=True)
class Whose:
    """Whose tickets: one agent's (`agent`), or the whole team's (None)."""

    agent: Owner | None = None

    def includes(self, ticket: Ticket) -> bool:
        return self.agent is None or agent_id(ticket) == self.agent.id


@dataclass
class Owing:
    """The owed calls confirmed by a consistent read, with what the search saw besides."""

    portal: Portal
    clock: Clock
    owed: list[Owed]
    due_soon: int
    skipped: Tally = field(default_factory=Tally)


def followup(gateway: Gateway, settings: Settings, *, hours: float | None, now: datetime,
             only: Priority | None = None, ui: Ui | None = None,
             policy: FollowupPolicy | None = None, whose: Whose | None = None) -> FollowupReport:
    """The tickets whose client is owed a call, most overdue first, with their contacts.

    `hours` (`--horas`) overrides every priority's interval; None: the policy's, else
    ESCALATE_FOLLOWUP_HOURS.
    """
    owing = owed_calls(gateway, settings, hours=hours, now=now, only=only, ui=ui,
                       policy=policy, whose=whose or Whose())
    portal = owing.portal
    report = FollowupReport(due_soon=owing.due_soon, look_ahead=owing.clock.look_ahead,
                            skipped=owing.skipped)
    owed = most_overdue_first(owing.owed)
    contacts = first_contacts(gateway, [o.ticket.id for o in owed])
    agents = agents_of(gateway, settings, [o.ticket for o in owed], now=now)
    labels = dict(portal.priority_options)
    for item in owed:
        contact, count = contacts.get(item.ticket.id, (None, 0))
        report.rows.append(FollowupRow(
            owed=item, priority=owing.clock.priority(item.ticket), contact=contact,
            url=portal.account.ticket_url(item.ticket.id),
            agent=agents.get(agent_id(item.ticket) or ""), contacts=count,
            priority_label=labels.get(item.ticket.priority or "", item.ticket.priority)))
    return report


def owed_calls(gateway: Gateway, settings: Settings, *, hours: float | None, now: datetime,
               only: Priority | None, ui: Ui | None, policy: FollowupPolicy | None,
               whose: Whose) -> Owing:
    """Every owed call in scope. The search finds candidates; a batch read (consistent, unlike
    search) confirms each before it is listed, so a call recorded a second ago never shows.
    The confirming reads run beside the search's pages (`Gateway.pipelined`)."""
    portal = load_portal(gateway, settings, now=now, warn=ui.warn if ui else None)
    portal.require_tool_properties()
    clock = portal_clock(portal, settings, policy, hours)
    due_soon = [0]
    unknown: list[str] = []

    def candidates() -> Iterator[str]:
        for ticket in candidate_tickets(gateway, portal, clock, now, whose):
            if clock.owed(ticket, now) is not None:
                yield ticket.id
            elif clock.due_soon(ticket, now) and whose.includes(ticket):
                due_soon[0] += 1
            elif clock.unknown_stage(ticket) and whose.includes(ticket):
                unknown.append(ticket.id)

    def read(ids: list[str]) -> list[Owed | None]:
        return list(confirm(gateway, portal, clock, ids, now).values())

    def wanted(owed: Owed, clock: Clock) -> bool:
        return whose.includes(owed.ticket) and (only is None
                                                or clock.priority(owed.ticket) == only)

    owed = [o for o in gateway.pipelined(candidates(), read) if o is not None
            and wanted(o, clock)]
    skipped = Tally()
    if unknown:  # a stage added since the portal was cached, or one deleted
        portal, clock, found = stages_since(gateway, settings, policy, hours, unknown, now,
                                            skipped, ui)
        owed += [o for o in found if o is not None and wanted(o, clock)]
    return Owing(portal, clock, owed, due_soon[0], skipped)


def stages_since(gateway: Gateway, settings: Settings, policy: FollowupPolicy | None,
                 hours: float | None, ticket_ids: list[str], now: datetime, skipped: Tally,
                 ui: Ui | None) -> tuple[Portal, Clock, list[Owed | None]]:
    """Tickets at a stage the cached portal does not list: the portal read again (a stage
    added since is then known), and each ticket read; those still at a stage the pipeline
    does not have (deleted while they sat in it) go into `skipped`. The fresh portal and
    clock, and the call each of the others owes."""
    portal = load_portal(gateway, settings, now=now, refresh=True, warn=ui.warn if ui else None)
    clock = portal_clock(portal, settings, policy, hours)
    found: list[Owed | None] = []
    for ticket in gateway.tickets_by_id(ticket_ids, candidate_properties(portal)):
        if clock.unknown_stage(ticket):
            skipped.add(Odd.UNKNOWN_STAGE, ticket.id)
        else:
            found.append(clock.owed(ticket, now))
    return portal, clock, found


def confirm(gateway: Gateway, portal: Portal, clock: Clock, ticket_ids: list[str],
            now: datetime) -> dict[str, Owed | None]:
    """For each ticket, the call owed as a consistent read shows it (None: not owed)."""
    if not ticket_ids:
        return {}
    tickets = gateway.tickets_by_id(ticket_ids, candidate_properties(portal))
    read = {t.id: clock.owed(t, now) for t in tickets}
    return {i: read.get(i) for i in ticket_ids}


def first_contacts(gateway: Gateway,
                   ticket_ids: list[str]) -> dict[str, tuple[Contact | None, int]]:
    """Each ticket's first contact and how many it has (one association read per 1,000
    tickets, one contact read per 100 distinct contacts, pipelined)."""
    return {t: (c, n) for t, c, n in gateway.with_contacts(ticket_ids, lambda t: t)}


def agents_of(gateway: Gateway, settings: Settings, tickets: list[Ticket], *,
              now: datetime) -> dict[str, Owner]:
    """The owners recorded as `escalate_agent` on these tickets, by owner id."""
    from .team import owners_by_id

    ids = {i for i in (agent_id(t) for t in tickets) if i}
    return owners_by_id(gateway, settings, ids, now=now) if ids else {}


def agent_id(ticket: Ticket) -> str | None:
    """The owner id of the agent who escalated the ticket, if recorded."""
    return ticket.properties.get(AGENT_PROPERTY) or None


def candidate_groups(portal: Portal, clock: Clock, now: datetime,
                     agent: str | None = None) -> list[dict[str, Any]]:
    """Server-side filters: open tickets due now or within the look-ahead, and recently
    closed ones; with `agent`, only the tickets that agent escalated.

    Open tickets: created before the clock's bound and with no client update, or one older
    than the bound. Closed ones: closed since the clock's cutoff (whether the client was told
    after the close is compared here: search cannot compare two properties). Each group keeps
    within 6 filters (the older published cap) with the create-date floor the gateway adds
    when it pages past 10,000 results.
    """
    bounds = clock.search_window(now)
    due_by = epoch_ms(bounds.open_anchor_before)
    pipeline = {"propertyName": "hs_pipeline", "operator": "EQ", "value": portal.pipeline.id}
    # Not closed, rather than open: a ticket left in a stage deleted since (or added after
    # the portal was cached) is found too, and the clock says it is neither.
    opened = ({"propertyName": "hs_pipeline_stage", "operator": "NOT_IN",
               "values": portal.closed_stage_ids} if portal.closed_stage_ids else
              {"propertyName": "hs_pipeline_stage", "operator": "HAS_PROPERTY"})
    created = {"propertyName": "createdate", "operator": "LT", "value": due_by}
    mine = [] if agent is None else [{"propertyName": AGENT_PROPERTY, "operator": "EQ",
                                      "value": agent}]
    groups = [
        {"filters": [pipeline, opened, created, *mine,
                     {"propertyName": "escalate_last_client_update",
                      "operator": "NOT_HAS_PROPERTY"}]},
        {"filters": [pipeline, opened, created, *mine,
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
            *mine,
        ]})
    return groups


def candidate_tickets(gateway: Gateway, portal: Portal, clock: Clock, now: datetime,
                      whose: Whose | None = None) -> Iterator[Ticket]:
    """Every candidate ticket as the search pages come (past 10,000 results the gateway
    restarts after the last create date seen)."""
    agent = whose.agent.id if whose is not None and whose.agent is not None else None
    pages = gateway.ticket_pages(candidate_groups(portal, clock, now, agent),
                                 properties=candidate_properties(portal))
    seen: set[str] = set()
    for page, _total in pages:
        for ticket in page:
            if ticket.id not in seen:
                seen.add(ticket.id)
                yield ticket


def candidate_properties(portal: Portal) -> list[str]:
    from ..gateway import TICKET_PROPERTIES

    return list(dict.fromkeys([
        *TICKET_PROPERTIES, AGENT_PROPERTY, "hubspot_owner_id",
        *(f"hs_v2_date_entered_{stage}" for stage in portal.closed_stage_ids)]))
