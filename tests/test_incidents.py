"""One problem, many clients (issue 25): the detection, the incident's name, description and
priority (pure), then `incidentes` and the incident's closing against the sandbox."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from escalate.domain import incidents
from escalate.domain.incidents import Fingerprint, Member, Open, detect, similarity
from escalate.domain.priority import Priority
from tests.conftest import TEAM_POLICY, TICKET_PROPS, Cli, Sandbox, wait_for, with_option
from tests.incident_day import escalations, replay
from tests.test_team import api

NOW = datetime(2026, 12, 2, 12, tzinfo=timezone.utc)
PLATE = Fingerprint.of("El endoso no guarda el cambio de placa", "Portal web, pantalla de Endosos")


def opened(ticket_id: str, what: str, where: str, *, days_ago: float = 1,
           incident: str | None = None) -> Open:
    return Open(ticket_id, NOW - timedelta(days=days_ago), Fingerprint.of(what, where), incident)


# -- the detection ------------------------------------------------------------------------


def test_the_same_problem_in_other_words_on_the_same_screen_looks_alike() -> None:
    other = Fingerprint.of("La placa nueva no se guarda al hacer el endoso", "web, Endosos")
    assert similarity(PLATE, other) >= incidents.SIMILAR


def test_another_problem_on_the_same_screen_does_not() -> None:
    other = Fingerprint.of("No aparece la opción de endoso de domicilio", "Portal web, Endosos")
    assert similarity(PLATE, other) < incidents.SIMILAR


def test_the_same_words_on_another_medium_weigh_less_than_on_the_same_screen() -> None:
    same = Fingerprint.of("El endoso no guarda el cambio de placa", "web, pantalla de Endosos")
    app = Fingerprint.of("El endoso no guarda el cambio de placa", "App móvil, Endosos")
    assert similarity(PLATE, same) > similarity(PLATE, app)


def test_accents_and_case_do_not_matter() -> None:
    shouted = Fingerprint.of("EL ENDOSO NO GUARDA EL CAMBIO DE PLACA", "PORTAL WEB, ENDOSOS")
    assert similarity(PLATE, shouted) == 100


def test_the_incident_most_similar_tickets_belong_to_is_offered() -> None:
    found = detect(PLATE, [
        opened("11", "No se guarda la placa nueva en el endoso", "web, Endosos", incident="90"),
        opened("12", "El cambio de placa no queda guardado en endosos", "web, Endosos",
               incident="90"),
        opened("13", "La app se cierra sola", "App Android, inicio")], NOW, days=7, minimum=3)
    assert found.incident_id == "90" and not found.propose
    assert sorted(m.ticket_id for m in found.similar) == ["11", "12"]


def test_an_incident_is_proposed_from_the_minimum_with_this_one() -> None:
    two = [opened("11", "No se guarda la placa nueva en el endoso", "web, Endosos"),
           opened("12", "El cambio de placa no queda guardado en endosos", "web, Endosos")]
    assert detect(PLATE, two, NOW, days=7, minimum=3).propose
    assert not detect(PLATE, two, NOW, days=7, minimum=4).propose
    assert not detect(PLATE, two[:1], NOW, days=7, minimum=3).offered


def test_tickets_older_than_the_days_looked_back_are_not_compared() -> None:
    old = [opened("11", "No se guarda la placa nueva en el endoso", "web, Endosos", days_ago=8)]
    assert detect(PLATE, old, NOW, days=7, minimum=2).similar == ()


def test_the_seeded_day_smaller_set_meets_the_goals() -> None:
    """12 clients of each of the three problems and 50 unrelated escalations, in the order
    they were made: ≥ 90 % of the related offered their incident, ≤ 5 % of the others one."""
    day = escalations()
    related = {p: [e for e in day if e["problem"] == p][:12] for p in "ABC"}
    keep = {id(e) for group in related.values() for e in group}
    keep |= {id(e) for e in [e for e in day if e["problem"] is None][:50]}
    got = replay([e for e in day if id(e) in keep])
    assert got.related == 30 and got.unrelated == 50
    assert got.related_share >= 0.9, got
    assert got.unrelated_share <= 0.05, got
    assert got.incidents == 3


# -- the incident ticket --------------------------------------------------------------------


def test_the_incident_is_named_by_its_problem_and_count() -> None:
    assert incidents.subject("El endoso no guarda el cambio de placa.", 3) == \
        "INCIDENTE: El endoso no guarda el cambio de placa (3 clientes)"
    assert incidents.subject("uno dos tres cuatro cinco seis siete ocho nueve", 1) == \
        "INCIDENTE: uno dos tres cuatro cinco seis siete ocho… (1 cliente)"
    assert incidents.retitled("INCIDENTE: Placas (3 clientes)", 4) == \
        "INCIDENTE: Placas (4 clientes)"
    assert incidents.retitled("Placas que no se guardan", 2) == \
        "Placas que no se guardan (2 clientes)"


def test_the_priority_rises_with_the_count_and_is_never_lowered() -> None:
    levels = [(Priority.ALTA, 5), (Priority.URGENTE, 20)]
    assert incidents.raised(Priority.MEDIA, 3, levels) is Priority.MEDIA
    assert incidents.raised(Priority.MEDIA, 5, levels) is Priority.ALTA
    assert incidents.raised(Priority.ALTA, 20, levels) is Priority.URGENTE
    assert incidents.raised(Priority.URGENTE, 2, levels) is Priority.URGENTE


def test_the_description_is_the_best_described_members_with_the_policies() -> None:
    short = Member("5", "POL-2", "No guarda placa", "Guardar", "web")
    full = Member("6", "POL-1", "El endoso no guarda el cambio de placa",
                  "Endosos, cambia la placa, Guardar", "Portal web, Endosos")
    assert incidents.best_described([short, full]) is full
    text = incidents.content(full, [short, full])
    assert text.startswith("QUÉ:\nEl endoso no guarda el cambio de placa")
    assert "PÓLIZAS AFECTADAS:\n- POL-1\n- POL-2" in text


# -- incidents in HubSpot (the sandbox) -----------------------------------------------------

HOUR_MS = 3_600_000
ANA, LUIS = "9002", "9003"  # seeded owners: ana.agente@ and luis.agente@aseguradora.example
WORDS = ["El endoso no guarda el cambio de placa", "No se guarda la placa nueva en el endoso",
         "El cambio de placa no queda guardado"]


def escalated(sandbox: Sandbox, count: int, *, hours_ago: float = 1,
              priority: str = "MEDIUM", html: bool = False,
              one_client: bool = False) -> list[str]:
    """Open tickets as escalate writes them (QUÉ/CÓMO/DÓNDE), escalated by Ana and Luis in
    turn, each of its own client (an incident counts clients, not tickets); their past
    recorded, so search lag does not hide them. `html`: the description as HubSpot's
    rich-text editor saves one typed there. `one_client`: all of seed contact 1001."""
    now = int(time.time() * 1000)
    clients = ["1001"] * count if one_client else sandbox.control(
        "POST", "history", {"object": "contacts", "records": [
            {"properties": {"firstname": "Cliente", "lastname": str(i),
                            "email": f"cliente.{i}.{now}@example.com",
                            "phone": f"+52 55 {now % 10_000:04d} {i:04d}"}}
            for i in range(count)]})["ids"]
    records = []
    for i in range(count):
        steps = "Endosos, Guardar" + " y esperar" * (3 * i)
        content = f"QUÉ:\n{WORDS[i % len(WORDS)]}\n\nCÓMO:\n{steps}\n\nDÓNDE:\nPortal web, Endosos"
        if html:
            content = "".join(f"<p>{line}</p>" for line in content.splitlines() if line)
        records.append({"properties": {
            "subject": f"POL-{i} - Cliente {i}", "content": content, "hs_pipeline": "0",
            "hs_pipeline_stage": "2", "hs_ticket_priority": priority,
            "escalate_policy": f"POL-{i}", "escalate_id": f"inc-{i}-{now}",
            "escalate_agent": (ANA, LUIS)[i % 2]},
            "created_at": now - int(hours_ago * HOUR_MS) - i * 1000,
            "associations": {"contacts": [str(clients[i])]}})
    answer = sandbox.control("POST", "history", {"object": "tickets", "records": records})
    return [str(i) for i in answer["ids"]]


def read(sandbox: Sandbox, ticket_id: str) -> dict[str, Any]:
    found = sandbox.client.crm.tickets.basic_api.get_by_id(
        ticket_id, properties=[*TICKET_PROPS, "escalate_affected", "hubspot_owner_id"])
    return dict(found.properties)


def linked(sandbox: Sandbox, ticket_id: str) -> dict[str, list[str]]:
    """The ticket's ticket-to-ticket associations, by label."""
    answer = api(sandbox, "POST", "/crm/associations/2026-09/tickets/tickets/batch/read",
                 {"inputs": [{"id": ticket_id}]})
    found: dict[str, list[str]] = {}
    for result in answer["results"]:
        for to in result["to"]:
            for kind in to["associationTypes"]:
                found.setdefault(kind["label"] or "", []).append(str(to["toObjectId"]))
    return found


def incident_tickets(sandbox: Sandbox) -> list[Any]:
    return [t for t in sandbox.tickets() if (t.properties.get("subject") or "")
            .startswith(incidents.PREFIX)]


@pytest.fixture
def portal(cli: Cli) -> Cli:
    """A portal `setup` has prepared: the «Incidente» labels exist."""
    done = cli("setup")
    assert done.code == 0, done.err
    return cli


def test_setup_makes_the_incident_labels_once(cli: Cli, sandbox: Sandbox):
    first = cli("setup")
    assert "«Incidente» / «Cliente afectado» entre tickets: creadas" in first.out
    assert "ya existían" in cli("setup").out
    labels = [r["label"] for r in api(sandbox, "GET",
                                      "/crm/associations/2026-09/tickets/tickets/labels")
              ["results"]]
    assert labels.count("Incidente") == 1 and labels.count("Cliente afectado") == 1


def test_abrir_makes_one_incident_with_its_members_count_name_and_description(
        portal: Cli, sandbox: Sandbox):
    members = escalated(sandbox, 3)
    opened = portal("incidentes", "abrir", *members, "--json")
    assert opened.code == 0, opened.err
    incident = opened.json()["id"]
    held = read(sandbox, incident)
    assert held["escalate_affected"] in ("3", "3.0")
    assert held["subject"].startswith("INCIDENTE: ")
    assert held["subject"].endswith("(3 clientes)")
    assert held["hs_pipeline_stage"] == "2"
    assert "PÓLIZAS AFECTADAS:\n- POL-0\n- POL-1\n- POL-2" in held["content"]
    assert "Guardar" + " y esperar" * 6 + "\n" in held["content"]  # the best described
    assert sorted(linked(sandbox, incident)["Cliente afectado"]) == sorted(members)
    for member in members:
        assert linked(sandbox, member) == {"Incidente": [incident]}
    again = portal("incidents", "open", *members, "--json")  # the English names
    assert again.code == 0 and again.json()["id"] == incident
    assert len(incident_tickets(sandbox)) == 1


def test_the_priority_rises_with_the_count_and_follows_unir_and_separar(
        portal: Cli, sandbox: Sandbox, tmp_path: Path):
    (portal.cwd / "escalate.toml").write_text(
        "[incidentes]\nprioridad = { ALTA = 4, URGENTE = 5 }\n", encoding="utf-8")
    first, second, third, fourth, fifth = escalated(sandbox, 5)
    incident = portal("incidentes", "abrir", first, second, third).out.splitlines()[0]
    assert read(sandbox, incident)["hs_ticket_priority"] == "MEDIUM"
    joined = portal("incidentes", "unir", fourth, incident, "--json")
    assert joined.code == 0, joined.err
    assert read(sandbox, incident)["hs_ticket_priority"] == "HIGH"
    portal("incidentes", "unir", fifth, incident)
    held = read(sandbox, incident)
    assert held["hs_ticket_priority"] == "URGENT" and held["subject"].endswith("(5 clientes)")
    split = portal("incidentes", "separar", fifth, "--json")
    assert split.code == 0 and split.json()["affected"] == 4
    held = read(sandbox, incident)
    assert held["escalate_affected"] in ("4", "4.0") and held["subject"].endswith("(4 clientes)")
    assert held["hs_ticket_priority"] == "URGENT"  # never lowered
    assert linked(sandbox, fifth) == {}


def test_bad_incident_corrections_exit_3_and_change_nothing(portal: Cli, sandbox: Sandbox):
    first, second, third, other = escalated(sandbox, 4)
    incident = portal("incidentes", "abrir", first, second).out.splitlines()[0]
    sandbox.forget_requests()
    not_one = portal("incidentes", "unir", other, third)
    assert not_one.code == 3 and f"El ticket {third} no es un incidente" in not_one.err
    nested = portal("incidentes", "abrir", incident, third)
    assert nested.code == 3 and "no puede ser parte de otro" in nested.err
    taken = portal("incidentes", "abrir", third, second)  # not from the incident's first
    assert taken.code == 3 and f"{second} (incidente {incident})" in taken.err
    alone = portal("incidentes", "separar", other)
    assert alone.code == 3 and "no pertenece a ningún incidente" in alone.err
    missing = portal("incidentes", "unir", "999999", incident)
    assert missing.code == 3
    assert sandbox.writes() == []
    api(sandbox, "PATCH", f"/crm/objects/2026-09/tickets/{incident}",
        {"properties": {"hs_pipeline_stage": "4"}})
    closed = portal("incidentes", "unir", other, incident)
    assert closed.code == 3 and "ya está cerrado" in closed.err and "Reábralo" in closed.err
    usage = portal("incidentes", "abrir", first)
    assert usage.code == 2 and "dos o más" in usage.err


def test_incidentes_lists_the_open_ones_with_count_priority_and_the_matrix_owner(
        portal: Cli, sandbox: Sandbox):
    team = portal.cwd / "equipo.toml"
    team.write_text(TEAM_POLICY, encoding="utf-8")
    members = escalated(sandbox, 3, priority="HIGH")
    incident = portal("incidentes", "abrir", *members,
                      environ={"ESCALATE_POLICY_FILE": str(team)}).out.splitlines()[0]
    listed = portal("incidents", "--json")
    assert listed.code == 0, listed.err
    [item] = listed.json()
    assert (item["id"], item["affected"], item["priority"]) == (incident, 3, "ALTA")
    assert item["owner"]["email"] == "tech-lead@aseguradora.example"  # ALTA, by the matrix
    assert read(sandbox, incident)["hubspot_owner_id"] == item["owner"]["id"]
    text = portal("incidentes")
    assert f"{incident}  INCIDENTE: " in text.out and "3 cliente(s)" in text.out


def test_a_bad_incidentes_section_in_the_policy_file_exits_2_with_its_line(
        portal: Cli, sandbox: Sandbox):
    (portal.cwd / "escalate.toml").write_text(
        "[incidentes]\ndias = 7\nminimo = 1\nsimilitud = 120\n", encoding="utf-8")
    members = escalated(sandbox, 2)
    sandbox.forget_requests()
    refused = portal("incidentes", "abrir", *members)
    assert refused.code == 2
    assert "línea 3 (incidentes.minimo)" in refused.err
    assert "línea 4 (incidentes.similitud)" in refused.err
    assert sandbox.writes() == []


# -- work once, close all -------------------------------------------------------------------


def close(sandbox: Sandbox, ticket_id: str) -> None:
    """An engineer closes the ticket in HubSpot."""
    api(sandbox, "PATCH", f"/crm/objects/2026-09/tickets/{ticket_id}",
        {"properties": {"hs_pipeline_stage": "4"}})


def calls(sandbox: Sandbox, ticket_id: str) -> list[Any]:
    ticket = sandbox.client.crm.tickets.basic_api.get_by_id(ticket_id, associations=["tasks"])
    links = (ticket.associations or {}).get("tasks")
    return [sandbox.client.crm.objects.tasks.basic_api.get_by_id(
        a.id, properties=["hs_task_type", "hubspot_owner_id", "hs_task_status"])
        for a in (links.results if links else [])]


def closing_notes(sandbox: Sandbox, ticket_id: str, incident: str) -> int:
    return sum(f"Resuelto con el incidente {incident}" in (n["hs_note_body"] or "")
               for n in sandbox.notes_of(ticket_id))


def test_closing_the_incident_closes_every_member_with_its_note_and_one_call_each(
        portal: Cli, sandbox: Sandbox):
    members = escalated(sandbox, 6)
    incident = portal("incidentes", "abrir", *members).out.splitlines()[0]
    close(sandbox, incident)
    owed = portal("followup", "--todos", "--json")  # before any job ran: every client owed
    assert owed.code == 0, owed.err
    assert sorted(r["id"] for r in owed.json()) == sorted(members)
    assert {r["reason"] for r in owed.json()} == {"resuelto_sin_avisar"}
    assert all(read(sandbox, m)["hs_pipeline_stage"] == "2" for m in members)  # listing writes
    done = portal("followup", "--tareas", "--todos", "--json")
    assert done.code == 0, done.err
    summary = done.json()
    assert sorted(summary["incident_members_closed"]) == sorted(members)
    assert summary["created"] == 6
    for n, member in enumerate(members):
        assert read(sandbox, member)["hs_pipeline_stage"] == "4"
        assert closing_notes(sandbox, member, incident) == 1
        [task] = calls(sandbox, member)
        assert task.properties["hs_task_type"] == "CALL"
        assert task.properties["hubspot_owner_id"] == (ANA, LUIS)[n % 2]  # who escalated it
    assert calls(sandbox, incident) == []  # the incident has no client of its own
    listed = portal("followup", "--todos", "--json").json()
    assert sorted(r["id"] for r in listed) == sorted(members)
    sandbox.forget_requests()
    again = portal("followup", "--tareas", "--todos", "--json").json()
    assert (again["created"], again["incident_members_closed"]) == (0, [])
    assert "Incidentes cerrados" not in portal("followup", "--tareas", "--todos").out
    assert sandbox.writes() == []
    assert all(closing_notes(sandbox, m, incident) == 1 for m in members)


def test_the_closing_run_says_which_clients_tickets_it_closed(portal: Cli, sandbox: Sandbox):
    members = escalated(sandbox, 2)
    incident = portal("incidentes", "abrir", *members).out.splitlines()[0]
    close(sandbox, incident)
    said = portal("followup", "--tareas", "--todos")
    assert said.code == 0, said.err
    assert "Incidentes cerrados: 2 ticket(s) de sus clientes cerrados" in said.out
    assert all(m in said.out for m in members)
    assert all(read(sandbox, m)["hs_pipeline_stage"] == "4" for m in members)


def test_a_kill_between_the_notes_and_the_close_and_a_rerun_finish_the_job(
        portal: Cli, sandbox: Sandbox):
    members = escalated(sandbox, 5)
    incident = portal("incidentes", "abrir", *members).out.splitlines()[0]
    close(sandbox, incident)
    notes = {"method": "POST", "path": "/crm/objects/2026-09/notes/batch/create"}
    sandbox.fault(**notes, times=1, delay_ms=1500, status=None)
    process = subprocess.Popen(
        [sys.executable, "-m", "escalate", "followup", "--tareas", "--todos"], cwd=portal.cwd,
        env={"PATH": os.environ.get("PATH", ""), **portal.environ},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # The sandbox holds the notes 1.5 s: the process dies with them in its hands.
    wait_for(lambda: sandbox.pending_faults() == 0, "the notes never reached HubSpot")
    process.send_signal(signal.SIGKILL)
    process.wait()
    wait_for(lambda: all(closing_notes(sandbox, m, incident) == 1 for m in members),
             "the killed process's notes never landed")
    assert all(read(sandbox, m)["hs_pipeline_stage"] == "2" for m in members)  # not closed yet
    assert all(calls(sandbox, m) == [] for m in members)
    rerun = portal("followup", "--tareas", "--todos", "--json")
    assert rerun.code == 0, rerun.err
    for member in members:
        assert read(sandbox, member)["hs_pipeline_stage"] == "4"
        assert closing_notes(sandbox, member, incident) == 1  # none written twice
        assert len(calls(sandbox, member)) == 1


@pytest.mark.usefixtures("hubspot_search_limit")
def test_two_agents_opening_an_incident_at_once_make_one(portal: Cli, sandbox: Sandbox):
    first, second, third = escalated(sandbox, 3)
    sandbox.control("POST", "latency", {"delay_ms": 150})

    def opener(others: list[str]) -> subprocess.CompletedProcess[str]:
        return portal.subprocess("incidentes", "abrir", first, *others, "--json")

    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(opener, [[second], [third]]))
    sandbox.control("POST", "latency", {"delay_ms": 0})
    assert [d.returncode for d in done] == [0, 0], [d.stderr for d in done]
    ids = {json.loads(d.stdout)["id"] for d in done}
    [incident] = incident_tickets(sandbox)
    assert ids == {incident.id}
    assert sorted(linked(sandbox, incident.id)["Cliente afectado"]) == sorted(
        [first, second, third])
    assert read(sandbox, incident.id)["escalate_affected"] in ("3", "3.0")


# -- at create ------------------------------------------------------------------------------

BY_FLAGS = ["--poliza", "POL-9001", "--cliente", "Ana López", "--correo", "ana.lopez@example.com",
         "--prioridad", "MEDIA", "--que", "La placa nueva no se guarda en el endoso",
         "--como", "Endosos > Vehículo > Guardar", "--donde", "Portal web, pantalla de endosos"]


def test_a_create_like_open_tickets_names_them_and_their_incident_and_sends_alone(
        portal: Cli, sandbox: Sandbox):
    members = escalated(sandbox, 3)
    incident = portal("incidentes", "abrir", *members).out.splitlines()[0]
    other = escalated(sandbox, 1)  # not in the incident: still alike
    sandbox.forget_requests()
    created = portal("create", *BY_FLAGS, "--json")
    assert created.code == 0, created.err
    answer = created.json()
    assert sorted(s["id"] for s in answer["similar"]) == sorted([*members, *other])
    assert answer["incident"] is None
    # made an hour ago: «desde hoy», or «desde ayer» in the first hour of the day
    assert re.search("Parece el mismo problema que 4 tickets abiertos desde (hoy|ayer) ",
                     created.err)
    assert f"— incidente {incident}." in created.err and f"--incidente {incident}" in created.err
    assert linked(sandbox, answer["id"]) == {}
    searches = [r for r in sandbox.requests() if r["path"].endswith("/tickets/search")]
    assert len(searches) == 2  # the policy's tickets, and the open ones alike


def test_alike_tickets_are_dated_by_the_agents_day_not_utcs(portal: Cli, sandbox: Sandbox):
    now = datetime.now(timezone.utc)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    # Mexico City's day (the portal's zone, UTC-6) starts at 06:00 UTC: between 00:00 and
    # 06:00 UTC the two days differ, so tickets made then read «hoy» on one clock and «ayer»
    # on the other, whatever the hour the test runs.
    if now.hour >= 6:
        made, said = midnight + timedelta(hours=3), "ayer"
    else:
        made, said = midnight - timedelta(hours=3), "hoy"
    escalated(sandbox, 2, hours_ago=(now - made).total_seconds() / 3600)
    created = portal("create", *BY_FLAGS, "--json")
    assert created.code == 0, created.err
    assert f"Parece el mismo problema que 2 tickets abiertos desde {said} " in created.err


def test_create_incidente_joins_and_the_count_follows(portal: Cli, sandbox: Sandbox):
    members = escalated(sandbox, 3)
    incident = portal("incidentes", "abrir", *members).out.splitlines()[0]
    created = portal("create", *BY_FLAGS, "--incidente", incident, "--json")
    assert created.code == 0, created.err
    answer = created.json()
    assert answer["incident"] == incident
    assert linked(sandbox, answer["id"]) == {"Incidente": [incident]}
    held = read(sandbox, incident)
    assert held["escalate_affected"] in ("4", "4.0") and held["subject"].endswith("(4 clientes)")


def test_create_into_a_closed_incident_or_a_plain_ticket_exits_3_and_sends_nothing(
        portal: Cli, sandbox: Sandbox):
    members = escalated(sandbox, 2)
    incident = portal("incidentes", "abrir", *members).out.splitlines()[0]
    close(sandbox, incident)
    before = len(sandbox.tickets())
    closed = portal("create", *BY_FLAGS, "--incidente", incident)
    assert closed.code == 3 and "ya está cerrado" in closed.err
    plain = portal("create", *BY_FLAGS, "--incident", members[0])
    assert plain.code == 3 and "no es un incidente" in plain.err
    both = portal("create", *BY_FLAGS, "--incidente", incident, "--sin-incidente")
    assert both.code == 2 and "no van juntos" in both.err
    assert len(sandbox.tickets()) == before


def test_create_sin_incidente_looks_for_nothing(portal: Cli, sandbox: Sandbox):
    escalated(sandbox, 3)
    sandbox.forget_requests()
    created = portal("create", *BY_FLAGS, "--sin-incidente", "--json")
    assert created.code == 0, created.err
    assert created.json()["similar"] == [] and "Parece" not in created.err
    searches = [r for r in sandbox.requests() if r["path"].endswith("/tickets/search")]
    assert len(searches) == 1


# -- fusionar -------------------------------------------------------------------------------


def merges(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests() if r["path"].endswith("/tickets/merge")]


def test_fusionar_merges_two_tickets_of_one_client_once(portal: Cli, sandbox: Sandbox):
    first, second = escalated(sandbox, 2, one_client=True)
    [third] = escalated(sandbox, 1)
    incident = portal("incidentes", "abrir", first, second, third).out.splitlines()[0]
    # Three tickets, two clients: one of them escalated twice
    assert read(sandbox, incident)["escalate_affected"] in ("2", "2.0")
    sandbox.forget_requests()
    done = portal("fusionar", first, second, "--sin-preguntas", "--json")
    assert done.code == 0, done.err
    assert done.json() == {"id": first, "merged": second}
    assert sandbox.client.crm.tickets.basic_api.get_by_id(second).id == first
    assert len(merges(sandbox)) == 1
    held = read(sandbox, incident)  # still two clients: the two tickets were one's
    assert held["escalate_affected"] in ("2", "2.0") and held["subject"].endswith("(2 clientes)")
    again = portal("merge", first, second, "--no-input")  # the English name; done already
    assert again.code == 0 and "ya está fusionado" in again.out
    assert len(merges(sandbox)) == 1
    assert portal("outbox", "--json").json() == []


def test_fusionar_refuses_two_clients_and_asks_before_merging(portal: Cli, sandbox: Sandbox):
    first, second = escalated(sandbox, 2, one_client=True)
    now = int(time.time() * 1000)
    [other] = sandbox.control("POST", "history", {"object": "tickets", "records": [{
        "properties": {"subject": "POL-9 - Luis", "hs_pipeline": "0", "hs_pipeline_stage": "2"},
        "created_at": now - HOUR_MS, "associations": {"contacts": ["1002"]}}]})["ids"]
    sandbox.forget_requests()
    two = portal("fusionar", first, str(other), "--sin-preguntas")
    assert two.code == 3 and "clientes distintos" in two.err
    unasked = portal("fusionar", first, second)
    assert unasked.code == 2 and "--sin-preguntas" in unasked.err
    declined = portal("fusionar", first, second, keys="n")
    assert declined.code == 0 and "No se fusionó nada" in declined.err
    # Each ticket's creation on the portal's clock (Mexico City's), as the review tells it.
    for label, ticket in (("A (queda)", first), ("B (se fusiona)", second)):
        created = sandbox.client.crm.tickets.basic_api.get_by_id(ticket).properties["createdate"]
        local = datetime.fromisoformat(created.replace("Z", "+00:00")).astimezone(
            ZoneInfo("America/Mexico_City"))
        [line] = [line for line in declined.err.splitlines() if line.startswith(label)]
        assert line.startswith(f"{label}: {ticket} · ") and line.endswith(
            f" · creado {local:%Y-%m-%d %H:%M} CST, UTC-06:00"), line
    assert "⚠ Son de pólizas distintas (POL-0 y POL-1)" in declined.err  # said, not refused
    assert merges(sandbox) == [] and sandbox.writes() == []
    accepted = portal("fusionar", first, second, keys="s")
    assert accepted.code == 0, accepted.err
    assert len(merges(sandbox)) == 1


def test_a_merge_hubspot_cannot_take_now_waits_in_the_outbox_and_is_sent_once(
        portal: Cli, sandbox: Sandbox):
    first, second = escalated(sandbox, 2, one_client=True)
    sandbox.fault(method="POST", path="/crm/objects/2026-09/tickets/merge", times=50,
                  status=503)
    kept = portal("fusionar", first, second, "--sin-preguntas")
    assert kept.code == 5, kept.err
    [entry] = portal("outbox", "--json").json()
    assert entry["kind"] == "merge" and entry["description"] == (
        f"fusión del ticket {second} en el {first}")
    sandbox.control("DELETE", "faults")
    sent = portal("outbox", "send")
    assert sent.code == 0, sent.err
    assert sandbox.client.crm.tickets.basic_api.get_by_id(second).id == first
    assert portal("outbox", "--json").json() == []


# -- at the terminal: before the review -------------------------------------------------------

DOWN = "\x1b[B"


def test_at_the_terminal_joining_the_incident_offered_is_the_default(
        portal: Cli, sandbox: Sandbox):
    members = escalated(sandbox, 3)
    incident = portal("incidentes", "abrir", *members).out.splitlines()[0]
    done = portal("create", *BY_FLAGS, "--json", keys="\r" + "\r")  # join; then Enviar
    assert done.code == 0, done.err
    assert f"— incidente {incident}." in done.err
    assert f"Sumar al incidente {incident}" in done.err  # the review says so
    created = done.json()["id"]
    assert done.json()["incident"] == incident
    assert linked(sandbox, created) == {"Incidente": [incident]}
    assert read(sandbox, incident)["escalate_affected"] in ("4", "4.0")


def test_at_the_terminal_the_nth_alike_opens_an_incident_with_the_others(
        portal: Cli, sandbox: Sandbox):
    first, second = escalated(sandbox, 2)
    sandbox.forget_requests()
    done = portal("create", *BY_FLAGS, "--json", keys="\r" + "\r")  # open one; then Enviar
    assert done.code == 0, done.err
    assert "Abrir un incidente con estos 3 tickets" in done.err
    # The incident labels, read when the tickets alike were offered, serve the opening.
    assert [r["path"] for r in sandbox.requests()].count(
        "/crm/associations/2026-09/tickets/tickets/labels") == 1
    created, incident = done.json()["id"], done.json()["incident"]
    [held] = incident_tickets(sandbox)
    assert held.id == incident and held.properties["subject"].endswith("(3 clientes)")
    assert sorted(linked(sandbox, incident)["Cliente afectado"]) == sorted(
        [first, second, created])


def test_at_the_terminal_another_problem_sends_the_ticket_alone(portal: Cli, sandbox: Sandbox):
    members = escalated(sandbox, 3)
    portal("incidentes", "abrir", *members)
    done = portal("create", *BY_FLAGS, "--json", keys=DOWN + "\r" + "\r")  # otro; Enviar
    assert done.code == 0, done.err
    assert done.json()["incident"] is None and linked(sandbox, done.json()["id"]) == {}


# -- the report ------------------------------------------------------------------------------


def test_the_report_counts_incidents_apart_and_links_the_recurring_problem_to_its_incident(
        portal: Cli, sandbox: Sandbox):
    members = escalated(sandbox, 4)
    incident = portal("incidentes", "abrir", *members).out.splitlines()[0]
    close(sandbox, incident)
    since = (datetime.now(timezone.utc) - timedelta(days=2)).date().isoformat()
    done = portal("report", "--desde", since, "--json")
    assert done.code == 0, done.err
    got = done.json()
    assert got["tickets"] == 4  # the incident is no client's escalation
    [listed] = got["incidents"]
    assert (listed["id"], listed["affected"]) == (incident, 4)
    assert listed["hours_to_resolve"] is not None
    linked_groups = [p for p in got["recurring"] if p["incident"] == incident]
    assert linked_groups and set(linked_groups[0]["ticket_ids"]) <= set(members)
    text = portal("report", "--desde", since)
    assert "Incidentes del periodo" in text.out and incident in text.out


@pytest.mark.usefixtures("hubspot_search_limit")
def test_two_closing_runs_at_once_leave_one_note_and_one_task_per_client(
        portal: Cli, sandbox: Sandbox):
    members = escalated(sandbox, 5)
    incident = portal("incidentes", "abrir", *members).out.splitlines()[0]
    close(sandbox, incident)
    sandbox.control("POST", "latency", {"delay_ms": 150})

    def run(_: int) -> subprocess.CompletedProcess[str]:
        return portal.subprocess("followup", "--tareas", "--todos", "--json")

    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(run, range(2)))
    sandbox.control("POST", "latency", {"delay_ms": 0})
    assert [d.returncode for d in done] == [0, 0], [d.stderr for d in done]
    for member in members:
        assert read(sandbox, member)["hs_pipeline_stage"] == "4"
        assert closing_notes(sandbox, member, incident) == 1
        assert len([t for t in calls(sandbox, member)
                    if t.properties["hs_task_status"] != "COMPLETED"]) == 1


def test_opening_again_from_the_first_ticket_of_a_closed_incident_is_refused(
        portal: Cli, sandbox: Sandbox):
    first, second, third = escalated(sandbox, 3)
    incident = portal("incidentes", "abrir", first, second).out.splitlines()[0]
    close(sandbox, incident)
    api(sandbox, "PATCH", f"/crm/objects/2026-09/tickets/{first}",
        {"properties": {"hs_pipeline_stage": "2"}})  # still open, as a client ticket may be
    sandbox.forget_requests()
    again = portal("incidentes", "abrir", first, third)
    assert again.code == 3 and f"El incidente {incident}" in again.err and "Reábralo" in again.err
    assert sandbox.writes() == []


def test_through_a_real_terminal_the_agent_joins_the_incident_before_the_review(
        portal: Cli, sandbox: Sandbox, home: Path):
    from tests.test_interactive import Term

    members = escalated(sandbox, 3)
    incident = portal("incidentes", "abrir", *members).out.splitlines()[0]
    t = Term(sandbox, home, *BY_FLAGS)
    try:
        offered = t.answer("Es el mismo problema", "\r")
        assert f"— incidente {incident}." in " ".join(offered.split())
        review = t.answer("Qué hacemos", "\r")
        assert f"Sumar al incidente {incident}" in review
        code, shown = t.finish()
    finally:
        if t.child.isalive():
            t.child.terminate(force=True)
    assert code == 0, shown
    [created] = [tk.id for tk in sandbox.tickets() if tk.id not in {*members, incident}]
    assert linked(sandbox, created) == {"Incidente": [incident]}
    assert read(sandbox, incident)["escalate_affected"] in ("4", "4.0")


def test_tickets_typed_in_hubspots_editor_are_alike_too_and_describe_their_incident(
        portal: Cli, sandbox: Sandbox):
    members = escalated(sandbox, 3, html=True)
    created = portal("create", *BY_FLAGS, "--json")
    assert created.code == 0, created.err
    assert sorted(s["id"] for s in created.json()["similar"]) == sorted(members)
    incident = portal("incidentes", "abrir", *members).out.splitlines()[0]
    assert "Guardar y esperar" in read(sandbox, incident)["content"]  # their CÓMO, as text


def test_simular_names_the_tickets_alike_once_the_portal_is_known_and_writes_nothing(
        portal: Cli, sandbox: Sandbox):
    members = escalated(sandbox, 3)
    incident = portal("incidentes", "abrir", *members).out.splitlines()[0]
    portal("create", *BY_FLAGS, "--poliza", "POL-WARM", "--sin-incidente")  # portal cached
    sandbox.forget_requests()
    simulated = portal("create", *BY_FLAGS, "--simular", "--json")
    assert simulated.code == 0, simulated.err
    got = simulated.json()
    assert set(members) <= {s["id"] for s in got["similar"]} and got["incident"] is None
    assert f"— incidente {incident}." in simulated.err
    assert sandbox.writes() == []
    at_a_terminal = portal("create", *BY_FLAGS, "--simular", keys="")
    assert at_a_terminal.code == 0, at_a_terminal.err
    assert f"— incidente {incident}." in at_a_terminal.err
    quiet = portal("create", *BY_FLAGS, "--simular", "--sin-incidente", "--json")
    assert quiet.json()["similar"] == [] and "Parece" not in quiet.err


def test_a_create_that_looks_for_tickets_alike_loads_no_pydantic(portal: Cli, sandbox: Sandbox):
    """Without a policy file a create never loaded pydantic (≈0.13 s, docs/architecture.md);
    reading the tickets alike keeps it so."""
    escalated(sandbox, 3)
    args = [*BY_FLAGS, "--no-input"]
    probe = ("import atexit, sys, runpy\n"
             f"sys.argv = ['escalate', 'create', *{args!r}]\n"
             "atexit.register(lambda: print('LOADED', 'pydantic' in sys.modules, "
             "'rapidfuzz' in sys.modules, file=sys.stderr))\n"
             "runpy.run_module('escalate', run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", probe], cwd=portal.cwd, text=True,
                          capture_output=True, timeout=120,
                          env={"PATH": os.environ.get("PATH", ""), **portal.environ})
    assert done.returncode == 0, done.stderr
    assert "LOADED False True" in done.stderr  # compared (rapidfuzz), without pydantic


@pytest.mark.usefixtures("hubspot_search_limit")
def test_two_agents_creating_at_once_open_one_incident(portal: Cli, sandbox: Sandbox,
                                                        tmp_path: Path):
    """Two agents each escalate the third client of a problem at the same moment and each
    accepts «Abrir un incidente»: one incident, with the four clients."""
    from tests.test_interactive import Term

    first, second = escalated(sandbox, 2)
    homes = [tmp_path / f"agente{n}" for n in (1, 2)]  # each agent's own machine
    for folder in homes:
        folder.mkdir()
    clients = (("Ana López", "ana.lopez@example.com"),
               ("Carlos Ramírez", "carlos.ramirez@example.com"))
    agents = [Term(sandbox, folder, *with_option(with_option(with_option(
        BY_FLAGS, "--poliza", policy), "--cliente", name), "--correo", email))
              for folder, policy, (name, email) in zip(homes, ("POL-9101", "POL-9102"),
                                                      clients, strict=True)]
    try:
        for t in agents:
            t.answer("Es el mismo problema", "\r")  # «Abrir un incidente con estos 3 tickets»
        for t in agents:
            t.wait("Qué hacemos")
        sandbox.control("POST", "latency", {"delay_ms": 150})
        for t in agents:
            t.child.send("\r")  # both send at once
        results = [t.finish() for t in agents]
    finally:
        sandbox.control("POST", "latency", {"delay_ms": 0})
        for t in agents:
            if t.child.isalive():
                t.child.terminate(force=True)
    assert [code for code, _ in results] == [0, 0], [shown for _, shown in results]
    [incident] = incident_tickets(sandbox)
    created = [t.id for t in sandbox.tickets()
               if t.id not in {first, second, incident.id}]
    assert len(created) == 2
    assert sorted(linked(sandbox, incident.id)["Cliente afectado"]) == sorted(
        [first, second, *created])
    assert read(sandbox, incident.id)["escalate_affected"] in ("4", "4.0")


def test_the_clients_of_a_closed_incident_still_open_are_not_offered_again(
        portal: Cli, sandbox: Sandbox):
    """The engineers closed the incident; its clients' tickets wait for the closing job.
    A new escalation alike is not offered the closed incident, and the others alike make a
    new one without meeting the old members."""
    members = escalated(sandbox, 3)
    incident = portal("incidentes", "abrir", *members).out.splitlines()[0]
    close(sandbox, incident)
    free = escalated(sandbox, 2)
    done = portal("create", *BY_FLAGS, "--json", keys="\r" + "\r")  # open one; then Enviar
    assert done.code == 0, done.err
    assert "Abrir un incidente con estos 3 tickets" in done.err
    new_incident = done.json()["incident"]
    assert new_incident not in (None, incident)
    assert sorted(linked(sandbox, new_incident)["Cliente afectado"]) == sorted(
        [*free, done.json()["id"]])


def test_without_the_incident_labels_the_review_names_the_tickets_alike_and_asks_for_setup(
        cli: Cli, sandbox: Sandbox):
    escalated(sandbox, 2)  # alike: an incident would be proposed, on a portal set up for it
    done = cli("create", *BY_FLAGS, "--json", keys="\r")  # Enviar at the review
    assert done.code == 0, done.err
    assert "Parece el mismo problema" in done.err and "configurar" in done.err
    assert "¿Es el mismo problema?" not in done.err  # nothing offered that would fail
    assert linked(sandbox, done.json()["id"]) == {} and incident_tickets(sandbox) == []


def test_a_portal_not_set_up_again_creates_as_before_and_incidents_say_setup(
        cli: Cli, sandbox: Sandbox, tmp_path: Path):
    store = sandbox.running.app.portal.store
    with store.write() as db:  # a portal set up before issue 25
        db.execute("DELETE FROM properties WHERE type = 'tickets' AND name = ?",
                   ("escalate_affected",))
        store._schema_changed(db)
    escalated(sandbox, 3)
    created = cli("create", *BY_FLAGS, "--json")
    assert created.code == 0, created.err
    assert created.json()["similar"] == [] and "Parece" not in created.err
    listed = cli("incidentes")
    assert listed.code == 4 and "escalate_affected" in listed.err
    assert "escalate setup" in listed.err or "escalate configurar" in listed.err
    # The admin runs setup on another machine: this one's cached portal, older than that,
    # is read again before incidents are refused
    assert cli("setup", environ={"ESCALATE_HOME": str(tmp_path / "admin")}).code == 0
    assert cli("incidentes", "--json").json() == []
