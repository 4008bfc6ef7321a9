"""The follow-up clock: which clients are owed a call, and since when. Pure; `now` passed in."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from .moments import parse_time
from .records import Ticket

SOON = timedelta(hours=24)


class Reason(str, Enum):
    SIN_RESOLVER = "sin_resolver"
    RESUELTO_SIN_AVISAR = "resuelto_sin_avisar"

    @property
    def label(self) -> str:
        return {"sin_resolver": "Sin resolver", "resuelto_sin_avisar": "Resuelto sin avisar"}[
            self.value]


@dataclass(frozen=True)
class Clock:
    """The escalation pipeline's stages and the allowed wait."""

    pipeline_id: str
    open_stages: Collection[str]
    closed_stages: Collection[str]
    hours: float

    @property
    def wait(self) -> timedelta:
        return timedelta(hours=self.hours)

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
        """Why and since when the client of this ticket is owed a call, or None."""
        if ticket.pipeline != self.pipeline_id:
            return None
        if ticket.stage in self.open_stages:
            anchor = self.anchor(ticket)
            if anchor is None or now - anchor <= self.wait:
                return None
            return Owed(ticket, Reason.SIN_RESOLVER, anchor, _hours(now - anchor))
        if ticket.stage in self.closed_stages:
            closed = self.closed_at(ticket)
            update = ticket.last_client_update
            if update is not None and (closed is None or update >= closed):
                return None
            since = closed or ticket.created_at
            if since is None:
                return None
            return Owed(ticket, Reason.RESUELTO_SIN_AVISAR, since, _hours(now - since))
        return None

    def due_soon(self, ticket: Ticket, now: datetime, within: timedelta = SOON) -> bool:
        """Open, not owed yet, and owed within `within` unless the client is called."""
        if ticket.pipeline != self.pipeline_id or ticket.stage not in self.open_stages:
            return False
        anchor = self.anchor(ticket)
        return anchor is not None and self.wait < now + within - anchor and (
            now - anchor <= self.wait)


@dataclass(frozen=True)
class Owed:
    ticket: Ticket
    reason: Reason
    since: datetime
    hours_waiting: float


def most_overdue_first(owed: list[Owed]) -> list[Owed]:
    return sorted(owed, key=lambda o: (-o.hours_waiting, o.ticket.id))


def waited(hours: float) -> str:
    """Spanish for a wait: `hace 3 d 4 h`, `hace 5 h`, `hace 20 min`."""
    minutes = round(hours * 60)
    if minutes < 60:
        return f"hace {minutes} min"
    days, rest = divmod(minutes // 60, 24)
    return f"hace {days} d {rest} h" if days else f"hace {rest} h"


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)
