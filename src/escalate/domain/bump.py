"""The automatic priority bump: which open tickets sat too long at their level. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .followup import Clock, span
from .history import TicketHistory, run_start
from .moments import epoch_ms
from .priority import Priority

if TYPE_CHECKING:  # annotations only: the report's reading (a create's detection) loads no pydantic
    from .policy import BumpPolicy

PRIORITY = "hs_ticket_priority"
NEXT_LEVEL = {Priority.BAJA: Priority.MEDIA, Priority.MEDIA: Priority.ALTA,
              Priority.ALTA: Priority.URGENTE}
# The bump note's first words, which `Raise.note` writes and `raises_noted` reads back.
_NOTE = "Prioridad subida de {level} a {to}"
_NOTED = re.compile(_NOTE.format(level="(BAJA|MEDIA|ALTA)", to="(MEDIA|ALTA|URGENTE)"))


@dataclass(frozen=True)
class Raise:
    """One ticket raised one level, and for how long it had been at the old one."""

    ticket_id: str
    subject: str
    level: Priority
    to: Priority
    since: datetime
    hours: float  # as the follow-up clock counts (business hours when the policy sets them)
    calendar_hours: float = 0.0  # the same stretch on the wall clock
    business: bool = False
    owner_id: str | None = None  # the ticket's HubSpot owner
    agent_id: str | None = None  # who escalated it (`escalate_agent`)

    def note(self) -> str:
        return (_NOTE.format(level=self.level.value, to=self.to.value)
                + f": {self.at_level()} sin resolver")

    def at_level(self) -> str:
        """How long at the level: `50 h`, or `50 h hábiles (6 d 2 h de calendario)`."""
        if not self.business:
            return f"{int(self.hours)} h"
        return f"{int(self.hours)} h hábiles ({span(self.calendar_hours)} de calendario)"

    @property
    def reference(self) -> str:
        """What names this raise in its note: the levels and since when the ticket sat at
        the lower one. Two runs at once that make the same raise write the same words."""
        return f"bump {self.level.value}-{self.to.value} {epoch_ms(self.since)}"

    def doubled(self, notes: Iterable[tuple[str, str]]) -> list[str]:
        """Of the notes (id, body) naming this raise, every one but the note with the lowest
        id: whichever run looks, the same one stays."""
        named = re.compile(re.escape(self.reference) + r"(?!\d)")
        ids = [note_id for note_id, body in notes if named.search(body)]
        return sorted(ids, key=lambda i: (len(i), i))[1:]

    def as_json(self) -> dict[str, object]:
        return {"id": self.ticket_id, "subject": self.subject, "from": self.level.value,
                "to": self.to.value, "at_level_since": self.since.isoformat(),
                "hours_at_level": round(self.hours, 2),
                "calendar_hours_at_level": round(self.calendar_hours, 2),
                "business_hours": self.business}


def raises_noted(notes: Iterable[str]) -> set[tuple[str, str]]:
    """The raises (from, to) that bump notes among these texts name."""
    return {(m.group(1), m.group(2)) for body in notes for m in _NOTED.finditer(body)}


def levels_to_raise(policy: BumpPolicy) -> list[Priority]:
    """The levels the policy lets rise by themselves, lowest first."""
    return [p for p in NEXT_LEVEL if policy.after(p) is not None]


def due_raise(item: TicketHistory, clock: Clock, policy: BumpPolicy,
              now: datetime) -> Raise | None:
    """The raise this ticket is due, or None: open in the pipeline, at a level the policy
    raises, for longer than the policy allows (counted as the follow-up clock counts)."""
    ticket = item.ticket
    if ticket.pipeline != clock.pipeline_id or ticket.stage not in clock.open_stages:
        return None
    level = clock.priority(ticket)
    hours = policy.after(level) if level is not None else None
    if level is None or hours is None:
        return None
    since = run_start(item.of(PRIORITY), ticket.priority, ticket.created_at)
    if since is None:
        return None
    spent = clock.elapsed(since, now).total_seconds() / 3600
    if spent <= hours:
        return None
    return Raise(ticket.id, ticket.subject, level, NEXT_LEVEL[level], since, spent,
                 (now - since).total_seconds() / 3600, clock.business,
                 ticket.properties.get("hubspot_owner_id") or None,
                 ticket.properties.get("escalate_agent") or None)
