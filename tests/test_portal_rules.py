"""The portal's own rules (API 2026-09 enforces them on writes): `doctor` names the required
ticket properties escalate does not fill and what each needs, a write HubSpot refuses for a
rule names the property and the rule in Spanish (exit 3, kept for resend), and the domain
checks a value against a rule as it is typed."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from escalate.domain.records import PropertyInfo, PropertyRule
from escalate.domain.rules import describe, problem, problems, unaskable

from .conftest import ANA, Cli, Sandbox, with_option
from .test_sandbox import call

CLAIM = {"name": "numero_siniestro", "label": "Número de siniestro", "type": "string",
         "fieldType": "text", "groupName": "ticketinformation"}


def add_property(sandbox: Sandbox, **definition: Any) -> None:
    status, _, body = call(sandbox, "POST", "/crm/properties/2026-09/tickets",
                           {**CLAIM, **definition})
    assert status == 201, body


def rule(sandbox: Sandbox, name: str, rule_type: str, *arguments: str) -> None:
    sandbox.control("POST", "validation_rules", {"object": "tickets", "property": name, "rule": {
        "ruleType": rule_type, "ruleArguments": list(arguments)}})


def checks(result: Any) -> dict[str, dict[str, Any]]:
    return {c["check"]: c for c in result.json()}


# -- the sandbox models the rules -----------------------------------------------------------

def test_rules_are_served_by_the_validations_api_and_enforced_on_writes(sandbox: Sandbox):
    add_property(sandbox)
    rule(sandbox, "numero_siniestro", "REGEX", "S-[0-9]{4}")
    rule(sandbox, "numero_siniestro", "MAX_LENGTH", "6")
    sandbox.control("POST", "required_properties",
                    {"object": "tickets", "properties": ["numero_siniestro"]})
    status, _, served = call(sandbox, "GET",
                             "/crm/property-validations/2026-09/0-5/numero_siniestro")
    assert status == 200
    assert {r["ruleType"]: r["ruleArguments"] for r in served["results"]} == {
        "REGEX": ["S-[0-9]{4}"], "MAX_LENGTH": ["6"], "REQUIRED": []}
    ticket = {"subject": "x", "hs_pipeline": "0", "hs_pipeline_stage": "2"}
    status, _, refused = call(sandbox, "POST", "/crm/objects/2026-09/tickets",
                              {"properties": {**ticket, "numero_siniestro": "S-12"}})
    assert status == 400 and refused["category"] == "VALIDATION_ERROR"
    assert '"ruleType": "REGEX"' in refused["message"]
    status, _, refused = call(sandbox, "POST", "/crm/objects/2026-09/tickets",
                              {"properties": ticket})
    assert status == 400 and refused["context"] == {"properties": ["numero_siniestro"]}
    status, _, made = call(sandbox, "POST", "/crm/objects/2026-09/tickets",
                           {"properties": {**ticket, "numero_siniestro": "S-1234"}})
    assert status == 201, made


@pytest.mark.parametrize("body", [
    {"object": "tickets", "property": "subject", "rule": {"ruleType": "MIN_NUMBER",
                                                          "ruleArguments": ["1"]}},
    {"object": "tickets", "property": "subject", "rule": {"ruleType": "REGEX",
                                                          "ruleArguments": ["("]}},
    {"object": "tickets", "property": "subject", "rule": {"ruleType": "NOPE"}},
    {"object": "tickets", "property": "no_such", "rule": {"ruleType": "REGEX",
                                                          "ruleArguments": ["x"]}},
    {"object": "tickets", "property": "subject", "rule": {"ruleType": "MAX_LENGTH",
                                                          "ruleArguments": ["diez"]}},
])
def test_a_rule_hubspot_would_not_take_is_refused_by_the_knob(sandbox: Sandbox, body: Any):
    assert call(sandbox, "POST", "/_sandbox/validation_rules", body)[0] == 400


# -- doctor ---------------------------------------------------------------------------------

def test_doctor_names_each_required_property_escalate_does_not_fill_with_what_it_needs(
        cli: Cli, sandbox: Sandbox):
    add_property(sandbox)
    add_property(sandbox, name="dictamen", label="Dictamen", fieldType="file")
    add_property(sandbox, name="monto", label="Monto", type="number", fieldType="number")
    rule(sandbox, "numero_siniestro", "REGEX", "S-[0-9]{4}")
    rule(sandbox, "monto", "MIN_NUMBER", "1")
    rule(sandbox, "subject", "MAX_LENGTH", "80")
    sandbox.control("POST", "required_properties", {"object": "tickets", "properties": [
        "numero_siniestro", "dictamen", "monto", "hs_pipeline"]})
    result = cli("doctor", "--json")
    assert result.code == 3, result.out
    found = checks(result)["Reglas del portal (tickets)"]
    assert not found["ok"]
    detail = found["detail"]
    assert ("«numero_siniestro» (Número de siniestro) es obligatoria y escalate no la llena: "
            "texto; debe seguir el patrón S-[0-9]{4}") in detail
    assert "«monto» (Monto) es obligatoria y escalate no la llena: número; debe ser un " \
           "número mayor o igual que 1" in detail
    assert "«dictamen» (Dictamen) es obligatoria" in detail
    assert "escalate no puede pedirla: su valor es un archivo" in detail
    assert "«subject» (la llena escalate) debe tener como máximo 80 caracteres" in detail
    assert "hs_pipeline" not in detail  # escalate fills it
    paths = {r["path"] for r in sandbox.requests()}
    assert "/crm/property-validations/2026-09/0-5" in paths


def test_doctor_with_no_rules_says_so_and_passes(cli: Cli, sandbox: Sandbox):
    found = checks(cli("doctor", "--json"))["Reglas del portal (tickets)"]
    assert found["ok"] and "ninguna regla" in found["detail"]


def test_rules_the_tool_cannot_read_are_a_warning_not_a_failure(cli: Cli, sandbox: Sandbox):
    sandbox.fault(method="GET", path_prefix="/crm/property-validations/", times=1, status=403)
    result = cli("doctor", "--json")
    found = checks(result)["Reglas del portal (tickets)"]
    assert found["ok"] and "no se pudieron leer" in found["detail"]


def test_a_rule_only_hubspot_checks_is_named_as_such(cli: Cli, sandbox: Sandbox):
    rule(sandbox, "escalate_policy", "ALPHANUMERIC", "ALPHANUMERIC_ONLY")
    found = checks(cli("doctor", "--json"))["Reglas del portal (tickets)"]
    assert found["ok"]
    assert ("«escalate_policy» (la llena escalate) debe cumplir la regla ALPHANUMERIC "
            "(ALPHANUMERIC_ONLY) del portal: escalate no sabe comprobarla") in found["detail"]


# -- a write refused for a rule -------------------------------------------------------------

def test_a_create_refused_for_a_rule_names_the_property_and_the_rule_and_is_kept(
        cli: Cli, sandbox: Sandbox, home: Path):
    rule(sandbox, "escalate_policy", "REGEX", "POL-[0-9]+")
    result = cli("create", *with_option(ANA, "--poliza", "AUTO-77"))
    assert result.code == 3, result.err
    assert "«escalate_policy»" in result.err and "seguir el patrón POL-[0-9]+" in result.err
    assert "administrador" in result.err
    assert sandbox.tickets() == []
    with sqlite3.connect(home / "outbox.sqlite3") as db:
        kinds = [json.loads(p).get("escalation", {}).get("policy") if p else None
                 for (p,) in db.execute("SELECT payload FROM entries")]
    assert "AUTO-77" in kinds


# -- the pure check, as an answer is typed -------------------------------------------------

@pytest.mark.parametrize("rule_, value, broken", [
    (PropertyRule("REGEX", ("S-[0-9]{4}",)), "S-1234", None),
    (PropertyRule("REGEX", ("S-[0-9]{4}",)), "S-12345", "debe seguir el patrón S-[0-9]{4}"),
    (PropertyRule("MIN_LENGTH", ("3",)), "ab", "debe tener al menos 3 caracteres (tiene 2)"),
    (PropertyRule("MAX_LENGTH", ("3",)), "abc", None),
    (PropertyRule("MIN_NUMBER", ("1",)), "0.5", "debe ser un número mayor o igual que 1"),
    (PropertyRule("MAX_NUMBER", ("100",)), "1,000", "debe ser un número (sin comas)"),
    (PropertyRule("MAX_NUMBER", ("100",)), "100", None),
    (PropertyRule("ALPHANUMERIC", ("NUMERIC_ONLY",)), "abc", None),  # HubSpot's to check
    (PropertyRule("REGEX", ("(",)), "x", None),  # unreadable: HubSpot's to check
    (PropertyRule("MIN_LENGTH", ("3",)), "", None),  # empty: being required is another rule
])
def test_a_value_is_checked_against_a_rule(rule_: PropertyRule, value: str,
                                           broken: str | None):
    assert problem(rule_, value) == broken


def test_every_broken_rule_is_said_once_and_unknown_rules_are_described():
    rules = [PropertyRule("MIN_LENGTH", ("5",)), PropertyRule("REGEX", ("[0-9]+",))]
    assert problems(rules, "ab") == ["debe tener al menos 5 caracteres (tiene 2)",
                                     "debe seguir el patrón [0-9]+"]
    assert describe(PropertyRule("DAYS_OF_WEEK", ("MONDAY",))) == (
        "cumplir la regla DAYS_OF_WEEK (MONDAY) del portal")


@pytest.mark.parametrize("info, reason", [
    (PropertyInfo("a", "string", field_type="text"), None),
    (PropertyInfo("a", "enumeration", options=(("1", "Uno"),), field_type="select"), None),
    (PropertyInfo("a", "string", field_type="file"), "su valor es un archivo"),
    (PropertyInfo("a", "number", read_only=True), "es de solo lectura o calculada"),
    (PropertyInfo("a", "enumeration", external_options=True),
     "sus opciones vienen de otro lado (usuarios de HubSpot)"),
])
def test_whether_a_property_can_be_asked_for(info: PropertyInfo, reason: str | None):
    assert unaskable(info) == reason


# -- the portal's own fields in a create (--campo, asked at a terminal) ----------------------

RAMO = {"name": "ramo", "label": "Ramo", "type": "enumeration", "fieldType": "select",
        "options": [{"label": "Autos", "value": "autos", "displayOrder": 0},
                    {"label": "Gastos médicos", "value": "gmm", "displayOrder": 1}]}


def claims_portal(sandbox: Sandbox) -> None:
    """A portal whose admins require a claim number (a pattern) and a line of business."""
    add_property(sandbox)
    add_property(sandbox, **RAMO)
    rule(sandbox, "numero_siniestro", "REGEX", "S-[0-9]{4}")
    sandbox.control("POST", "required_properties", {
        "object": "tickets", "properties": ["numero_siniestro", "ramo"]})


def held(sandbox: Sandbox, ticket_id: str) -> dict[str, Any]:
    return dict(sandbox.client.crm.tickets.basic_api.get_by_id(
        ticket_id, properties=["numero_siniestro", "ramo"]).properties)


def test_campo_fills_the_portals_required_fields_and_the_ticket_holds_them(
        cli: Cli, sandbox: Sandbox):
    claims_portal(sandbox)
    result = cli("crear", *ANA, "--campo", "numero_siniestro=S-1234", "--campo",
                 "ramo=Gastos Médicos", "--json")
    assert result.code == 0, result.err
    assert {k: v for k, v in held(sandbox, result.json()["id"]).items()
            if k in ("numero_siniestro", "ramo")} == {"numero_siniestro": "S-1234", "ramo": "gmm"}
    # a warm create reads no rule again: the rules come with the cached portal
    sandbox.forget_requests()
    again = cli("crear", *with_option(ANA, "--poliza", "POL-1002"), "--field",
                "numero_siniestro=S-4321", "--field", "ramo=autos")
    assert again.code == 0, again.err
    assert not any("property-validations" in r["path"] for r in sandbox.requests())
    assert len(sandbox.requests()) == 4  # contact, duplicates, tickets alike, create


@pytest.mark.parametrize("fields, said", [
    (["numero_siniestro=S-12", "ramo=autos"], "debe seguir el patrón S-[0-9]{4}"),
    (["numero_siniestro=S-1234", "ramo=vida"], "no es una opción de «ramo»: Autos, Gastos médicos"),
    (["numero_sinistro=S-1234", "ramo=autos"], "parecidas: numero_siniestro"),
    (["numero_siniestro=S-1234"], "falta --campo ramo=…"),
    (["numero_siniestro=S-1234", "ramo=autos", "hs_lastmodifieddate=2026-01-01"],
     "es de solo lectura o calculada"),
    (["numero_siniestro=S-1234", "ramo=autos", "subject=Otro"],
     "la llena escalate: no se indica aparte"),
    (["sin_igual"], "NOMBRE=VALOR"),
])
def test_a_bad_campo_exits_2_saying_why_and_nothing_is_written(
        cli: Cli, sandbox: Sandbox, fields: list[str], said: str):
    claims_portal(sandbox)
    args = [item for f in fields for item in ("--campo", f)]
    sandbox.forget_requests()
    result = cli("crear", *ANA, *args)
    assert result.code == 2, result.err
    assert said in result.err
    assert sandbox.writes() == [] and sandbox.tickets() == []


def test_a_required_field_no_one_can_type_stops_the_create_with_exit_3_before_sending(
        cli: Cli, sandbox: Sandbox):
    add_property(sandbox, name="dictamen", label="Dictamen", fieldType="file")
    sandbox.control("POST", "required_properties",
                    {"object": "tickets", "properties": ["dictamen"]})
    sandbox.forget_requests()
    result = cli("crear", *ANA)
    assert result.code == 3
    assert "«dictamen»" in result.err and "un archivo" in result.err
    assert sandbox.writes() == []


def test_rules_that_cannot_be_read_still_send_and_hubspots_refusal_is_clear(
        cli: Cli, sandbox: Sandbox):
    claims_portal(sandbox)
    sandbox.fault(method="GET", path_prefix="/crm/property-validations/", times=1, status=403)
    result = cli("crear", *ANA, "--campo", "numero_siniestro=S-12", "--campo", "ramo=autos")
    assert result.code == 3, result.err  # HubSpot's own refusal, in Spanish
    assert "«numero_siniestro»" in result.err and "S-[0-9]{4}" in result.err
    assert any(r["path"] == "/crm/objects/2026-09/tickets" and r["method"] == "POST"
               for r in sandbox.requests())


def test_an_interactive_create_asks_each_required_field_as_its_kind_asks(
        sandbox: Sandbox, home: Path):
    pytest.importorskip("pexpect")
    from .test_interactive import CLEAR_LINE, DOWN, Term, sent_ticket

    claims_portal(sandbox)
    t = Term(sandbox, home, "--poliza", "POL-5001", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--prioridad", "media")
    t.answer("QUÉ pasa", "La app se cierra al pagar\r")
    t.answer("CÓMO pasó", "Pagos > Pagar\r")
    t.answer("DÓNDE", "App\r")
    t.answer("CUÁNDO", "\r")
    t.answer("canal", "\r")
    t.answer(r"Número de siniestro \(numero_siniestro", "S-12\r")
    t.wait("debe seguir el patrón")  # the rule, checked as typed
    t.child.send(CLEAR_LINE + "S-1234\r")
    t.wait(r"Ramo \(ramo")
    listed = t.answer("Gastos médicos", DOWN + "\r")  # the portal's labels, not its values
    assert "Autos" in listed and "gmm" not in listed
    t.answer("Adjuntos", "\r")
    review = t.answer("Qué hacemos", "\r")
    assert "Campos del portal" in review and "Ramo: Gastos médicos" in review
    ticket = sent_ticket(t, sandbox)
    assert {k: v for k, v in held(sandbox, ticket.id).items()
            if k in ("numero_siniestro", "ramo")} == {"numero_siniestro": "S-1234", "ramo": "gmm"}
