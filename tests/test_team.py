"""The team against the sandbox: whose calls are owed, and each owed call as a HubSpot task."""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.request
from typing import Any

import pytest

from .conftest import TEAM_POLICY, Cli, Sandbox

HOUR_MS = 3_600_000
ANA, LUIS = "9002", "9003"  # seeded owners: ana.agente@ and luis.agente@aseguradora.example
ANA_ENV = {"ESCALATE_AGENT": "ana.agente@aseguradora.example"}
TASK_PROPS = ["hs_task_subject", "hs_task_body", "hs_task_status", "hs_task_type",
              "hs_task_priority", "hs_timestamp", "hubspot_owner_id"]


def overdue(sandbox: Sandbox, *agents: str | None, hours_ago: float = 72,
            priority: str = "HIGH") -> list[str]:
    """Tickets created `hours_ago` (their past recorded, so search lag does not hide them),
    each escalated by the agent given (None: no agent), all on seed contact 1001 (Ana López)."""
    now = int(time.time() * 1000)
    records = []
    for i, agent in enumerate(agents):
        properties = {"subject": f"POL-{i} - Ana López", "hs_pipeline": "0",
                      "hs_pipeline_stage": "2", "hs_ticket_priority": priority,
                      "escalate_policy": f"POL-{i}", "escalate_id": f"team-{i}-{now}"}
        if agent:
            properties["escalate_agent"] = agent
        records.append({"properties": properties, "created_at": now - int(hours_ago * HOUR_MS)
                        - i * 1000, "associations": {"contacts": ["1001"]}})
    answer = sandbox.control("POST", "history", {"object": "tickets", "records": records})
    return [str(i) for i in answer["ids"]]


def tasks_of(sandbox: Sandbox, ticket_id: str) -> list[Any]:
    ticket = sandbox.client.crm.tickets.basic_api.get_by_id(ticket_id, associations=["tasks"])
    links = (ticket.associations or {}).get("tasks")
    ids = [a.id for a in links.results] if links else []
    return [sandbox.client.crm.objects.tasks.basic_api.get_by_id(
        i, properties=TASK_PROPS, associations=["contacts", "tickets"]) for i in ids]


def api(sandbox: Sandbox, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        f"{sandbox.url}{path}", data=json.dumps(body).encode() if body is not None else None,
        method=method, headers={"Authorization": "Bearer sandbox",
                                "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read() or b"null")


# -- whose calls ------------------------------------------------------------------------


def test_mias_is_the_default_with_an_agent_and_lists_only_that_agents_tickets(
        cli: Cli, sandbox: Sandbox):
    ana, luis, nobody = overdue(sandbox, ANA, LUIS, None)
    mine = cli("followup", "--json", environ=ANA_ENV)
    assert mine.code == 0, mine.err
    rows = mine.json()
    assert [r["id"] for r in rows] == [ana]
    assert rows[0]["agent"] == {"id": ANA, "email": "ana.agente@aseguradora.example"}
    assert [r["id"] for r in cli("followup", "--mias", "--json", environ=ANA_ENV).json()] \
        == [ana]
    team = cli("followup", "--todos", "--json", environ=ANA_ENV).json()
    assert {r["id"] for r in team} == {ana, luis, nobody}
    assert {r["id"]: (r["agent"] or {}).get("id") for r in team} == {
        ana: ANA, luis: LUIS, nobody: None}
    other = cli("followup", "--agente", "LUIS.agente@aseguradora.example", "--json").json()
    assert [r["id"] for r in other] == [luis]
    # without ESCALATE_AGENT the team is listed, as before
    assert {r["id"] for r in cli("followup", "--json").json()} == {ana, luis, nobody}
    rows_csv = list(csv.DictReader(io.StringIO(cli("followup", "--csv").out)))
    assert {r["id"]: r["agent_email"] for r in rows_csv} == {
        ana: "ana.agente@aseguradora.example", luis: "luis.agente@aseguradora.example",
        nobody: ""}


def test_mias_asks_hubspot_for_only_that_agents_tickets(cli: Cli, sandbox: Sandbox):
    overdue(sandbox, ANA, LUIS, LUIS)
    sandbox.forget_requests()
    assert len(cli("followup", "--mias", "--json", environ=ANA_ENV).json()) == 1
    searches = [r for r in sandbox.requests() if r["path"].endswith("/search")]
    assert len(searches) == 1


def test_bad_whose_options_exit_2_and_send_nothing(cli: Cli, sandbox: Sandbox):
    cases = [
        (("followup", "--mias"), {}, "ESCALATE_AGENT"),
        (("followup", "--mine", "--agente", "luis.agente@aseguradora.example"), ANA_ENV,
         "--mias o --agente"),
        (("followup", "--todos", "--mias"), ANA_ENV, "--todos"),
        (("followup", "--agente", "no-es-correo"), {}, "no es un correo válido"),
        (("followup", "--tareas", "--csv"), {}, "CSV"),
        (("followup",), {"ESCALATE_AGENT": "ana@@x"}, "ESCALATE_AGENT"),
    ]
    for args, environ, said in cases:
        result = cli(*args, environ=environ)
        assert result.code == 2, (args, result.err)
        assert said in result.err, (args, result.err)
    mias = cli("followup", "--mias")
    assert "Defina ESCALATE_AGENT" in mias.err
    assert sandbox.requests() == []


def test_an_agent_hubspot_does_not_know_exits_3_and_writes_nothing(cli: Cli, sandbox: Sandbox):
    overdue(sandbox, ANA)
    stranger = {"ESCALATE_AGENT": "nadie@aseguradora.example"}
    for args, environ in ((("followup",), stranger), (("followup", "--tareas"), stranger),
                          (("followup", "--agente", "nadie@aseguradora.example"), {})):
        result = cli(*args, environ=environ)
        assert result.code == 3, (args, result.err)
        assert "nadie@aseguradora.example" in result.err
    assert sandbox.writes() == []


def test_the_agents_owner_id_is_looked_up_once_and_cached(cli: Cli, sandbox: Sandbox):
    overdue(sandbox, ANA)
    cli("followup", "--json", environ=ANA_ENV)
    sandbox.forget_requests()
    assert cli("followup", "--json", environ=ANA_ENV).code == 0
    assert not [r for r in sandbox.requests() if r["path"].startswith("/crm/owners/2026-09")]


# -- tasks ------------------------------------------------------------------------------


def test_each_owed_call_gets_one_task_across_three_runs_with_owner_due_and_associations(
        cli: Cli, sandbox: Sandbox):
    ana, luis, nobody = overdue(sandbox, ANA, LUIS, None)
    started = time.time() * 1000
    first = cli("followup", "--tareas", "--todos", "--json")
    assert first.code == 0, first.err
    summary = first.json()
    assert (summary["created"], summary["completed"], summary["unchanged"]) == (3, 0, 0)
    assert {t["ticket_id"]: t["owner_id"] for t in summary["tasks"]} == {
        ana: ANA, luis: LUIS, nobody: None}
    for _ in range(2):
        again = cli("followup", "--tareas", "--todos", "--json").json()
        assert (again["created"], again["completed"], again["unchanged"]) == (0, 0, 3)
    for ticket_id, owner in ((ana, ANA), (luis, LUIS), (nobody, None)):
        [task] = tasks_of(sandbox, ticket_id)
        p = task.properties
        assert p["hs_task_type"] == "CALL" and p["hs_task_status"] == "NOT_STARTED"
        assert p["hs_task_priority"] == "HIGH"  # ALTA
        assert (p.get("hubspot_owner_id") or None) == owner
        assert p["hs_task_subject"] == f"Llamar a Ana López · ticket {ticket_id}"
        assert "sin resolver" in p["hs_task_body"] and "+52 55 1234 5678" in p["hs_task_body"]
        due = int(p["hs_timestamp"]) if p["hs_timestamp"].isdigit() else None
        if due is None:
            from datetime import datetime

            due = int(datetime.fromisoformat(p["hs_timestamp"].replace("Z", "+00:00"))
                      .timestamp() * 1000)
        assert started - 60_000 <= due <= time.time() * 1000 + 1000
        links = task.associations
        assert [a.id for a in links["tickets"].results] == [ticket_id]
        assert [a.id for a in links["contacts"].results] == ["1001"]


def test_the_summary_line_and_a_repeat_under_search_lag_makes_no_second_task(
        cli: Cli, sandbox: Sandbox):
    overdue(sandbox, ANA, LUIS)
    assert "2 creada(s)" in cli("followup", "--tareas", "--todos").out
    sandbox.control("POST", "search_lag", {"ms": 5000})  # the new tasks are not in search yet
    again = cli("followup", "--tareas", "--todos")
    assert again.code == 0, again.err
    assert "0 creada(s), 0 completada(s), 2 sin cambios" in again.out
    [task_search] = [r for r in sandbox.requests() if r["path"].endswith("tasks/search")][-1:]
    assert task_search["status"] == 200
    count = api(sandbox, "GET", "/crm/v3/objects/tasks?limit=100")
    assert len(count["results"]) == 2


def test_contacted_completes_the_task_and_a_call_no_longer_owed_is_completed_with_why(
        cli: Cli, sandbox: Sandbox):
    called, updated, still = overdue(sandbox, ANA, LUIS, ANA)
    assert cli("followup", "--tareas", "--todos").code == 0
    done = cli("contacted", called, "--nota", "Se le informó el avance", environ=ANA_ENV)
    assert done.code == 0, done.err
    [task] = tasks_of(sandbox, called)
    assert task.properties["hs_task_status"] == "COMPLETED"
    assert "registre en escalate el aviso" in task.properties["hs_task_body"]
    assert "se registró en escalate el aviso" in task.properties["hs_task_body"]
    # the client was told some other way (a HubSpot workflow, by hand): the next run closes it
    sandbox.client.crm.tickets.basic_api.update(updated, simple_public_object_input={
        "properties": {"escalate_last_client_update": str(int(time.time() * 1000))}})
    run = cli("followup", "--tareas", "--todos", "--json").json()
    assert (run["created"], run["completed"], run["unchanged"]) == (0, 1, 1)
    [closed] = tasks_of(sandbox, updated)
    assert closed.properties["hs_task_status"] == "COMPLETED"
    assert "ya no se debe" in closed.properties["hs_task_body"]
    [open_task] = tasks_of(sandbox, still)
    assert open_task.properties["hs_task_status"] == "NOT_STARTED"
    # the contacted ticket does not get a new task: its call was made
    assert len(tasks_of(sandbox, called)) == 1


def test_a_call_recorded_a_second_ago_gets_no_task_under_search_lag(cli: Cli,
                                                                   sandbox: Sandbox):
    [ticket] = overdue(sandbox, ANA)
    sandbox.control("POST", "search_lag", {"ms": 60_000})
    # the call is recorded in HubSpot: search still finds the ticket owed, as it was
    sandbox.client.crm.tickets.basic_api.update(ticket, simple_public_object_input={
        "properties": {"escalate_last_client_update": str(int(time.time() * 1000))}})
    run = cli("followup", "--tareas", "--todos", "--json").json()
    assert (run["created"], run["completed"]) == (0, 0)
    assert tasks_of(sandbox, ticket) == []


def test_a_task_completed_by_hand_a_second_ago_is_left_as_it_is_under_search_lag(
        cli: Cli, sandbox: Sandbox):
    now = int(time.time() * 1000)
    created = now - 72 * HOUR_MS
    [ticket] = sandbox.control("POST", "history", {"object": "tickets", "records": [{
        "properties": {"subject": "POL-7 - Ana López", "hs_pipeline": "0",
                       "hs_pipeline_stage": "2", "hs_ticket_priority": "HIGH",
                       "escalate_policy": "POL-7", "escalate_agent": ANA},
        "created_at": created, "associations": {"contacts": ["1001"]},
        "changes": [{"at": now - HOUR_MS,  # the call was made an hour ago: nothing owed
                     "properties": {"escalate_last_client_update": str(now - HOUR_MS)}}]}]})[
        "ids"]
    [task] = sandbox.control("POST", "history", {"object": "tasks", "records": [{
        "properties": {"hs_timestamp": str(now - 2 * HOUR_MS), "hs_task_type": "CALL",
                       "hs_task_subject": f"Llamar a Ana López · ticket {ticket}",
                       "hs_task_body": f"escalate llamada {ticket}:sin_resolver:{created}",
                       "hs_task_status": "NOT_STARTED", "hubspot_owner_id": ANA},
        "created_at": now - 2 * HOUR_MS, "associations": {"tickets": [ticket]}}]})["ids"]
    sandbox.control("POST", "search_lag", {"ms": 60_000})
    api(sandbox, "PATCH", f"/crm/objects/2026-09/tasks/{task}", {"properties": {
        "hs_task_status": "COMPLETED", "hs_task_body": "Llamada hecha a mano"}})
    run = cli("followup", "--tareas", "--todos", "--json").json()  # search: still open
    assert (run["created"], run["completed"]) == (0, 0)
    [kept] = tasks_of(sandbox, str(ticket))
    assert kept.properties["hs_task_body"] == "Llamada hecha a mano"


def test_mias_tareas_only_touches_that_agents_calls(cli: Cli, sandbox: Sandbox):
    ana, luis = overdue(sandbox, ANA, LUIS)
    run = cli("followup", "--tareas", "--json", environ=ANA_ENV).json()
    assert [t["ticket_id"] for t in run["tasks"]] == [ana]
    assert tasks_of(sandbox, luis) == []


def test_250_owed_calls_become_tasks_in_at_most_13_requests_and_a_rerun_writes_nothing(
        cli: Cli, sandbox: Sandbox):
    from .test_followup import batch_create

    batch_create(sandbox, 250)
    cli("followup", "--json")  # a warm home: the portal is cached
    sandbox.forget_requests()
    first = cli("followup", "--tareas", "--todos", "--json")
    assert first.code == 0, first.err
    assert first.json()["created"] == 250
    log = sandbox.requests()
    # 2 ticket searches, 1 task search, 3 confirming reads, the tasks' and the contacts'
    # links, 1 contact read, 3 creates, and the tasks' links read again after them (a run
    # at the same moment may have made one for the same call).
    assert len(log) <= 13, [(r["method"], r["path"]) for r in log]
    creates = [r for r in log if r["path"].endswith("tasks/batch/create")]
    assert len(creates) == 3
    sandbox.forget_requests()
    again = cli("followup", "--tareas", "--todos", "--json").json()
    assert (again["created"], again["unchanged"]) == (0, 250)
    # The run before searched within the same second: a search refused for that (429) and
    # sent again is HubSpot's limit at work, not a request the job needed.
    answered = [r for r in sandbox.requests() if r["status"] != 429]
    assert len(answered) <= 6 and sandbox.writes() == []


# -- one task per call, however many runs at once ------------------------------------------

def open_tasks_per_call(sandbox: Sandbox, ticket_ids: list[str]) -> dict[str, list[str]]:
    """Each ticket's tasks by status, read back consistently (associations, batch read)."""
    by_ticket: dict[str, list[str]] = {}
    for start in range(0, len(ticket_ids), 1000):
        links = api(sandbox, "POST", "/crm/v4/associations/tickets/tasks/batch/read",
                    {"inputs": [{"id": t} for t in ticket_ids[start:start + 1000]]})
        by_ticket.update({str(r["from"]["id"]): [str(t["toObjectId"]) for t in r["to"]]
                          for r in links["results"]})
    ids = [i for found in by_ticket.values() for i in found]
    status: dict[str, Any] = {}
    for start in range(0, len(ids), 100):
        read = api(sandbox, "POST", "/crm/v3/objects/tasks/batch/read", {
            "inputs": [{"id": i} for i in ids[start:start + 100]],
            "properties": ["hs_task_status", "hs_task_body"]})
        status.update({str(t["id"]): t["properties"] for t in read["results"]})
    return {t: [status[i]["hs_task_status"] for i in by_ticket.get(t, []) if i in status]
            for t in ticket_ids}


@pytest.mark.usefixtures("hubspot_search_limit")
def test_three_runs_at_once_under_latency_and_lag_leave_one_task_per_call(
        cli: Cli, sandbox: Sandbox, tmp_path: Any):
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    tickets = overdue(sandbox, *([ANA, LUIS] * 15))
    cli("followup", "--json")  # the portal cached in the shared home
    sandbox.control("POST", "latency", {"delay_ms": 250})
    sandbox.control("POST", "search_lag", {"ms": 2000})
    runs = [["--todos"], ["--todos"], ["--mias"]]  # the team's job twice, and an agent's own

    def run(options: list[str]) -> int:
        env = {**cli.environ, **ANA_ENV, "PATH": ""}
        return subprocess.run([sys.executable, "-m", "escalate", "followup", "--tareas",
                               *options, "--json"], env=env, cwd=cli.cwd, capture_output=True,
                              timeout=120).returncode

    with ThreadPoolExecutor(3) as pool:
        assert list(pool.map(run, runs)) == [0, 0, 0]
    sandbox.control("POST", "latency", {"delay_ms": 0})
    states = open_tasks_per_call(sandbox, tickets)
    assert all(found == ["NOT_STARTED"] for found in states.values()), states
    assert cli("followup", "--tareas", "--todos", "--json").json()["created"] == 0


def test_duplicates_already_made_are_completed_by_the_next_run_with_why(
        cli: Cli, sandbox: Sandbox):
    [ticket] = overdue(sandbox, ANA)
    assert cli("followup", "--tareas", "--todos", "--json").json()["created"] == 1
    [task] = tasks_of(sandbox, ticket)
    twin = dict(task.properties)
    twin = {k: v for k, v in twin.items() if k in TASK_PROPS and v is not None}
    api(sandbox, "POST", "/crm/v3/objects/tasks/batch/create", {"inputs": [
        {"properties": twin, "associations": [{"to": {"id": ticket}, "types": [
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 230}]}]}]})
    time.sleep(0.1)
    done = cli("followup", "--tareas", "--todos", "--json").json()
    assert (done["created"], done["completed"], done["unchanged"]) == (0, 1, 1)
    found = sorted(tasks_of(sandbox, ticket), key=lambda t: int(t.id))
    assert [t.properties["hs_task_status"] for t in found] == ["NOT_STARTED", "COMPLETED"]
    assert "misma llamada" in found[1].properties["hs_task_body"]  # why, on the task


def test_more_open_call_tasks_than_search_can_page_are_all_found(
        cli: Cli, sandbox: Sandbox, low_search_cap: int):
    count = low_search_cap + low_search_cap // 10
    tickets = overdue(sandbox, *([ANA] * count))
    sandbox.control("POST", "search_cap", {"results": 10_000})  # one run makes the tasks
    assert cli("followup", "--tareas", "--todos", "--json").json()["created"] == count
    # A new second for the search limit (the sandbox's count starts afresh), not a wait.
    sandbox.control("POST", "search_cap", {"results": low_search_cap})
    sandbox.control("POST", "rate_limit", {})
    sandbox.forget_requests()
    again = cli("followup", "--tareas", "--todos", "--json")
    assert again.code == 0, again.err
    assert (again.json()["created"], again.json()["unchanged"]) == (0, count)
    task_searches = [r for r in sandbox.requests() if r["path"].endswith("tasks/search")]
    assert all(r["status"] == 200 for r in task_searches) and len(task_searches) >= 6
    assert len(tickets) == count and sandbox.writes() == []


def test_ctrl_c_says_the_tasks_made_so_far_and_a_rerun_finishes_the_job(
        cli: Cli, sandbox: Sandbox):
    import re

    from .conftest import interrupted_once

    cli("followup", "--prioridad", "BAJA", "--json")  # the portal cached, nothing to read
    tickets = overdue(sandbox, *([ANA] * 1_200))
    sandbox.control("POST", "latency", {"delay_ms": 150})
    sandbox.forget_requests()
    err = interrupted_once(cli, sandbox, ["followup", "--tareas", "--todos"],
                           "tasks/batch/create")
    said = re.search(r"Interrumpido: (\d+) creada\(s\), 0 completada\(s\)", err)
    assert said, err
    sandbox.control("POST", "latency", {"delay_ms": 0})
    made = sum(len(found) for found in open_tasks_per_call(sandbox, tickets).values())
    assert 0 < made == int(said.group(1)) < 1_200  # what it said is what HubSpot holds
    rest = cli("followup", "--tareas", "--todos", "--json").json()
    assert rest["created"] == 1_200 - made
    assert all(found == ["NOT_STARTED"] for found in open_tasks_per_call(sandbox,
                                                                          tickets).values())


# -- notes carry the agent ----------------------------------------------------------------


def note_owners(sandbox: Sandbox, ticket_id: str) -> list[str | None]:
    ticket = sandbox.client.crm.tickets.basic_api.get_by_id(ticket_id, associations=["notes"])
    links = (ticket.associations or {}).get("notes")
    ids = [a.id for a in links.results] if links else []
    return [sandbox.client.crm.objects.notes.basic_api.get_by_id(
        i, properties=["hubspot_owner_id"]).properties.get("hubspot_owner_id") or None
        for i in ids]


def test_notes_of_attach_and_contacted_are_owned_by_the_agent(cli: Cli, sandbox: Sandbox,
                                                              tmp_path: Any):
    from .conftest import png_bytes

    [ticket] = overdue(sandbox, LUIS)
    shot = tmp_path / "captura.png"
    shot.write_bytes(png_bytes(3))
    attached = cli("attach", ticket, str(shot), "--nota", "Pantalla del error", environ=ANA_ENV)
    assert attached.code == 0, attached.err
    done = cli("contacted", ticket, "--nota", "Se le avisó", environ=ANA_ENV)
    assert done.code == 0, done.err
    assert note_owners(sandbox, ticket) == [ANA, ANA]
    # without ESCALATE_AGENT the note has no owner, as before
    assert cli("contacted", ticket, "--nota", "Otra llamada").code == 0
    assert sorted(note_owners(sandbox, ticket), key=str) == [ANA, ANA, None]


def test_contacted_by_an_agent_hubspot_does_not_know_exits_3_and_writes_nothing(
        cli: Cli, sandbox: Sandbox):
    [ticket] = overdue(sandbox, ANA)
    sandbox.forget_requests()
    result = cli("contacted", ticket, "--nota", "hola",
                 environ={"ESCALATE_AGENT": "nadie@aseguradora.example"})
    assert result.code == 3 and "nadie@aseguradora.example" in result.err
    assert sandbox.writes() == []


# -- create records the agent and the matrix's owner --------------------------------------

def team_env(tmp_path: Any, matrix: str = TEAM_POLICY) -> dict[str, str]:
    path = tmp_path / "equipo.toml"
    path.write_text(matrix, encoding="utf-8")
    return {**ANA_ENV, "ESCALATE_POLICY_FILE": str(path)}


def ticket_team(sandbox: Sandbox, ticket_id: str) -> tuple[str | None, str | None]:
    p = sandbox.client.crm.tickets.basic_api.get_by_id(
        ticket_id, properties=["escalate_agent", "hubspot_owner_id"]).properties
    return p.get("escalate_agent") or None, p.get("hubspot_owner_id") or None


def test_create_records_the_agent_and_the_owner_the_matrix_names(cli: Cli, sandbox: Sandbox,
                                                                 tmp_path: Any):
    from .conftest import ANA as ESCALATION
    from .conftest import with_option

    environ = team_env(tmp_path)
    web = cli("create", *ESCALATION, "--json", environ=environ)
    assert web.code == 0, web.err
    created = web.json()
    assert created["agent"] == {"id": ANA, "email": "ana.agente@aseguradora.example"}
    assert created["owner"] == {"id": "9005", "email": "tech-lead@aseguradora.example",
                                "rule": "[matrix] ALTA"}
    assert ticket_team(sandbox, created["id"]) == (ANA, "9005")
    app = cli("create", *with_option(with_option(ESCALATION, "--poliza", "POL-2002"),
                                     "--donde", "App MÓVIL, pantalla de pagos"), "--json",
              environ=environ)
    assert app.code == 0, app.err
    assert ticket_team(sandbox, app.json()["id"]) == (ANA, "9006")
    assert app.json()["owner"]["rule"] == "regla 1 de [[matrix.rules]]: DÓNDE dice «app»"
    whatsapp = cli("create", *with_option(with_option(ESCALATION, "--poliza", "POL-2005"),
                                          "--donde", "WhatsApp del cliente"), "--json",
                   environ=environ)  # «app» inside «WhatsApp» is no rule of the app team
    assert ticket_team(sandbox, whatsapp.json()["id"]) == (ANA, "9005")
    low = cli("create", *with_option(with_option(ESCALATION, "--poliza", "POL-2003"),
                                     "--prioridad", "BAJA"), "--json", environ=environ)
    assert low.json()["owner"] is None  # the matrix names nobody for BAJA
    assert ticket_team(sandbox, low.json()["id"]) == (ANA, None)
    plain = cli("create", *with_option(ESCALATION, "--poliza", "POL-2004"), "--json")
    assert (plain.json()["agent"], plain.json()["owner"]) == (None, None)
    assert ticket_team(sandbox, plain.json()["id"]) == (None, None)


def test_a_warm_create_with_an_agent_and_a_policy_file_sends_4_requests(
        cli: Cli, sandbox: Sandbox, tmp_path: Any):
    from .conftest import ANA as ESCALATION
    from .conftest import with_option

    environ = team_env(tmp_path)
    assert cli("create", *ESCALATION, "--no-input", environ=environ).code == 0
    sandbox.forget_requests()
    again = cli("create", *with_option(ESCALATION, "--poliza", "POL-3003"), "--no-input",
                environ=environ)
    assert again.code == 0, again.err
    # contact, the policy's tickets and the open ones alike (issue 25) together; the create
    assert len(sandbox.requests()) == 4, [r["path"] for r in sandbox.requests()]


def test_an_owner_or_agent_hubspot_does_not_know_stops_create_before_anything_is_sent(
        cli: Cli, sandbox: Sandbox, tmp_path: Any):
    from .conftest import ANA as ESCALATION

    stranger_owner = team_env(tmp_path, TEAM_POLICY.replace("tech-lead@", "ex-lider@"))
    result = cli("create", *ESCALATION, "--no-input", environ=stranger_owner)
    assert result.code == 3, result.err
    assert "ex-lider@aseguradora.example" in result.err
    stranger_agent = {**team_env(tmp_path), "ESCALATE_AGENT": "nadie@aseguradora.example"}
    result = cli("create", *ESCALATION, "--no-input", environ=stranger_agent)
    assert result.code == 3 and "nadie@aseguradora.example" in result.err
    assert sandbox.writes() == []


def test_a_cached_owner_id_hubspot_refuses_is_looked_up_again(cli: Cli, sandbox: Sandbox,
                                                              tmp_path: Any, home: Any):
    from .conftest import ANA as ESCALATION
    from .conftest import with_option

    environ = team_env(tmp_path)
    assert cli("create", *ESCALATION, "--no-input", environ=environ).code == 0
    [cache] = (home / "cache").glob("owners-*.json")
    stale = json.loads(cache.read_text())
    stale["owners"]["ana.agente@aseguradora.example"]["id"] = "123456"  # a user since removed
    cache.write_text(json.dumps(stale))
    again = cli("create", *with_option(ESCALATION, "--poliza", "POL-4004"), "--json",
                environ=environ)
    assert again.code == 0, again.err
    assert ticket_team(sandbox, again.json()["id"]) == (ANA, "9005")


def test_create_simular_shows_the_owner_the_matrix_will_set_and_which_rule(
        cli: Cli, sandbox: Sandbox, tmp_path: Any):
    from .conftest import ANA as ESCALATION
    from .conftest import with_option

    environ = team_env(tmp_path)
    app = with_option(ESCALATION, "--donde", "App móvil, pantalla de pagos")
    shown = cli("crear", *app, "--simular", environ=environ)
    assert shown.code == 0, shown.err
    assert ("Dueño: equipo-app@aseguradora.example (regla 1 de [[matrix.rules]]: DÓNDE dice "
            "«app»)") in shown.out
    whatsapp = with_option(ESCALATION, "--donde", "WhatsApp del cliente")
    preview = cli("crear", *whatsapp, "--simular", "--json", environ=environ).json()
    assert preview["owner"] == {"id": None, "email": "tech-lead@aseguradora.example",
                                "rule": "[matrix] ALTA"}
    bare = cli("crear", *app, "--simular", "--json").json()
    assert bare["owner"] is None  # no policy file: no matrix, nobody
    # The owner comes from the policy file: the only requests are the contact's lookup.
    assert {r["path"].split("/")[4] for r in sandbox.requests()} == {"contacts"}
    assert sandbox.writes() == []
