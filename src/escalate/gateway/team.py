"""HubSpot calls for the team: owners and call tasks (a mixin of `Gateway`)."""

from __future__ import annotations


class TeamCalls:
    """Owners and tasks. Methods use `self._call` and `self._client` of `Gateway`."""
