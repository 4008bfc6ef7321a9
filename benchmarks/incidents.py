"""The incident detection against the seeded day: how many related escalations were offered
their incident, how many unrelated ones were offered one, at the default threshold and
around it, and the time one detection takes against a day's open tickets.

    python benchmarks/incidents.py

Reads tests/data/incident_day.json (3 problems × 20 clients in different words by
different agents, 100 unrelated escalations) and replays it in order (tests/incident_day.py):
each escalation takes what it is offered, as an agent accepting the default would.
Goals (issue 25): related ≥ 90 %, unrelated ≤ 5 %.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.incident_day import escalations, replay  # noqa: E402

from escalate.domain import incidents  # noqa: E402


def main() -> None:
    day = escalations()
    print(f"{len(day)} escalations: "
          f"{sum(1 for e in day if e['problem'])} related (3 problems), "
          f"{sum(1 for e in day if not e['problem'])} unrelated")
    print(f"{'threshold':>9} {'related offered':>18} {'unrelated offered':>18} {'incidents':>9}")
    for threshold in (60, 65, incidents.SIMILAR, 75, 80):
        got = replay(day, threshold=threshold)
        mark = "  ← default" if threshold == incidents.SIMILAR else ""
        print(f"{threshold:>9} {got.related_offered:>4}/{got.related:<3} {got.related_share:6.1%}"
              f"   {got.unrelated_offered:>4}/{got.unrelated:<3} {got.unrelated_share:6.1%}"
              f"   {got.incidents:>7}{mark}")
    candidates = [incidents.Open(str(n), datetime.fromisoformat(e["created_at"]),
                                 incidents.Fingerprint.of(e["what"], e["where"]))
                  for n, e in enumerate(day)]
    last = day[-1]
    now = datetime.fromisoformat(last["created_at"])
    rounds = 200
    started = time.perf_counter()
    for _ in range(rounds):
        incidents.detect(incidents.Fingerprint.of(last["what"], last["where"]), candidates,
                         now, days=7, minimum=3)
    took = (time.perf_counter() - started) / rounds
    print(f"one detection against {len(candidates)} open tickets: {took * 1000:.2f} ms")


if __name__ == "__main__":
    main()
