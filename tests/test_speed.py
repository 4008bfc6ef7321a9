"""As fast as HubSpot allows: reads that overlap, uploads beside the ticket check, keyset
paging past 10,000, reads pipelined beside the search. Asserted from the sandbox's request
log (what overlapped, how many requests), never from timings."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import ANA, Cli, Sandbox, png_bytes, with_option

PORTAL_READS = ("/account-info/2026-09/details", "/crm/pipelines/2026-09/tickets",
                "/crm/properties/2026-09/tickets")


def overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a["started_at"] < b["finished_at"] and b["started_at"] < a["finished_at"]


def most_at_once(requests: list[dict[str, Any]]) -> int:
    return max((sum(1 for r in requests if r["started_at"] <= s["started_at"] < r["finished_at"])
                for s in requests), default=0)


def batch_create(sandbox: Sandbox, inputs: list[dict[str, Any]]) -> None:
    import json
    import urllib.request

    request = urllib.request.Request(
        f"{sandbox.url}/crm/v3/objects/tickets/batch/create", method="POST",
        data=json.dumps({"inputs": inputs}).encode(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer sandbox"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status in (200, 201)


def gateway(sandbox: Sandbox) -> Any:
    from escalate.gateway import Gateway, RetryPolicy

    return Gateway(sandbox.url, "sandbox", retry=RetryPolicy(busy_seconds=5, offline_seconds=1))


def test_a_cold_create_reads_the_portal_the_contact_and_duplicates_at_once(
        cli: Cli, sandbox: Sandbox):
    sandbox.control("POST", "latency", {"delay_ms": 150})
    result = cli("create", *ANA)
    assert result.code == 0, result.err
    log = sandbox.requests()
    reads = [r for r in log if r["path"] in PORTAL_READS]
    assert len(reads) == 3
    assert all(overlap(a, b) for a, b in itertools.combinations(reads, 2))
    contact = next(r for r in log if r["path"].startswith("/crm/objects/2026-09/contacts"))
    search = next(r for r in log if r["path"] == "/crm/objects/2026-09/tickets/search")
    assert all(overlap(contact, r) and overlap(search, r) for r in reads)
    create = next(r for r in log if r["path"] == "/crm/objects/2026-09/tickets"
                  and r["method"] == "POST")
    assert all(r["finished_at"] <= create["started_at"] for r in [*reads, contact, search])
    # The search for open tickets alike (issue 25) needs the portal's stages: it follows
    # the portal's reads when the portal is not cached yet.
    searches = [r for r in log if r["path"] == "/crm/objects/2026-09/tickets/search"]
    assert len(searches) == 2


def test_a_warm_create_sends_its_three_reads_together_then_the_create(cli: Cli,
                                                                     sandbox: Sandbox):
    assert cli("create", *with_option(ANA, "--poliza", "WARM-1")).code == 0
    sandbox.control("POST", "latency", {"delay_ms": 150})
    sandbox.forget_requests()
    assert cli("create", *ANA).code == 0
    log = sandbox.requests()
    assert len(log) == 4
    [contact] = [r for r in log if r["path"].startswith("/crm/objects/2026-09/contacts")]
    # the policy's tickets, and the open tickets alike (issue 25)
    [search, alike] = [r for r in log if r["path"] == "/crm/objects/2026-09/tickets/search"]
    [create] = [r for r in log if r["path"] == "/crm/objects/2026-09/tickets"]
    assert overlap(contact, search) and overlap(contact, alike) and overlap(search, alike)
    assert create["started_at"] >= max(contact["finished_at"], search["finished_at"],
                                       alike["finished_at"])


def test_attach_checks_the_ticket_beside_up_to_8_uploads(cli: Cli, sandbox: Sandbox,
                                                         tmp_path: Path):
    ticket = cli("create", *ANA, "--json").json()["id"]
    files = []
    for i in range(9):
        path = tmp_path / f"captura{i}.png"
        path.write_bytes(png_bytes(100 + i))
        files.append(str(path))
    sandbox.control("POST", "latency", {"delay_ms": 150})
    sandbox.forget_requests()
    result = cli("attach", ticket, *files, "--json")
    assert result.code == 0, result.err
    log = sandbox.requests()
    uploads = [r for r in log if r["path"] == "/files/2026-03/files"]
    check = next(r for r in log if r["path"] == f"/crm/objects/2026-09/tickets/{ticket}")
    note = next(r for r in log if r["path"] == "/crm/objects/2026-09/notes")
    assert len(uploads) == 9 and len(log) == 11
    assert any(overlap(check, u) for u in uploads)
    assert most_at_once(uploads) == 8
    assert note["started_at"] >= max(r["finished_at"] for r in [*uploads, check])


def test_search_pages_past_10000_by_create_date_without_repeats_or_gaps(
        sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch):
    from escalate.gateway import limits

    monkeypatch.setattr(limits, "SEARCH_RESULTS_CAP", 400)  # HubSpot's 10,000, scaled down
    base = int((time.time() - 72 * 3600) * 1000)
    # 1,000 tickets, five per create date: pages end in the middle of equal dates
    for start in range(0, 1000, 100):
        batch_create(sandbox, [{
            "properties": {"subject": f"K{i}", "hs_pipeline": "0", "hs_pipeline_stage": "2",
                           "hs_ticket_priority": "LOW", "createdate": str(base + (i // 5) * 1000)},
        } for i in range(start, start + 100)])
    sandbox.forget_requests()
    groups = [{"filters": [{"propertyName": "hs_ticket_priority", "operator": "EQ",
                            "value": "LOW"}]}]
    found = [t.subject for t, _ in gateway(sandbox).search_tickets(groups)]
    assert sorted(found) == sorted(f"K{i}" for i in range(1000))
    searches = [r for r in sandbox.requests() if r["path"].endswith("/search")]
    assert all(r["status"] == 200 for r in searches)
    assert len(searches) <= 8  # 5 pages, plus one restart per 400 results


def test_batch_reads_go_out_while_the_search_still_pages(sandbox: Sandbox):
    base = int((time.time() - 72 * 3600) * 1000)
    for start in range(0, 600, 100):
        batch_create(sandbox, [{
            "properties": {"subject": f"P{i}", "hs_pipeline": "0", "hs_pipeline_stage": "2",
                           "hs_ticket_priority": "HIGH", "createdate": str(base + i)},
            "associations": [{"to": {"id": str(1001 + i % 6)}, "types": [{
                "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 16}]}],
        } for i in range(start, start + 100)])
    sandbox.control("POST", "latency", {"delay_ms": 100})
    sandbox.forget_requests()
    hubspot = gateway(sandbox)
    groups = [{"filters": [{"propertyName": "hs_ticket_priority", "operator": "EQ",
                            "value": "HIGH"}]}]
    tickets = (t for page in hubspot.ticket_pages(groups) for t in page.items)

    def linked(batch: list[Any]) -> list[tuple[Any, list[str]]]:
        links = hubspot.ticket_contact_ids([t.id for t in batch], chunk=100)
        return [(t, links.get(t.id, [])) for t in batch]

    rows = list(hubspot.pipelined(tickets, linked, chunk=100))
    assert len(rows) == 600 and all(len(contacts) == 1 for _, contacts in rows)
    # Each ticket once. In create order only within a window: when the first page is slow
    # to come (a loaded machine), the rest is paged as two create-date windows at once,
    # each handing on its pages as they come (the floor each page carries says what may
    # still come before it: the streamed commands sort by it).
    assert sorted(t.subject for t, _ in rows) == sorted(f"P{i}" for i in range(600))
    log = sandbox.requests()
    searches = [r for r in log if r["path"].endswith("/search")]
    links = [r for r in log if r["path"].startswith("/crm/associations/2026-09/")]
    assert len(searches) in (3, 4) and len(links) == 6  # 3 pages, or 1 + 2 windows' pages
    assert min(r["started_at"] for r in links) < max(r["started_at"] for r in searches)


def test_pacing_follows_hubspots_rate_limit_headers():
    from escalate.gateway.transport import SEARCHES_PER_SECOND, PacedPoolManager

    pool = PacedPoolManager()
    assert pool.searches_per_second == SEARCHES_PER_SECOND == 5
    first = pool._pace(is_search=True)
    pool._note_limits({"X-HubSpot-RateLimit-Secondly": "3",
                       "X-HubSpot-RateLimit-Remaining": "40",
                       "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}, first, True)
    assert pool.searches_per_second == 3
    for _ in range(5):  # sent after the answer above: HubSpot has not counted them yet
        pool._pace(is_search=False)
    assert pool._remaining == 35
    late = first  # an older answer arriving late does not undo what newer ones said
    pool._note_limits({"X-HubSpot-RateLimit-Remaining": "90"}, late - 1, False)
    assert pool._remaining == 35


def test_the_time_left_comes_from_hubspots_pace(sandbox: Sandbox):
    from escalate.cli.progress import _left

    hubspot = gateway(sandbox)
    # 5 search pages at HubSpot's 5 searches a second (and the margin each search keeps)
    assert 1.0 < hubspot.eta(results_left=1_000) < 1.1
    sent = hubspot.pool._pace(is_search=False)
    hubspot.pool._note_limits({"X-HubSpot-RateLimit-Max": "100",
                               "X-HubSpot-RateLimit-Remaining": "99",
                               "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"},
                              sent, False)
    # with the account's 100 per 10 s known: 5 pages and 20 history reads, at 10 a second
    assert hubspot.eta(results_left=1_000, reads_per_result=1 / 50) == 2.5
    assert (_left(2.5), _left(75), _left(0.4)) == ("· quedan ~2 s", "· quedan ~1 min 15 s", "")
