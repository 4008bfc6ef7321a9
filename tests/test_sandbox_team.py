"""Owners and tasks in the sandbox, as HubSpot's owners and tasks APIs answer (issue 12)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Sandbox
from .test_sandbox import TECH, call

DUE = "2026-11-30T15:00:00Z"
OWNER_KEYS = {"id", "email", "firstName", "lastName", "userId", "teams", "archived",
              "createdAt", "updatedAt", "type"}


def owner_id(sandbox: Sandbox, email: str) -> str:
    _, _, body = call(sandbox, "GET", f"/crm/v3/owners?email={email}")
    return str(body["results"][0]["id"])


def test_owners_list_has_hubspots_shape_and_the_seeded_team(sandbox: Sandbox):
    status, _, body = call(sandbox, "GET", "/crm/v3/owners")
    assert status == 200
    emails = {o["email"] for o in body["results"]}
    assert {"ana.agente@aseguradora.example", "luis.agente@aseguradora.example",
            "guardia@aseguradora.example", "tech-lead@aseguradora.example",
            "equipo-app@aseguradora.example"} <= emails
    for owner in body["results"]:
        assert set(owner) == OWNER_KEYS and isinstance(owner["userId"], int)
        assert owner["archived"] is False and owner["teams"][0]["name"]


def test_owners_filter_by_email_case_insensitively_and_page(sandbox: Sandbox):
    _, _, body = call(sandbox, "GET", "/crm/v3/owners?email=Ana.Agente@Aseguradora.example")
    assert [o["firstName"] for o in body["results"]] == ["Ana"]
    _, _, body = call(sandbox, "GET", "/crm/v3/owners?email=nadie@aseguradora.example")
    assert body["results"] == []
    _, _, first = call(sandbox, "GET", "/crm/v3/owners?limit=2")
    assert len(first["results"]) == 2
    _, _, second = call(sandbox, "GET",
                        f"/crm/v3/owners?limit=2&after={first['paging']['next']['after']}")
    assert {o["id"] for o in first["results"]}.isdisjoint(o["id"] for o in second["results"])


def test_an_owner_reads_by_id_and_an_unknown_one_is_404(sandbox: Sandbox):
    ana = owner_id(sandbox, "ana.agente@aseguradora.example")
    status, _, body = call(sandbox, "GET", f"/crm/v3/owners/{ana}")
    assert status == 200 and body["email"] == "ana.agente@aseguradora.example"
    assert call(sandbox, "GET", "/crm/v3/owners/1")[0] == 404
    client = sandbox.client.crm.owners.owners_api
    assert client.get_by_id(int(ana)).email == "ana.agente@aseguradora.example"
    assert client.get_page(email="luis.agente@aseguradora.example").results[0].first_name == "Luis"


def make_task(sandbox: Sandbox, **props: Any) -> tuple[int, dict[str, Any]]:
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/tasks",
                           {"properties": {"hs_timestamp": DUE, **props}})
    return status, body


def test_a_task_is_created_with_its_associations_and_read_back(sandbox: Sandbox):
    ana = owner_id(sandbox, "ana.agente@aseguradora.example")
    _, _, ticket = call(sandbox, "POST", "/crm/v3/objects/tickets",
                        {"properties": {"subject": "POL-1 - Ana López", **TECH}})
    status, _, task = call(sandbox, "POST", "/crm/v3/objects/tasks", {
        "properties": {"hs_timestamp": DUE, "hs_task_subject": "Llamar a Ana López · 1007",
                       "hs_task_body": "sin resolver", "hs_task_status": "NOT_STARTED",
                       "hs_task_priority": "HIGH", "hs_task_type": "CALL",
                       "hubspot_owner_id": ana},
        "associations": [
            {"to": {"id": ticket["id"]}, "types": [
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 230}]},
            {"to": {"id": "1001"}, "types": [
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}]}]})
    assert status == 201 and task["properties"]["hs_task_type"] == "CALL"
    got = sandbox.client.crm.objects.basic_api.get_by_id(
        "tasks", task["id"], properties=["hs_task_subject", "hubspot_owner_id", "hs_timestamp"],
        associations=["tickets", "contacts"])
    assert got.properties["hubspot_owner_id"] == ana
    assert got.properties["hs_timestamp"] == "2026-11-30T15:00:00.000Z"
    assert [a.id for a in got.associations["tickets"].results] == [ticket["id"]]
    assert [a.id for a in got.associations["contacts"].results] == ["1001"]
    # the inverse directions carry their own type ids: ticket→task 229, contact→task 203
    _, _, links = call(sandbox, "POST", "/crm/v4/associations/tickets/tasks/batch/read",
                       {"inputs": [{"id": ticket["id"]}]})
    assert links["results"][0]["to"][0]["associationTypes"][0]["typeId"] == 229
    _, _, links = call(sandbox, "POST", "/crm/v4/associations/contacts/tasks/batch/read",
                       {"inputs": [{"id": "1001"}]})
    assert links["results"][0]["to"][0]["associationTypes"][0]["typeId"] == 203


def test_tasks_batch_create_update_read_and_search(sandbox: Sandbox):
    luis = owner_id(sandbox, "luis.agente@aseguradora.example")
    status, _, made = call(sandbox, "POST", "/crm/v3/objects/0-27/batch/create", {"inputs": [
        {"properties": {"hs_timestamp": DUE, "hs_task_type": "CALL", "hubspot_owner_id": luis,
                        "hs_task_status": "NOT_STARTED", "hs_task_subject": f"T{i}"}}
        for i in range(3)]})
    assert status == 201
    ids = [t["id"] for t in made["results"]]
    status, _, done = call(sandbox, "POST", "/crm/v3/objects/tasks/batch/update", {"inputs": [
        {"id": ids[0], "properties": {"hs_task_status": "COMPLETED"}}]})
    assert status == 200 and done["results"][0]["properties"]["hs_task_status"] == "COMPLETED"
    _, _, read = call(sandbox, "POST", "/crm/v3/objects/tasks/batch/read", {
        "inputs": [{"id": i} for i in ids],
        "properties": ["hs_task_status", "hs_task_completion_date"]})
    by_id = {r["id"]: r["properties"] for r in read["results"]}
    assert {i: p["hs_task_status"] for i, p in by_id.items()} == {
        ids[0]: "COMPLETED", ids[1]: "NOT_STARTED", ids[2]: "NOT_STARTED"}
    assert by_id[ids[0]]["hs_task_completion_date"] and not by_id[ids[1]][
        "hs_task_completion_date"]
    _, _, found = call(sandbox, "POST", "/crm/v3/objects/tasks/search", {"filterGroups": [
        {"filters": [{"propertyName": "hubspot_owner_id", "operator": "EQ", "value": luis},
                     {"propertyName": "hs_task_status", "operator": "NEQ",
                      "value": "COMPLETED"}]}]})
    assert sorted(r["id"] for r in found["results"]) == sorted(ids[1:])


@pytest.mark.parametrize("props, code", [
    ({"hs_task_status": "DONE"}, "INVALID_OPTION"),
    ({"hs_task_priority": "URGENT"}, "INVALID_OPTION"),
    ({"hs_task_type": "MEETING"}, "INVALID_OPTION"),
    ({"hubspot_owner_id": "123"}, "INVALID_OWNER_ID"),
])
def test_task_values_are_checked_as_hubspot_does(sandbox: Sandbox, props: dict[str, str],
                                                 code: str):
    status, body = make_task(sandbox, **props)
    assert status == 400 and code in body["message"]


def test_a_task_without_due_date_is_refused(sandbox: Sandbox):
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/tasks",
                           {"properties": {"hs_task_subject": "x"}})
    assert status == 400 and body["context"] == {"properties": ["hs_timestamp"]}


def test_an_unknown_owner_is_refused_on_tickets_and_notes_too(sandbox: Sandbox):
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/tickets", {"properties": {
        "subject": "x", **TECH, "hubspot_owner_id": "42"}})
    assert status == 400 and "INVALID_OWNER_ID" in body["message"]
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/notes", {"properties": {
        "hs_timestamp": DUE, "hs_note_body": "x", "hubspot_owner_id": "42"}})
    assert status == 400 and "INVALID_OWNER_ID" in body["message"]
    guardia = owner_id(sandbox, "guardia@aseguradora.example")
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/notes", {"properties": {
        "hs_timestamp": DUE, "hs_note_body": "x", "hubspot_owner_id": guardia}})
    assert status == 201 and body["properties"]["hubspot_owner_id"] == guardia


def test_the_ticket_properties_include_the_owner_and_the_agent(sandbox: Sandbox):
    _, _, body = call(sandbox, "GET", "/crm/v3/properties/tickets")
    by_name = {p["name"]: p for p in body["results"]}
    assert by_name["hubspot_owner_id"]["referencedObjectType"] == "OWNER"
    assert by_name["escalate_agent"]["referencedObjectType"] == "OWNER"
    tech_lead = owner_id(sandbox, "tech-lead@aseguradora.example")
    status, _, ticket = call(sandbox, "POST", "/crm/v3/objects/tickets", {"properties": {
        "subject": "x", **TECH, "hubspot_owner_id": tech_lead, "escalate_agent": "1"}})
    assert status == 400 and "escalate_agent" in ticket["message"]
