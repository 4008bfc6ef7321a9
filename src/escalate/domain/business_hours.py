"""Business hours: how much of a span of time falls in the team's working hours. Pure.

Working hours are wall-clock times in the portal's time zone (09:00-18:00 stays 09:00-18:00
across a DST change), so each day's window is placed in that zone and measured in real
time: a window that a DST change crosses is an hour shorter or longer, as it was lived.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone, tzinfo


class BusinessCalendar:
    """Working days (ISO weekdays), daily hours and holidays, in one time zone."""

    def __init__(self, days: Iterable[int], start: time, end: time,
                 holidays: Iterable[date] = (), zone: tzinfo = timezone.utc) -> None:
        self.days = frozenset(days)
        self.start = start
        self.end = end
        self.holidays = frozenset(holidays)
        self.zone = zone
        # Business seconds before each day, from `_origin` on: measuring a span is then two
        # look-ups, however long the span (the report measures thousands of them).
        self._origin: date | None = None
        self._before: list[float] = [0.0]

    def __repr__(self) -> str:
        return (f"BusinessCalendar(days={sorted(self.days)}, start={self.start}, "
                f"end={self.end}, holidays={len(self.holidays)}, zone={self.zone})")

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working window of a local day, as aware moments; None on a day off."""
        if day.isoweekday() not in self.days or day in self.holidays:
            return None
        opens = datetime.combine(day, self.start, tzinfo=self.zone)
        closes = datetime.combine(day, self.end, tzinfo=self.zone)
        # Real time between them: a DST change inside the window shortens or lengthens it.
        return opens, closes

    def elapsed(self, since: datetime, until: datetime) -> timedelta:
        """The working time between two moments (zero when `until` is not after `since`)."""
        if until <= since:
            return timedelta(0)
        start = self._position(since)  # the earlier moment first: it may move the origin
        return timedelta(seconds=self._position(until) - start)

    # -- the cumulative index ---------------------------------------------------------

    def _day_seconds(self, day: date) -> float:
        found = self.window(day)
        if found is None:
            return 0.0
        opens, closes = found
        return max(0.0, (_utc(closes) - _utc(opens)).total_seconds())

    def _seconds_before(self, day: date) -> float:
        """Working seconds from the origin to the start of `day` (the index grows as needed)."""
        if self._origin is None or day < self._origin:
            self._origin = day - timedelta(days=366)  # room for earlier moments to come
            self._before = [0.0]
        index = (day - self._origin).days
        while len(self._before) <= index:
            current = self._origin + timedelta(days=len(self._before) - 1)
            self._before.append(self._before[-1] + self._day_seconds(current))
        return self._before[index]

    def _position(self, moment: datetime) -> float:
        day = moment.astimezone(self.zone).date()
        passed = 0.0
        found = self.window(day)
        if found is not None:
            opens, closes = (_utc(m) for m in found)
            at = _utc(moment)
            passed = (min(max(at, opens), closes) - opens).total_seconds()
        return self._seconds_before(day) + passed


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)
