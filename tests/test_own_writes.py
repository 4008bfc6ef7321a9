"""Read-your-writes under HubSpot's search lag: a list that follows a write of the same agent
(the same ESCALATE_HOME) shows that write, with its new values, at once; nothing twice,
nothing invented when the object is gone since. The lists read the tickets this home wrote
in the last minutes by id (one batch read, not search) and merge them into the search's
answer; without recent writes they cost what they did."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from escalate.workflows.recent import WINDOW_SECONDS
from tests.conftest import ANA, Cli, Sandbox
from tests.test_bump import POLICY as BUMP_POLICY
from tests.test_bump import ago, seed, with_policy
from tests.test_incidents import BY_FLAGS, escalated, read
from tests.test_team import tasks_of

HOUR_MS = 3_600_000
LAG_MS = 60_000  # longer than any test: search never catches up by itself here
SEARCH = "/crm/objects/2026-09/tickets/search"
BATCH_READ = "/crm/objects/2026-09/tickets/batch/read"


@pytest.fixture
def portal(cli: Cli, sandbox: Sandbox) -> Cli:
    """A portal `setup` has prepared, its search lagging every write from now on."""
    done = cli("setup")
    assert done.code == 0, done.err
    sandbox.control("POST", "search_lag", {"ms": LAG_MS})
    return cli


def listed(cli: Cli) -> dict[str, dict[str, Any]]:
    result = cli("incidentes", "--json")
    assert result.code == 0, result.err
    rows = result.json()
    assert len(rows) == len({r["id"] for r in rows})  # nothing shown twice
    return {r["id"]: r for r in rows}


def paths(sandbox: Sandbox) -> list[str]:
    return [r["path"] for r in sandbox.requests()]


def test_an_incident_just_opened_is_listed_at_once_with_its_count(portal: Cli,
                                                                   sandbox: Sandbox):
    members = escalated(sandbox, 3)
    incident = portal("incidentes", "abrir", *members).out.splitlines()[0]
    sandbox.forget_requests()
    rows = listed(portal)
    assert list(rows) == [incident] and rows[incident]["affected"] == 3
    assert rows[incident]["subject"].endswith("(3 clientes)")
    log = paths(sandbox)
    assert log.count(SEARCH) == 1 and log.count(BATCH_READ) == 1  # one read by id, no more


def older_incident(sandbox: Sandbox, affected: int) -> str:
    """An open incident opened an hour ago (search knows it, with these values), its
    members not linked: the first `unir` counts them from nothing."""
    now = int(time.time() * 1000)
    answer = sandbox.control("POST", "history", {"object": "tickets", "records": [{
        "properties": {"subject": f"INCIDENTE: Placas ({affected} clientes)",
                       "hs_pipeline": "0", "hs_pipeline_stage": "2",
                       "hs_ticket_priority": "MEDIUM", "escalate_id": f"old-{now}",
                       "escalate_affected": str(affected)},
        "created_at": now - HOUR_MS}]})
    return str(answer["ids"][0])


def test_unir_and_separar_show_the_new_count_at_once(portal: Cli, sandbox: Sandbox):
    incident = older_incident(sandbox, 5)
    first, second = escalated(sandbox, 2)
    assert portal("incidentes", "unir", first, incident).code == 0
    assert listed(portal)[incident]["affected"] == 1  # search still says 5
    assert portal("incidentes", "unir", second, incident).code == 0
    assert listed(portal)[incident]["affected"] == 2
    assert portal("incidentes", "separar", second).code == 0
    again = listed(portal)[incident]
    assert again["affected"] == 1 and again["subject"].endswith("(1 cliente)")


def test_a_create_that_joins_an_incident_shows_the_new_count_at_once(portal: Cli,
                                                                     sandbox: Sandbox):
    incident = older_incident(sandbox, 7)
    created = portal("crear", *BY_FLAGS, "--incidente", incident, "--json")
    assert created.code == 0, created.err
    assert listed(portal)[incident]["affected"] == 1
    assert read(sandbox, incident)["escalate_affected"] in ("1", "1.0")


def test_an_incident_closed_or_deleted_since_is_not_invented(portal: Cli, sandbox: Sandbox):
    """Search still finds both open; they were this home's writes, so they are read by id:
    one is closed, the other gone."""
    closed, deleted = older_incident(sandbox, 3), older_incident(sandbox, 4)
    kept = older_incident(sandbox, 2)
    first, second = escalated(sandbox, 2)
    assert portal("incidentes", "unir", first, closed).code == 0
    assert portal("incidentes", "unir", second, deleted).code == 0
    sandbox.api("PATCH", f"/crm/objects/2026-09/tickets/{closed}",
                {"properties": {"hs_pipeline_stage": "4"}})  # an engineer closes it
    sandbox.client.crm.tickets.basic_api.archive(deleted)
    sandbox.forget_requests()
    rows = listed(portal)
    assert list(rows) == [kept] and rows[kept]["affected"] == 2  # another's: as searched
    assert paths(sandbox).count(BATCH_READ) == 1


def test_another_agents_writes_cost_no_extra_read(portal: Cli, sandbox: Sandbox,
                                                  tmp_path: Any):
    """Without writes of this home, the list is the search alone, as before."""
    members = escalated(sandbox, 3)
    sandbox.control("POST", "search_lag", {"ms": 0})
    other = Cli({**portal.environ, "ESCALATE_HOME": str(tmp_path / "other")}, portal.cwd)
    incident = other("incidentes", "abrir", *members).out.splitlines()[0]
    sandbox.forget_requests()
    assert list(listed(portal)) == [incident]
    assert paths(sandbox).count(BATCH_READ) == 0


def test_seguimiento_after_subir_lists_the_ticket_now_owed_at_its_new_level(
        cli: Cli, sandbox: Sandbox):
    """Raised to ALTA (24 h between updates), a ticket created 30 h ago is owed a call,
    though search still finds it at MEDIA (48 h)."""
    with_policy(cli, BUMP_POLICY + "[followup]\nhours = { MEDIA = 48, ALTA = 24 }\n")
    [ticket] = seed(sandbox, {"priority": "MEDIUM", "created": 50, "changes": [
        (30, {"escalate_last_client_update": ago(30)})]})
    sandbox.control("POST", "search_lag", {"ms": LAG_MS})
    raised = cli("subir", "--json")
    assert raised.code == 0, raised.err
    assert [r["id"] for r in raised.json()["raised"]] == [ticket]
    rows = cli("seguimiento", "--json")
    assert rows.code == 0, rows.err
    assert [(r["id"], r["priority"]) for r in rows.json()] == [(ticket, "ALTA")]


def test_seguimiento_lists_a_ticket_just_created_with_a_past_date(cli: Cli, sandbox: Sandbox):
    """`crear --fecha` three days back: owed a call at once, absent from search for now."""
    sandbox.control("POST", "search_lag", {"ms": LAG_MS})
    past = (datetime.now(timezone.utc) - timedelta(days=3)).isoformat(timespec="seconds")
    created = cli("crear", *ANA, "--fecha", past, "--json")
    assert created.code == 0, created.err
    rows = cli("seguimiento", "--json")
    assert rows.code == 0, rows.err
    assert [r["id"] for r in rows.json()] == [created.json()["id"]]


def test_a_second_create_for_the_policy_names_the_first_as_a_duplicate_at_once(
        cli: Cli, sandbox: Sandbox):
    sandbox.control("POST", "search_lag", {"ms": LAG_MS})
    first = cli("crear", *ANA, "--json")
    assert first.code == 0, first.err
    sandbox.forget_requests()
    second = cli("crear", *ANA, "--json", "--no-input")
    assert second.code == 0, second.err
    assert [d["id"] for d in second.json()["possible_duplicates"]] == [first.json()["id"]]
    assert "póliza POL-1001" in second.err
    assert paths(sandbox).count(BATCH_READ) == 1


def recent_file(home: Path) -> Path:
    [found] = (home / "cache").glob("recent-writes-*.json")
    return found


def test_writes_older_than_the_window_or_a_damaged_file_cost_nothing(
        portal: Cli, sandbox: Sandbox, home: Path):
    """Three minutes after a write search has long caught up: nothing is read by id; a
    damaged file is no recent writes, and the list still answers from search."""
    incident = older_incident(sandbox, 5)
    [member] = escalated(sandbox, 1)
    assert portal("incidentes", "unir", member, incident).code == 0
    path = recent_file(home)
    held = json.loads(path.read_text(encoding="utf-8"))
    assert list(held["recent-writes"]) == [incident]  # the count written; the member not
    held["recent-writes"] = {i: [at - WINDOW_SECONDS - 1, policy]
                             for i, (at, policy) in held["recent-writes"].items()}
    path.write_text(json.dumps(held), encoding="utf-8")
    sandbox.forget_requests()
    assert listed(portal)[incident]["affected"] == 5  # search's answer, as before
    assert paths(sandbox).count(BATCH_READ) == 0
    path.write_text('{"version": 1, "recent-writes": {"1": "ayer"', encoding="utf-8")
    assert listed(portal)[incident]["affected"] == 5


def test_seguimiento_tareas_after_subir_makes_the_call_task_of_the_ticket_now_owed(
        cli: Cli, sandbox: Sandbox):
    with_policy(cli, BUMP_POLICY + "[followup]\nhours = { MEDIA = 48, ALTA = 24 }\n")
    [ticket, other] = seed(sandbox, *[{"priority": "MEDIUM", "created": 50, "changes": [
        (30, {"escalate_last_client_update": ago(30)})]}] * 2)
    sandbox.control("POST", "search_lag", {"ms": LAG_MS})
    assert cli("subir", "--json").code == 0
    run = cli("seguimiento", "--tareas", "--todos", "--json")
    assert run.code == 0, run.err
    assert run.json()["created"] == 2
    assert len(tasks_of(sandbox, ticket)) == len(tasks_of(sandbox, other)) == 1
    again = cli("seguimiento", "--tareas", "--todos", "--json")  # its task seen, not doubled
    assert (again.json()["created"], len(tasks_of(sandbox, ticket))) == (0, 1)


CREATE = {"method": "POST", "path": "/crm/objects/2026-09/tickets"}


def test_a_create_whose_answer_was_lost_is_named_as_a_duplicate_at_once(
        cli: Cli, sandbox: Sandbox):
    """HubSpot made the ticket and its answer was lost: the read by `escalate_id` that finds
    it is the create's outcome, a write of this home like any other."""
    sandbox.control("POST", "search_lag", {"ms": LAG_MS})
    sandbox.fault(**CREATE, times=1, status=502, after_commit=True)
    first = cli("crear", *ANA, "--json")
    assert first.code == 0, first.err
    assert len(sandbox.tickets()) == 1  # made once, its answer lost
    second = cli("crear", *ANA, "--json", "--no-input")
    assert second.code == 0, second.err
    assert [d["id"] for d in second.json().get("possible_duplicates", [])] == [
        first.json()["id"]]


@pytest.mark.usefixtures("private_temp")
@pytest.mark.parametrize("state", [{"create_sent": True}, {}], ids=["read-first", "conflict"])
def test_a_kept_create_found_made_is_named_as_a_duplicate_at_once(
        cli: Cli, sandbox: Sandbox, home: Path, state: dict[str, Any]):
    """A kept create whose ticket HubSpot already holds: marked sent, the send reads it by
    `escalate_id` first; not marked (a lost answer of another path), the create is refused
    on `escalate_id` and the ticket read. Either way none is made and the ticket found is
    this home's write: the next create of the policy names it."""
    import uuid

    from escalate.outbox import Entry
    from tests.test_delivery import escalation_payload, put

    sandbox.control("POST", "search_lag", {"ms": LAG_MS})
    payload = escalation_payload("ana.lopez@example.com", "POL-1001")
    made = sandbox.client.crm.tickets.basic_api.create(simple_public_object_input_for_create={
        "properties": {"subject": "POL-1001 - Ana López", "hs_pipeline": "0",
                       "hs_pipeline_stage": "1", "escalate_policy": "POL-1001",
                       "escalate_id": payload["escalation"]["escalate_id"]}})
    put(home, Entry(uuid.uuid4().hex, "create", payload, dict(state)))
    sandbox.forget_requests()
    sent = cli("bandeja", "enviar")
    assert sent.code == 0, sent.out + sent.err
    creates = [r for r in sandbox.requests() if (r["method"], r["path"]) == tuple(CREATE.values())]
    assert len(creates) == (0 if state else 1)  # read first, or refused on escalate_id
    assert [str(t.id) for t in sandbox.tickets()] == [str(made.id)]  # none made
    again = cli("crear", *ANA, "--json", "--no-input")
    assert again.code == 0, again.err
    assert [d["id"] for d in again.json().get("possible_duplicates", [])] == [str(made.id)]


@pytest.mark.usefixtures("private_temp")
def test_bandeja_enviar_names_the_ticket_it_just_made_for_the_same_policy(
        cli: Cli, sandbox: Sandbox, home: Path):
    """Two kept creates of one policy sent by one command: the second is warned of the
    first, which search does not list yet and the cache holds only once the command ends."""
    import uuid

    from escalate.outbox import Entry
    from tests.test_delivery import escalation_payload, put

    sandbox.control("POST", "search_lag", {"ms": LAG_MS})
    for _ in range(2):
        put(home, Entry(uuid.uuid4().hex, "create",
                        escalation_payload("ana.lopez@example.com", "POL-1001")))
    sent = cli("bandeja", "enviar")
    assert sent.code == 0, sent.out + sent.err
    first, _second = sorted(sandbox.tickets(), key=lambda t: int(t.id))
    assert f"Ya hay 1 ticket(s) abiertos con la póliza POL-1001: {first.id}." in sent.err


def test_a_merge_leaves_one_duplicate_named_once(cli: Cli, sandbox: Sandbox):
    """`fusionar A B` records both; a batch read of merged-away B answers with A."""
    sandbox.control("POST", "search_lag", {"ms": LAG_MS})
    a = cli("crear", *ANA, "--json")
    b = cli("crear", *ANA, "--json", "--no-input")
    assert a.code == b.code == 0, a.err + b.err
    kept, gone = a.json()["id"], b.json()["id"]
    merged = cli("fusionar", kept, gone, "--sin-preguntas", "--json")
    assert merged.code == 0, merged.err + merged.out
    assert [str(t.id) for t in sandbox.tickets()] == [kept]
    again = cli("crear", *ANA, "--json", "--no-input")
    assert again.code == 0, again.err
    assert [d["id"] for d in again.json()["possible_duplicates"]] == [kept]
    assert f"{kept}, {kept}" not in again.err


def test_an_incident_merged_by_another_agent_into_a_listed_one_shows_once(
        portal: Cli, sandbox: Sandbox):
    """This home wrote B; another agent merges B into C, which search lists. B's read by
    id answers with C: C counts as read now, and search's copy of it is not added again."""
    gone, kept = older_incident(sandbox, 3), older_incident(sandbox, 4)
    [member] = escalated(sandbox, 1)
    assert portal("incidentes", "unir", member, gone).code == 0
    sandbox.api("POST", "/crm/objects/2026-09/tickets/merge",
                {"primaryObjectId": kept, "objectIdToMerge": gone})
    rows = listed(portal)  # nothing shown twice
    assert list(rows) == [kept]


def test_seguimiento_after_a_subir_of_150_lists_every_ticket_now_owed(cli: Cli,
                                                                        sandbox: Sandbox):
    """One `subir` writes 150 tickets at one instant: every one is kept (a cap of 100 kept
    any 100 of them) and read by id, in two batch reads."""
    with_policy(cli, BUMP_POLICY + "[followup]\nhours = { MEDIA = 48, ALTA = 24 }\n")
    tickets = seed(sandbox, *[{"priority": "MEDIUM", "created": 50, "changes": [
        (30, {"escalate_last_client_update": ago(30)})]}] * 150)
    sandbox.control("POST", "search_lag", {"ms": LAG_MS})
    raised = cli("subir", "--json")
    assert raised.code == 0, raised.err
    assert len(raised.json()["raised"]) == 150
    sandbox.forget_requests()
    rows = cli("seguimiento", "--json")
    assert rows.code == 0, rows.err
    assert sorted(r["id"] for r in rows.json()) == sorted(tickets)
    assert {r["priority"] for r in rows.json()} == {"ALTA"}
    assert paths(sandbox).count(BATCH_READ) == 2


def test_a_ticket_search_hands_on_twice_is_merged_once_with_or_without_own_writes():
    from escalate.domain.records import Ticket
    from escalate.workflows.recent import with_own_writes

    def ticket(ticket_id: str) -> Ticket:
        return Ticket(id=ticket_id, subject=f"T{ticket_id}", pipeline="0", stage="2",
                      priority=None, created_at=None, properties={})

    searched = [ticket("1"), ticket("2"), ticket("1")]  # two windows both hand on 1
    assert [t.id for t in with_own_writes(searched, None)] == ["1", "2"]
    own = ({"2"}, [ticket("2")])
    assert [t.id for t in with_own_writes(searched, own)] == ["2", "1"]
