"""Moments: the one ISO 8601 reader, HubSpot's epoch milliseconds, and how a moment is shown.

A time written without an offset means a wall-clock time somewhere: the caller says
where (the portal's time zone for what an agent types, UTC for what HubSpot stores).
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo

EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)  # no escalation is older than this


def zone(name: str | None) -> tzinfo | None:
    """The IANA time zone called `name`, or None when unknown or unnamed."""
    if not name:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_iso(text: str, local: tzinfo | None = None) -> datetime | None:
    """An aware datetime from ISO 8601, or None when unreadable.

    A time without offset is read in `local`; with no `local`, in this machine's zone.
    """
    value = text.strip()
    if not value:
        return None
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=local) if local is not None else moment.astimezone()


def moment_label(moment: datetime) -> str:
    """A moment as a person reads it, wherever the tool shows one (the report's window, the
    review, a merge, a draft held elsewhere): `moment`'s own wall-clock time to the minute, the
    zone's abbreviation and its offset (`2026-11-29 16:38 CST, UTC-06:00`); the caller puts
    it in the zone the reader works in first (`cli/when.py`)."""
    offset = moment.strftime("%z")
    shown = f"UTC{offset[:3]}:{offset[3:]}" if offset else ""
    name = moment.strftime("%Z")
    if offset == "+0000":
        shown = "UTC"
    elif name and name != shown and not name.startswith("UTC"):
        shown = f"{name}, {shown}" if shown else name
    return f"{moment:%Y-%m-%d %H:%M} {shown or name}".strip()


def has_offset(text: str) -> bool:
    """Whether an ISO 8601 text names its own offset (unreadable text counts as needing none)."""
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        return True
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return True


def parse_time(value: str | None) -> datetime | None:
    """A moment as HubSpot writes it (ISO 8601 in UTC, or epoch ms); None if empty/unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        try:
            return datetime.fromtimestamp(int(text) / 1000, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):  # beyond the years datetime holds
            return None
    return parse_iso(text, timezone.utc)


def epoch_ms(moment: datetime) -> str:
    """HubSpot's form for datetimes in writes and search filters."""
    return str(int(moment.timestamp() * 1000))
