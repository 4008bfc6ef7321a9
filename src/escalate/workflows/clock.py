"""The follow-up clock of a portal under the team's policy (followup, bump and report)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import Settings
from ..domain.followup import Clock
from .portal import Portal

if TYPE_CHECKING:
    from ..domain.policy import FollowupPolicy


def portal_clock(portal: Portal, settings: Settings, policy: FollowupPolicy | None,
                 override_hours: float | None = None) -> Clock:
    """The clock for this portal's pipeline: the policy's intervals and business hours in the
    portal's time zone, ESCALATE_FOLLOWUP_HOURS where the policy says nothing, and
    `override_hours` (`--horas`) over every priority."""
    return Clock.build(portal.pipeline.id, portal.open_stage_ids, portal.closed_stage_ids,
                       default_hours=settings.followup_hours, policy=policy,
                       override_hours=override_hours, time_zone=portal.account.time_zone,
                       priority_options=portal.priority_options)
