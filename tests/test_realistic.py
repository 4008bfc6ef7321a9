"""Every command on a portal as it really is (tests/data/realistic_portal.json): tickets
typed in HubSpot's screens, escalate tickets edited by hand, contacts deleted or merged,
merged and archived tickets, a stage deleted while a ticket sat in it, a deactivated user.
Each command handles such a ticket or skips it and says how many and why, in Spanish; what
HubSpot holds afterwards is read back (docs/guia-supervisores.md, "Tickets que escalate no
escribió")."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import Cli, Sandbox, png_bytes
from .realistic import CRM, PIPELINES, Realistic, load
from .test_team import tasks_of

BUMP_POLICY = "[bump]\nafter_hours = { BAJA = 72, MEDIA = 48, ALTA = 24 }\n"
# Open, in the pipeline, waiting more than 48 h (or closed without telling the client).
OWED = ["escalate_owed", "hand_missing", "hand_html", "hand_long", "hand_no_contact",
        "hand_company_only", "hand_three_contacts", "hand_closed", "edited_emptied",
        "edited_rewritten", "edited_renamed", "edited_priority_cleared",
        "edited_custom_priority", "edited_moved_back", "edited_owner_removed",
        "edited_owner_deactivated", "contact_deleted", "contact_merged", "merged_primary",
        "edited_html"]
NO_CONTACT = ["hand_no_contact", "hand_company_only", "contact_deleted"]
GONE = ["merged_loser", "archived"]  # their ids answer with another ticket, or not at all


@pytest.fixture
def portal(sandbox: Sandbox) -> Realistic:
    loaded = load(sandbox)
    sandbox.forget_requests()
    return loaded


def ids(portal: Realistic, names: list[str]) -> set[str]:
    return {portal[n] for n in names}


def touched(sandbox: Sandbox, ticket_id: str) -> list[dict[str, Any]]:
    """Requests that named a ticket id in their path (a write to it, or a read by it)."""
    return [r for r in sandbox.requests() if f"/{ticket_id}" in r["path"]
            or r["path"].endswith(f"/{ticket_id}")]


def never_touched(sandbox: Sandbox, portal: Realistic, names: list[str]) -> None:
    """No request named these tickets, and no write went to them: the tool wrote to the
    survivor of a merge and left an archived ticket alone."""
    for name in names:
        assert touched(sandbox, portal[name]) == [], name


def notes_in(sandbox: Sandbox, ticket_id: str) -> list[dict[str, Any]]:
    return sandbox.notes_of(ticket_id)


# -- followup ---------------------------------------------------------------------------------

def test_followup_lists_every_client_owed_a_call_and_says_what_it_left_out(
        cli: Cli, sandbox: Sandbox, portal: Realistic):
    result = cli("followup", "--json")
    assert result.code == 0, result.err
    rows = {r["id"]: r for r in result.json()}
    assert set(rows) == ids(portal, OWED)
    # Typed in HubSpot, no contact: listed, flagged, never dropped.
    for name in NO_CONTACT:
        assert rows[portal[name]]["contact"] is None
        assert rows[portal[name]]["flags"] == ["sin_contacto"], name
    three = rows[portal["hand_three_contacts"]]
    assert three["contacts"] == 3 and three["flags"] == ["varios_contactos"]
    assert three["contact"]["id"] in ("1005", "1006", "1001")  # one of its own, shown
    assert rows[portal["edited_priority_cleared"]]["flags"] == ["sin_prioridad"]
    custom = rows[portal["edited_custom_priority"]]
    assert custom["priority"] is None and custom["flags"] == ["prioridad_desconocida"]
    # A merged contact answers with its survivor: the client is still reached.
    assert rows[portal["contact_merged"]]["contact"]["id"] == "1001"
    assert rows[portal["hand_closed"]]["reason"] == "resuelto_sin_avisar"
    # Skipped, and said: a stage deleted since; nothing else was silently dropped.
    assert portal["deleted_stage"] not in rows
    assert result.err.count("Aviso:") == 1
    assert (f"No se listan: 1 en una etapa que ya no existe en el pipeline "
            f"({portal['deleted_stage']})") in result.err
    assert "Error inesperado" not in result.err
    never_touched(sandbox, portal, GONE)
    assert sandbox.writes() == []


def test_followup_on_a_terminal_and_as_csv_says_sin_contacto(cli: Cli, sandbox: Sandbox,
                                                             portal: Realistic):
    shown = cli("followup")
    assert shown.code == 0, shown.err
    assert shown.out.count("contacto:") == len(NO_CONTACT)  # «sin contacto: revisar en…»
    assert "Revisar en HubSpot: 3 sin contacto" in shown.out
    assert "(Crítica)" in shown.out  # the portal's own level, named
    table = cli("followup", "--csv")
    rows = {r["id"]: r for r in csv.DictReader(table.out.splitlines())}
    assert rows[portal["hand_no_contact"]]["flags"] == "sin_contacto"
    assert rows[portal["hand_three_contacts"]]["contacts"] == "3"
    assert "No se listan: 1 en una etapa" in table.err


def test_a_stage_added_after_the_portal_was_cached_is_read_again_not_called_deleted(
        cli: Cli, sandbox: Sandbox, portal: Realistic):
    assert cli("followup", "--json").code == 0  # caches the portal
    made = sandbox.api("POST", f"{PIPELINES}/0/stages",
                       {"label": "Con proveedor", "metadata": {"ticketState": "OPEN"}})
    sandbox.api("PATCH", f"{CRM}/tickets/{portal['escalate_owed']}",
                {"properties": {"hs_pipeline_stage": made["id"]}})
    result = cli("followup", "--json")
    assert portal["escalate_owed"] in {r["id"] for r in result.json()}
    assert portal["escalate_owed"] not in result.err  # not reported as a deleted stage
    assert [r for r in sandbox.requests() if r["path"].startswith("/crm/pipelines/")]


# -- followup --tareas ------------------------------------------------------------------------

def test_tareas_makes_no_task_without_a_contact_and_says_how_many(cli: Cli, sandbox: Sandbox,
                                                                  portal: Realistic):
    result = cli("followup", "--tareas", "--json")
    assert result.code == 0, result.err
    done = result.json()
    made = {t["ticket_id"] for t in done["tasks"] if t["action"] == "created"}
    assert made == ids(portal, OWED) - ids(portal, NO_CONTACT)
    skipped = {s["reason"]: set(s["ticket_ids"]) for s in done["skipped"]}
    assert skipped == {"sin_contacto": ids(portal, NO_CONTACT),
                       "etapa_desconocida": {portal["deleted_stage"]}}
    for name in [*NO_CONTACT, "deleted_stage"]:
        assert tasks_of(sandbox, portal[name]) == [], name
    # The deactivated agent's calls: a task without an owner (HubSpot would refuse the id).
    task, = tasks_of(sandbox, portal["edited_owner_deactivated"])
    assert task.properties["hubspot_owner_id"] is None
    assert task.associations["contacts"].results[0].id == "1003"
    unassigned = {s["reason"]: set(s["ticket_ids"]) for s in done["unassigned"]}
    assert unassigned["agente_de_baja"] == ids(portal, ["edited_rewritten",
                                                        "edited_owner_deactivated",
                                                        "edited_html"])
    assert portal["hand_missing"] in unassigned["sin_agente"]
    assert "Llamadas sin tarea: 3 sin contacto" in result.err
    assert "Tareas sin dueño: " in result.err
    never_touched(sandbox, portal, GONE)
    # Again at once: nothing new, the same said again.
    again = cli("followup", "--tareas")
    assert again.out.startswith("Tareas de llamada: 0 creada(s), 0 completada(s)")
    assert "Llamadas sin tarea: 3 sin contacto" in again.err


def test_a_task_of_a_ticket_whose_stage_was_deleted_is_left_open(cli: Cli, sandbox: Sandbox,
                                                                 portal: Realistic, home: Path):
    made = sandbox.api("POST", f"{PIPELINES}/0/stages",
                       {"label": "Con aseguradora", "metadata": {"ticketState": "OPEN"}})
    sandbox.api("PATCH", f"{CRM}/tickets/{portal['escalate_owed']}",
                {"properties": {"hs_pipeline_stage": made["id"]}})
    assert cli("followup", "--tareas").code == 0
    task, = tasks_of(sandbox, portal["escalate_owed"])
    sandbox.api("DELETE", f"/crm/v3/pipelines/tickets/0/stages/{made['id']}")
    for cached in (home / "cache").glob("portal-*.json"):
        cached.unlink()  # hours later: the portal is read again and the stage is gone
    result = cli("followup", "--tareas", "--json")
    assert result.code == 0, result.err
    assert {"id": task.id, "ticket_id": portal["escalate_owed"], "owner_id": "9002",
            "action": "unchanged"} in result.json()["tasks"]
    assert tasks_of(sandbox, portal["escalate_owed"])[0].properties["hs_task_status"] == (
        "NOT_STARTED")
    assert portal["escalate_owed"] in result.err and "etapa que ya no existe" in result.err


# -- contacted and attach ---------------------------------------------------------------------

def test_contacted_on_a_merged_ticket_writes_to_the_survivor(cli: Cli, sandbox: Sandbox,
                                                             portal: Realistic):
    result = cli("contacted", portal["merged_loser"], "--nota", "Se le informó", "--json")
    assert result.code == 0, result.err
    survivor = portal["merged_primary"]
    assert result.json()["ticket_id"] == survivor
    assert result.json()["merged_from"] == portal["merged_loser"]
    assert (f"El ticket {portal['merged_loser']} se fusionó en HubSpot con el {survivor}"
            in result.err)
    assert sandbox.ticket(survivor).properties["escalate_last_client_update"]
    assert any("Se le informó" in n["hs_note_body"] for n in notes_in(sandbox, survivor))
    writes = sandbox.writes()
    assert writes and all(portal["merged_loser"] not in w["path"] for w in writes)
    assert cli("outbox").out.startswith("La bandeja de salida está vacía")


def test_contacted_on_a_deleted_ticket_exits_3_and_writes_nothing(cli: Cli, sandbox: Sandbox,
                                                                  portal: Realistic):
    result = cli("contacted", portal["archived"], "--nota", "Se le informó")
    assert result.code == 3
    assert f"El ticket {portal['archived']} fue eliminado en HubSpot" in result.err
    assert sandbox.writes() == []
    assert cli("outbox").out.startswith("La bandeja de salida está vacía")


def test_contacted_on_a_ticket_without_contact_notes_the_ticket_and_says_so(
        cli: Cli, sandbox: Sandbox, portal: Realistic):
    ticket = portal["hand_no_contact"]
    result = cli("contacted", ticket, "--nota", "Se le dejó recado")
    assert result.code == 0, result.err
    assert f"El ticket {ticket} no tiene contacto en HubSpot" in result.err
    note, = notes_in(sandbox, ticket)
    assert "contacts" not in note["associations"]


def test_contacted_on_a_ticket_in_a_deleted_stage_restarts_its_clock(
        cli: Cli, sandbox: Sandbox, portal: Realistic):
    ticket = portal["deleted_stage"]
    assert cli("contacted", ticket, "--nota", "Se le informó").code == 0
    assert sandbox.ticket(ticket).properties["escalate_last_client_update"]
    assert sandbox.ticket(ticket).properties["hs_pipeline_stage"] == portal.stages["proveedor"]


def test_attach_to_a_merged_ticket_notes_the_survivor_and_to_a_deleted_one_exits_3(
        cli: Cli, sandbox: Sandbox, portal: Realistic, tmp_path: Path):
    picture = tmp_path / "pantalla.png"
    picture.write_bytes(png_bytes(7))
    result = cli("attach", portal["merged_loser"], str(picture), "--json")
    assert result.code == 0, result.err
    assert result.json()["ticket_id"] == portal["merged_primary"]
    assert result.json()["merged_from"] == portal["merged_loser"]
    note, = notes_in(sandbox, portal["merged_primary"])
    assert note["hs_attachment_ids"] == result.json()["files"][0]["id"]
    sandbox.forget_requests()
    gone = cli("attach", portal["archived"], str(picture))
    assert gone.code == 3 and "fue eliminado en HubSpot" in gone.err
    assert not [w for w in sandbox.writes() if "/notes" in w["path"]]


# -- bump --------------------------------------------------------------------------------------

def test_bump_raises_what_it_can_and_counts_what_cannot_rise(cli: Cli, sandbox: Sandbox,
                                                             portal: Realistic, home: Path):
    (home / "escalate.toml").write_text(BUMP_POLICY, encoding="utf-8")
    result = cli("bump", "--json")
    assert result.code == 0, result.err
    done = result.json()
    raised = {r["id"] for r in done["raised"]}
    assert portal["hand_missing"] in raised  # typed in HubSpot, at MEDIA for 80 h
    assert portal["merged_primary"] in raised
    assert not raised & ids(portal, [*GONE, "deleted_stage", "edited_priority_cleared",
                                     "edited_custom_priority", "edited_other_pipeline"])
    skipped = {s["reason"]: s["ticket_ids"] for s in done["skipped"]}
    assert skipped == {"etapa_desconocida": [portal["deleted_stage"]],
                       "sin_prioridad": [portal["edited_priority_cleared"]],
                       "prioridad_desconocida": [portal["edited_custom_priority"]]}
    assert "No pueden subir: 1 en una etapa que ya no existe" in result.err
    assert sandbox.ticket(portal["edited_custom_priority"]).properties[
        "hs_ticket_priority"] == "CRITICAL"
    assert sandbox.ticket(portal["hand_missing"]).properties["hs_ticket_priority"] == "HIGH"
    assert len(done["notes"]) == len(raised)
    never_touched(sandbox, portal, GONE)


# -- report ------------------------------------------------------------------------------------

def test_report_counts_every_ticket_in_every_output_and_says_what_it_could_not_read(
        cli: Cli, sandbox: Sandbox, portal: Realistic, tmp_path: Path):
    since = "2026-01-01"
    result = cli("report", "--desde", since, "--json")
    assert result.code == 0, result.err
    report = result.json()
    counted = set(portal.spec["tickets"]) - {*GONE, "edited_other_pipeline"}
    assert report["tickets"] == len(counted) == 23
    by_agent = {a["key"]: a for a in report["by_agent"]}
    assert by_agent["sin agente"]["count"] == 7  # every ticket typed in HubSpot
    luis = by_agent["luis.agente@aseguradora.example"]
    assert luis["count"] == 3 and luis["name"] == "Luis Pérez Gómez (ya no es usuario de HubSpot)"
    assert {"key": "sin DÓNDE", "count": 9} in report["by_medium"]
    assert {"key": "app", "count": 4} in report["by_medium"]  # the HTML description read
    assert {"key": "WhatsApp", "count": 1} in report["by_channel"]
    unread = {u["reason"]: set(u["ticket_ids"]) for u in report["unread"]}
    assert unread == {
        "sin_descripcion": ids(portal, ["hand_missing", "hand_company_only", "hand_closed",
                                        "edited_emptied"]),
        "sin_secciones": ids(portal, ["hand_html", "hand_long", "hand_no_contact",
                                      "hand_three_contacts", "edited_rewritten"]),
        "etapa_desconocida": {portal["deleted_stage"]}}
    assert report["promise"]["tickets"] == 22  # the deleted stage's ticket: neither state
    # The same numbers in the CSV and the HTML; the terminal names the table.
    out = tmp_path / "csv"
    page = tmp_path / "informe.html"
    files = cli("report", "--desde", since, "--csv", str(out), "--html", str(page))
    assert files.code == 0, files.err
    with (out / "no_leidos.csv").open(encoding="utf-8") as handle:
        rows = {r["motivo"]: int(r["tickets"]) for r in csv.DictReader(handle)}
    assert rows == {"sin_descripcion": 4, "sin_secciones": 5, "etapa_desconocida": 1}
    html = page.read_text(encoding="utf-8")
    assert "Datos que escalate no pudo leer" in html
    assert f"/ticket/{portal['deleted_stage']}" in html
    assert "Datos que escalate no pudo leer" in cli("report", "--desde", since).out
    assert "Error inesperado" not in files.err + result.err
    assert sandbox.writes() == []


# -- create ------------------------------------------------------------------------------------

CLIENT = ["--cliente", "Lucía Ortega", "--correo", "lucia.ortega@example.com",
          "--prioridad", "MEDIA", "--que", "La póliza no aparece en el portal",
          "--como", "Buscar por número de póliza", "--donde", "Portal web, búsqueda"]


def test_create_warns_of_tickets_typed_in_hubspot_that_name_the_policy(
        cli: Cli, sandbox: Sandbox, portal: Realistic):
    result = cli("create", "--poliza", "pol-7003", *CLIENT, "--json")
    assert result.code == 0, result.err
    similar = result.json()["possible_duplicates"]
    assert [d["id"] for d in similar] == [portal["hand_three_contacts"]]
    assert f"Ya hay 1 ticket(s) abiertos con la póliza POL-7003: " \
           f"{portal['hand_three_contacts']}" in result.err


def test_create_names_a_merged_tickets_survivor_and_one_in_a_deleted_stage(
        cli: Cli, sandbox: Sandbox, portal: Realistic):
    merged = cli("create", "--poliza", "POL-7015", *CLIENT, "--json")
    assert [d["id"] for d in merged.json()["possible_duplicates"]] == [portal["merged_primary"]]
    stage = cli("create", "--poliza", "POL-7017", *CLIENT, "--json")
    duplicate, = stage.json()["possible_duplicates"]
    assert duplicate["id"] == portal["deleted_stage"]
    assert duplicate["stage"] == f"etapa {portal.stages['proveedor']}, que ya no existe"
    assert cli("create", "--poliza", "POL-7016", *CLIENT, "--json").json().get(
        "possible_duplicates") is None  # archived: not a duplicate


# -- outbox send -------------------------------------------------------------------------------

def kept_create(cli: Cli, sandbox: Sandbox, email: str) -> None:
    """A create that reached the point of sending, with its contact found, and was kept:
    HubSpot answered 503 to the create itself."""
    sandbox.fault(method="POST", path="/crm/objects/2026-09/tickets", times=50, status=503)
    result = cli("create", "--poliza", "POL-8001", "--cliente", "Marta Ríos", "--correo", email,
                 "--prioridad", "ALTA", "--que", "No puede pagar la póliza en línea",
                 "--como", "Pagos > Tarjeta", "--donde", "Portal web, pagos",
                 environ={"ESCALATE_RETRY_SECONDS": "0"})
    assert result.code == 5, result.err
    sandbox.control("DELETE", "faults")


def new_contact(sandbox: Sandbox, email: str) -> str:
    made = sandbox.api("POST", f"{CRM}/contacts", {"properties": {
        "firstname": "Marta", "lastname": "Ríos", "email": email}})
    return str(made["id"])


def test_outbox_send_creates_on_the_contact_a_kept_one_was_merged_into(
        cli: Cli, sandbox: Sandbox, portal: Realistic):
    survivor = new_contact(sandbox, "marta.rios@example.com")
    kept = new_contact(sandbox, "marta.r@example.com")
    kept_create(cli, sandbox, "marta.r@example.com")
    sandbox.api("POST", f"{CRM}/contacts/merge",
                {"primaryObjectId": survivor, "objectIdToMerge": kept})
    sent = cli("outbox", "send")
    assert sent.code == 0, sent.err
    assert f"El contacto {kept} se fusionó en HubSpot con el {survivor}" in sent.err
    made = [t for t in sandbox.tickets() if t.properties["escalate_policy"] == "POL-8001"]
    assert len(made) == 1
    linked = sandbox.ticket(made[0].id).associations["contacts"].results
    assert [c.id for c in linked] == [survivor]


def test_outbox_send_of_a_create_whose_contact_was_deleted_waits_for_the_agent(
        cli: Cli, sandbox: Sandbox, portal: Realistic):
    kept = new_contact(sandbox, "marta.r@example.com")
    kept_create(cli, sandbox, "marta.r@example.com")
    sandbox.api("DELETE", f"{CRM}/contacts/{kept}")
    sent = cli("outbox", "send")
    assert sent.code == 3
    assert "requiere acción — No hay ningún contacto en HubSpot con marta.r@example.com" in (
        sent.out)
    assert not [t for t in sandbox.tickets() if t.properties["escalate_policy"] == "POL-8001"]
    assert cli("outbox").out.startswith("Requiere acción")


def test_outbox_send_of_a_kept_call_on_a_ticket_merged_since_goes_to_the_survivor(
        cli: Cli, sandbox: Sandbox, portal: Realistic):
    first, second = portal["escalate_owed"], portal["edited_emptied"]
    sandbox.fault(method="POST", path="/crm/objects/2026-09/notes", times=50, status=503)
    kept = cli("contacted", second, "--nota", "Se le informó",
               environ={"ESCALATE_RETRY_SECONDS": "0"})
    assert kept.code == 5, kept.err
    sandbox.control("DELETE", "faults")
    sandbox.api("POST", f"{CRM}/tickets/merge",
                {"primaryObjectId": first, "objectIdToMerge": second})
    sandbox.forget_requests()
    sent = cli("outbox", "send")
    assert sent.code == 0, sent.err
    assert any("Se le informó" in n["hs_note_body"] for n in notes_in(sandbox, first))
    assert sandbox.ticket(first).properties["escalate_last_client_update"]
    assert all(second not in w["path"] for w in sandbox.writes())


# -- doctor ------------------------------------------------------------------------------------

def test_doctor_names_the_portals_own_priority_and_the_tickets_in_a_deleted_stage(
        cli: Cli, sandbox: Sandbox, portal: Realistic):
    result = cli("doctor", "--json")
    checks = {c["check"]: c for c in json.loads(result.out)}
    assert "«Crítica» (CRITICAL): escalate no la conoce" in checks["Prioridades"]["detail"]
    stages = checks["Tickets en etapas que ya no existen"]
    assert stages["ok"] is False
    assert stages["detail"].startswith(f"1 ticket(s) del pipeline «Soporte» en una etapa que "
                                       f"ya no existe ({portal['deleted_stage']})")
    assert stages["fix"] == "Muévalos en HubSpot a una etapa del pipeline."
    assert result.code == 0  # data to tidy, not a portal escalate cannot use
    assert sandbox.writes() == []


def test_contacted_completes_the_call_tasks_a_merged_ticket_brought_along(
        cli: Cli, sandbox: Sandbox, portal: Realistic):
    first, second = portal["escalate_owed"], portal["edited_emptied"]
    assert cli("followup", "--tareas").code == 0
    (kept,), (brought,) = tasks_of(sandbox, first), tasks_of(sandbox, second)
    sandbox.api("POST", f"{CRM}/tickets/merge",
                {"primaryObjectId": first, "objectIdToMerge": second})
    result = cli("contacted", second, "--nota", "Se le informó", "--json")
    assert result.code == 0, result.err
    assert sorted(result.json()["completed_tasks"]) == sorted([kept.id, brought.id])
    assert {t.properties["hs_task_status"] for t in tasks_of(sandbox, first)} == {"COMPLETED"}
