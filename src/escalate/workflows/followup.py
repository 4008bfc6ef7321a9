"""`followup`: every client owed a call, most overdue first, handed on as the search pages.

The search goes by create date, in windows at once (`gateway.windows`); each page's
candidates are confirmed by a batch read (search lags writes) while their contacts are read
beside it; a row is handed on as soon as no ticket still to come can have waited longer, so
the first rows show within a few round trips and a long listing never holds every row.
"""

from __future__ import annotations

import heapq
import itertools
import math
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..domain import oddities
from ..domain.followup import Clock, Owed, overdue_order
from ..domain.moments import epoch_ms
from ..domain.oddities import Odd
from ..domain.priority import Priority
from ..domain.records import Contact, Ticket
from ..domain.team import Owner
from ..gateway import Gateway
from ..gateway.limits import ASSOCIATION_BATCH
from ..gateway.windows import Page
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
    owner: Owner | None = None  # the ticket's HubSpot owner (the matrix's, or changed since)
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
            "calendar_hours_waiting": self.owed.calendar_hours,
            "business_hours": self.owed.business,
            "created_at": ticket.created_at.isoformat() if ticket.created_at else None,
            "last_client_update": (ticket.last_client_update.isoformat()
                                   if ticket.last_client_update else None),
            "url": self.url,
            "contact": self.contact.as_json() if self.contact else None,
            "agent": self.agent.as_json() if self.agent else None,
            "owner": self.owner.as_json() if self.owner else None,
            "contacts": self.contacts,
            "flags": [odd.value for odd in self.odd],
        }


@dataclass
class Tally:
    """What a listing counted as its rows went by: complete once they are all handed on."""

    look_ahead: timedelta
    due_soon: int = 0
    listed: Counter[str] = field(default_factory=Counter)  # rows per reason
    searched: int = 0  # candidates the search handed on so far
    total: int = 0  # candidates the search announced
    # The rows listed that the agent should check in HubSpot (no contact, several, a
    # priority escalate does not know), and the tickets not listed (a stage deleted since).
    flagged: oddities.Tally = field(default_factory=oddities.Tally)
    skipped: oddities.Tally = field(default_factory=oddities.Tally)

    def count(self, reason: str) -> int:
        return self.listed[reason]


@dataclass
class Listing:
    """The rows owed a call, most overdue first, in batches as each becomes final (`rows`
    is consumed once); `tally` fills in as they go."""

    rows: Iterator[list[FollowupRow]]
    tally: Tally


@dataclass(frozen=True)
class Whose:
    """Whose tickets: one agent's (`agent`), or the whole team's (None)."""

    agent: Owner | None = None

    @property
    def agent_id(self) -> str | None:
        return self.agent.id if self.agent is not None else None

    def includes(self, ticket: Ticket) -> bool:
        return self.agent is None or agent_id(ticket) == self.agent.id


@dataclass(frozen=True)
class Settled:
    """One search page, settled: its owed calls as a consistent read shows them, each with
    its first contact and how many it has, and what the page's search said."""

    owed: list[tuple[Owed, Contact | None, int]]
    due_soon: int
    searched: int
    total: int
    floor: float  # no ticket still to come was created before this (epoch ms)
    unknown_stage: list[str] = field(default_factory=list)  # in a stage deleted since


def followup(gateway: Gateway, settings: Settings, *, hours: float | None, now: datetime,
             only: Priority | None = None, ui: Ui | None = None,
             policy: FollowupPolicy | None = None, whose: Whose | None = None) -> Listing:
    """The tickets whose client is owed a call, most overdue first, with their contacts, as
    the search pages come: a row is handed on as soon as no ticket still to come can have
    waited longer (a ticket's clock never starts before it was created, and the search goes
    by create date).

    `hours` (`--horas`) overrides every priority's interval; None: the policy's, else
    ESCALATE_FOLLOWUP_HOURS.
    """
    portal = load_portal(gateway, settings, now=now, warn=ui.warn if ui else None)
    portal.require_tool_properties()
    clocks = Clocks(gateway, settings, portal, now=now, policy=policy, hours=hours, ui=ui)
    tally = Tally(look_ahead=clocks.cached.look_ahead)
    return Listing(_batches(gateway, settings, portal, clocks, now, only, whose or Whose(),
                            tally), tally)


def _batches(gateway: Gateway, settings: Settings, portal: Portal, clocks: Clocks,
             now: datetime, only: Priority | None, whose: Whose,
             tally: Tally) -> Iterator[list[FollowupRow]]:
    clock = clocks.cached
    pages = gateway.ticket_pages(candidate_groups(portal, clock, now, whose.agent_id),
                                 properties=candidate_properties(portal))
    waiting: list[tuple[float, str, FollowupRow]] = []  # in `overdue_order`
    listed: set[str] = set()
    people = People(gateway, settings, now)
    contacts = ContactBook(gateway)
    labels = dict(portal.priority_options)

    def settle(batch: list[Page[Ticket] | None]) -> list[Settled]:
        page = batch[0]
        if page is None:  # first: this home's recent writes, read beside the first page
            return own_writes(gateway, settings, portal, clocks, now, whose, contacts)
        return [settled(gateway, portal, clocks, now, whose, page, contacts)]

    stream: Iterator[Page[Ticket] | None] = itertools.chain([None], _grouped(pages))
    for done in gateway.pipelined(stream, settle, chunk=1):
        tally.due_soon += done.due_soon
        tally.searched += done.searched
        tally.total = max(tally.total, done.total, tally.searched)
        for ticket_id in done.unknown_stage:
            if ticket_id not in listed:  # a ticket two search windows both hand on
                listed.add(ticket_id)
                tally.skipped.add(Odd.UNKNOWN_STAGE, ticket_id)
        for owed, contact, count in done.owed:
            level = clock.priority(owed.ticket)
            if owed.ticket.id in listed or (only is not None and level != only):
                continue
            listed.add(owed.ticket.id)
            row = FollowupRow(owed=owed, priority=level, contact=contact,
                              url=portal.account.ticket_url(owed.ticket.id), contacts=count,
                              priority_label=labels.get(owed.ticket.priority or "",
                                                        owed.ticket.priority))
            heapq.heappush(waiting, (*overdue_order(owed), row))
        bound = longest_wait_after(clock, done.floor, now)
        ready = []
        while waiting and -waiting[0][0] > bound:
            ready.append(heapq.heappop(waiting)[2])
        if ready:
            yield _named(ready, people, tally)
    if waiting:
        yield _named([heapq.heappop(waiting)[2] for _ in range(len(waiting))], people, tally)


PAGES_SETTLED_TOGETHER = 5  # after the first: one association read for 1,000 tickets


def _grouped(pages: Iterator[Page[Ticket]]) -> Iterator[Page[Ticket]]:
    """The first page alone (its rows show at once), then five pages at a time as one: their
    links are read in one request instead of five (the account's budget is the team's)."""
    group: list[Page[Ticket]] = []
    first = True
    for page in pages:
        group.append(page)
        if first or len(group) == PAGES_SETTLED_TOGETHER:
            yield _merged(group)
            group, first = [], False
    if group:
        yield _merged(group)


def _merged(pages: list[Page[Ticket]]) -> Page[Ticket]:
    return Page([t for page in pages for t in page.items], pages[-1].total, pages[-1].floor)


def longest_wait_after(clock: Clock, floor_ms: float, now: datetime) -> float:
    """The most hours a ticket still to come (created at or after `floor_ms`) can have
    waited: every row waiting longer is final."""
    if floor_ms == math.inf:
        return -math.inf
    if floor_ms == -math.inf:
        return math.inf
    return clock.longest_wait(datetime.fromtimestamp(floor_ms / 1000, tz=timezone.utc), now)


def _named(rows: list[FollowupRow], people: People, tally: Tally) -> list[FollowupRow]:
    """The rows with their agents and owners, counted."""
    found = people.of([r.owed.ticket for r in rows])
    for row in rows:
        row.agent = found.get(agent_id(row.owed.ticket) or "")
        row.owner = found.get(owner_id(row.owed.ticket) or "")
        tally.listed[row.owed.reason.value] += 1
        tally.flagged.add_all(row.odd, row.owed.ticket.id)
    return rows


def settled(gateway: Gateway, portal: Portal, clocks: Clocks, now: datetime, whose: Whose,
            page: Page[Ticket], contacts: ContactBook) -> Settled:
    """A search page's candidates confirmed by batch reads (search lags writes: a call
    recorded a second ago is still owed as search shows it), their contacts read beside the
    confirming reads: the page's reads all at once. A ticket in a stage the pipeline no
    longer has is read too, and counted apart (`Settled.unknown_stage`) if it still is."""
    candidates, due_soon = _candidates(page.items, clocks, now, whose)
    closed_incidents = [t for t in page.items if t.is_incident
                        and t.stage in clocks.of(t).closed_stages]  # a stage added since too
    if not candidates and not closed_incidents:
        return Settled([], due_soon, len(page.items), page.total, page.floor)
    found, links = confirmed_with_links(gateway, candidates, candidate_properties(portal))
    by_ticket = contacts.first_of(links)
    mine = [(t, clocks.of(t)) for t in found if whose.includes(t)]
    owed = [(o, by_ticket.get(t.id), len(links.get(t.id) or [])) for t, clock in mine
            if (o := clock.owed(t, now)) is not None]
    owed += _members_owed(gateway, portal, clocks, now, whose, closed_incidents, contacts)
    return Settled([(_slim(o), c, n) for o, c, n in owed], due_soon, len(page.items),
                   page.total, page.floor, [t.id for t, clock in mine if clock.unknown_stage(t)])


def own_writes(gateway: Gateway, settings: Settings, portal: Portal, clocks: Clocks,
               now: datetime, whose: Whose, contacts: ContactBook) -> list[Settled]:
    """The owed calls among the tickets this home wrote in the last minutes, as a batch read
    shows them now: search may still find such a ticket with its old values (raised a
    level a second ago, its clock shorter now) and leave it out. Nothing is sent without
    recent writes; the search's pages list each ticket once beside these (`listed`), and
    hand these on first (no floor: they wait for the pages to say when they are final)."""
    from .recent import fresh_writes

    recent = fresh_writes(gateway, settings, candidate_properties(portal), now=now)
    if recent is None:
        return []
    mine = [(t, clocks.of(t)) for t in recent[1]
            if t.pipeline == portal.pipeline.id and whose.includes(t)]
    owed = [(t, o) for t, clock in mine if (o := clock.owed(t, now)) is not None]
    if not owed:
        return []
    links = gateway.ticket_contact_ids([t.id for t, _ in owed], chunk=ASSOCIATION_BATCH)
    by_ticket = contacts.first_of(links)
    return [Settled([(_slim(o), by_ticket.get(t.id), len(links.get(t.id) or []))
                     for t, o in owed], 0, 0, 0, -math.inf)]


def _candidates(tickets: list[Ticket], clocks: Clocks, now: datetime, whose: Whose
                ) -> tuple[list[str], int]:
    """The searched tickets to read again (owed as search shows them, or in a stage deleted
    since), and how many are due soon."""
    candidates: list[str] = []
    due_soon = 0
    for t in tickets:
        clock = clocks.of(t)
        owed = clock.owed(t, now) is not None  # once a ticket: business hours take counting
        if owed or (clock.unknown_stage(t) and whose.includes(t)):
            candidates.append(t.id)
        if not owed and clock.due_soon(t, now) and whose.includes(t):
            due_soon += 1
    return candidates, due_soon


def _members_owed(gateway: Gateway, portal: Portal, clocks: Clocks, now: datetime,
                  whose: Whose, incidents: list[Ticket], contacts: ContactBook
                  ) -> list[tuple[Owed, Contact | None, int]]:
    """The clients of closed incidents whose own tickets are still open: owed the call the
    close promised (`followup --tareas` closes their tickets and makes the tasks)."""
    if not incidents:
        return []
    from .incidents import find_labels, members_of

    labels = find_labels(gateway)
    if labels is None:
        return []
    members = members_of(gateway, labels, [t.id for t in incidents])
    incident_of = {m: i for i, ids in members.items() for m in ids}
    if not incident_of:
        return []
    found, links = confirmed_with_links(gateway, list(incident_of),
                                        candidate_properties(portal))
    by_ticket = contacts.first_of(links)
    by_id = {t.id: t for t in incidents}
    return [(o, by_ticket.get(t.id), len(links.get(t.id) or [])) for t in found
            if t.id in incident_of and whose.includes(t)
            and (o := clocks.of(t).owed_for_incident(t, by_id[incident_of[t.id]], now))
            is not None]


def confirmed_with_links(gateway: Gateway, ids: list[str], properties: list[str]
                         ) -> tuple[list[Ticket], dict[str, list[str]]]:
    """These tickets as a batch read shows them now and each one's contacts, every read at
    once."""
    return gateway.together(partial(gateway.tickets_by_id, ids, properties),
                            partial(gateway.ticket_contact_ids, ids, chunk=ASSOCIATION_BATCH))


def _slim(owed: Owed) -> Owed:
    """The owed call keeping of its ticket only what a row shows: a long listing holds rows
    until they are final."""
    ticket = owed.ticket
    kept = {name: ticket.properties.get(name) for name in (AGENT_PROPERTY, OWNER_PROPERTY)}
    return replace(owed, ticket=replace(ticket, properties=kept))


class Clocks:
    """The clock for each ticket: the cached portal's, or, for a ticket in a stage the cached
    portal does not list (added since it was cached, or deleted while the ticket sat in
    it), the clock of the portal read again: once per run, the first time one shows."""

    def __init__(self, gateway: Gateway, settings: Settings, portal: Portal, *, now: datetime,
                 policy: FollowupPolicy | None, hours: float | None, ui: Ui | None) -> None:
        self.cached = portal_clock(portal, settings, policy, hours)
        self._fresh_clock = partial(_fresh_clock, gateway, settings, now, policy, hours, ui)
        self._fresh: Clock | None = None
        self._lock = threading.Lock()

    def of(self, ticket: Ticket) -> Clock:
        if not self.cached.unknown_stage(ticket):
            return self.cached
        with self._lock:  # one read of the portal, however many pages ask at once
            if self._fresh is None:
                self._fresh = self._fresh_clock()
            return self._fresh


def _fresh_clock(gateway: Gateway, settings: Settings, now: datetime,
                 policy: FollowupPolicy | None, hours: float | None, ui: Ui | None) -> Clock:
    portal = load_portal(gateway, settings, now=now, refresh=True, warn=ui.warn if ui else None)
    return portal_clock(portal, settings, policy, hours)


class ContactBook:
    """Each ticket's first contact, every contact read once across a job's pages (pages
    settled at once wait for a contact another page is reading)."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self._known: dict[str, Contact | None] = {}
        self._reading: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def first_of(self, links: dict[str, list[str]]) -> dict[str, Contact | None]:
        firsts = {t: ids[0] for t, ids in links.items() if ids}
        with self._lock:
            wanted = {c for c in firsts.values()
                      if c not in self._known and c not in self._reading}
            others = {self._reading[c] for c in firsts.values() if c in self._reading}
            mine = threading.Event()
            self._reading.update({c: mine for c in wanted})
        try:
            found = self.gateway.contacts(wanted) if wanted else {}
            with self._lock:
                self._known.update({c: found.get(c) for c in wanted})
        finally:
            with self._lock:
                for c in wanted:
                    self._reading.pop(c, None)
            mine.set()
        for event in others:
            event.wait()
        with self._lock:
            return {t: self._known.get(c) for t, c in firsts.items()}


class People:
    """The users tickets name, as their agent (`escalate_agent`) or their owner
    (`hubspot_owner_id`), looked up once per id across a listing (the owners cache, else
    one listing)."""

    def __init__(self, gateway: Gateway, settings: Settings, now: datetime) -> None:
        self.gateway, self.settings, self.now = gateway, settings, now
        self._known: dict[str, Owner] = {}
        self._asked: set[str] = set()

    def of(self, tickets: list[Ticket]) -> dict[str, Owner]:
        from .team import owners_by_id

        ids = {i for t in tickets for i in (agent_id(t), owner_id(t)) if i}
        new = ids - self._asked
        if new:
            self._known.update(owners_by_id(self.gateway, self.settings, new, now=self.now))
            self._asked |= new
        return {i: self._known[i] for i in ids if i in self._known}


def agent_id(ticket: Ticket) -> str | None:
    """The owner id of the agent who escalated the ticket, if recorded."""
    return ticket.properties.get(AGENT_PROPERTY) or None


OWNER_PROPERTY = "hubspot_owner_id"  # the matrix's owner, or whoever it was changed to since


def owner_id(ticket: Ticket) -> str | None:
    """The ticket's HubSpot owner, if it has one."""
    return ticket.properties.get(OWNER_PROPERTY) or None


def candidate_groups(portal: Portal, clock: Clock, now: datetime,
                     agent: str | None = None) -> list[dict[str, Any]]:
    """Server-side filters: open tickets due now or within the look-ahead, and recently
    closed ones; with `agent`, only the tickets that agent escalated.

    Open tickets: created before the clock's bound and with no client update, or one older
    than the bound. Closed ones: closed since the clock's cutoff (whether the client was told
    after the close is compared here: search cannot compare two properties). Each group keeps
    within 6 filters (the older published cap) with the create-date bounds the gateway's
    search windows add (an existing bound is tightened, not repeated).
    """
    bounds = clock.search_window(now)
    due_by = epoch_ms(bounds.open_anchor_before)
    pipeline = {"propertyName": "hs_pipeline", "operator": "EQ", "value": portal.pipeline.id}
    # Not closed, rather than open: a ticket left in a stage deleted since (or added after
    # the portal was cached) is found too, and the clock says it is neither.
    opened = portal.not_closed_filter()
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


def candidate_properties(portal: Portal) -> list[str]:
    from ..gateway import TICKET_PROPERTIES

    return list(dict.fromkeys([
        *TICKET_PROPERTIES, AGENT_PROPERTY, OWNER_PROPERTY,
        *(f"hs_v2_date_entered_{stage}" for stage in portal.closed_stage_ids)]))
