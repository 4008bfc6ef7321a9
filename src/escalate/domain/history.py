"""A property's history as HubSpot keeps it (`propertiesWithHistory`), read as plain values."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .moments import parse_time
from .records import Ticket


@dataclass(frozen=True)
class Change:
    """One value a property took, when, and what wrote it (HubSpot's `sourceType`)."""

    value: str
    at: datetime
    source: str = ""


@dataclass(frozen=True)
class TicketHistory:
    """A ticket read with the history of some of its properties, each oldest first."""

    ticket: Ticket
    history: Mapping[str, tuple[Change, ...]] = field(default_factory=dict)

    def of(self, name: str) -> tuple[Change, ...]:
        return self.history.get(name, ())


def changes(raw: Iterable[Mapping[str, object]]) -> tuple[Change, ...]:
    """HubSpot's entries (`{value, timestamp, sourceType, ...}`, newest first) oldest first;
    entries without a readable time are dropped."""
    found = []
    for entry in raw:
        at = parse_time(str(entry.get("timestamp") or ""))
        if at is not None:
            found.append(Change(str(entry.get("value") or ""), at,
                                str(entry.get("sourceType") or "")))
    found.sort(key=lambda c: c.at)
    return tuple(found)


def run_start(history: Sequence[Change], current: str | None,
              created: datetime | None) -> datetime | None:
    """When the property took its current value for the last time: the start of the run of
    entries equal to it at the end of the history (a rewrite of the same value is no
    change). Without history, the creation."""
    start = None
    for change in reversed(history):
        if change.value != (current or ""):
            break
        start = change.at
    if start is None:
        return created if not history or history[-1].value == (current or "") else None
    return start


def entered(history: Sequence[Change], values: Callable[[str], bool]) -> datetime | None:
    """When the property last moved into a value `values` accepts from one it does not
    (the start of the current run of accepted values), or None if it is not in one now."""
    start = None
    for change in reversed(history):
        if not values(change.value):
            break
        start = change.at
    return start


def times(history: Sequence[Change]) -> tuple[datetime, ...]:
    """The moments a datetime property recorded (its non-empty values), oldest first."""
    found = sorted({moment for c in history if c.value
                    for moment in [parse_time(c.value)] if moment is not None})
    return tuple(found)
