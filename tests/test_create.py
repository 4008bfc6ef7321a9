"""`escalate create` end to end against the sandbox: what HubSpot ends up holding."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from .conftest import ANA, DOWN, Cli, Sandbox, with_option


def creates(sandbox: Sandbox) -> list[dict]:
    return [r for r in sandbox.requests()
            if r["method"] == "POST" and r["path"] == "/crm/objects/2026-09/tickets"]


def test_a_create_by_email_leaves_one_ticket_right_in_every_field(cli: Cli, sandbox: Sandbox):
    result = cli("create", *ANA, "--cambio", "placa=ABC1234", "--canal", "teléfono",
                 "--cuando", "ayer 10:30")
    assert result.code == 0, result.err
    [ticket] = sandbox.tickets()
    full = sandbox.ticket(ticket.id)
    p = full.properties
    assert p["subject"] == "POL-1001 - Ana López"
    assert (p["hs_pipeline"], p["hs_pipeline_stage"]) == ("0", "2")  # Soporte / Tech Issues
    assert p["hs_ticket_priority"] == "HIGH"
    assert p["escalate_policy"] == "POL-1001"
    assert len(p["escalate_id"]) == 32
    sections = [line for line in p["content"].splitlines() if line.endswith(":")]
    assert sections == ["QUÉ:", "CÓMO:", "DÓNDE:", "CUÁNDO:", "CAMBIOS SOLICITADOS:", "CANAL:"]
    assert "- placa: ABC1234" in p["content"] and "Teléfono" in p["content"]
    assert "ayer 10:30" in p["content"]
    [contact] = full.associations["contacts"].results
    ana = sandbox.client.crm.contacts.basic_api.get_by_id(
        "ana.lopez@example.com", id_property="email")
    assert contact.id == ana.id
    assert ticket.id in result.out and "ALTA" in result.out
    assert f"/contacts/48151623/ticket/{ticket.id}" in result.out


def test_a_phone_typed_in_another_format_finds_the_contact(cli: Cli, sandbox: Sandbox):
    args = with_option(with_option(ANA, "--correo", None), "--telefono", "55.1234.5678")
    result = cli("create", *args, "--json")
    assert result.code == 0, result.err
    data = result.json()
    full = sandbox.ticket(data["id"])
    [contact] = full.associations["contacts"].results
    assert contact.id == data["contact"]["id"]
    assert data["contact"]["phone"] == "+52 55 1234 5678"  # as stored in HubSpot


def test_json_result_has_the_contract_shape(cli: Cli, sandbox: Sandbox):
    result = cli("create", *ANA, "--json")
    data = result.json()
    assert set(data) == {"id", "subject", "priority", "stage", "url", "created_at", "contact",
                         "attachments", "agent", "owner", "quality", "masked", "similar",
                         "incident"}
    assert data["similar"] == [] and data["incident"] is None
    assert data["agent"] is None and data["owner"] is None  # no ESCALATE_AGENT, no policy
    assert isinstance(data["id"], str) and data["priority"] == "ALTA"
    assert data["stage"] == "Tech Issues" and data["attachments"] == []
    assert set(data["contact"]) == {"id", "name", "email", "phone"}
    assert data["created_at"].endswith("+00:00")  # ISO 8601 with its UTC offset


def test_a_second_create_sends_at_most_four_requests(cli: Cli, sandbox: Sandbox):
    assert cli("create", *ANA).code == 0
    first = len(sandbox.requests())
    sandbox.forget_requests()
    assert cli("create", *with_option(ANA, "--poliza", "POL-2002")).code == 0
    second = sandbox.requests()
    # cold: the portal read (with its rules), contact, search, search for tickets alike, create
    assert first == 8
    calls = [(r["method"], r["path"]) for r in second]
    # the contact lookup, the duplicate search and the search for open tickets alike
    # (issue 25) run together, in any order; one ticket alike offers no incident: no more
    assert sorted(calls[:3]) == [("GET", "/crm/objects/2026-09/contacts/ana.lopez@example.com"),
                                 ("POST", "/crm/objects/2026-09/tickets/search"),
                                 ("POST", "/crm/objects/2026-09/tickets/search")]
    assert calls[3:] == [("POST", "/crm/objects/2026-09/tickets")]


def test_an_open_ticket_with_the_same_policy_is_reported_without_a_terminal(
        cli: Cli, sandbox: Sandbox):
    first = cli("create", *ANA, "--json").json()
    result = cli("create", *ANA, "--json", "--no-input")
    assert result.code == 0
    assert "póliza POL-1001" in result.err
    assert [d["id"] for d in result.json()["possible_duplicates"]] == [first["id"]]
    assert len(sandbox.tickets()) == 2


def test_a_ticket_closed_a_second_ago_is_not_a_duplicate_under_search_lag(
        cli: Cli, sandbox: Sandbox):
    hour_ago = int(time.time() * 1000) - 3_600_000
    [closed] = sandbox.control("POST", "history", {"object": "tickets", "records": [{
        "properties": {"subject": "POL-1001 - Ana López", "hs_pipeline": "0",
                       "hs_pipeline_stage": "2", "escalate_policy": "POL-1001"},
        "created_at": hour_ago, "associations": {"contacts": ["1001"]}}]})["ids"]
    sandbox.control("POST", "search_lag", {"ms": 60_000})
    sandbox.client.crm.tickets.basic_api.update(closed, simple_public_object_input={
        "properties": {"hs_pipeline_stage": "4"}})  # search still finds it open
    sandbox.forget_requests()
    result = cli("create", *ANA, "--json", "--no-input")
    assert result.code == 0, result.err
    assert "possible_duplicates" not in result.json()
    assert "póliza POL-1001" not in result.err
    paths = [r["path"] for r in sandbox.requests()]
    assert "/crm/objects/2026-09/tickets/batch/read" in paths  # what decided


def test_declining_a_duplicate_on_a_terminal_creates_nothing(cli: Cli, sandbox: Sandbox):
    cli("create", *ANA)
    # the review: Cancelar (4th); then «Sí, descartarla» (3rd)
    result = cli("create", *ANA, keys=DOWN * 3 + "\r" + DOWN * 2 + "\r")
    assert result.code == 0
    assert "Posibles duplicados" in result.err and "Cancelado" in result.err
    assert len(sandbox.tickets()) == 1


def test_missing_values_are_asked_on_a_terminal_with_the_priority_checklist(
        cli: Cli, sandbox: Sandbox):
    args = with_option(with_option(ANA, "--prioridad", None), "--donde", None)
    # checklist: the 2nd applies -> ALTA; DÓNDE; CUÁNDO, canal, cambios (the text speaks of
    # an endoso), adjuntos left empty; then the review: Enviar
    result = cli("create", *args, keys=DOWN + "\r" + "App móvil, pantalla de pagos\r"
                 + "\r" + DOWN * 6 + "\r" + "\r" + "\r" + "\r")
    assert result.code == 0, result.err
    [ticket] = sandbox.tickets()
    assert ticket.properties["hs_ticket_priority"] == "HIGH"
    assert "App móvil, pantalla de pagos" in sandbox.ticket(ticket.id).properties["content"]


def test_a_phone_matching_several_contacts_is_chosen_on_a_terminal(cli: Cli, sandbox: Sandbox):
    args = with_option(with_option(with_option(ANA, "--correo", None), "--telefono",
                                   "2225550101"), "--cliente", "Ramón Ortega")
    # The chooser comes with Ramón preselected (the client named): Enter, then Enviar.
    result = cli("create", *args, "--json", keys="\r" + "\r")
    assert result.code == 0, result.err
    assert result.json()["contact"]["email"] == "ramon.ortega@example.com"


def only_reads(sandbox: Sandbox) -> list[str]:
    """The requests a dry run made (method and path), after checking none could write."""
    made = [f"{r['method']} {r['path']}" for r in sandbox.requests()]
    assert sandbox.writes() == [], made
    return made


def test_dry_run_shows_the_ticket_and_sends_nothing(cli: Cli, sandbox: Sandbox):
    result = cli("create", *ANA, "--dry-run")
    assert result.code == 0
    assert "POL-1001 - Ana López" in result.out and "QUÉ:" in result.out
    assert "Contacto: Ana López · ana.lopez@example.com · +52 55 1234 5678 (id " in result.out
    assert only_reads(sandbox) and sandbox.tickets() == []


SHARED_PHONE = with_option(with_option(ANA, "--correo", None), "--telefono", "222 555 0101")


def test_dry_run_says_a_shared_phone_and_looks_only(cli: Cli, sandbox: Sandbox):
    shown = cli("crear", *SHARED_PHONE, "--simular")
    assert shown.code == 0, shown.err
    assert "este teléfono lo comparten 2 contactos" in shown.out
    assert "Lucía Ortega" in shown.out and "Ramón Ortega" in shown.out
    assert any(r.endswith("/contacts/search") for r in only_reads(sandbox))
    at_a_terminal = cli("crear", *SHARED_PHONE, "--simular", keys="")  # nothing left to ask
    assert at_a_terminal.code == 0 and "lo comparten 2 contactos" in at_a_terminal.out
    preview = cli("crear", *SHARED_PHONE, "--simular", "--json").json()
    contact = preview["contact"]
    assert (contact["email"], contact["phone"]) == (None, "+522225550101")  # as before
    assert contact["checked"] is True and contact["found"] is None
    assert sorted(c["email"] for c in contact["candidates"]) == [
        "lucia.ortega@example.com", "ramon.ortega@example.com"]
    assert only_reads(sandbox) and sandbox.tickets() == []


def test_dry_run_says_the_contact_it_would_use_or_that_none_exists(cli: Cli, sandbox: Sandbox):
    found = cli("crear", *with_option(ANA, "--cliente", "Pedro Páramo"), "--simular",
                "--json").json()["contact"]
    assert found["found"]["email"] == "ana.lopez@example.com" and found["candidates"] == []
    assert found["same_client"] is False  # a send without a terminal exits 3 for it
    none = cli("crear", *with_option(ANA, "--correo", "nadie@example.com"), "--simular")
    assert none.code == 0, none.err
    assert "Contacto: No hay ningún contacto en HubSpot con nadie@example.com" in none.out
    assert only_reads(sandbox) and sandbox.tickets() == []


def kept_draft(home: Path, chosen_id: str) -> str:
    """A complete draft for Ramón by the phone he shares with Lucía, Ramón's contact (or
    `chosen_id`) chosen at the terminal; returns the id to take it up with. Kept again
    before each run: a run in this process leaves the draft's lease to this live pid (a
    real process's lease ends with it)."""
    from escalate.outbox import Entry, Outbox

    answers = {"policy": "POL-99", "email": None, "phone": "222 555 0101",
               "priority": "MEDIA", "what": "No carga la póliza al abrirla",
               "how": "Pólizas > Ver > Abrir", "where": "Portal web, Pólizas", "when": None,
               "channel": "telefono", "changes": [], "attachments": [],
               "client_name": "Ramón Ortega"}
    box = Outbox(home)
    box.put(Entry("d" * 32, "draft", {"version": 2, "input": answers,
                                      "contact": {"id": chosen_id, "email": None,
                                                  "phone": "+522225550101"}}), claim=False)
    box.close()
    return "d" * 8


def contact_id(sandbox: Sandbox, email: str) -> str:
    return str(sandbox.client.crm.contacts.basic_api.get_by_id(email, id_property="email").id)


def test_a_draft_taken_up_by_a_script_or_a_dry_run_uses_the_contact_it_chose(
        cli: Cli, sandbox: Sandbox, home: Path):
    ramon = contact_id(sandbox, "ramon.ortega@example.com")
    preview = cli("crear", "--borrador", kept_draft(home, ramon), "--simular", "--json")
    assert preview.code == 0, preview.err
    said = preview.json()["contact"]
    assert said["found"]["id"] == ramon and len(said["candidates"]) == 2
    shown = cli("crear", "--borrador", kept_draft(home, ramon), "--simular")
    assert (f"Contacto: Ramón Ortega · ramon.ortega@example.com · 222 555 0101 (id {ramon})"
            ", el elegido en el borrador entre los 2 que comparten el teléfono") in shown.out
    at_a_terminal = cli("crear", "--borrador", kept_draft(home, ramon), "--simular", keys="")
    assert at_a_terminal.code == 0, at_a_terminal.err
    assert "el elegido en el borrador entre los 2" in at_a_terminal.out  # nothing asked
    assert only_reads(sandbox) and sandbox.tickets() == []

    sent = cli("crear", "--borrador", kept_draft(home, ramon), "--sin-preguntas", "--json")
    assert sent.code == 0, sent.err
    [ticket] = sandbox.tickets()
    [link] = sandbox.ticket(ticket.id).associations["contacts"].results
    assert str(link.id) == ramon  # the contact chosen, not an exit 3 for the shared phone


def test_a_draft_whose_choice_no_longer_holds_is_refused_to_a_script_saying_why(
        cli: Cli, sandbox: Sandbox, home: Path):
    gone = "999999"  # the contact chosen no longer has the phone
    preview = cli("crear", "--borrador", kept_draft(home, gone), "--simular",
                  "--json").json()["contact"]
    assert preview["found"] is None and len(preview["candidates"]) == 2
    assert preview["problem"].startswith("no se usa el contacto elegido en el borrador: "
                                         "el contacto elegido (id 999999) ya no está")
    sent = cli("crear", "--borrador", kept_draft(home, gone), "--sin-preguntas")
    assert sent.code == 3, sent.err
    said = " ".join(sent.err.split())
    assert "No se usa el contacto elegido en el borrador: el contacto elegido (id 999999)" \
        in said and "corresponde a 2 contactos" in said
    assert sandbox.tickets() == []


def test_a_drafts_kept_choice_survives_an_unreachable_hubspot_to_the_outbox(
        cli: Cli, sandbox: Sandbox, home: Path):
    """The draft became a kept create without its contact choice: `bandeja enviar`, where
    nobody can be asked, exited 3 listing the contacts of the phone. A second «Ramón Ortega»
    on it (a duplicate contact) leaves the name unable to tell them apart: only the choice."""
    ramon = contact_id(sandbox, "ramon.ortega@example.com")
    from hubspot.crm.contacts import SimplePublicObjectInputForCreate

    sandbox.client.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(
        properties={"firstname": "Ramón", "lastname": "Ortega", "phone": "+52 222 555 0101",
                    "email": "ramon.o@example.com"}))
    assert kept_then_sent(cli, sandbox, "crear", "--borrador", kept_draft(home, ramon),
                          "--sin-preguntas") == ramon


def test_dry_run_asks_a_busy_hubspot_once_and_says_its_answer(cli: Cli, sandbox: Sandbox):
    """A 503 was retried for the whole busy budget (16 s with ESCALATE_RETRY_SECONDS=20)
    and then said as «sin respuesta»."""
    sandbox.fault(method="GET", path_prefix="/crm/objects/2026-09/contacts", times=10_000,
                  status=503)
    shown = cli("crear", *ANA, "--simular", "--json", environ={"ESCALATE_RETRY_SECONDS": "20"})
    assert shown.code == 0, shown.err
    contact = shown.json()["contact"]
    assert contact["checked"] is False and "sin respuesta" not in contact["problem"]
    reads = [r for r in sandbox.requests() if r["path"].startswith("/crm/objects/2026-09/contacts")]
    assert len(reads) == 1 and reads[0]["status"] == 503  # asked once, not retried


@pytest.mark.parametrize("environ", [{"HUBSPOT_ACCESS_TOKEN": ""},
                                     {"HUBSPOT_BASE_URL": "http://127.0.0.1:9"}])
def test_dry_run_offline_says_it_could_not_check_the_contact(
        cli: Cli, sandbox: Sandbox, environ: dict[str, str]):
    shown = cli("crear", *SHARED_PHONE, "--simular", environ=environ)
    assert shown.code == 0, shown.err
    assert "Contacto: +522225550101 (no se comprobó en HubSpot: " in shown.out
    preview = cli("crear", *SHARED_PHONE, "--simular", "--json", environ=environ).json()
    assert preview["contact"]["checked"] is False and preview["contact"]["found"] is None
    assert sandbox.requests() == []


def test_a_contact_name_from_hubspot_cannot_forge_a_line_of_the_dry_run(
        cli: Cli, sandbox: Sandbox):
    sandbox.client.crm.contacts.basic_api.create(simple_public_object_input_for_create={
        "properties": {"firstname": "Eva\nDueño: jefe@example.com (regla falsa)",
                       "lastname": "Ruiz", "email": "eva@example.com"}})
    shown = cli("crear", *with_option(ANA, "--correo", "eva@example.com"), "--simular")
    assert shown.code == 0, shown.err
    lines = shown.out.splitlines()
    assert [line for line in lines if line.startswith("Dueño:")] == [
        "Dueño: nadie (no hay archivo de políticas con matriz)"]  # the tool's line only
    # the name stays whole, on its line: in «Contacto:» and in «¿Mismo cliente?»
    assert sum("Eva Dueño: jefe@example.com (regla falsa) Ruiz" in line for line in lines) == 2


CONTACTS = "/crm/objects/2026-09/contacts"


def test_a_dry_run_says_hubspot_did_not_answer_instead_of_waiting_for_it(
        cli: Cli, sandbox: Sandbox):
    from escalate.cli.dry_run import SECONDS

    # HubSpot takes the connection and answers the contact read long after a dry run stops
    # waiting for it (ESCALATE_TIMEOUT_SECONDS, 30 s, is a send's).
    sandbox.fault(method="GET", path_prefix=CONTACTS, times=1, delay_ms=int(SECONDS * 2000),
                  status=None)
    shown = cli("crear", *ANA, "--simular", "--json")
    assert shown.code == 0, shown.err
    contact = shown.json()["contact"]
    assert contact["checked"] is False and contact["found"] is None
    assert contact["problem"] == (f"no se comprobó en HubSpot: sin respuesta de HubSpot en "
                                  f"{SECONDS:g} s (una simulación no espera)")
    assert sandbox.writes() == [] and sandbox.tickets() == []


def test_a_dry_run_redacts_the_token_from_why_it_could_not_check(cli: Cli, sandbox: Sandbox):
    # The host named in the connection's failure is the token itself (a misconfiguration
    # that pastes it there): shown redacted, as every error is.
    token = "s3cr3t0ken"
    environ = {"HUBSPOT_ACCESS_TOKEN": token, "HUBSPOT_BASE_URL": f"https://{token}.invalid"}
    shown = cli("crear", *ANA, "--simular", environ=environ)
    assert shown.code == 0, shown.err
    assert "Contacto: ana.lopez@example.com (no se comprobó en HubSpot: " in shown.out
    assert "***" in shown.out and token not in shown.out + shown.err
    preview = cli("crear", *ANA, "--simular", "--json", environ=environ)
    assert token not in preview.out and "***" in preview.json()["contact"]["problem"]


def test_a_dry_run_leaves_the_commands_gateway_and_its_policy_as_they_were(
        cli: Cli, sandbox: Sandbox):
    from datetime import datetime, timezone

    from escalate.cli.env import Env
    from escalate.cli.escalation import dry_run_contact
    from escalate.domain.escalation import Escalation, Rules

    env = Env(stdin_isatty=False, stdout_isatty=False, environ=cli.environ, cwd=cli.cwd)
    shared = env.gateway()
    before = (shared.retry, shared.timeout)
    escalation = Escalation.build({"policy": "POL-1", "client_name": "Ana López",
                                   "email": "ana.lopez@example.com", "priority": "ALTA",
                                   "what": "No guarda", "how": "Endosos > Guardar",
                                   "where": "Web"}, Rules(), datetime.now(timezone.utc))
    assert dry_run_contact(env, escalation)["found"]["email"] == "ana.lopez@example.com"
    assert (env.gateway().retry, env.gateway().timeout) == before
    assert env.gateway().retry is before[0]


def test_the_date_option_sets_the_ticket_create_date(cli: Cli, sandbox: Sandbox):
    result = cli("create", *ANA, "--fecha", "2026-01-15T09:30:00-06:00", "--json")
    assert result.code == 0, result.err
    created = sandbox.ticket(result.json()["id"]).properties["createdate"]
    assert created == "2026-01-15T15:30:00.000Z"


def test_english_option_names_and_priorities_work_too(cli: Cli, sandbox: Sandbox):
    result = cli("create", "--policy", "AB-123", "--client", "José Luis Hernández",
                 "--email", "jl.hernandez@example.com", "--priority", "urgent",
                 "--what", "Cobro doble", "--how", "Pagar con tarjeta", "--where", "App",
                 "--channel", "whatsapp")
    assert result.code == 0, result.err
    [ticket] = sandbox.tickets()
    assert ticket.properties["hs_ticket_priority"] == "URGENT"


BAD_INPUTS = {
    "blank what": (["--que", "   "], "--que"),
    "placeholder how": (["--como", "..."], "--como"),
    "bad policy": (["--poliza", "#$%"], "--poliza"),
    "name of digits": (["--cliente", "12345"], "--cliente"),
    "invalid email": (["--correo", "ana@@example"], "--correo"),
    "invalid phone": (["--telefono", "123"], "--telefono"),
    "unknown priority": (["--prioridad", "altísima"], "--prioridad"),
    "malformed change": (["--cambio", "placa ABC"], "--cambio"),
    "unknown channel": (["--canal", "paloma"], "--canal"),
    "unparseable date": (["--fecha", "ayer"], "--fecha"),
    "future date": (["--fecha", "2999-01-01T00:00:00+00:00"], "--fecha"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_named_in_spanish_exits_2_and_sends_nothing(case: str, cli: Cli,
                                                                  sandbox: Sandbox):
    change, option = BAD_INPUTS[case]
    args = list(ANA)
    for name, value in zip(change[::2], change[1::2], strict=True):
        args = with_option(args, name, value)
    result = cli("create", *args, "--no-input")
    assert result.code == 2, result.err
    assert option in result.err
    assert sandbox.requests() == []


def test_missing_options_without_a_terminal_are_all_named(cli: Cli, sandbox: Sandbox):
    result = cli("create", "--poliza", "POL-1", "--no-input")
    assert result.code == 2
    for option in ("--cliente", "--prioridad", "--que", "--como", "--donde",
                   "--correo/--telefono"):
        assert option in result.err
    assert sandbox.requests() == []


def test_several_bad_fields_are_reported_together(cli: Cli, sandbox: Sandbox):
    args = with_option(with_option(ANA, "--correo", "no-es-correo"), "--poliza", "?")
    result = cli("create", *args)
    assert result.code == 2
    assert "--correo" in result.err and "--poliza" in result.err


def test_email_and_phone_of_different_contacts_exit_3_and_create_nothing(
        cli: Cli, sandbox: Sandbox):
    result = cli("create", *ANA, "--telefono", "55 8765 4321")
    assert result.code == 3
    assert "contactos distintos" in result.err
    assert creates(sandbox) == []


def test_contact_not_found_exits_3_and_creates_nothing(cli: Cli, sandbox: Sandbox):
    result = cli("create", *with_option(ANA, "--correo", "nadie@example.com"))
    assert result.code == 3
    assert "nadie@example.com" in result.err
    assert creates(sandbox) == []


def test_a_shared_phone_without_a_terminal_lists_the_candidates_and_exits_3(
        cli: Cli, sandbox: Sandbox):
    args = with_option(with_option(ANA, "--correo", None), "--telefono", "+52 222 555 0101")
    result = cli("create", *args)
    assert result.code == 3
    assert "Lucía Ortega" in result.err and "Ramón Ortega" in result.err
    assert creates(sandbox) == []


def test_a_shared_phone_without_a_terminal_takes_the_one_contact_named_as_the_client(
        cli: Cli, sandbox: Sandbox):
    args = with_option(with_option(with_option(ANA, "--correo", None), "--telefono",
                                   "222 555 0101"), "--cliente", "Lucía Ortega")
    result = cli("create", *args, "--json")
    assert result.code == 0, result.err
    [link] = sandbox.ticket(result.json()["id"]).associations["contacts"].results
    email = sandbox.client.crm.contacts.basic_api.get_by_id(
        link.id, properties=["email"]).properties["email"]
    assert email == "lucia.ortega@example.com"  # not Ramón, who shares the phone


def test_a_shared_phone_named_create_kept_offline_is_sent_as_it_would_be_online(
        cli: Cli, sandbox: Sandbox):
    """One rule for who the client is where nobody can be asked: the create's and the
    outbox's (the kept create exited 3 at `outbox send`), and what `--simular` says."""
    args = with_option(with_option(with_option(ANA, "--correo", None), "--telefono",
                                   "222 555 0101"), "--cliente", "Lucía Ortega")
    preview = cli("create", *args, "--simular", "--json").json()["contact"]
    assert preview["found"]["name"] == "Lucía Ortega" and preview["chosen_by"] == "name"
    said = cli("create", *args, "--simular").out
    assert "el que se llama como el cliente entre los 2 que comparten el teléfono" in said
    assert kept_then_sent(cli, sandbox, "create", *args) == contact_id(
        sandbox, "lucia.ortega@example.com")


def kept_then_sent(cli: Cli, sandbox: Sandbox, *args: str) -> str:
    """`escalate ARGS` with HubSpot out of reach (kept in the outbox, exit 5), then `bandeja
    enviar` where nobody can be asked: the id of the contact of the one ticket it made."""
    kept = cli(*args, environ={"HUBSPOT_BASE_URL": "http://127.0.0.1:9",
                               "ESCALATE_OFFLINE_RETRY_SECONDS": "0"})
    assert kept.code == 5, kept.err
    sent = cli("bandeja", "enviar")
    assert sent.code == 0, sent.err
    [ticket] = sandbox.tickets()
    [link] = sandbox.ticket(ticket.id).associations["contacts"].results
    return str(link.id)


def test_no_token_exits_4_and_sends_nothing(cli: Cli, sandbox: Sandbox):
    result = cli("create", *ANA, environ={"HUBSPOT_ACCESS_TOKEN": ""})
    assert result.code == 4
    assert "HUBSPOT_ACCESS_TOKEN" in result.err
    assert sandbox.requests() == []


def test_a_wrong_token_exits_4_and_never_shows_the_token(cli: Cli, sandbox: Sandbox):
    result = cli("create", *ANA, environ={"HUBSPOT_ACCESS_TOKEN": "pat-na1-secreto-1234"})
    assert result.code == 4
    assert "token" in result.err.lower()
    assert "secreto" not in result.err + result.out
    assert creates(sandbox) == []


def test_a_stage_missing_from_the_portal_exits_3_listing_the_stages(cli: Cli, sandbox: Sandbox):
    result = cli("create", *ANA, environ={"ESCALATE_STAGE": "Soporte Nivel 3"})
    assert result.code == 3
    assert "Nuevo, Tech Issues, En espera, Cerrado" in result.err
    assert creates(sandbox) == []


def test_a_portal_without_the_tools_properties_exits_4_naming_setup(
        bare_sandbox: Sandbox, home, tmp_path):
    cli = Cli({"HUBSPOT_BASE_URL": bare_sandbox.url, "HUBSPOT_ACCESS_TOKEN": "sandbox",
               "ESCALATE_HOME": str(home)}, tmp_path)
    result = cli("create", *ANA)
    assert result.code == 4
    assert "escalate configurar" in result.err
    setup = cli("setup")
    assert setup.code == 0, setup.err
    assert cli("setup").code == 0  # twice is fine
    assert cli("create", *ANA).code == 0
    assert len(bare_sandbox.tickets()) == 1


def test_a_portal_without_urgent_refuses_urgente_with_exit_3(cli: Cli, sandbox: Sandbox):
    sandbox.drop_option("tickets", "hs_ticket_priority", "URGENT")
    result = cli("create", *with_option(ANA, "--prioridad", "URGENTE"))
    assert result.code == 3
    assert "URGENTE" in result.err and "HIGH" in result.err  # the options the portal has
    assert creates(sandbox) == []


def test_the_sandbox_flag_needs_no_portal_and_no_token(home, tmp_path):
    cli = Cli({"ESCALATE_HOME": str(home)}, tmp_path)
    first = cli("--sandbox", "create", *ANA, "--json")
    assert first.code == 0, first.err
    assert "sandbox" in first.err.lower()
    second = cli("--sandbox", "create", *ANA, "--json", "--no-input")
    assert second.code == 0
    assert json.loads(second.out)["id"] != json.loads(first.out)["id"]
    # «add --sandbox to any command», after its name too: the sandbox holds both tickets
    called = cli("contactado", json.loads(first.out)["id"], "--sandbox", "--nota",
                 "Se le informó que el endoso ya guarda", "--json")
    assert called.code == 0, called.err  # without the sandbox: no key, exit 4


def test_the_sandbox_and_the_portal_keep_separate_outboxes(cli: Cli, sandbox: Sandbox, home):
    offline = cli("create", *ANA, environ={"HUBSPOT_BASE_URL": "http://127.0.0.1:9",
                                            "ESCALATE_OFFLINE_RETRY_SECONDS": "0"})
    assert offline.code == 5, offline.err  # kept for the portal
    practice = cli("--sandbox", "bandeja", "enviar")
    assert practice.code == 0 and "Nada que enviar" in practice.out, practice.err
    assert cli("--sandbox", "bandeja", "--json").json() == []  # not the sandbox's
    assert [e["kind"] for e in cli("bandeja", "--json").json()] == ["create"]
    assert cli("bandeja", "enviar").code == 0  # the portal back: it arrives there, once
    assert len(creates(sandbox)) == 1


# -- the client named is the contact found -------------------------------------------------


def test_a_contact_with_another_name_exits_3_naming_both_and_sends_nothing(
        cli: Cli, sandbox: Sandbox, home):
    result = cli("create", *with_option(ANA, "--cliente", "Pedro Páramo"))
    assert result.code == 3
    assert "Pedro Páramo" in result.err and "Ana López" in result.err
    assert "--aceptar-contacto" in result.err
    assert creates(sandbox) == [] and sandbox.writes() == []
    accepted = cli("create", *with_option(ANA, "--cliente", "Pedro Páramo"),
                   "--aceptar-contacto", "--json")
    assert accepted.code == 0, accepted.err
    assert accepted.json()["contact"]["email"] == "ana.lopez@example.com"


@pytest.mark.parametrize("typed", ["ana lopez", "LÓPEZ ANA", "Ana Lopes", "Ana López García"])
def test_names_typed_another_way_still_match_the_contact(cli: Cli, sandbox: Sandbox, typed):
    result = cli("create", *with_option(ANA, "--cliente", typed))
    assert result.code == 0, result.err


def test_the_name_rule_tolerates_accents_order_a_missing_surname_and_a_typo():
    from escalate.domain.names import same_person

    assert same_person("Maria Fernanda Garcia", "María Fernanda", "García Ruiz")
    assert same_person("garcía maría fernanda", "María Fernanda", "García")
    assert same_person("Jose Luis Hernandes", "José Luis", "Hernández")
    assert not same_person("Ramón Ortega", "Lucía", "Ortega")
    assert not same_person("Ana", "Ana", "López")
    assert not same_person("Pedro Páramo", "Ana", "López")


# -- dates ---------------------------------------------------------------------------------


def test_a_date_before_2000_is_refused_with_exit_2(cli: Cli, sandbox: Sandbox):
    result = cli("create", *ANA, "--fecha", "1999-12-31T23:00:00+00:00")
    assert result.code == 2 and "2000-01-01" in result.err and "--fecha" in result.err
    assert sandbox.requests() == []


def test_a_date_without_offset_is_read_in_the_portals_time_zone(cli: Cli, sandbox: Sandbox):
    # the sandbox portal's timeZone is America/Mexico_City (UTC-6 in January)
    result = cli("create", *ANA, "--fecha", "2026-01-15T09:30", "--json")
    assert result.code == 0, result.err
    created = sandbox.ticket(result.json()["id"]).properties["createdate"]
    assert created == "2026-01-15T15:30:00.000Z"


# -- drafts and entries that need the agent ------------------------------------------------


def test_borrador_takes_up_an_unsent_create_and_the_agent_fixes_it(cli: Cli, sandbox: Sandbox,
                                                                   home):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    offline = cli("create", *with_option(ANA, "--correo", "nadie@example.com"),
                  environ={"HUBSPOT_BASE_URL": closed})
    assert offline.code == 5
    sent = cli("outbox", "send")
    assert sent.code != 0 and "nadie@example.com" in sent.out + sent.err
    from escalate.outbox import Outbox

    box = Outbox(home)
    [entry] = box.entries()[0]
    box.close()
    fixed = cli("create", "--borrador", entry.id[:8], "--correo", "ana.lopez@example.com",
                "--json")
    assert fixed.code == 0, fixed.err
    [ticket] = sandbox.tickets()
    assert ticket.properties["escalate_id"] == entry.id  # the same escalation, not a new one
    box = Outbox(home)
    assert box.entries()[0] == []
    box.close()


def test_a_draft_id_that_matches_nothing_is_a_spanish_usage_error(cli: Cli, sandbox: Sandbox):
    result = cli("create", "--borrador", "abcdef12")
    assert result.code == 2 and "borrador" in result.err
    assert sandbox.requests() == []


def test_missing_options_and_invalid_values_are_reported_all_at_once(cli: Cli,
                                                                     sandbox: Sandbox):
    result = cli("create", "--fecha", "mañana", "--prioridad", "altisima", "--sin-preguntas",
                 "--poliza", "P-1")
    assert result.code == 2, result.err
    assert "faltan datos obligatorios" in result.err and "--cliente" in result.err
    assert "--prioridad" in result.err and "altisima" in result.err
    assert "--fecha" in result.err and "mañana" in result.err
    assert sandbox.requests() == []


def test_each_description_flag_has_its_own_hint(cli: Cli, sandbox: Sandbox):
    args = with_option(with_option(with_option(ANA, "--que", "x"), "--como", "y"),
                       "--donde", "z")
    result = cli("create", *args, "--no-input")
    assert result.code == 2, result.err
    lines = {line.split(":", 1)[0].strip(" •"): line for line in result.err.splitlines()
             if "no describe nada" in line}
    assert "lo que el cliente vio" in lines["QUÉ (--que)"]
    assert "los pasos" in lines["CÓMO (--como)"]
    assert "web o app" in lines["DÓNDE (--donde)"]
    assert "cliente vio" not in lines["CÓMO (--como)"] + lines["DÓNDE (--donde)"]
    assert sandbox.requests() == []
