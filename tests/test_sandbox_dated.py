"""The sandbox answers HubSpot's date-based API (2026-09; file upload 2026-03) as HubSpot's
reference shows it, beside the legacy paths, from one implementation (hubspot-facts.md,
"2026-12")."""

from __future__ import annotations

import time
from typing import Any

import pytest

from .conftest import Sandbox
from .test_sandbox import TECH, call
from .test_sandbox_rules import raw

CRM = "/crm/objects/2026-09"
ASSOCIATIONS = "/crm/associations/2026-09"
TICKET = {"subject": "POL-1 - Ana López", **TECH}


def new_ticket(sandbox: Sandbox, **props: Any) -> str:
    status, _, body = call(sandbox, "POST", f"{CRM}/tickets",
                           {"properties": {**TICKET, **props}, "associations": [
                               {"to": {"id": "1001"}, "types": [
                                   {"associationCategory": "HUBSPOT_DEFINED",
                                    "associationTypeId": 16}]}]})
    assert status == 201, body
    return str(body["id"])


@pytest.mark.parametrize("dated, legacy", [
    ("/account-info/2026-09/details", "/account-info/v3/details"),
    ("/crm/owners/2026-09?email=soporte@example.com", "/crm/v3/owners?email=soporte@example.com"),
    ("/crm/owners/2026-09/9001", "/crm/v3/owners/9001"),
    ("/crm/pipelines/2026-09/tickets", "/crm/v3/pipelines/tickets"),
    ("/crm/properties/2026-09/tickets/subject", "/crm/v3/properties/tickets/subject"),
    ("/crm/properties/2026-09/tickets/groups", "/crm/v3/properties/tickets/groups"),
    (f"{CRM}/contacts/1001", "/crm/v3/objects/contacts/1001"),
    (f"{CRM}/contacts?limit=2", "/crm/v3/objects/contacts?limit=2"),
    ("/crm/property-validations/2026-09/0-5", "/crm/v3/property-validations/0-5"),
])
def test_every_read_answers_the_same_on_the_dated_and_the_legacy_path(
        sandbox: Sandbox, dated: str, legacy: str):
    new, old = call(sandbox, "GET", dated), call(sandbox, "GET", legacy)
    assert new[0] == old[0] == 200
    assert new[2] == old[2]


def test_writes_on_either_path_set_reach_the_same_objects(sandbox: Sandbox):
    ticket = new_ticket(sandbox)
    status, _, _ = call(sandbox, "PATCH", f"/crm/v3/objects/tickets/{ticket}",
                        {"properties": {"escalate_policy": "POL-1"}})
    assert status == 200
    _, _, read = call(sandbox, "GET", f"{CRM}/tickets/{ticket}?properties=escalate_policy")
    assert read["properties"]["escalate_policy"] == "POL-1"


def test_the_2026_09_files_api_has_no_upload_and_2026_03_has(sandbox: Sandbox, tmp_path):
    from hubspot import HubSpot

    assert call(sandbox, "POST", "/files/2026-09/files", {})[0] == 404
    # The official client uploads on v3; the same handler answers 2026-03 (tool's own path).
    client = HubSpot(access_token="sandbox", host=sandbox.url)
    picture = tmp_path / "a.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")
    uploaded = client.files.files_api.upload(file=str(picture), folder_path="/x",
                                             options='{"access": "PRIVATE"}')
    assert call(sandbox, "GET", f"/files/2026-09/files/{uploaded.id}")[2]["access"] == "PRIVATE"


# -- associations ---------------------------------------------------------------------------

def test_the_dated_association_read_writes_ids_as_strings_and_v4_as_numbers(sandbox: Sandbox):
    ticket = new_ticket(sandbox)
    body = {"inputs": [{"id": ticket}]}
    _, _, dated = call(sandbox, "POST", f"{ASSOCIATIONS}/tickets/contacts/batch/read", body)
    _, _, legacy = call(sandbox, "POST", "/crm/v4/associations/tickets/contacts/batch/read",
                        body)
    assert dated["results"][0]["to"] == [{"toObjectId": "1001", "associationTypes": [
        {"category": "HUBSPOT_DEFINED", "typeId": 16, "label": None}]}]
    assert legacy["results"][0]["to"][0]["toObjectId"] == 1001


def test_an_object_with_more_associations_than_a_page_is_read_on_with_its_after(
        sandbox: Sandbox):
    ticket = new_ticket(sandbox)
    now = int(time.time() * 1000)
    sandbox.control("POST", "history", {"object": "notes", "records": [
        {"properties": {"hs_timestamp": str(now), "hs_note_body": f"n{i}"},
         "associations": {"tickets": [ticket]}} for i in range(501)]})
    path = f"{ASSOCIATIONS}/tickets/notes/batch/read"
    _, _, first = call(sandbox, "POST", path, {"inputs": [{"id": ticket}, {"id": "1001"}]})
    [mine] = [r for r in first["results"] if r["from"]["id"] == ticket]
    assert len(mine["to"]) == 500 and mine["paging"]["next"]["after"] == "500"
    _, _, rest = call(sandbox, "POST", path,
                      {"inputs": [{"id": ticket, "after": mine["paging"]["next"]["after"]}]})
    assert len(rest["results"][0]["to"]) == 1 and "paging" not in rest["results"][0]
    seen = {t["toObjectId"] for t in [*mine["to"], *rest["results"][0]["to"]]}
    assert len(seen) == 501


def test_a_ticket_to_ticket_label_and_its_inverse_link_both_ways(sandbox: Sandbox):
    incident, member = new_ticket(sandbox), new_ticket(sandbox)
    labels = f"{ASSOCIATIONS}/tickets/tickets/labels"
    status, _, made = call(sandbox, "POST", labels, {
        "label": "Incidente", "name": "incidente", "inverseLabel": "Cliente afectado"})
    assert status == 200
    [forward, inverse] = made["results"]
    assert forward["category"] == inverse["category"] == "USER_DEFINED"
    assert (forward["label"], inverse["label"]) == ("Incidente", "Cliente afectado")
    assert call(sandbox, "GET", labels)[2]["results"] == made["results"]
    assert call(sandbox, "POST", labels, {"label": "Otra", "name": "incidente"})[0] == 409
    status, _, linked = call(sandbox, "PUT",
                             f"{CRM}/tickets/{member}/associations/tickets/{incident}",
                             [{"associationCategory": "USER_DEFINED",
                               "associationTypeId": forward["typeId"]}])
    assert status == 200 and linked["labels"] == ["Incidente"]
    _, _, read = call(sandbox, "POST", f"{ASSOCIATIONS}/tickets/tickets/batch/read",
                      {"inputs": [{"id": member}, {"id": incident}]})
    by_id = {r["from"]["id"]: r["to"] for r in read["results"]}
    assert by_id[member] == [{"toObjectId": incident, "associationTypes": [
        {"category": "USER_DEFINED", "typeId": forward["typeId"], "label": "Incidente"}]}]
    assert by_id[incident][0]["associationTypes"][0]["label"] == "Cliente afectado"


@pytest.mark.parametrize("body", [
    [], {"associationTypeId": 16}, [{"associationCategory": "USER_DEFINED",
                                    "associationTypeId": 16}],
    [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 228}]])
def test_a_labelled_association_with_a_wrong_body_is_refused(sandbox: Sandbox, body: Any):
    ticket = new_ticket(sandbox)
    status, _, answer = call(sandbox, "PUT", f"{CRM}/tickets/{ticket}/associations/contacts/1002",
                             body)
    assert status == 400 and answer["category"] == "VALIDATION_ERROR"


# -- merge ----------------------------------------------------------------------------------

def test_a_merged_tickets_id_answers_with_the_primary(sandbox: Sandbox):
    primary = new_ticket(sandbox, escalate_id="p" * 32)
    merged = new_ticket(sandbox, escalate_id="m" * 32, escalate_policy="POL-2")
    call(sandbox, "PUT", f"{CRM}/tickets/{merged}/associations/default/contacts/1002")
    status, _, answer = call(sandbox, "POST", f"{CRM}/tickets/merge",
                             {"primaryObjectId": primary, "objectIdToMerge": merged})
    assert status == 200 and answer["id"] == primary
    _, _, read = call(sandbox, "GET", f"{CRM}/tickets/{merged}?properties=escalate_policy,"
                                      "hs_merged_object_ids,escalate_id")
    assert read["id"] == primary
    assert read["properties"]["hs_merged_object_ids"] == merged
    assert read["properties"]["escalate_policy"] == "POL-2"  # the primary had none
    assert read["properties"]["escalate_id"] == "p" * 32  # the primary's own stays
    by_unique = call(sandbox, "GET", f"{CRM}/tickets/{'m' * 32}?idProperty=escalate_id")
    assert by_unique[2]["id"] == primary
    _, _, found = call(sandbox, "POST", f"{CRM}/tickets/search", {"limit": 10})
    assert [r["id"] for r in found["results"]] == [primary]
    _, _, links = call(sandbox, "POST", f"{ASSOCIATIONS}/tickets/contacts/batch/read",
                       {"inputs": [{"id": primary}]})
    assert {t["toObjectId"] for t in links["results"][0]["to"]} == {"1001", "1002"}


@pytest.mark.parametrize("body", [{"primaryObjectId": "1007", "objectIdToMerge": "1007"},
                                  {"primaryObjectId": "1007"}, {"objectIdToMerge": 7.5}])
def test_a_merge_of_a_ticket_with_itself_or_nothing_is_refused(sandbox: Sandbox, body: Any):
    new_ticket(sandbox)
    assert call(sandbox, "POST", f"{CRM}/tickets/merge", body)[0] == 400


# -- smaller refusals -----------------------------------------------------------------------

def test_a_history_read_of_more_than_50_is_refused_with_hubspots_message(sandbox: Sandbox):
    inputs = [{"id": str(1000 + i)} for i in range(51)]
    status, _, body = call(sandbox, "POST", f"{CRM}/tickets/batch/read",
                           {"inputs": inputs, "propertiesWithHistory": ["hs_ticket_priority"]})
    assert status == 400 and body["message"] == (
        "The maximum number of inputs supported in a batch request for property histories "
        "is 50")
    assert call(sandbox, "POST", f"{CRM}/tickets/batch/read",
                {"inputs": inputs[:50], "propertiesWithHistory": ["subject"]})[0] in (200, 207)
    assert call(sandbox, "POST", f"{CRM}/tickets/batch/read", {"inputs": inputs})[0] == 207


def test_a_batch_update_with_one_missing_id_updates_the_others_and_answers_207(
        sandbox: Sandbox):
    first, second = new_ticket(sandbox), new_ticket(sandbox)
    status, _, body = call(sandbox, "POST", f"{CRM}/tickets/batch/update", {"inputs": [
        {"id": first, "properties": {"escalate_policy": "A"}},
        {"id": "99999", "properties": {"escalate_policy": "B"}},
        {"id": second, "properties": {"escalate_policy": "C"}}]})
    assert status == 207
    assert [r["id"] for r in body["results"]] == [first, second]
    assert body["errors"][0]["context"] == {"ids": ["99999"]}
    _, _, read = call(sandbox, "GET", f"{CRM}/tickets/{second}?properties=escalate_policy")
    assert read["properties"]["escalate_policy"] == "C"


def test_archived_true_reads_archived_objects(sandbox: Sandbox):
    kept, gone = new_ticket(sandbox), new_ticket(sandbox)
    assert raw(sandbox, "DELETE", f"{CRM}/tickets/{gone}", None)[0] == 204
    assert call(sandbox, "GET", f"{CRM}/tickets/{gone}")[0] == 404
    status, _, read = call(sandbox, "GET", f"{CRM}/tickets/{gone}?archived=true")
    assert status == 200 and read["archived"] is True
    _, _, listed = call(sandbox, "GET", f"{CRM}/tickets?archived=true")
    assert [r["id"] for r in listed["results"]] == [gone]
    _, _, live = call(sandbox, "GET", f"{CRM}/tickets")
    assert [r["id"] for r in live["results"]] == [kept]
    _, _, batch = call(sandbox, "POST", f"{CRM}/tickets/batch/read?archived=true",
                       {"inputs": [{"id": gone}, {"id": kept}]})
    assert [r["id"] for r in batch["results"]] == [gone]
