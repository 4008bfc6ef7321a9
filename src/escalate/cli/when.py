"""Moments as the agent reads them: in the portal's time zone, as the review and the report
show them, to the minute with the zone named (`domain.moments.moment_label`). One home, so a
merge, a draft held elsewhere or an incident's «desde ayer» never speaks UTC or this
machine's zone while the review beside it speaks the portal's."""

from __future__ import annotations

from datetime import datetime, tzinfo
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
    return found if found is not None else _machine_zone(env)


def shown_moment(env: Env, moment: datetime, portal: Portal | None = None) -> str:
    """`moment` as the agent reads it: `2026-11-29 16:38 CST, UTC-06:00`."""
    from ..domain.moments import moment_label

    return moment_label(moment.astimezone(reading_zone(env, portal)))


def _machine_zone(env: Env) -> tzinfo:
    found = env.now().astimezone().tzinfo
    assert found is not None  # astimezone() always names the machine's zone
    return found
