"""The seeded day of issue 25 (tests/data/incident_day.json) replayed through the detection:
each escalation, in the order it was made, is compared with the open ones before it; it takes
what it is offered (joins the incident, or opens the one proposed), as an agent accepting the
default would. Shared by the test that holds a smaller set and benchmarks/incidents.py."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from escalate.domain import incidents

DAY = Path(__file__).parent / "data" / "incident_day.json"


def escalations() -> list[dict[str, Any]]:
    return list(json.loads(DAY.read_text(encoding="utf-8"))["escalations"])


@dataclass
class Outcome:
    related: int = 0  # related escalations made once their problem had an incident's worth
    related_offered: int = 0  # ... offered an incident made mostly of their own problem
    unrelated: int = 0
    unrelated_offered: int = 0  # unrelated escalations offered any incident
    incidents: int = 0

    @property
    def related_share(self) -> float:
        return self.related_offered / self.related if self.related else 0.0

    @property
    def unrelated_share(self) -> float:
        return self.unrelated_offered / self.unrelated if self.unrelated else 0.0


def replay(day: Sequence[dict[str, Any]], *, minimum: int = 3, days: int = 7,
           threshold: float = incidents.SIMILAR) -> Outcome:
    """The day replayed; a related escalation counts once `minimum - 1` of its problem came
    before it (before that there is nothing to offer)."""
    seen: list[incidents.Open] = []
    problem_of: dict[str, str | None] = {}
    members: dict[str, list[str]] = {}
    outcome = Outcome()
    for n, item in enumerate(day):
        ticket_id = str(1000 + n)
        now = datetime.fromisoformat(item["created_at"])
        detection = incidents.detect(incidents.Fingerprint.of(item["what"], item["where"]),
                                     seen, now, days=days, minimum=minimum,
                                     threshold=threshold)
        incident = detection.incident_id
        if detection.propose:
            incident = f"I{len(members) + 1}"
            members[incident] = [m.ticket_id for m in detection.similar]
            seen = [incidents.Open(o.ticket_id, o.created_at, o.fingerprint, incident)
                    if o.ticket_id in members[incident] else o for o in seen]
        if incident is not None:
            members.setdefault(incident, []).append(ticket_id)
        _count(outcome, item["problem"], problem_of, members.get(incident or "", []),
               earlier=sum(1 for p in problem_of.values() if p and p == item["problem"]),
               minimum=minimum)
        problem_of[ticket_id] = item["problem"]
        seen.append(incidents.Open(ticket_id, now, incidents.Fingerprint.of(
            item["what"], item["where"]), incident))
    outcome.incidents = len(members)
    return outcome


def _count(outcome: Outcome, problem: str | None, problem_of: dict[str, str | None],
           group: list[str], *, earlier: int, minimum: int) -> None:
    others = [problem_of.get(t) for t in group if t in problem_of]
    if problem is None:
        outcome.unrelated += 1
        outcome.unrelated_offered += bool(group)
    elif earlier + 1 >= minimum:
        outcome.related += 1
        outcome.related_offered += bool(others) and 2 * others.count(problem) > len(others)
