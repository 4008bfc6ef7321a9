"""Moments as HubSpot writes them: ISO 8601 (usually) or epoch milliseconds."""

from __future__ import annotations

from datetime import datetime, timezone


def parse_time(value: str | None) -> datetime | None:
    """An aware datetime, or None when the value is empty or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=timezone.utc)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def epoch_ms(moment: datetime) -> str:
    """HubSpot's form for datetimes in writes and search filters."""
    return str(int(moment.timestamp() * 1000))
