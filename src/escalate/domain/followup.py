"""The follow-up clock: which clients are owed a call, and since when. Pure; `now` passed in.

The whole rule lives here: the interval per priority (the policy file's, else the configured
default, 48 h by the escalation guide; `--horas` overrides every priority), business hours
in the portal's time zone with holidays, how long a closed ticket stays owed, how far ahead
"due soon" looks, and the search bounds that find every candidate.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from enum import Enum
from itertools import pairwise
from typing import TYPE_CHECKING

from .business_hours import BusinessCalendar
from .moments import parse_time, zone
from .priority import Priority
from .records import Ticket

if TYPE_CHECKING:
    from .policy import FollowupPolicy

SOON = timedelta(hours=24)  # "due soon": owed within this look-ahead unless the client is called
CLOSED_LOOKBACK = timedelta(days=30)  # a ticket closed longer ago is no longer owed a call


class Reason(str, Enum):
    SIN_RESOLVER = "sin_resolver"
    RESUELTO_SIN_AVISAR = "resuelto_sin_avisar"

    @property
    def label(self) -> str:
        return {"sin_resolver": "Sin resolver", "resuelto_sin_avisar": "Resuelto sin avisar"}[
            self.value]


@dataclass(frozen=True)
class SearchWindow:
    """What a search must cover so that the clock sees every ticket owed or due soon.

    Open tickets: those whose anchor (creation or last client update) is before
    `open_anchor_before`. Closed tickets: those closed at or after `closed_since`.
    With business hours the bound is the wall-clock one (a business hour is never shorter
    than an hour), so the search finds a superset and the clock decides.
    """

    open_anchor_before: datetime
    closed_since: datetime


@dataclass(frozen=True)
class Clock:
    """The escalation pipeline's stages and how long a client may wait at each priority."""

    pipeline_id: str
    open_stages: Collection[str]
    closed_stages: Collection[str]
    hours: float  # the default interval, for priorities the policy does not name
    per_priority: Mapping[Priority, float] = field(default_factory=dict)
    calendar: BusinessCalendar | None = None  # None: every hour counts
    levels: Mapping[str, Priority] = field(default_factory=dict)  # portal option → level
    closed_lookback: timedelta = CLOSED_LOOKBACK
    look_ahead: timedelta = SOON

    @classmethod
    def build(cls, pipeline_id: str, open_stages: Collection[str],
              closed_stages: Collection[str], *, default_hours: float,
              policy: FollowupPolicy | None = None, override_hours: float | None = None,
              time_zone: str | None = None,
              priority_options: Iterable[tuple[str, str]] = ()) -> Clock:
        """The clock of a portal under a policy; `override_hours` (`--horas`) wins everywhere."""
        per_priority: dict[Priority, float] = {}
        calendar = None
        if policy is not None:
            if override_hours is None:
                per_priority = {p: float(h) for p, h in policy.hours.items()}
            hours = policy.business_hours
            if hours is not None:
                calendar = BusinessCalendar(hours.days, hours.start, hours.end,
                                            policy.holidays, portal_zone(time_zone))
        return cls(pipeline_id, open_stages, closed_stages,
                   hours=override_hours if override_hours is not None else default_hours,
                   per_priority=per_priority, calendar=calendar,
                   levels=levels_of(priority_options))

    # -- the interval -------------------------------------------------------------------

    @property
    def wait(self) -> timedelta:
        """The default interval (the one for a priority the policy does not name)."""
        return timedelta(hours=self.hours)

    @property
    def shortest(self) -> timedelta:
        """The shortest interval of any priority: what a search must assume."""
        return timedelta(hours=min([self.hours, *self.per_priority.values()]))

    def priority(self, ticket: Ticket) -> Priority | None:
        """The ticket's level, through the portal's options (or HubSpot's default values)."""
        return self.level(ticket.priority)

    def level(self, option: str | None) -> Priority | None:
        """The level a value of `hs_ticket_priority` stands for in this portal."""
        if not option:
            return None
        return self.levels.get(option) or Priority.from_hubspot(option)

    def hours_for(self, priority: Priority | None) -> float:
        """Hours a client may wait without an update at this priority."""
        if priority is None:
            return self.hours
        return self.per_priority.get(priority, self.hours)

    def interval(self, ticket: Ticket) -> timedelta:
        return timedelta(hours=self.hours_for(self.priority(ticket)))

    def elapsed(self, since: datetime, until: datetime) -> timedelta:
        """Time that counts between two moments: business hours when set, else all of it."""
        if until <= since:
            return timedelta(0)
        if self.calendar is None:
            return until - since
        return self.calendar.elapsed(since, until)

    # -- the tickets --------------------------------------------------------------------

    def closed_at(self, ticket: Ticket) -> datetime | None:
        """When the ticket was closed: closed_date, else when it entered its stage."""
        if ticket.closed_at is not None:
            return ticket.closed_at
        return parse_time(ticket.properties.get(f"hs_v2_date_entered_{ticket.stage}"))

    def anchor(self, ticket: Ticket) -> datetime | None:
        """The later of creation and the last client update: the clock of an open ticket."""
        moments = [m for m in (ticket.created_at, ticket.last_client_update) if m is not None]
        return max(moments) if moments else None

    def owed(self, ticket: Ticket, now: datetime) -> Owed | None:
        """Why and since when the client of this ticket is owed a call, or None.

        Open: more than the priority's interval (counted in business hours when set) since
        the anchor. Closed: closed after the last client update (or with none), within
        `closed_lookback`.
        """
        if ticket.pipeline != self.pipeline_id or ticket.is_incident:
            return None  # an incident's clients are owed their calls on their own tickets
        if ticket.stage in self.open_stages:
            anchor = self.anchor(ticket)
            if anchor is None:
                return None
            waited_for = self.elapsed(anchor, now)
            if waited_for <= self.interval(ticket):
                return None
            return Owed(ticket, Reason.SIN_RESOLVER, anchor, _hours(waited_for),
                        _hours(now - anchor), self.business)
        if ticket.stage in self.closed_stages:
            closed = self.closed_at(ticket)
            update = ticket.last_client_update
            if update is not None and (closed is None or update >= closed):
                return None
            since = closed or ticket.created_at
            if since is None or now - since > self.closed_lookback:
                return None
            return Owed(ticket, Reason.RESUELTO_SIN_AVISAR, since,
                        _hours(self.elapsed(since, now)), _hours(now - since), self.business)
        return None

    def unknown_stage(self, ticket: Ticket) -> bool:
        """In the pipeline, at a stage it does not list (deleted since, or added after the
        portal was read): neither open nor closed as far as this clock knows."""
        return (ticket.pipeline == self.pipeline_id and ticket.stage not in self.open_stages
                and ticket.stage not in self.closed_stages)

    def owed_for_incident(self, member: Ticket, incident: Ticket, now: datetime) -> Owed | None:
        """A client's ticket still open while the incident it belongs to is closed: its
        client is owed the call the incident's close promised, since then (the ticket itself
        is closed by `followup --tareas`)."""
        closed = self.closed_at(incident)
        if (member.pipeline != self.pipeline_id or member.stage not in self.open_stages
                or incident.stage not in self.closed_stages or closed is None
                or now - closed > self.closed_lookback):
            return None
        return Owed(member, Reason.RESUELTO_SIN_AVISAR, closed, _hours(self.elapsed(closed, now)),
                    _hours(now - closed), self.business)

    def due_soon(self, ticket: Ticket, now: datetime, within: timedelta | None = None) -> bool:
        """Open, not owed yet, and owed within the look-ahead unless the client is called."""
        if ticket.pipeline != self.pipeline_id or ticket.stage not in self.open_stages:
            return False
        anchor = self.anchor(ticket)
        if anchor is None:
            return False
        interval = self.interval(ticket)
        later = now + (self.look_ahead if within is None else within)
        return self.elapsed(anchor, now) <= interval < self.elapsed(anchor, later)

    def search_window(self, now: datetime) -> SearchWindow:
        """The bounds of the candidate search (see `SearchWindow`)."""
        return SearchWindow(open_anchor_before=now + self.look_ahead - self.shortest,
                            closed_since=now - self.closed_lookback)

    def longest_wait(self, created: datetime, now: datetime) -> float:
        """The most hours (rounded as an owed call's) that a ticket created at or after
        `created` can have waited by `now`: its clock never starts before its creation."""
        return _hours(self.elapsed(created, now))

    def waited_past(self, ticket_priority: Priority | None, created: datetime,
                    updates: Iterable[datetime], end: datetime) -> bool:
        """Whether a client waited longer than the interval without an update at some point
        between `created` and `end` (the resolution, or now for an open ticket)."""
        interval = timedelta(hours=self.hours_for(ticket_priority))
        start, stop = self.longest_gap(created, updates, end)
        return self.elapsed(start, stop) > interval

    def longest_gap(self, created: datetime, updates: Iterable[datetime],
                     end: datetime) -> tuple[datetime, datetime]:
        """The longest stretch without a client update between `created` and `end`, as
        this clock counts time (business hours when set): its start and its end."""
        marks = [created, *sorted(u for u in updates if created <= u <= end), max(created, end)]
        return max(pairwise(marks), key=lambda gap: self.elapsed(*gap))

    @property
    def business(self) -> bool:
        """Whether waits are counted in business hours (the policy sets them)."""
        return self.calendar is not None


@dataclass(frozen=True)
class Owed:
    ticket: Ticket
    reason: Reason
    since: datetime
    hours_waiting: float  # counted hours: business hours when the policy sets them
    calendar_hours: float  # the same wait on the wall clock
    business: bool  # `hours_waiting` counts business hours only

    def wait_label(self) -> str:
        """How long the client has waited: `hace 7 d 13 h`, or with business hours
        `60 h hábiles` with the calendar time under them (`hace 7 d 13 h`): a line each,
        as the table's narrow waiting column shows them best."""
        if not self.business:
            return waited(self.calendar_hours or self.hours_waiting)
        return f"{self.hours_waiting:.0f} h hábiles\n{waited(self.calendar_hours)}"


def levels_of(options: Iterable[tuple[str, str]]) -> dict[str, Priority]:
    """The portal's priority option values, each with the level it stands for."""
    pairs = list(options)
    found: dict[str, Priority] = {}
    for priority in Priority:
        value = priority.portal_option(pairs)
        if value is not None:
            found[value] = priority
    return found


def portal_zone(name: str | None) -> tzinfo:
    """The portal's time zone (account-info `timeZone`), UTC when unknown."""
    return zone(name) or timezone.utc


def overdue_order(owed: Owed) -> tuple[float, str]:
    """The listing's order: the longest wait first, then by ticket id."""
    return -owed.hours_waiting, owed.ticket.id


def waited(hours: float) -> str:
    """Spanish for a wait: `hace 3 d 4 h`, `hace 5 h`, `hace 20 min`."""
    return f"hace {span(hours)}"


def span(hours: float) -> str:
    """A stretch of calendar time: `3 d 4 h`, `5 h`, `20 min`."""
    minutes = round(hours * 60)
    if minutes < 60:
        return f"{minutes} min"
    days, rest = divmod(minutes // 60, 24)
    return f"{days} d {rest} h" if days else f"{rest} h"


def counted(hours: float, calendar_hours: float, business: bool) -> str:
    """A wait as a supervisor reads it: business hours said as such, with the calendar
    time beside them (`181 h hábiles · 28 d 3 h de calendario`); without business hours,
    the calendar time alone (`7 d 13 h`)."""
    if not business:
        return span(calendar_hours)
    return f"{hours:.0f} h hábiles · {span(calendar_hours)} de calendario"


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)
