"""Property history, objects seeded with a past, batch updates, the demo tickets and the
schema's migrations (issue 14, issue 9 item 11, issue 8)."""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import escalate_sandbox

from .conftest import Sandbox
from .test_sandbox import TECH, call

DAY = timedelta(days=1)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def history_of(body: dict[str, Any], name: str) -> list[str]:
    return [h["value"] for h in body["propertiesWithHistory"][name]]


def test_every_write_is_in_the_property_history_newest_first(sandbox: Sandbox):
    _, _, ticket = call(sandbox, "POST", "/crm/v3/objects/tickets", {
        "properties": {"subject": "x", **TECH, "hs_ticket_priority": "LOW"}})
    call(sandbox, "PATCH", f"/crm/v3/objects/tickets/{ticket['id']}",
         {"properties": {"hs_ticket_priority": "MEDIUM"}})
    call(sandbox, "POST", "/crm/v3/objects/tickets/batch/update", {"inputs": [
        {"id": ticket["id"], "properties": {"hs_ticket_priority": "HIGH"}}]})
    _, _, got = call(sandbox, "GET", f"/crm/v3/objects/tickets/{ticket['id']}"
                                     "?propertiesWithHistory=hs_ticket_priority,subject")
    assert history_of(got, "hs_ticket_priority") == ["HIGH", "MEDIUM", "LOW"]
    assert history_of(got, "subject") == ["x"]
    entry = got["propertiesWithHistory"]["hs_ticket_priority"][0]
    assert set(entry) == {"value", "timestamp", "sourceType", "sourceId"}
    assert entry["timestamp"].endswith("Z") and entry["sourceType"] == "INTEGRATION"
    _, _, read = call(sandbox, "POST", "/crm/v3/objects/tickets/batch/read", {
        "inputs": [{"id": ticket["id"]}], "properties": ["subject"],
        "propertiesWithHistory": ["hs_ticket_priority"]})
    assert history_of(read["results"][0], "hs_ticket_priority") == ["HIGH", "MEDIUM", "LOW"]


def test_the_official_client_reads_history_through_batch_read(sandbox: Sandbox):
    _, _, ticket = call(sandbox, "POST", "/crm/v3/objects/tickets", {
        "properties": {"subject": "x", **TECH, "hs_ticket_priority": "LOW"}})
    call(sandbox, "PATCH", f"/crm/v3/objects/tickets/{ticket['id']}",
         {"properties": {"hs_ticket_priority": "URGENT"}})
    answer = sandbox.client.crm.tickets.batch_api.read(
        batch_read_input_simple_public_object_id={
            "inputs": [{"id": ticket["id"]}], "properties": ["subject"],
            "propertiesWithHistory": ["hs_ticket_priority"]})
    values = answer.results[0].properties_with_history["hs_ticket_priority"]
    assert [v.value for v in values] == ["URGENT", "LOW"]
    assert values[0].timestamp >= values[1].timestamp


def test_history_seeds_tickets_with_a_past(sandbox: Sandbox):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    created, raised, closed = now - 5 * DAY, now - 3 * DAY, now - DAY
    answer = sandbox.control("POST", "history", {"object": "tickets", "records": [{
        "properties": {"subject": "POL-7 - Ana López", **TECH, "hs_ticket_priority": "LOW"},
        "created_at": iso(created),
        "associations": {"contacts": ["1001"]},
        "changes": [
            {"at": iso(closed), "properties": {"hs_pipeline_stage": "4"}},
            {"at": iso(raised), "properties": {"hs_ticket_priority": "HIGH",
                                               "escalate_last_client_update": iso(raised)}},
        ]}]})
    (ticket,) = answer["ids"]
    _, _, got = call(sandbox, "GET", f"/crm/v3/objects/tickets/{ticket}?properties=createdate,"
                     "closed_date,hs_v2_date_entered_4,hs_ticket_priority&associations=contacts"
                     "&propertiesWithHistory=hs_pipeline_stage,hs_ticket_priority")
    props = got["properties"]
    assert props["createdate"] == iso(created) and got["createdAt"] == iso(created)
    assert props["closed_date"] == iso(closed) == props["hs_v2_date_entered_4"]
    assert got["updatedAt"] == iso(closed)
    assert history_of(got, "hs_pipeline_stage") == ["4", "2"]
    assert [h["timestamp"] for h in got["propertiesWithHistory"]["hs_ticket_priority"]] == [
        iso(raised), iso(created)]
    assert [a["id"] for a in got["associations"]["contacts"]["results"]] == ["1001"]


def test_history_seeds_many_records_in_one_request(sandbox: Sandbox):
    base = int(time.time() * 1000) - 10 * 86_400_000
    records = [{"properties": {"subject": f"T{i}", **TECH}, "created_at": base + i * 1000}
               for i in range(300)]
    answer = sandbox.control("POST", "history", {"object": "tickets", "records": records})
    assert len(answer["ids"]) == 300
    _, _, found = call(sandbox, "POST", "/crm/v3/objects/tickets/search", {
        "limit": 1, "sorts": [{"propertyName": "createdate", "direction": "DESCENDING"}]})
    assert found["total"] == 300 and found["results"][0]["properties"]["subject"] == "T299"


def test_a_bad_history_record_seeds_nothing(sandbox: Sandbox):
    status, _, body = call(sandbox, "POST", "/_sandbox/history", {"object": "tickets", "records": [
        {"properties": {"subject": "ok", **TECH}},
        {"properties": {"subject": "bad", **TECH}, "created_at": "ayer"}]})
    assert status == 400 and body["category"] == "VALIDATION_ERROR"
    assert sandbox.tickets() == []


def test_batch_update_tickets_is_all_or_nothing_and_capped_at_100(sandbox: Sandbox):
    _, _, made = call(sandbox, "POST", "/crm/v3/objects/tickets/batch/create", {"inputs": [
        {"properties": {"subject": f"T{i}", **TECH}} for i in range(2)]})
    ids = [t["id"] for t in made["results"]]
    status, _, _ = call(sandbox, "POST", "/crm/v3/objects/tickets/batch/update", {"inputs": [
        {"id": ids[0], "properties": {"hs_ticket_priority": "HIGH"}},
        {"id": ids[1], "properties": {"hs_ticket_priority": "ALTA"}}]})
    assert status == 400
    assert sandbox.ticket(ids[0]).properties["hs_ticket_priority"] is None
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/tickets/batch/update", {
        "inputs": [{"id": ids[0], "properties": {"subject": "y"}}] * 101})
    assert status == 400 and "limit" in body["message"]
    status, _, body = call(sandbox, "POST", "/crm/v3/objects/tickets/batch/update", {"inputs": [
        {"id": i, "properties": {"hs_pipeline_stage": "4"}} for i in ids]})
    assert status == 200 and len(body["results"]) == 2
    assert all(sandbox.ticket(i).properties["closed_date"] for i in ids)


def test_demo_tickets_are_seeded_only_when_asked(tmp_path: Path, sandbox: Sandbox):
    assert sandbox.tickets() == []  # the test fixture starts with no tickets
    demo = escalate_sandbox.start(tmp_path / "demo", per_10s=0, demo_tickets=True)
    try:
        practice = Sandbox(demo)
        tickets = practice.tickets()
        assert len(tickets) == 4
        by_subject = {t.properties["subject"]: t for t in tickets}
        closed = by_subject["POL-DEMO-3 - María Fernanda García"]
        assert closed.properties["hs_pipeline_stage"] == "4"
        assert closed.properties["closed_date"] and not closed.properties[
            "escalate_last_client_update"]
        stale = by_subject["POL-DEMO-1 - Ana López"]
        _, _, agent = call(practice, "GET", "/crm/v3/owners?email=ana.agente@aseguradora.example")
        _, _, read = call(practice, "GET",
                          f"/crm/v3/objects/tickets/{stale.id}?properties=escalate_agent")
        assert read["properties"]["escalate_agent"] == agent["results"][0]["id"]
        assert stale.created_at.timestamp() < time.time() - 48 * 3600
        assert practice.ticket(stale.id).associations["contacts"].results[0].id == "1001"
        # the practice portal is one `setup` prepared: incidents' labels too
        _, _, labels = call(practice, "GET", "/crm/associations/2026-09/tickets/tickets/labels")
        assert {r["label"] for r in labels["results"]} >= {"Incidente", "Cliente afectado"}
        practice.control("POST", "reset", {})
        assert len(practice.tickets()) == 4
    finally:
        demo.stop()
    escalate_sandbox.reset(tmp_path / "demo")
    again = escalate_sandbox.start(tmp_path / "demo", per_10s=0)
    try:
        assert Sandbox(again).tickets() == []
    finally:
        again.stop()


def test_a_sandbox_folder_from_before_schema_versions_is_migrated(tmp_path: Path):
    folder = tmp_path / "old"
    folder.mkdir()
    db = sqlite3.connect(folder / "hubspot.sqlite3")
    from escalate_sandbox.migrations import _v1

    _v1(db)  # the schema as the first sandbox made it, user_version 0
    db.execute("INSERT INTO meta VALUES ('seeded', '1')")
    db.execute("INSERT INTO properties SELECT 'tickets', 'subject', '{}'")
    db.execute("INSERT INTO objects (id, type, props, created_at, updated_at)"
               " VALUES (1500, 'tickets', '{\"subject\": \"antiguo\"}', 1, 1)")
    db.commit()
    db.close()
    from escalate_sandbox.migrations import SCHEMA_VERSION
    from escalate_sandbox.store import Store

    store = Store(folder)
    try:
        row = store.get("tickets", 1500)
        assert row is not None and row.props["subject"] == "antiguo"
        with store.read() as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    finally:
        store.close()
