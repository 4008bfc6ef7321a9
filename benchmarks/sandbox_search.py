"""Sandbox CPU per search page at scale (issue 13): seeds N tickets, then times the follow-up
query's pages in-process (no HTTP, no client), as `time.process_time()` of the sandbox alone.

    python benchmarks/sandbox_search.py 10500 50000
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from werkzeug.test import Client

import escalate_sandbox

AUTH = {"Authorization": "Bearer sandbox"}
HOUR = 3_600_000


def post(client: Client, path: str, body: Any) -> Any:
    answer = client.post(path, data=json.dumps(body), headers=AUTH,
                         content_type="application/json")
    if answer.status_code >= 300:
        raise SystemExit(f"{path}: {answer.status_code} {answer.get_data(as_text=True)[:300]}")
    return answer.get_json()


def seed(client: Client, count: int, now: int) -> float:
    """Tickets spread over 60 days, a tenth closed, some with a client update."""
    started = time.perf_counter()
    records = []
    for i in range(count):
        props = {"subject": f"POL-{i} - Cliente", "hs_pipeline": "0",
                 "hs_pipeline_stage": "4" if i % 10 == 0 else "2",
                 "hs_ticket_priority": ("LOW", "MEDIUM", "HIGH", "URGENT")[i % 4],
                 "createdate": str(now - 60 * 24 * HOUR + i * (60 * 24 * HOUR // count))}
        if i % 3 == 0:
            props["escalate_last_client_update"] = str(now - (i % 200) * HOUR)
        records.append({"properties": props})
    probe = client.post("/_sandbox/history", data="{}", headers=AUTH,
                        content_type="application/json")
    if probe.status_code != 404:  # bulk seeding, one transaction per chunk
        for start in range(0, count, 5000):
            post(client, "/_sandbox/history", {"object": "tickets",
                                               "records": records[start:start + 5000]})
    else:  # a sandbox from before /_sandbox/history
        for start in range(0, count, 100):
            post(client, "/crm/v3/objects/tickets/batch/create",
                 {"inputs": records[start:start + 100]})
    return time.perf_counter() - started


def followup_query(now: int, after: int) -> dict[str, Any]:
    pipeline = {"propertyName": "hs_pipeline", "operator": "EQ", "value": "0"}
    open_ = {"propertyName": "hs_pipeline_stage", "operator": "IN", "values": ["1", "2", "3"]}
    cutoff = str(now - 48 * HOUR)
    body: dict[str, Any] = {
        "filterGroups": [
            {"filters": [pipeline, open_, {"propertyName": "escalate_last_client_update",
                                           "operator": "NOT_HAS_PROPERTY"},
                         {"propertyName": "createdate", "operator": "LT", "value": cutoff}]},
            {"filters": [pipeline, open_, {"propertyName": "escalate_last_client_update",
                                           "operator": "LT", "value": cutoff}]},
            {"filters": [pipeline, {"propertyName": "hs_pipeline_stage", "operator": "IN",
                                    "values": ["4"]},
                         {"propertyName": "closed_date", "operator": "GT",
                          "value": str(now - 30 * 24 * HOUR)}]},
        ],
        "sorts": [{"propertyName": "createdate", "direction": "ASCENDING"}],
        "properties": ["subject", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_priority",
                       "createdate", "closed_date", "escalate_last_client_update",
                       "escalate_id", "escalate_agent"],
        "limit": 200,
    }
    if after:
        body["after"] = str(after)
    return body


def measure(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        running = escalate_sandbox.start(Path(folder) / "hubspot", per_10s=0)
        try:
            client = Client(running.app)
            post(client, "/_sandbox/rate_limit", {"per_10s": 0, "search_per_s": 0})
            now = int(time.time() * 1000)
            seconds = seed(client, count, now)
            costs = []
            total = 0
            for i, after in enumerate([0, 200, 5000, 9800] * 3):
                started = time.process_time()
                answer = post(client, "/crm/v3/objects/tickets/search",
                              followup_query(now, after))
                cost = time.process_time() - started
                total = answer["total"]
                if i:  # the first search also builds the indexes (or decodes every row)
                    costs.append(cost)
                else:
                    first = cost
            other = followup_query(now, 0)
            other["filterGroups"][0]["filters"][3]["value"] = str(now - 49 * HOUR)
            started = time.process_time()
            post(client, "/crm/v3/objects/tickets/search", other)
            new_query = time.process_time() - started
            answer = client.patch(f"/crm/v3/objects/tickets/{1007 + count // 2}",
                                  data=json.dumps({"properties": {"hs_ticket_priority": "HIGH"}}),
                                  headers=AUTH, content_type="application/json")
            assert answer.status_code == 200, answer.get_data(as_text=True)
            started = time.process_time()
            post(client, "/crm/v3/objects/tickets/search", followup_query(now, 0))
            after_write = time.process_time() - started
            print(f"{count:>6} tickets (seeded in {seconds:.1f} s), {total} matching: "
                  f"first page {first:.3f} s CPU, then median {statistics.median(costs):.3f} s "
                  f"(min {min(costs):.3f}, max {max(costs):.3f}) per page; another query "
                  f"{new_query:.3f} s; the first page after a write {after_write:.3f} s")
        finally:
            running.stop()


if __name__ == "__main__":
    for n in sys.argv[1:] or ["10500", "50000"]:
        measure(int(n))
