"""Moments as the agent reads them: in the portal's time zone, as the review and the report
show them, to the minute with the zone named (`domain.moments.moment_label`). One home, so a
merge, a draft held elsewhere or an incident's «desde ayer» never speaks UTC or this
machine's zone while the review beside it speaks the portal's."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..workflows.portal import Portal
    from .env import Env


def reading_zone(env: Env, portal: Portal | None = None) -> tzinfo:
    """The zone an agent reads times in: `portal`'s (as just read), else the portal's as last
    cached, however old; this machine's when no portal names one."""
    from ..domain.moments import zone
    from ..workflows.portal import PortalCache

    name = (portal.account.time_zone if portal is not None
            else PortalCache(env.settings).time_zone())
    found = zone(name)
    return found if found is not None else MachineZone()


def shown_moment(env: Env, moment: datetime, portal: Portal | None = None) -> str:
    """`moment` as the agent reads it: `2026-11-29 16:38 CST, UTC-06:00`."""
    from ..domain.moments import moment_label

    return moment_label(moment.astimezone(reading_zone(env, portal)))


class MachineZone(tzinfo):
    """This machine's zone as the OS tells it for each moment, summer time included
    (`datetime.now().astimezone().tzinfo` is a fixed offset: July's times in January's
    offset, an hour off). Asked of the OS per moment, as `datetime.astimezone()` with no
    argument does; the tm_gmtoff and tm_zone it reads exist on every platform."""

    def fromutc(self, dt: datetime) -> datetime:
        local = time.localtime(_epoch(dt.replace(tzinfo=timezone.utc)))
        return dt + timedelta(seconds=local.tm_gmtoff)

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(seconds=self._local(dt).tm_gmtoff)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=1) if self._local(dt).tm_isdst > 0 else timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return self._local(dt).tm_zone

    @staticmethod
    def _local(dt: datetime | None) -> time.struct_time:
        """The OS's reading of a wall-clock time here (now for None); one it cannot place
        (before 1970 on Windows) is read as now."""
        if dt is None:
            return time.localtime()
        try:
            return time.localtime(time.mktime((dt.year, dt.month, dt.day, dt.hour, dt.minute,
                                               dt.second, dt.weekday(), 0, -1)))
        except (OverflowError, ValueError, OSError):
            return time.localtime()

    def __repr__(self) -> str:
        return "MachineZone()"


def _epoch(moment: datetime) -> float:
    try:
        return moment.timestamp()
    except (OverflowError, ValueError, OSError):
        return time.time()
