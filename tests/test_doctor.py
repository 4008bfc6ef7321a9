"""`doctor` and `setup` against the sandbox: the agent, the policy's owners, createdate,
scopes in service-key words, and a portal set up before escalate_agent existed."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from escalate.workflows.doctor import _createdate

from .conftest import TEAM_POLICY, Cli, Sandbox


def policy_file(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "politica.toml"
    path.write_text(text, encoding="utf-8")
    return {"ESCALATE_POLICY_FILE": str(path)}


def checks(result: Any) -> dict[str, dict[str, Any]]:
    return {c["check"]: c for c in result.json()}


def test_doctor_resolves_the_agent_and_every_owner_and_says_createdate_is_writable(
        cli: Cli, sandbox: Sandbox, tmp_path: Path):
    environ = {"ESCALATE_AGENT": "ana.agente@aseguradora.example",
               **policy_file(tmp_path, TEAM_POLICY)}
    result = cli("doctor", "--json", environ=environ)
    assert result.code == 0, result.out
    found = checks(result)
    assert all(c["ok"] for c in found.values()), found
    assert "9002" in found["Agente (ESCALATE_AGENT)"]["detail"]
    owners = found["Dueños del archivo de políticas"]["detail"]
    assert "guardia@aseguradora.example → 9004" in owners
    assert "equipo-app@aseguradora.example → 9006" in owners
    assert "se puede escribir" in found["Fecha de creación (createdate)"]["detail"]
    assert "service key (o token de app privada heredada)" in found["Token"]["detail"]
    assert found["Permiso crm.objects.owners.read"]["ok"]
    assert sandbox.writes() == []


def test_doctor_names_every_owner_and_the_agent_hubspot_does_not_know_and_exits_3(
        cli: Cli, sandbox: Sandbox, tmp_path: Path):
    text = ('[matrix]\nURGENTE = "guardia@aseguradora.example"\n'
            'ALTA = "ex-lider@aseguradora.example"\nMEDIA = "fantasma@aseguradora.example"\n')
    environ = {"ESCALATE_AGENT": "nadie@aseguradora.example", **policy_file(tmp_path, text)}
    result = cli("doctor", environ=environ)
    assert result.code == 3, result.out
    assert "✗ Agente (ESCALATE_AGENT): nadie@aseguradora.example no es un usuario" in result.out
    line = next(x for x in result.out.splitlines() if x.startswith("✗ Dueños"))
    assert "ex-lider@aseguradora.example" in line and "fantasma@aseguradora.example" in line
    assert "guardia@" not in line
    assert sandbox.writes() == []


def test_doctor_without_an_agent_says_how_to_set_it(cli: Cli, sandbox: Sandbox):
    result = cli("doctor", "--json")
    assert result.code == 0
    agent = checks(result)["Agente (ESCALATE_AGENT)"]
    assert "ESCALATE_AGENT" in agent["detail"] and agent["ok"] and agent["advice"]
    assert not checks(result)["Token"]["advice"]


def test_doctor_marks_what_is_to_do_or_not_checkable_apart_from_what_holds(
        cli: Cli, sandbox: Sandbox):
    """«✓» only where the check holds; «!» where something is to do (no agent set) or
    cannot be checked without writing (the contacts' write scope); the exit stays 0."""
    result = cli("doctor")
    assert result.code == 0
    marks = {line.split(":")[0][2:]: line[0] for line in result.out.splitlines()}
    assert marks["Agente (ESCALATE_AGENT)"] == "!"
    assert marks["Permiso crm.objects.contacts.write"] == "!"
    assert marks["Permiso tickets"] == marks["Token"] == "✓"


def test_doctor_names_the_owners_scope_in_service_key_words(cli: Cli, sandbox: Sandbox):
    sandbox.control("POST", "scopes", {"scopes": ["tickets", "crm.objects.contacts.read",
                                                  "files"]})
    result = cli("doctor", "--json")
    assert result.code == 4
    failed = [c for c in result.json() if not c["ok"]]
    assert [c["check"] for c in failed] == ["Permiso crm.objects.owners.read"]
    assert "service key (o token de app privada heredada)" in failed[0]["detail"]
    assert "«crm.objects.owners.read»" in failed[0]["detail"]


def test_doctor_reports_a_bad_policy_file_with_its_line_and_exits_2(
        cli: Cli, sandbox: Sandbox, tmp_path: Path):
    environ = policy_file(tmp_path, '[matrix]\nURGENTE = "guardia@aseguradora.example"\n'
                                    'MUY_ALTA = "x@aseguradora.example"\n')
    result = cli("doctor", environ=environ)
    assert result.code == 2
    line = next(x for x in result.out.splitlines() if "Archivo de políticas" in x)
    assert line.startswith("✗") and "línea 3" in line
    assert "✓ Pipeline y etapa" in result.out  # the other checks still ran


def test_createdate_read_only_is_reported_from_the_property_definition() -> None:
    class Portal:
        def __init__(self, definition: dict[str, Any] | None) -> None:
            self.definition = definition

        def ticket_property(self, name: str) -> dict[str, Any] | None:
            return self.definition

    read_only = Portal({"name": "createdate", "modification_metadata": {
        "read_only_value": True}})
    assert "solo lectura" in _createdate(read_only)  # type: ignore[arg-type]
    assert "no dice" in _createdate(Portal({"name": "createdate"}))  # type: ignore[arg-type]


def _post(url: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": "Bearer sandbox",
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _definition(sandbox: Sandbox, name: str) -> dict[str, Any]:
    request = urllib.request.Request(f"{sandbox.url}/crm/v3/properties/tickets/{name}",
                                     headers={"Authorization": "Bearer sandbox"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        found: dict[str, Any] = json.loads(answer.read())
    return found


def test_setup_on_a_portal_from_before_adds_escalate_agent_and_leaves_the_rest(
        bare_sandbox: Sandbox, home: Path, tmp_path: Path):
    base = f"{bare_sandbox.url}/crm/v3/properties/tickets"
    assert _post(f"{base}/groups", {"name": "escalate", "label": "Escalate"}) == 201
    before = [
        {"name": "escalate_id", "label": "Escalate ID", "type": "string", "fieldType": "text",
         "groupName": "escalate", "hasUniqueValue": True},
        {"name": "escalate_policy", "label": "Póliza (escalate)", "type": "string",
         "fieldType": "text", "groupName": "escalate"},
        {"name": "escalate_last_client_update", "label": "Último aviso al cliente",
         "type": "datetime", "fieldType": "date", "groupName": "escalate"},
    ]
    for definition in before:
        assert _post(base, definition) == 201
    old = {d["name"]: _definition(bare_sandbox, d["name"]) for d in before}
    cli = Cli({"HUBSPOT_BASE_URL": bare_sandbox.url, "HUBSPOT_ACCESS_TOKEN": "sandbox",
               "ESCALATE_HOME": str(home)}, tmp_path)
    assert cli("doctor").code == 4  # escalate_agent is missing: setup is needed
    result = cli("setup")
    assert result.code == 0, result.err
    assert "Propiedad escalate_agent: creada" in result.out
    for name in old:
        assert f"Propiedad {name}: ya existía" in result.out
        assert _definition(bare_sandbox, name) == old[name]
    agent = _definition(bare_sandbox, "escalate_agent")
    assert (agent["type"], agent["fieldType"]) == ("enumeration", "select")
    assert agent.get("referencedObjectType") == "OWNER"
    again = cli("setup")
    assert again.code == 0 and "Propiedad escalate_agent: ya existía" in again.out
    assert cli("doctor").code == 0


def test_policy_prints_the_policy_in_force_and_its_file(cli: Cli, sandbox: Sandbox,
                                                        tmp_path: Path):
    environ = policy_file(tmp_path, TEAM_POLICY + '[followup]\nhours = { URGENTE = 4 }\n'
                          '[incidentes]\ndias = 3\nprioridad = { ALTA = 2 }\n')
    shown = cli("politica", "--json", environ=environ)
    assert shown.code == 0, shown.err
    data = shown.json()
    assert data["file"] == environ["ESCALATE_POLICY_FILE"]
    assert data["matrix"]["priorities"] == {"ALTA": "tech-lead@aseguradora.example",
                                            "URGENTE": "guardia@aseguradora.example"}
    assert data["matrix"]["rules"] == [{"where_contains": ["app", "móvil"],
                                        "owner": "equipo-app@aseguradora.example"}]
    assert data["followup"]["hours"] == {"BAJA": 48, "MEDIA": 48, "ALTA": 48, "URGENTE": 4}
    # [incidentes] as in force: the file's values, the defaults for what it leaves out
    assert data["incidents"] == {"days": 3, "minimum": 3, "similarity": 70,
                                 "priority": {"ALTA": 2}}
    text = cli("policy", environ=environ).out
    assert "URGENTE → guardia@aseguradora.example" in text and "URGENTE 4 h" in text
    assert "últimos 3 días" in text and "ALTA con 2 clientes" in text
    none = cli("policy", "--json")
    assert none.json()["file"] is None and none.json()["matrix"]["priorities"] == {}
    bad = cli("policy", environ=policy_file(tmp_path, "[matrix]\nURGENTE = 3\n"))
    assert bad.code == 2 and "línea 2" in bad.err
    assert sandbox.requests() == []


def test_setup_falls_back_to_a_text_escalate_agent_when_the_portal_refuses_the_user_type(
        tmp_path: Path) -> None:
    from escalate.config import load
    from escalate.domain.records import PropertyInfo
    from escalate.errors import Conflict, Refused
    from escalate.workflows.doctor import setup

    class Portal:
        def __init__(self) -> None:
            self.created: list[dict[str, Any]] = []

        def create_property_group(self, name: str, label: str) -> bool:
            return False

        def create_ticket_property(self, definition: dict[str, Any]) -> bool:
            if definition.get("referencedObjectType"):
                raise Refused("Invalid property definition")
            if definition["name"] != "escalate_agent":
                raise Conflict("exists")
            self.created.append(definition)
            return True

        def ticket_properties(self) -> dict[str, PropertyInfo]:
            return {"escalate_id": PropertyInfo("escalate_id", "string", unique=True)}

        def association_labels(self, from_type: str, to_type: str) -> list[Any]:
            return []

        def create_association_label(self, *args: Any) -> list[Any]:
            return []

    portal = Portal()
    report = setup(portal, load({"ESCALATE_HOME": str(tmp_path)}, tmp_path))  # type: ignore[arg-type]
    assert dict(report.properties)["escalate_agent"].startswith("creada como texto")
    assert [(d["name"], d["type"]) for d in portal.created] == [("escalate_agent", "string")]
    assert dict(report.properties)["escalate_id"] == "ya existía"
