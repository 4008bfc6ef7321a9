"""The sandbox refuses what HubSpot refuses and answers what HubSpot answers (issue 10),
each case against the shape HubSpot documents or public threads show (hubspot-facts.md)."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from .conftest import Sandbox
from .test_sandbox import TECH, call, create_ticket

TICKET = {"subject": "POL-1 - Ana López", **TECH}


def raw(sandbox: Sandbox, method: str, path: str, body: bytes | None,
        token: str | None = "sandbox") -> tuple[int, dict[str, str], Any]:
    parts = urllib.parse.urlsplit(sandbox.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        data = answer.read()
        return answer.status, dict(answer.getheaders()), json.loads(data) if data else None
    finally:
        connection.close()


def search_ids(sandbox: Sandbox, kind: str = "tickets", **body: Any) -> list[str]:
    status, _, answer = call(sandbox, "POST", f"/crm/v3/objects/{kind}/search",
                             {"limit": 200, **body})
    assert status == 200, answer
    return [r["id"] for r in answer["results"]]


def new_ticket(sandbox: Sandbox, **props: Any) -> str:
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/tickets",
                           {"properties": {**TICKET, **props}})
    assert status == 201, body
    return str(body["id"])


# -- search lag -----------------------------------------------------------------------------

def test_search_lag_hides_fresh_writes_from_search_only(sandbox: Sandbox):
    sandbox.control("POST", "search_lag", {"ms": 60_000})
    ticket = new_ticket(sandbox)
    assert search_ids(sandbox) == []
    assert call(sandbox, "GET", f"/crm/v3/objects/tickets/{ticket}")[0] == 200
    status, _, read = call(sandbox, "POST", "/crm/v3/objects/tickets/batch/read",
                           {"inputs": [{"id": ticket}]})
    assert status == 200 and [r["id"] for r in read["results"]] == [ticket]
    sandbox.control("POST", "search_lag", {"ms": 0})
    assert search_ids(sandbox) == [ticket]


def seeded_ticket(sandbox: Sandbox, **props: Any) -> str:
    """A ticket written an hour ago: outside any search lag."""
    hour_ago = int(time.time() * 1000) - 3_600_000
    [ticket] = sandbox.control("POST", "history", {"object": "tickets", "records": [
        {"properties": {**TICKET, **props}, "created_at": hour_ago}]})["ids"]
    return str(ticket)


def test_an_update_under_lag_is_found_with_its_old_values_until_the_lag_passes(
        sandbox: Sandbox):
    ticket = seeded_ticket(sandbox, hs_ticket_priority="LOW")
    sandbox.control("POST", "search_lag", {"ms": 60_000})
    patched = call(sandbox, "PATCH", f"/crm/objects/2026-09/tickets/{ticket}",
                   {"properties": {"hs_ticket_priority": "URGENT"}})
    assert patched[0] == 200
    urgent = {"filterGroups": [{"filters": [
        {"propertyName": "hs_ticket_priority", "operator": "EQ", "value": "URGENT"}]}]}
    low = {"filterGroups": [{"filters": [
        {"propertyName": "hs_ticket_priority", "operator": "EQ", "value": "LOW"}]}]}
    # HubSpot's index still holds the ticket as it was: found by its old value, with it
    assert search_ids(sandbox, **low) == [ticket] and search_ids(sandbox, **urgent) == []
    _, _, found = call(sandbox, "POST", "/crm/objects/2026-09/tickets/search",
                       {**low, "properties": ["hs_ticket_priority"]})
    assert found["results"][0]["properties"]["hs_ticket_priority"] == "LOW"
    # get and batch read are consistent at once
    _, _, read = call(sandbox, "GET", f"/crm/objects/2026-09/tickets/{ticket}"
                                      "?properties=hs_ticket_priority")
    assert read["properties"]["hs_ticket_priority"] == "URGENT"
    sandbox.control("POST", "search_lag", {"ms": 0})  # the index catches up
    assert search_ids(sandbox, **urgent) == [ticket] and search_ids(sandbox, **low) == []


def test_an_update_is_found_with_its_new_values_once_the_lag_has_passed(sandbox: Sandbox):
    ticket = seeded_ticket(sandbox, hs_ticket_priority="LOW")
    sandbox.control("POST", "search_lag", {"ms": 100})
    call(sandbox, "PATCH", f"/crm/objects/2026-09/tickets/{ticket}",
         {"properties": {"hs_ticket_priority": "URGENT"}})
    time.sleep(0.3)  # longer than the lag, however slow the machine
    assert search_ids(sandbox, filterGroups=[{"filters": [
        {"propertyName": "hs_ticket_priority", "operator": "EQ", "value": "URGENT"}]}]) == [ticket]


def test_search_lag_over_two_updates_shows_the_value_before_both(sandbox: Sandbox):
    ticket = seeded_ticket(sandbox, escalate_policy="A")
    sandbox.control("POST", "search_lag", {"ms": 60_000})
    for value in ("B", "C"):
        call(sandbox, "PATCH", f"/crm/objects/2026-09/tickets/{ticket}",
             {"properties": {"escalate_policy": value}})
    _, _, found = call(sandbox, "POST", "/crm/objects/2026-09/tickets/search",
                       {"properties": ["escalate_policy"]})
    assert [r["properties"]["escalate_policy"] for r in found["results"]] == ["A"]
    sandbox.control("POST", "search_lag", {"ms": 0})
    assert search_ids(sandbox, filterGroups=[{"filters": [
        {"propertyName": "escalate_policy", "operator": "EQ", "value": "C"}]}]) == [ticket]


# -- unique values --------------------------------------------------------------------------

def test_a_duplicate_unique_value_is_409_by_default(sandbox: Sandbox):
    first = new_ticket(sandbox, escalate_id="e" * 32)
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/tickets",
                           {"properties": {**TICKET, "escalate_id": "e" * 32}})
    assert status == 409 and body["category"] == "OBJECT_ALREADY_EXISTS"
    assert body["context"]["id"] == [first]


def test_the_unique_conflict_can_answer_hubspots_400_naming_the_property(sandbox: Sandbox):
    sandbox.control("POST", "unique_conflict", {"shape": "400"})
    new_ticket(sandbox, escalate_id="f" * 32)
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/tickets",
                           {"properties": {**TICKET, "escalate_id": "f" * 32}})
    assert status == 400 and body["category"] == "VALIDATION_ERROR"
    assert "already has that value" in body["message"]
    assert body["errors"][0]["context"]["propertyName"] == ["escalate_id"]
    assert len(search_ids(sandbox)) == 1
    status, _, _ = call(sandbox, "POST", "/_sandbox/unique_conflict", {"shape": "418"})
    assert status == 400


# -- required properties --------------------------------------------------------------------

def test_a_portal_required_property_refuses_creates_without_it(sandbox: Sandbox):
    sandbox.control("POST", "required_properties",
                    {"object": "tickets", "properties": ["hs_ticket_priority"]})
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/tickets", {"properties": TICKET})
    assert status == 400 and body["category"] == "VALIDATION_ERROR"
    assert body["message"] == "Error creating TICKET. Some required properties were not set."
    assert body["context"] == {"properties": ["hs_ticket_priority"]}
    assert new_ticket(sandbox, hs_ticket_priority="HIGH")
    status, _, _ = call(sandbox, "POST", "/_sandbox/required_properties",
                        {"object": "tickets", "properties": ["no_such_property"]})
    assert status == 400


@pytest.mark.parametrize("missing", ["subject", "hs_pipeline", "hs_pipeline_stage"])
def test_a_ticket_without_name_pipeline_or_stage_is_refused(sandbox: Sandbox, missing: str):
    props = {k: v for k, v in TICKET.items() if k != missing}
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/tickets", {"properties": props})
    assert status == 400 and body["context"] == {"properties": [missing]}
    assert "Some required properties were not set." in body["message"]


# -- values HubSpot refuses ------------------------------------------------------------------

@pytest.mark.parametrize("email", ["ana", "ana@", "ana@example", "ana@@example.com",
                                   "ana lópez@example.com", "ana@example.c0m",
                                   "ana@empresa.local", "ana@empresa.xyzq"])
def test_an_invalid_contact_email_is_invalid_email(sandbox: Sandbox, email: str):
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/contacts",
                           {"properties": {"email": email, "firstname": "Ana"}})
    assert status == 400 and body["category"] == "VALIDATION_ERROR"
    assert "INVALID_EMAIL" in body["message"]


@pytest.mark.parametrize("email", ["ana@example.com", "ana@seguros.com.mx", "ana@correo.io"])
def test_an_email_with_a_real_top_level_domain_is_taken(sandbox: Sandbox, email: str):
    status, _, body = call(sandbox, "POST", "/crm/objects/2026-09/contacts",
                           {"properties": {"email": email, "firstname": "Ana"}})
    assert status == 201, body


def test_a_date_property_not_at_midnight_utc_is_invalid_date(sandbox: Sandbox):
    status, _, _ = call(sandbox, "POST", "/crm/v3/properties/tickets", {
        "name": "renewal_date", "label": "Renovación", "type": "date", "fieldType": "date",
        "groupName": "ticketinformation"})
    assert status == 201
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/tickets", {
        "properties": {**TICKET, "renewal_date": "2026-11-23T10:30:00Z"}})
    assert status == 400 and "INVALID_DATE" in body["message"] and "midnight" in body["message"]
    ticket = new_ticket(sandbox, renewal_date=str(1_763_856_000_000))  # 2025-11-23T00:00Z
    status, _, body = call(sandbox, "GET",
                           f"/crm/v3/objects/tickets/{ticket}?properties=renewal_date")
    assert body["properties"]["renewal_date"] == "2025-11-23"


@pytest.mark.parametrize("value", ["mañana", "1,700,000,000,000", "2026-13-45", "12:30"])
def test_a_datetime_that_is_neither_epoch_ms_nor_iso_is_invalid_long(sandbox: Sandbox,
                                                                     value: str):
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/tickets",
                           {"properties": {**TICKET, "createdate": value}})
    assert status == 400 and "INVALID_LONG" in body["message"]


def test_both_datetime_forms_are_taken(sandbox: Sandbox):
    by_ms = new_ticket(sandbox, createdate="1700000000000")
    by_iso = new_ticket(sandbox, createdate="2023-11-14T22:13:20Z")
    for ticket in (by_ms, by_iso):
        _, _, body = call(sandbox, "GET", f"/crm/v3/objects/tickets/{ticket}")
        assert body["properties"]["createdate"] == "2023-11-14T22:13:20.000Z"


def test_an_association_to_a_missing_object_names_it(sandbox: Sandbox):
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/tickets", {
        "properties": TICKET,
        "associations": [{"to": {"id": "999999"}, "types": [
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 16}]}]})
    assert status == 400 and body["message"] == "One or more associations are invalid"
    assert body["context"]["INVALID_OBJECT_IDS"] == ["999999"]
    assert search_ids(sandbox) == []


@pytest.mark.parametrize("path, body", [
    ("/crm/v3/objects/tickets/search", {"limit": "muchos"}),
    ("/crm/v3/objects/tickets/search", {"limit": [1]}),
    ("/crm/v3/objects/tickets/search", {"sorts": "createdate"}),
    ("/crm/v3/objects/tickets/search", {"sorts": [{"propertyName": ["createdate"]}]}),
    ("/crm/v3/objects/tickets/search", {"filterGroups": {"filters": []}}),
    ("/crm/v3/objects/tickets/search", {"filterGroups": [{"filters": "x"}]}),
    ("/crm/v3/objects/tickets/search", {"filterGroups": [{"filters": [
        {"propertyName": "subject", "operator": "EQ", "value": {"a": 1}}]}]}),
    ("/crm/v3/objects/tickets/search", {"properties": [1, 2]}),
    ("/crm/v3/objects/tickets/batch/read", {"inputs": [1]}),
    ("/crm/v3/objects/tickets/batch/read", {"inputs": "1007"}),
    ("/crm/v3/objects/tickets/batch/create", {"inputs": [{"properties": ["subject"]}]}),
    ("/crm/v3/objects/tickets", {"properties": {"subject": ["x"]}}),
    ("/crm/v3/objects/tickets", {"properties": "subject=x"}),
    ("/crm/v3/objects/tickets", {"properties": TICKET, "associations": {"to": 1}}),
    ("/crm/v4/associations/tickets/contacts/batch/read", {"inputs": [{"id": {"x": 1}}]}),
])
def test_malformed_bodies_are_400_validation_errors(sandbox: Sandbox, path: str,
                                                    body: dict[str, Any]):
    status, _, answer = call(sandbox, "POST", path, body)
    assert status == 400 and answer["category"] == "VALIDATION_ERROR"


def test_invalid_json_and_a_missing_body_are_400_with_hubspots_message(sandbox: Sandbox):
    status, _, body = raw(sandbox, "POST", "/crm/v3/objects/tickets/search", b'{"limit": ')
    assert status == 400 and body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Invalid input JSON on line 1, column 11: ")
    status, _, body = raw(sandbox, "POST", "/crm/v3/objects/tickets", None)
    assert status == 400 and body["message"].startswith("Invalid input JSON")
    status, _, body = raw(sandbox, "POST", "/crm/v3/objects/tickets/batch/read", b"[]")
    assert status == 400 and body["category"] == "VALIDATION_ERROR"


def _groups(groups: int, per_group: int) -> dict[str, Any]:
    one = {"propertyName": "subject", "operator": "HAS_PROPERTY"}
    return {"filterGroups": [{"filters": [one] * per_group}] * groups}


@pytest.mark.parametrize("body, ok", [
    (_groups(5, 5), True), (_groups(6, 1), False),
    (_groups(1, 10), True), (_groups(1, 11), False),
    (_groups(3, 8) | {"filterGroups": _groups(3, 8)["filterGroups"] + [
        {"filters": [{"propertyName": "subject", "operator": "HAS_PROPERTY"}]}]}, True),
    (_groups(3, 9), False),  # 27 filters in all
    ({"limit": 200}, True), ({"limit": 201}, False),
    ({"after": "9999"}, True), ({"after": "10000"}, False),
])
def test_search_caps_are_todays_published_ones(sandbox: Sandbox, body: dict[str, Any],
                                               ok: bool):
    status, _, answer = call(sandbox, "POST", "/crm/v3/objects/tickets/search", body)
    assert status == (200 if ok else 400), answer


@pytest.mark.parametrize("path", ["/crm/v3/objects/contacts?limit=101",
                                  "/crm/v3/owners?limit=501",
                                  "/crm/v3/objects/contacts?limit=x"])
def test_a_limit_above_a_lists_maximum_is_400_not_clamped(sandbox: Sandbox, path: str):
    status, _, body = call(sandbox, "GET", path)
    assert status == 400 and body["category"] == "VALIDATION_ERROR"


# -- what HubSpot answers -------------------------------------------------------------------

def test_archive_is_204_and_the_object_leaves_get_lists_and_search(sandbox: Sandbox):
    kept, gone = new_ticket(sandbox), new_ticket(sandbox)
    status, _, body = call_raw_delete(sandbox, f"/crm/v3/objects/tickets/{gone}")
    assert status == 204 and body is None
    assert call(sandbox, "GET", f"/crm/v3/objects/tickets/{gone}")[0] == 404
    assert search_ids(sandbox) == [kept]
    _, _, page = call(sandbox, "GET", "/crm/v3/objects/tickets?limit=100")
    assert [r["id"] for r in page["results"]] == [kept]
    assert call_raw_delete(sandbox, f"/crm/v3/objects/tickets/{gone}")[0] == 404


def call_raw_delete(sandbox: Sandbox, path: str) -> tuple[int, dict[str, str], Any]:
    return raw(sandbox, "DELETE", path, None)


def test_creates_and_updates_echo_the_properties_written(sandbox: Sandbox):
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/tickets", {
        "properties": {**TICKET, "escalate_policy": "POL-1", "hs_ticket_priority": "HIGH"}})
    assert status == 201
    assert body["properties"]["escalate_policy"] == "POL-1"
    assert body["properties"]["hs_ticket_priority"] == "HIGH"
    status, _, body = call(sandbox, "PATCH", f"/crm/v3/objects/tickets/{body['id']}",
                           {"properties": {"escalate_last_client_update": "1700000000000"}})
    assert status == 200
    assert body["properties"]["escalate_last_client_update"] == "2023-11-14T22:13:20.000Z"
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/tickets/batch/create", {
        "inputs": [{"properties": {**TICKET, "escalate_policy": "POL-2"}}]})
    assert status == 201 and body["results"][0]["properties"]["escalate_policy"] == "POL-2"


def test_lists_answer_results_and_paging_without_total(sandbox: Sandbox):
    status, _, body = call(sandbox, "GET", "/crm/v3/objects/contacts?limit=4")
    assert status == 200 and set(body) == {"results", "paging"}
    _, _, rest = call(sandbox, "GET",
                      f"/crm/v3/objects/contacts?limit=4&after={body['paging']['next']['after']}")
    ids = [r["id"] for r in body["results"] + rest["results"]]
    assert len(ids) == 6 == len(set(ids)) and "paging" not in rest and "total" not in rest


def test_a_property_cleared_with_an_empty_string_reads_back_empty(sandbox: Sandbox):
    ticket = new_ticket(sandbox, escalate_policy="POL-1")
    call(sandbox, "PATCH", f"/crm/v3/objects/tickets/{ticket}",
         {"properties": {"escalate_policy": ""}})
    _, _, body = call(sandbox, "GET",
                      f"/crm/v3/objects/tickets/{ticket}?properties=escalate_policy,content")
    assert body["properties"]["escalate_policy"] == ""
    assert body["properties"]["content"] is None  # never set: null


def test_a_wrong_method_is_405_with_an_allow_header(sandbox: Sandbox):
    status, headers, _ = raw(sandbox, "GET", "/crm/v3/objects/tickets/batch/read", None)
    assert status == 405 and headers["Allow"] == "POST"
    status, headers, _ = raw(sandbox, "POST", "/crm/v3/objects/tickets/1001", b"{}")
    assert status == 405 and set(headers["Allow"].split(", ")) >= {"GET", "PATCH", "DELETE"}


@pytest.mark.parametrize("method, path", [
    ("GET", "/_sandbox/requests"), ("POST", "/_sandbox/reset"), ("POST", "/_sandbox/faults"),
    ("POST", "/_sandbox/search_lag"), ("POST", "/_sandbox/history"),
])
def test_control_endpoints_need_the_sandbox_token(sandbox: Sandbox, method: str, path: str):
    status, _, body = raw(sandbox, method, path, b"{}", token=None)
    assert status == 401 and body["category"] == "INVALID_AUTHENTICATION"
    assert raw(sandbox, method, path, b"{}", token="otro")[0] == 401


def test_the_official_client_still_reads_what_it_writes(sandbox: Sandbox):
    ticket = create_ticket(sandbox, escalate_policy="POL-9")
    assert ticket.properties["escalate_policy"] == "POL-9"
    assert sandbox.ticket(ticket.id).properties["subject"] == "x"


# -- the rate limit's time scale (tests only) -----------------------------------------------

def test_the_rate_limit_window_can_be_shortened_for_tests(sandbox: Sandbox):
    sandbox.control("POST", "rate_limit", {"per_10s": 2, "window_ms": 300})
    answers = [call(sandbox, "GET", "/crm/v3/pipelines/tickets") for _ in range(3)]
    assert [status for status, _, _ in answers] == [200, 200, 429]
    assert answers[0][1]["X-HubSpot-RateLimit-Interval-Milliseconds"] == "300"
    assert answers[2][2]["policyName"] == "TEN_SECONDLY_ROLLING"
    time.sleep(0.35)  # one short window, not ten seconds
    assert call(sandbox, "GET", "/crm/v3/pipelines/tickets")[0] == 200
    sandbox.control("POST", "reset", {})
    _, headers, _ = call(sandbox, "GET", "/crm/v3/pipelines/tickets")
    assert "X-HubSpot-RateLimit-Max" not in headers  # started with per_10s=0: no limit again
    status, _, _ = call(sandbox, "POST", "/_sandbox/rate_limit", {"window_ms": 0})
    assert status == 400


@pytest.mark.parametrize("shape", ["window", "none"])
def test_a_search_429_carries_its_policy_and_the_headers_modelled_either_way(
        sandbox: Sandbox, shape: str):
    sandbox.control("POST", "rate_limit", {"per_10s": 100, "search_per_s": 1,
                                           "search_429_headers": shape})
    search = {"filterGroups": [], "limit": 1}
    answers = [call(sandbox, "POST", "/crm/v3/objects/tickets/search", search) for _ in range(2)]
    assert [status for status, _, _ in answers] == [200, 429]
    _, headers, body = answers[1]
    assert body["policyName"] == "SECONDLY" and body["errorType"] == "RATE_LIMIT"
    if shape == "window":  # the account's window as it stands: one request in it, not full
        assert headers["X-HubSpot-RateLimit-Remaining"] == "99"
        assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    else:
        assert not [h for h in headers if h.lower().startswith("x-hubspot-ratelimit")]
    assert [r["status"] for r in sandbox.requests()] == [200, 429]
    status, _, _ = call(sandbox, "POST", "/_sandbox/rate_limit", {"search_429_headers": "x"})
    assert status == 400


def test_a_full_window_429_says_ten_secondly_rolling_with_nothing_remaining(sandbox: Sandbox):
    sandbox.control("POST", "rate_limit", {"per_10s": 1})
    call(sandbox, "GET", "/crm/v3/pipelines/tickets")
    status, headers, body = call(sandbox, "GET", "/crm/v3/pipelines/tickets")
    assert status == 429 and body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert headers["X-HubSpot-RateLimit-Remaining"] == "0"


# -- the lag a served sandbox starts with ------------------------------------------------

@pytest.mark.parametrize("options, lagging", [((), True), (("--sin-retraso",), False)])
def test_a_served_sandbox_lags_search_by_default_and_not_with_sin_retraso(
        tmp_path: Path, options: tuple[str, ...], lagging: bool):
    env = {"PATH": os.environ.get("PATH", ""), "ESCALATE_HOME": str(tmp_path)}
    server = subprocess.Popen([sys.executable, "-m", "escalate", "sandbox", "serve",
                               "--port", "0", "--per-10s", "0", *options],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              env=env)
    try:
        assert server.stdout is not None
        served = Sandbox.__new__(Sandbox)
        served.url = server.stdout.readline().strip()
        ticket = new_ticket(served)
        assert (ticket not in search_ids(served)) is lagging
        served.control("POST", "reset", {})  # the knobs come back as the server started
        ticket = new_ticket(served)
        assert (ticket not in search_ids(served)) is lagging
    finally:
        server.terminate()
        server.wait(timeout=10)
