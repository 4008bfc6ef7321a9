"""Searches paged by create-date windows at once: every result once, in pieces whose floors
hold, several searches in flight at a latency, none refused; the windows' bookkeeping on its
own (bounds, cuts, restarts past HubSpot's cap). Asserted from the results and the sandbox's
request log, never from timings."""

from __future__ import annotations

import math
import random
import time
from typing import Any

import pytest

from .conftest import Sandbox
from .test_speed import batch_create, gateway, most_at_once

HIGH = [{"filters": [{"propertyName": "hs_ticket_priority", "operator": "EQ", "value": "HIGH"}]}]


def seed(sandbox: Sandbox, keys: list[int]) -> None:
    for start in range(0, len(keys), 100):
        batch_create(sandbox, [{
            "properties": {"subject": f"W{i}", "hs_pipeline": "0", "hs_pipeline_stage": "2",
                           "hs_ticket_priority": "HIGH", "createdate": str(keys[i])},
        } for i in range(start, min(len(keys), start + 100))])


def clumped(count: int, seed_: int = 5) -> list[int]:
    """Create dates bunched near the start, some shared by several tickets."""
    rng = random.Random(seed_)
    base = int((time.time() - 72 * 3600) * 1000)
    return sorted(base + int(rng.expovariate(1) * 100_000) // 7 * 7 for _ in range(count))


def walk(sandbox: Sandbox) -> tuple[list[str], int]:
    """Every ticket the windowed search hands on, and how many were handed on below a floor
    an earlier page promised."""
    from escalate.domain.moments import epoch_ms

    found: list[str] = []
    below = 0
    floor = -math.inf
    for page in gateway(sandbox).ticket_pages(HIGH, properties=["createdate", "subject"]):
        for ticket in page.items:
            assert ticket.created_at is not None
            below += int(epoch_ms(ticket.created_at)) < floor
            found.append(ticket.subject)
        floor = page.floor
    return found, below


@pytest.mark.usefixtures("hubspot_search_limit")
def test_windows_at_once_hand_on_every_ticket_once_above_each_floor(sandbox: Sandbox,
                                                                     low_search_cap: int):
    keys = clumped(2_500)
    seed(sandbox, keys)
    sandbox.control("POST", "latency", {"delay_ms": 250})  # a search takes 1/4 s or more
    sandbox.forget_requests()
    found, below = walk(sandbox)
    assert sorted(found) == sorted(f"W{i}" for i in range(2_500))
    assert below == 0
    searches = [r for r in sandbox.requests() if r["path"].endswith("/search")]
    # The pacer holds them: without it 3 or 4 of these are refused; with it none on an idle
    # machine, and at most the one a loaded host delayed on its way into the next second.
    assert sum(r["status"] == 429 for r in searches) <= 1
    assert most_at_once(searches) >= 2  # windows paged at once
    # 13 pages of 200, plus what cutting into windows and restarting past the cap cost
    assert len(searches) <= 13 + 8


def test_one_query_at_no_latency_pages_one_window_in_order(sandbox: Sandbox):
    keys = clumped(700, seed_=9)
    seed(sandbox, keys)
    sandbox.forget_requests()
    found, below = walk(sandbox)
    assert sorted(found) == sorted(f"W{i}" for i in range(700))
    assert below == 0
    assert len([r for r in sandbox.requests() if r["path"].endswith("/search")]) == 4


def test_bounds_are_tightened_not_repeated():
    from escalate.gateway.windows import bounded

    groups = [{"filters": [{"propertyName": "hs_pipeline", "operator": "EQ", "value": "0"},
                           {"propertyName": "createdate", "operator": "LT", "value": "500"}]},
              {"filters": [{"propertyName": "closed_date", "operator": "GTE", "value": "9"}]}]
    open_, closed = bounded(groups, "createdate", 100, 800)
    assert open_["filters"] == [
        {"propertyName": "hs_pipeline", "operator": "EQ", "value": "0"},
        {"propertyName": "createdate", "operator": "GTE", "value": "100"},
        {"propertyName": "createdate", "operator": "LT", "value": "500"}]
    assert closed["filters"][1:] == [
        {"propertyName": "createdate", "operator": "GTE", "value": "100"},
        {"propertyName": "createdate", "operator": "LT", "value": "800"}]
    assert bounded(groups, "createdate", None, None) is groups


def answer(keys: list[int], after: str | None, total: int) -> dict[str, Any]:
    return {"total": total, "results": [{"id": str(k), "properties": {"k": str(k)}}
                                        for k in keys],
            "paging": {"next": {"after": after}} if after else None}


def key_of(found: dict[str, Any]) -> int:
    return int(found["properties"]["k"])


def test_a_window_cuts_off_its_upper_half_and_drops_what_came_past_it():
    from escalate.gateway.windows import Window

    window = Window(lo=None, hi=None)
    window.request(HIGH, "k", [])
    assert len(window.take(answer(list(range(0, 400, 2)), "200", 1_000), key_of)) == 200
    upper = window.split()
    assert upper is not None and upper.lo == window.hi
    assert window.hi == 398 + math.ceil(2 * 800 / 2)  # half of the 800 left, at 2 per result
    # A page that was on its way when the cut came: what is past it is the upper window's.
    past = list(range(400, 1600, 6))
    kept = window.take(answer(past, "400", 1_000), key_of)
    assert kept and max(key_of(f) for f in kept) < window.hi and window.done
    body = upper.request(HIGH, "k", [])
    assert {"propertyName": "k", "operator": "GTE", "value": str(upper.lo)} in \
        body["filterGroups"][0]["filters"]


def test_a_window_restarts_after_the_cap_from_its_last_key_and_refuses_a_stuck_one(
        monkeypatch: pytest.MonkeyPatch):
    from escalate.errors import Refused
    from escalate.gateway import limits
    from escalate.gateway.windows import Window

    monkeypatch.setattr(limits, "SEARCH_RESULTS_CAP", 400)
    window = Window(lo=None, hi=None)
    window.request(HIGH, "k", [])
    window.take(answer(list(range(200)), "200", 1_000), key_of)
    window.request(HIGH, "k", [])
    window.take(answer(list(range(200, 400)), "400", 1_000), key_of)
    body = window.request(HIGH, "k", [])
    assert "after" not in body  # a new query, from the last key seen
    assert {"propertyName": "k", "operator": "GTE", "value": "399"} in \
        body["filterGroups"][0]["filters"]
    again = window.take(answer(list(range(399, 599)), "200", 700), key_of)
    assert key_of(again[0]) == 400  # 399 was handed on before the restart
    stuck = Window(lo=None, hi=None)
    stuck.request(HIGH, "k", [])
    stuck.take(answer([7] * 200, "200", 900), key_of)
    stuck.take(answer([7] * 200, "400", 900), key_of)
    stuck.request(HIGH, "k", [])
    with pytest.raises(Refused):
        stuck.take(answer([7] * 200, "400", 900), key_of)
