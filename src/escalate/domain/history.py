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
    """A ticket read with the history of some of its properties, each oldest first;
    `unreadable`: how many entries were left out for want of a readable time."""

    ticket: Ticket
    history: Mapping[str, tuple[Change, ...]] = field(default_factory=dict)
    unreadable: int = 0

    def of(self, name: str) -> tuple[Change, ...]:
        return self.history.get(name, ())


def with_history(ticket: Ticket, raw: Mapping[str, object], names: Iterable[str]
                 ) -> TicketHistory:
    """The ticket with HubSpot's `propertiesWithHistory` (`{name: [entries]}`) of `names`."""
    history: dict[str, tuple[Change, ...]] = {}
    unreadable = 0
    for name in names:
        entries = raw.get(name) if isinstance(raw, Mapping) else None
        found, left_out = changes(entries if isinstance(entries, list) else [])
        history[name] = found
        unreadable += left_out
    return TicketHistory(ticket, history, unreadable)


def changes(raw: Iterable[object]) -> tuple[tuple[Change, ...], int]:
    """HubSpot's entries (`{value, timestamp, sourceType, ...}`, newest first) oldest first,
    and how many were left out: entries without a readable time, or not entries at all."""
    found = []
    left_out = 0
    for entry in raw:
        at = parse_time(str(entry.get("timestamp") or "")) if isinstance(entry, Mapping) else None
        if at is None or not isinstance(entry, Mapping):
            left_out += 1
            continue
        value = entry.get("value")
        found.append(Change("" if value is None else str(value), at,
                            str(entry.get("sourceType") or "")))
    found.sort(key=lambda c: c.at)
    return tuple(found), left_out


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
