"""Tickets a command skipped or treated apart (typed or edited in HubSpot), said on stderr
with how many and why: the JSON and CSV on stdout stay the command's own."""

from __future__ import annotations

from ..domain.oddities import Tally
from .env import Env


def say(env: Env, lead: str, tally: Tally) -> None:
    """«lead: 3 sin contacto (1016, 1017, 1029): asocie en HubSpot ...; 1 ...», if any."""
    if tally:
        env.warn(f"{lead}: " + "; ".join(tally.phrases()) + ".")
