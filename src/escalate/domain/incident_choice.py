"""What the agent said about incidents before a create reads anything (issue 25).

A module of its own so the create command can read `--incidente`/`--sin-incidente` before its
first question without importing the search for tickets alike (and with it the HubSpot
client): that import cost ≈0.1 s of the tool's own time before the first question."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Choice:
    """Join this incident (`--incidente`), or look for none (`--sin-incidente`); neither:
    look, and offer."""

    join: str | None = None
    detect: bool = True
