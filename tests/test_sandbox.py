"""The sandbox rejects what HubSpot rejects, in HubSpot's shapes, through the official client."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest
from hubspot.crm.tickets.exceptions import ApiException

from .conftest import Sandbox

TECH = {"hs_pipeline": "0", "hs_pipeline_stage": "2"}


def call(sandbox: Sandbox, method: str, path: str, body: Any = None,
         token: str | None = "sandbox") -> tuple[int, dict[str, Any], Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(sandbox.url + path, data=data, method=method,
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


def create_ticket(sandbox: Sandbox, **props: Any) -> Any:
    return sandbox.client.crm.tickets.basic_api.create(
        simple_public_object_input_for_create={"properties": {"subject": "x", **TECH, **props}})


def rejected(fn: Any) -> tuple[int, dict[str, Any]]:
    with pytest.raises(ApiException) as caught:
        fn()
    return caught.value.status, json.loads(caught.value.body)


def test_a_request_without_the_token_is_401(sandbox: Sandbox):
    status, _, body = call(sandbox, "GET", "/crm/v3/pipelines/tickets", token=None)
    assert status == 401 and body["category"] == "INVALID_AUTHENTICATION"
    status, _, _ = call(sandbox, "GET", "/crm/v3/pipelines/tickets", token="otro")
    assert status == 401


def test_an_unknown_property_is_a_validation_error(sandbox: Sandbox):
    status, body = rejected(lambda: create_ticket(sandbox, color="rojo"))
    assert status == 400 and body["category"] == "VALIDATION_ERROR"
    assert "PROPERTY_DOESNT_EXIST" in body["message"]


def test_an_option_outside_the_enumeration_is_rejected(sandbox: Sandbox):
    status, body = rejected(lambda: create_ticket(sandbox, hs_ticket_priority="ALTA"))
    assert status == 400 and "INVALID_OPTION" in body["message"]


def test_a_stage_of_another_pipeline_is_rejected(sandbox: Sandbox):
    status, body = rejected(lambda: create_ticket(sandbox, hs_pipeline_stage="99"))
    assert status == 400 and "hs_pipeline_stage" in body["message"]


def test_a_note_without_timestamp_is_rejected(sandbox: Sandbox):
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/notes",
                           {"properties": {"hs_note_body": "hola"}})
    assert status == 400 and body["category"] == "VALIDATION_ERROR"
    assert body["message"] == "Error creating NOTE. Some required properties were not set."
    assert body["context"] == {"properties": ["hs_timestamp"]}


def test_an_unknown_association_type_is_rejected(sandbox: Sandbox):
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/tickets", {
        "properties": {"subject": "x", **TECH},
        "associations": [{"to": {"id": "1001"}, "types": [
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 15}]}]})
    assert status == 400 and "association" in body["message"]


def test_a_duplicate_unique_value_is_409_and_readable_by_id_property(sandbox: Sandbox):
    first = create_ticket(sandbox, escalate_id="a" * 32)
    status, body = rejected(lambda: create_ticket(sandbox, escalate_id="a" * 32))
    assert status == 409 and body["category"] == "OBJECT_ALREADY_EXISTS"
    found = sandbox.client.crm.tickets.basic_api.get_by_id("a" * 32, id_property="escalate_id")
    assert found.id == first.id
    assert len(sandbox.tickets()) == 1


@pytest.mark.parametrize("body, expected", [
    ({"limit": 201}, "limit"),
    ({"filterGroups": [{"filters": []}] * 6}, "filter groups"),
    ({"filterGroups": [{"filters": [{"propertyName": "subject", "operator": "EQ",
                                     "value": "x"}] * 11}]}, "in a group"),
    ({"filterGroups": [{"filters": [{"propertyName": "subject", "operator": "EQ",
                                     "value": "x"}] * 9}] * 3}, "Too many filters"),
    ({"after": "10000"}, "10000"),
    ({"filterGroups": [{"filters": [{"propertyName": "subject", "operator": "LIKE",
                                     "value": "x"}]}]}, "operator"),
])
def test_search_limits_are_enforced(sandbox: Sandbox, body: dict[str, Any], expected: str):
    status, _, answer = call(sandbox, "POST", "/crm/v3/objects/tickets/search", body)
    assert status == 400 and expected in answer["message"]


def test_search_pages_with_after_and_filters_dates_and_groups(sandbox: Sandbox):
    batch = [{"properties": {"subject": f"t{i}", **TECH,
                             "createdate": str(1_700_000_000_000 + i * 1000)}}
             for i in range(30)]
    status, _, _ = call(sandbox, "POST", "/crm/v3/objects/tickets/batch/create",
                        {"inputs": batch})
    assert status == 201
    seen, after = [], None
    while True:
        request = {"limit": 7, "sorts": [{"propertyName": "createdate",
                                          "direction": "DESCENDING"}],
                   "filterGroups": [
                       {"filters": [{"propertyName": "createdate", "operator": "LT",
                                     "value": str(1_700_000_005_000)}]},
                       {"filters": [{"propertyName": "createdate", "operator": "GTE",
                                     "value": str(1_700_000_025_000)}]}]}
        if after:
            request["after"] = after
        answer = sandbox.client.crm.tickets.search_api.do_search(
            public_object_search_request=request)
        seen += [t.properties["subject"] for t in answer.results]
        if answer.paging is None:
            break
        after = answer.paging.next.after
    assert seen == [f"t{i}" for i in (29, 28, 27, 26, 25, 4, 3, 2, 1, 0)]


def test_batch_reads_are_limited_to_100_inputs(sandbox: Sandbox):
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/contacts/batch/read",
                           {"inputs": [{"id": str(i)} for i in range(101)]})
    assert status == 400 and "limit" in body["message"]


def test_moving_to_a_closed_stage_sets_closed_date(sandbox: Sandbox):
    ticket = create_ticket(sandbox)
    closed = sandbox.client.crm.tickets.basic_api.update(
        ticket.id, simple_public_object_input={"properties": {"hs_pipeline_stage": "4"}})
    assert sandbox.ticket(closed.id).properties["closed_date"]


def test_the_rate_limit_answers_429_with_hubspots_headers_and_body(sandbox: Sandbox):
    sandbox.control("POST", "rate_limit", {"per_10s": 3})
    statuses = [call(sandbox, "GET", "/crm/v3/pipelines/tickets") for _ in range(4)]
    assert [s for s, _, _ in statuses] == [200, 200, 200, 429]
    _, headers, body = statuses[-1]
    assert body["errorType"] == "RATE_LIMIT" and body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert headers["X-HubSpot-RateLimit-Max"] == "3"
    assert statuses[0][1]["X-HubSpot-RateLimit-Remaining"] == "2"


def test_faults_after_commit_do_the_work_and_lose_the_answer(sandbox: Sandbox):
    sandbox.fault(method="POST", path_prefix="/crm/v3/objects/tickets", times=1, status=502,
                  after_commit=True)
    status, _, _ = call(sandbox, "POST", "/crm/v3/objects/tickets",
                        {"properties": {"subject": "x", **TECH}})
    assert status == 502
    assert len(sandbox.tickets()) == 1


def test_the_request_log_has_times_and_overlapping_requests_show(sandbox: Sandbox):
    sandbox.control("POST", "latency", {"delay_ms": 200})
    threads = [threading.Thread(target=call, args=(sandbox, "GET", "/crm/v3/pipelines/tickets"))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log = sandbox.requests()
    assert len(log) == 3
    # Served side by side: each started before any finished (read from the log, not a clock
    # the test measures, which a busy machine stretches).
    assert max(r["started_at"] for r in log) < min(r["finished_at"] for r in log)
    assert all(r["finished_at"] - r["started_at"] >= 0.2 for r in log)  # the latency applied


def test_reset_goes_back_to_the_seed(sandbox: Sandbox):
    create_ticket(sandbox)
    sandbox.control("POST", "reset", {})
    assert sandbox.tickets() == []
    assert len(sandbox.requests()) == 1  # the log was emptied too; this is the search above
    contacts = sandbox.client.crm.contacts.basic_api.get_page(limit=100)
    assert len(contacts.results) == 6


def test_a_missing_scope_is_403_naming_it(sandbox: Sandbox):
    sandbox.control("POST", "scopes", {"scopes": ["crm.objects.contacts.read"]})
    status, _, body = call(sandbox, "GET", "/crm/v3/pipelines/tickets")
    assert status == 403 and body["category"] == "MISSING_SCOPES"
    assert body["errors"][0]["context"]["requiredGranularScopes"] == ["tickets"]


def test_uploads_validate_access_and_return_existing_duplicates(sandbox: Sandbox, tmp_path):
    picture = tmp_path / "a.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    files = sandbox.client.files.files_api
    with pytest.raises(Exception) as caught:
        files.upload(file=str(picture), folder_path="/x", options=json.dumps({"access": "RARO"}))
    assert getattr(caught.value, "status", None) == 400
    options = json.dumps({"access": "PRIVATE", "duplicateValidationStrategy": "RETURN_EXISTING",
                          "duplicateValidationScope": "EXACT_FOLDER"})
    first = files.upload(file=str(picture), folder_path="/x", file_name="a.png", options=options)
    again = files.upload(file=str(picture), folder_path="/x", file_name="a.png", options=options)
    assert first.id == again.id and first.access == "PRIVATE"
    other = files.upload(file=str(picture), folder_path="/y", file_name="a.png", options=options)
    assert other.id != first.id
