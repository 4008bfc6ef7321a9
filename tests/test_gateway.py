"""The gateway on HubSpot's dated API: every command sends only date-based paths (read back
from the sandbox's request log), and the calls later features build on (association labels,
labelled associations, merge) do what HubSpot does."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import pytest

from escalate.domain.records import AssociationLabel
from escalate.gateway import Gateway, RetryPolicy

from .conftest import ANA, Cli, Sandbox, png_bytes, with_option

# 2026-09 for every CRM and account API; the file upload on 2026-03, which 2026-09 lacks.
DATED = re.compile(r"^/(crm/(objects|associations|properties|pipelines|owners|"
                   r"property-validations)/2026-09|account-info/2026-09|files/2026-03/files$"
                   r"|files/2026-03/files/[0-9]+/gdpr-delete$|files/2026-09/files/search$)")
HOUR_MS = 3_600_000


def gateway(sandbox: Sandbox) -> Gateway:
    return Gateway(sandbox.url, "sandbox", retry=RetryPolicy(busy_seconds=5, offline_seconds=1))


def legacy(sandbox: Sandbox) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in sandbox.requests()
            if not DATED.match(r["path"])]


def test_no_numbered_path_is_left_in_the_tool():
    source = Path(__file__).parent.parent / "src" / "escalate"
    found = [f"{path.relative_to(source)}:{n}" for path in sorted(source.rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"/v[1-4]/", line)]
    assert found == []


def test_every_command_sends_only_dated_paths(cli: Cli, sandbox: Sandbox, tmp_path: Path):
    picture = tmp_path / "captura.png"
    picture.write_bytes(png_bytes(1))
    (cli.cwd / "escalate.toml").write_text(
        "[bump]\nafter_hours = { BAJA = 72, MEDIA = 48, ALTA = 24 }\n", encoding="utf-8")
    now = int(time.time() * 1000)
    sandbox.control("POST", "history", {"object": "tickets", "records": [{
        "properties": {"subject": "POL-9 - Ana López", "hs_pipeline": "0",
                       "hs_pipeline_stage": "2", "hs_ticket_priority": "MEDIUM",
                       "escalate_policy": "POL-9", "escalate_id": f"g-{now}",
                       "escalate_agent": "9002"},
        "created_at": now - 72 * HOUR_MS, "associations": {"contacts": ["1001"]}}]})
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        offline = {"HUBSPOT_BASE_URL": f"http://127.0.0.1:{closed.getsockname()[1]}"}
    created = cli("create", *ANA, "--adjunto", str(picture), "--json")
    assert created.code == 0, created.err
    ticket = created.json()["id"]
    assert cli("create", *with_option(ANA, "--poliza", "POL-3003"), environ=offline).code == 5
    commands = [
        ("attach", ticket, str(picture), "--nota", "otra captura"),
        ("attach", "999999", str(picture)),  # no such ticket: the upload is deleted again
        ("followup", "--tareas", "--todos"),
        ("contacted", ticket, "--nota", "Se le informó"),
        ("bump",),
        ("report", "--desde", "2020-01-01"),
        ("doctor",),
        ("setup",),
        ("outbox", "send"),
    ]
    assert legacy(sandbox) == []
    for command in commands:
        sandbox.forget_requests()
        result = cli(*command)
        assert result.code in (0, 3), (command, result.err)  # doctor: no agent configured
        assert sandbox.requests(), command
        assert legacy(sandbox) == [], command
    assert len(sandbox.tickets()) == 3  # the seeded one, the first create, the one sent later


# -- association labels, labelled associations, merge --------------------------------------

def tickets(sandbox: Sandbox, count: int) -> list[str]:
    now = int(time.time() * 1000)
    return [str(i) for i in sandbox.control("POST", "history", {"object": "tickets", "records": [
        {"properties": {"subject": f"T{n}", "hs_pipeline": "0", "hs_pipeline_stage": "2"},
         "created_at": now - HOUR_MS, "associations": {"contacts": ["1001"]}}
        for n in range(count)]})["ids"]]


def test_a_ticket_to_ticket_label_is_made_listed_used_and_read_back(sandbox: Sandbox):
    incident, member = tickets(sandbox, 2)
    hubspot = gateway(sandbox)
    forward, inverse = hubspot.create_association_label("tickets", "tickets", "Incidente",
                                                        "incidente", "Cliente afectado")
    assert forward.category == "USER_DEFINED" and forward.label == "Incidente"
    assert inverse.label == "Cliente afectado"
    assert hubspot.association_labels("tickets", "tickets") == [forward, inverse]
    hubspot.associate("tickets", member, "tickets", incident, [forward])
    hubspot.associate("tickets", member, "tickets", incident, [forward])  # again: no change
    found = hubspot.associations("tickets", "tickets", [member, incident])
    assert [(a.to_id, a.types) for a in found[member]] == [(incident, (forward,))]
    assert [(a.to_id, a.types) for a in found[incident]] == [(member, (inverse,))]
    assert legacy(sandbox) == []


def test_a_label_for_another_pair_is_refused(sandbox: Sandbox):
    from escalate.errors import Refused

    [ticket] = tickets(sandbox, 1)
    hubspot = gateway(sandbox)
    [forward, _inverse] = hubspot.create_association_label("tickets", "tickets", "Incidente",
                                                           "incidente", "Cliente afectado")
    with pytest.raises(Refused):
        hubspot.associate("tickets", ticket, "contacts", "1001", [forward])
    wrong = AssociationLabel("HUBSPOT_DEFINED", 228)
    with pytest.raises(Refused):
        hubspot.associate("tickets", ticket, "contacts", "1001", [wrong])


def test_association_reads_follow_each_inputs_own_pages(sandbox: Sandbox):
    [ticket, other] = tickets(sandbox, 2)
    now = int(time.time() * 1000)
    sandbox.control("POST", "history", {"object": "notes", "records": [
        {"properties": {"hs_timestamp": str(now), "hs_note_body": f"n{i}"},
         "associations": {"tickets": [ticket]}} for i in range(501)]})
    found = gateway(sandbox).associated_ids("tickets", "notes", [ticket, other])
    assert len(set(found[ticket])) == 501 and other not in found
    reads = [r for r in sandbox.requests() if r["path"].endswith("/batch/read")]
    assert len(reads) == 2  # the second asks only for what the first left


def test_a_merged_ticket_answers_with_the_primary(sandbox: Sandbox):
    primary, merged = tickets(sandbox, 2)
    hubspot = gateway(sandbox)
    kept = hubspot.merge_tickets(primary, merged)
    assert kept.id == primary
    found = hubspot.ticket(merged)
    assert found is not None and found[0].id == primary
    assert found[0].properties.get("hs_merged_object_ids") is None  # not asked for
    [read] = hubspot.tickets_by_id([merged], ["hs_merged_object_ids"])
    assert read.id == primary and read.properties["hs_merged_object_ids"] == merged
    assert legacy(sandbox) == []


def test_a_contact_whose_phone_changed_a_second_ago_is_not_found_by_the_old_one(
        cli: Cli, sandbox: Sandbox):
    hour_ago = int(time.time() * 1000) - HOUR_MS
    [marta] = sandbox.control("POST", "history", {"object": "contacts", "records": [{
        "properties": {"firstname": "Marta", "lastname": "Ruiz", "phone": "+52 55 4444 3333",
                       "email": "marta.ruiz@example.com"}, "created_at": hour_ago}]})["ids"]
    args = ["--poliza", "POL-77", "--cliente", "Marta Ruiz", "--prioridad", "MEDIA",
            "--que", "No carga la póliza", "--como", "Abrir la app", "--donde", "App móvil"]
    found = cli("create", *args, "--telefono", "55 4444 3333", "--json")
    assert found.code == 0 and found.json()["contact"]["id"] == str(marta)
    sandbox.control("POST", "search_lag", {"ms": 60_000})
    sandbox.client.crm.contacts.basic_api.update(str(marta), simple_public_object_input={
        "properties": {"phone": "+52 55 9999 0000"}})  # search still has the old number
    moved = cli("create", *args[2:], "--poliza", "POL-78", "--telefono", "55 4444 3333")
    assert moved.code == 3, moved.err
    sandbox.control("POST", "search_lag", {"ms": 0})
    assert len(sandbox.tickets()) == 1
