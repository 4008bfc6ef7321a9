"""What a live portal holds besides the tool's own tickets, as the sandbox serves it: companies
on tickets, pipelines and stages made and deleted (a deleted stage keeps its tickets), the
users an admin deactivated."""

from __future__ import annotations

from typing import Any

from .conftest import Sandbox
from .test_sandbox import TECH, call
from .test_sandbox_dated import ASSOCIATIONS, CRM, new_ticket
from .test_sandbox_rules import raw

PIPELINES = "/crm/pipelines/2026-09/tickets"


def stage(label: str, state: str = "OPEN") -> dict[str, Any]:
    return {"label": label, "displayOrder": 9, "metadata": {"ticketState": state}}


def new_stage(sandbox: Sandbox, label: str, state: str = "OPEN") -> str:
    status, _, made = call(sandbox, "POST", f"{PIPELINES}/0/stages", stage(label, state))
    assert status == 201, made
    return str(made["id"])


def stage_ids(sandbox: Sandbox, pipeline: str = "0") -> list[str]:
    return [s["id"] for s in call(sandbox, "GET", f"{PIPELINES}/{pipeline}")[2]["stages"]]


# -- companies ------------------------------------------------------------------------------

def test_a_ticket_can_hold_only_a_company_and_reads_as_having_no_contact(sandbox: Sandbox):
    status, _, company = call(sandbox, "POST", f"{CRM}/companies", {"properties": {
        "name": "Transportes del Bajío", "domain": "tbajio.example"}})
    assert status == 201
    status, _, ticket = call(sandbox, "POST", f"{CRM}/tickets", {
        "properties": {"subject": "Flotilla sin póliza", **TECH}, "associations": [
            {"to": {"id": company["id"]}, "types": [
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 339}]}]})
    assert status == 201, ticket
    body = {"inputs": [{"id": ticket["id"]}]}
    status, _, contacts = call(sandbox, "POST", f"{ASSOCIATIONS}/tickets/contacts/batch/read",
                               body)
    assert status == 207 and contacts["results"] == []
    _, _, companies = call(sandbox, "POST", f"{ASSOCIATIONS}/tickets/companies/batch/read", body)
    assert companies["results"][0]["to"][0]["toObjectId"] == company["id"]
    assert companies["results"][0]["to"][0]["associationTypes"][0]["typeId"] == 339
    _, _, back = call(sandbox, "POST", f"{ASSOCIATIONS}/companies/tickets/batch/read",
                      {"inputs": [{"id": company["id"]}]})
    assert back["results"][0]["to"][0]["associationTypes"][0]["typeId"] == 340


def test_companies_need_their_own_scope(sandbox: Sandbox):
    sandbox.control("POST", "scopes", {"scopes": ["tickets"]})
    status, _, body = call(sandbox, "GET", f"{CRM}/companies")
    assert status == 403
    assert body["errors"][0]["context"]["requiredGranularScopes"] == [
        "crm.objects.companies.read"]


# -- pipelines and stages -------------------------------------------------------------------

def test_a_pipeline_and_a_stage_are_made_with_fresh_ids(sandbox: Sandbox):
    status, _, made = call(sandbox, "POST", PIPELINES, {
        "label": "Facturación", "displayOrder": 1,
        "stages": [stage("Recibido"), stage("Facturado", "CLOSED")]})
    assert status == 201
    ids = [made["id"], *(s["id"] for s in made["stages"])]
    assert len(set(ids) | {"0", "1", "2", "3", "4"}) == 8
    assert [p["label"] for p in call(sandbox, "GET", PIPELINES)[2]["results"]] == [
        "Soporte", "Facturación"]
    again = call(sandbox, "POST", PIPELINES, {"label": "facturación", "stages": [stage("A")]})
    assert again[0] == 409
    assert call(sandbox, "POST", f"{PIPELINES}/0/stages",
                {"label": "Sin estado", "metadata": {}})[0] == 400
    assert call(sandbox, "POST", f"{PIPELINES}/0/stages", stage("nuevo"))[0] == 400  # taken


def test_2026_09_refuses_to_delete_a_stage_tickets_sit_in_unless_told_not_to_check(
        sandbox: Sandbox):
    review = new_stage(sandbox, "Revisión de proveedor")
    ticket = new_ticket(sandbox, hs_pipeline_stage=review)
    status, _, refused = raw(sandbox, "DELETE", f"{PIPELINES}/0/stages/{review}", None)
    assert status == 400 and "in use by 1 tickets" in refused["message"]
    assert review in stage_ids(sandbox)
    status, _, _ = raw(sandbox, "DELETE", f"{PIPELINES}/0/stages/{review}"
                                          "?validateReferencesBeforeDelete=false", None)
    assert status == 204 and review not in stage_ids(sandbox)
    # The ticket keeps the deleted stage's id; its other properties can still be written,
    # but the stage cannot be written again.
    read = call(sandbox, "GET", f"{CRM}/tickets/{ticket}?properties=hs_pipeline_stage")[2]
    assert read["properties"]["hs_pipeline_stage"] == review
    assert call(sandbox, "PATCH", f"{CRM}/tickets/{ticket}",
                {"properties": {"escalate_policy": "POL-9"}})[0] == 200
    assert call(sandbox, "PATCH", f"{CRM}/tickets/{ticket}",
                {"properties": {"hs_pipeline_stage": review}})[0] == 400
    # A new stage never takes the deleted one's id.
    assert new_stage(sandbox, "Otra revisión") != review


def test_the_legacy_path_deletes_a_stage_in_use_without_checking(sandbox: Sandbox):
    review = new_stage(sandbox, "Revisión de proveedor")
    new_ticket(sandbox, hs_pipeline_stage=review)
    status, _, _ = raw(sandbox, "DELETE", f"/crm/v3/pipelines/tickets/0/stages/{review}", None)
    assert status == 204 and review not in stage_ids(sandbox)
    assert raw(sandbox, "DELETE", f"{PIPELINES}/0/stages/{review}", None)[0] == 404


def test_an_empty_stage_is_deleted_on_2026_09_and_the_last_one_never(sandbox: Sandbox):
    empty = new_stage(sandbox, "Vacía")
    assert raw(sandbox, "DELETE", f"{PIPELINES}/0/stages/{empty}", None)[0] == 204
    _, _, made = call(sandbox, "POST", PIPELINES, {"label": "Una", "stages": [stage("Sola")]})
    only = made["stages"][0]["id"]
    assert raw(sandbox, "DELETE", f"{PIPELINES}/{made['id']}/stages/{only}", None)[0] == 400


# -- deactivated users ----------------------------------------------------------------------

def test_a_deactivated_users_owner_leaves_the_list_and_cannot_be_written(sandbox: Sandbox):
    ticket = new_ticket(sandbox, hubspot_owner_id="9003", escalate_agent="9003")
    sandbox.control("POST", "owners", {"archived": ["9003"]})
    listed = call(sandbox, "GET", "/crm/owners/2026-09?limit=100")[2]["results"]
    assert "9003" not in {o["id"] for o in listed}
    archived = call(sandbox, "GET", "/crm/owners/2026-09?archived=true")[2]["results"]
    assert [(o["id"], o["archived"]) for o in archived] == [("9003", True)]
    assert call(sandbox, "GET", "/crm/owners/2026-09/9003")[0] == 404
    assert call(sandbox, "GET", "/crm/owners/2026-09/9003?archived=true")[2]["email"] == (
        "luis.agente@aseguradora.example")
    # Tickets keep the id; writing it again is refused as HubSpot refuses an unknown owner.
    read = call(sandbox, "GET", f"{CRM}/tickets/{ticket}?properties=hubspot_owner_id")[2]
    assert read["properties"]["hubspot_owner_id"] == "9003"
    status, _, refused = call(sandbox, "POST", f"{CRM}/tickets", {"properties": {
        "subject": "x", **TECH, "escalate_agent": "9003"}})
    assert status == 400 and "INVALID_OWNER_ID" in refused["message"]
    sandbox.control("POST", "reset")
    assert call(sandbox, "GET", "/crm/owners/2026-09/9003")[0] == 200
    assert call(sandbox, "POST", "/_sandbox/owners", {"archived": ["1"]})[0] == 400


# -- property options -----------------------------------------------------------------------

def test_an_admin_adds_a_priority_level_and_tickets_take_it(sandbox: Sandbox):
    options = sandbox.options("tickets", "hs_ticket_priority")
    sandbox.set_options("tickets", "hs_ticket_priority",
                        [*options, {"value": "CRITICAL", "label": "Crítica"}])
    values = [o["value"] for o in sandbox.options("tickets", "hs_ticket_priority")]
    assert values == ["LOW", "MEDIUM", "HIGH", "URGENT", "CRITICAL"]
    assert new_ticket(sandbox, hs_ticket_priority="CRITICAL")
    assert call(sandbox, "PATCH", "/crm/properties/2026-09/tickets/hs_ticket_priority",
                {"type": "string"})[0] == 400
    assert call(sandbox, "PATCH", "/crm/properties/2026-09/tickets/nope", {})[0] == 404


# -- merged contacts --------------------------------------------------------------------------

def test_a_merged_contacts_old_id_and_email_answer_with_the_survivor(sandbox: Sandbox):
    _, _, made = call(sandbox, "POST", f"{CRM}/contacts", {"properties": {
        "firstname": "Ana", "lastname": "López", "email": "ana.lopez.2@example.com"}})
    ticket = new_ticket(sandbox)
    call(sandbox, "PUT", f"{CRM}/tickets/{ticket}/associations/default/contacts/{made['id']}")
    status, _, _ = call(sandbox, "POST", f"{CRM}/contacts/merge",
                        {"primaryObjectId": "1001", "objectIdToMerge": made["id"]})
    assert status == 200
    assert call(sandbox, "GET", f"{CRM}/contacts/{made['id']}")[2]["id"] == "1001"
    by_email = call(sandbox, "GET", f"{CRM}/contacts/ana.lopez.2@example.com?idProperty=email")
    assert by_email[2]["id"] == "1001"
    _, _, batch = call(sandbox, "POST", f"{CRM}/contacts/batch/read",
                       {"inputs": [{"id": made["id"]}]})
    assert [r["id"] for r in batch["results"]] == ["1001"]
    _, _, links = call(sandbox, "POST", f"{ASSOCIATIONS}/tickets/contacts/batch/read",
                       {"inputs": [{"id": ticket}]})
    assert [t["toObjectId"] for t in links["results"][0]["to"]] == ["1001"]
    # An association to the old id is refused, as to any object that is not there.
    status, _, refused = call(sandbox, "POST", f"{CRM}/tickets", {
        "properties": {"subject": "x", **TECH}, "associations": [
            {"to": {"id": made["id"]}, "types": [
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 16}]}]})
    assert status == 400 and refused["context"]["INVALID_OBJECT_IDS"] == [made["id"]]
