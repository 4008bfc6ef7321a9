"""`escalate bump` against the sandbox: one level at a time, once, with a note; the time at a
level read from HubSpot's property history; a portal without the next level refused."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import Cli, Sandbox

HOUR_MS = 3_600_000
POLICY = "[bump]\nafter_hours = { BAJA = 72, MEDIA = 48, ALTA = 24 }\n"


def ago(hours: float) -> str:
    return str(int(time.time() * 1000 - hours * HOUR_MS))


def seed(sandbox: Sandbox, *tickets: dict[str, Any]) -> list[str]:
    """Tickets with a past through `/_sandbox/history`: each a priority, hours since creation,
    and optionally a stage and `(hours ago, properties)` changes."""
    records = []
    for n, item in enumerate(tickets):
        properties = {"subject": f"POL-{n} - Cliente {n}", "hs_pipeline": "0",
                      "hs_pipeline_stage": item.get("stage", "2"),
                      "hs_ticket_priority": item["priority"]}
        records.append({"properties": properties, "created_at": ago(item["created"]),
                        "associations": {"contacts": [str(1001 + n % 6)]},
                        "changes": [{"at": ago(h), "properties": p}
                                    for h, p in item.get("changes", [])]})
    return list(sandbox.control("POST", "history", {"object": "tickets",
                                                    "records": records})["ids"])


def with_policy(cli: Cli, text: str = POLICY) -> None:
    (cli.cwd / "escalate.toml").write_text(text, encoding="utf-8")


def priority_of(sandbox: Sandbox, ticket_id: str) -> str:
    return str(sandbox.ticket(ticket_id).properties["hs_ticket_priority"])


def note_texts(sandbox: Sandbox, ticket_id: str) -> list[str]:
    return [re.sub(r"<[^>]+>", " ", n["hs_note_body"]) for n in sandbox.notes_of(ticket_id)]


def read_in_batches(sandbox: Sandbox, object_type: str, ids: list[str],
                    name: str) -> dict[str, str]:
    """One property of each object as HubSpot holds it, a hundred per batch read (a
    thousand one-by-one reads made the scenarios below wait on the test's own checks)."""
    found: dict[str, str] = {}
    for start in range(0, len(ids), 100):
        answer = sandbox.api("POST", f"/crm/objects/2026-09/{object_type}/batch/read", {
            "inputs": [{"id": i} for i in ids[start:start + 100]], "properties": [name]})
        found |= {o["id"]: o["properties"][name] for o in answer["results"]}
    return found


def priorities(sandbox: Sandbox, ids: list[str]) -> dict[str, str]:
    return read_in_batches(sandbox, "tickets", ids, "hs_ticket_priority")


def notes_by_ticket(sandbox: Sandbox, ids: list[str]) -> dict[str, list[str]]:
    """Each ticket's notes' texts, read in batches: the associations, then the notes."""
    linked: dict[str, list[str]] = {i: [] for i in ids}
    for start in range(0, len(ids), 1_000):
        answer = sandbox.api("POST", "/crm/associations/2026-09/tickets/notes/batch/read", {
            "inputs": [{"id": i} for i in ids[start:start + 1_000]]})
        for result in answer["results"]:
            assert "paging" not in result  # a handful of notes each, never a second page
            linked[result["from"]["id"]] = [str(t["toObjectId"]) for t in result["to"]]
    bodies = read_in_batches(sandbox, "notes", [n for notes in linked.values() for n in notes],
                             "hs_note_body")
    return {t: [re.sub(r"<[^>]+>", " ", bodies[n]) for n in notes]
            for t, notes in linked.items()}


def test_bump_raises_each_ticket_due_one_level_once_with_a_note_and_is_idempotent(
        cli: Cli, sandbox: Sandbox):
    with_policy(cli)
    low, restarted, high, urgent, closed, young, medium = seed(
        sandbox,
        {"priority": "LOW", "created": 100.5},
        # created long ago, but MEDIA only for 10 h: its time at the level restarted then
        {"priority": "LOW", "created": 100, "changes": [(10, {"hs_ticket_priority": "MEDIUM"})]},
        {"priority": "HIGH", "created": 30.5},
        {"priority": "URGENT", "created": 200},
        {"priority": "MEDIUM", "created": 100, "stage": "4"},
        {"priority": "LOW", "created": 50},
        {"priority": "MEDIUM", "created": 49.5},
    )
    sandbox.forget_requests()
    result = cli("bump", "--json")
    assert result.code == 0, result.err
    answer = result.json()
    raised = {r["id"]: r for r in answer["raised"]}
    assert set(raised) == {low, high, medium}
    assert (raised[low]["from"], raised[low]["to"]) == ("BAJA", "MEDIA")
    assert (raised[medium]["from"], raised[medium]["to"]) == ("MEDIA", "ALTA")
    assert (raised[high]["from"], raised[high]["to"]) == ("ALTA", "URGENTE")
    assert {t: priority_of(sandbox, t) for t in (low, restarted, high, urgent, closed, young,
                                                 medium)} == {
        low: "MEDIUM", restarted: "MEDIUM", high: "URGENT", urgent: "URGENT",
        closed: "MEDIUM", young: "LOW", medium: "HIGH"}
    assert any("Prioridad subida de MEDIA a ALTA: 49 h sin resolver" in t
               for t in note_texts(sandbox, medium))
    assert any("Prioridad subida de BAJA a MEDIA: 100 h sin resolver" in t
               for t in note_texts(sandbox, low))
    assert note_texts(sandbox, restarted) == [] and note_texts(sandbox, young) == []
    writes = [(w["method"], w["path"]) for w in sandbox.writes()]
    assert writes == [("POST", "/crm/objects/2026-09/tickets/batch/update"),
                      ("POST", "/crm/objects/2026-09/notes/batch/create")]

    sandbox.forget_requests()
    again = cli("bump", "--json")
    assert again.code == 0, again.err
    assert again.json()["raised"] == [] and sandbox.writes() == []
    assert len(note_texts(sandbox, medium)) == 1
    said = cli("bump").out  # «none of the 0 tickets checked» said nothing true
    assert "Nada que subir" in said and "de los 0 ticket" not in said


def test_the_time_at_a_level_comes_from_the_priority_history(cli: Cli, sandbox: Sandbox):
    with_policy(cli)
    back_down, raised_long_ago, rewritten = seed(
        sandbox,
        # LOW, then MEDIUM, then LOW again 5 h ago: LOW for 5 h only
        {"priority": "LOW", "created": 300, "changes": [(200, {"hs_ticket_priority": "MEDIUM"}),
                                                        (5, {"hs_ticket_priority": "LOW"})]},
        # MEDIUM since 60 h ago (from LOW): due at MEDIA's 48 h
        {"priority": "LOW", "created": 300, "changes": [(60, {"hs_ticket_priority": "MEDIUM"})]},
        # MEDIUM written again (same value) 10 h ago: no change, still 80 h at MEDIA
        {"priority": "MEDIUM", "created": 80, "changes": [(10, {"hs_ticket_priority": "MEDIUM"})]},
    )
    result = cli("bump", "--json")
    assert result.code == 0, result.err
    raised = {r["id"]: r for r in result.json()["raised"]}
    assert set(raised) == {raised_long_ago, rewritten}
    assert 59.9 < raised[raised_long_ago]["hours_at_level"] < 60.5
    assert 79.9 < raised[rewritten]["hours_at_level"] < 80.5
    assert priority_of(sandbox, back_down) == "LOW"


def test_dry_run_shows_the_plan_and_changes_nothing(cli: Cli, sandbox: Sandbox):
    with_policy(cli)
    [ticket] = seed(sandbox, {"priority": "HIGH", "created": 30})
    sandbox.forget_requests()
    shown = cli("subir", "--simular")
    assert shown.code == 0, shown.err
    assert ticket in shown.out and "ALTA" in shown.out and "URGENTE" in shown.out
    assert "Simulación" in shown.out
    planned = cli("bump", "--dry-run", "--json").json()
    assert planned["dry_run"] is True and [r["id"] for r in planned["raised"]] == [ticket]
    assert sandbox.writes() == [] and priority_of(sandbox, ticket) == "HIGH"


def test_without_a_bump_section_there_is_nothing_to_do_and_nothing_is_sent(
        cli: Cli, sandbox: Sandbox):
    seed(sandbox, {"priority": "LOW", "created": 500})
    sandbox.forget_requests()
    result = cli("bump")
    assert result.code == 0 and "Nada que hacer" in result.out
    with_policy(cli, "[followup]\nhours = { URGENTE = 4 }\n")
    result = cli("bump", "--json")
    assert result.code == 0 and result.json()["configured"] is False
    assert sandbox.requests() == []


def test_a_bad_policy_exits_2_naming_the_line_and_sends_nothing(cli: Cli, sandbox: Sandbox):
    with_policy(cli, "[bump]\n# URGENTE ya es el máximo\nafter_hours = { BAJA = 72, URGENT = 4 }\n")
    sandbox.forget_requests()
    result = cli("bump")
    assert result.code == 2
    assert "escalate.toml, línea 3" in result.err and "URGENTE" in result.err
    assert sandbox.requests() == []


def test_a_portal_without_the_next_levels_option_is_refused_naming_it(
        cli: Cli, sandbox: Sandbox, tmp_path: Path):
    with_policy(cli)
    [ticket] = seed(sandbox, {"priority": "HIGH", "created": 30})
    with sqlite3.connect(tmp_path / "hubspot" / "hubspot.sqlite3") as db:
        (raw,) = db.execute("SELECT def FROM properties WHERE type = 'tickets' AND "
                            "name = 'hs_ticket_priority'").fetchone()
        definition = json.loads(raw)
        definition["options"] = [o for o in definition["options"] if o["value"] != "URGENT"]
        db.execute("UPDATE properties SET def = ? WHERE type = 'tickets' AND "
                   "name = 'hs_ticket_priority'", (json.dumps(definition),))
        # as the sandbox records any schema change, so that it reads the definitions again
        db.execute("INSERT INTO meta VALUES ('schema', '1') ON CONFLICT (key)"
                   " DO UPDATE SET value = CAST(value AS INTEGER) + 1")
    sandbox.forget_requests()
    result = cli("bump")
    assert result.code == 3
    assert "URGENTE (URGENT)" in result.err
    assert sandbox.writes() == [] and priority_of(sandbox, ticket) == "HIGH"


def test_250_due_tickets_are_raised_and_noted_100_per_request(cli: Cli, sandbox: Sandbox):
    with_policy(cli)
    ids = seed(sandbox, *({"priority": "MEDIUM", "created": 60 + i / 100} for i in range(250)))
    sandbox.forget_requests()
    result = cli("bump", "--json")
    assert result.code == 0, result.err
    assert {r["id"] for r in result.json()["raised"]} == set(ids)
    assert len(result.json()["notes"]) == 250
    writes = [w["path"] for w in sandbox.writes()]
    assert writes.count("/crm/objects/2026-09/tickets/batch/update") == 3
    assert writes.count("/crm/objects/2026-09/notes/batch/create") == 3
    paths = [r["path"] for r in sandbox.requests()]
    # history reads take 50 tickets each (HubSpot refuses more)
    assert paths.count("/crm/objects/2026-09/tickets/batch/read") == 5
    # after each hundred notes, the tickets' notes looked at again (another run at the same
    # moment may have noted the same raise): nothing else there, so nothing more is read
    assert paths.count("/crm/associations/2026-09/tickets/notes/batch/read") == 3
    assert "/crm/objects/2026-09/notes/batch/read" not in paths


@pytest.mark.usefixtures("hubspot_search_limit")
def test_a_second_bump_at_once_under_search_lag_raises_nothing(cli: Cli, sandbox: Sandbox):
    with_policy(cli)
    [ticket] = seed(sandbox, {"priority": "MEDIUM", "created": 60})
    sandbox.control("POST", "search_lag", {"ms": 60_000})
    assert [r["id"] for r in cli("bump", "--json").json()["raised"]] == [ticket]
    again = cli("bump", "--json")  # search still finds it at MEDIA, raised an hour ago
    assert again.code == 0 and again.json()["raised"] == []
    assert priority_of(sandbox, ticket) == "HIGH"
    assert len(note_texts(sandbox, ticket)) == 1


def test_a_ticket_deleted_while_bump_runs_is_neither_raised_nor_noted(
        cli: Cli, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch):
    from escalate.gateway import Gateway

    with_policy(cli)
    kept, deleted = seed(sandbox, {"priority": "MEDIUM", "created": 60},
                         {"priority": "MEDIUM", "created": 61})
    update = Gateway.update_tickets

    def someone_deletes_one_first(self: Gateway, changes: Any) -> list[str]:
        sandbox.client.crm.tickets.basic_api.archive(deleted)  # in HubSpot, meanwhile
        return update(self, changes)

    monkeypatch.setattr(Gateway, "update_tickets", someone_deletes_one_first)
    result = cli("bump", "--json")
    assert result.code == 0, result.err
    assert [r["id"] for r in result.json()["raised"]] == [kept]
    assert len(result.json()["notes"]) == 1 and len(note_texts(sandbox, kept)) == 1


def test_when_the_notes_fail_the_raised_tickets_are_named(cli: Cli, sandbox: Sandbox):
    with_policy(cli)
    [ticket] = seed(sandbox, {"priority": "HIGH", "created": 30})
    sandbox.fault(method="POST", path_prefix="/crm/objects/2026-09/notes/batch/create", times=1,
                  status=400)
    result = cli("bump")
    assert result.code == 3, result.err
    assert f"ya se subió en 1 ticket(s) ({ticket})" in result.err
    assert priority_of(sandbox, ticket) == "URGENT" and note_texts(sandbox, ticket) == []
    again = cli("bump", "--json")
    assert again.code == 0 and again.json()["raised"] == []


def test_the_plan_at_80_columns_breaks_no_word_and_wraps_the_subject(cli: Cli,
                                                                      sandbox: Sandbox):
    with_policy(cli)
    subject = ("POL-2026-000123 - María Fernanda Gutiérrez de la Garza - El endoso no guarda "
               "el cambio de placa")
    [ticket] = list(sandbox.control("POST", "history", {"object": "tickets", "records": [{
        "properties": {"subject": subject, "hs_pipeline": "0", "hs_pipeline_stage": "2",
                       "hs_ticket_priority": "HIGH"},
        "created_at": ago(30.5), "associations": {"contacts": ["1001"]}}]})["ids"])
    shown = cli("subir", "--simular", environ={"COLUMNS": "80"})
    assert shown.code == 0, shown.err
    lines = shown.out.splitlines()
    assert max(len(line) for line in lines) <= 80
    cells = [c.strip() for line in lines for c in re.split(r"[│┃]", line)]
    # Each short value is whole in its cell, never split across two lines.
    for word in (str(ticket), "ALTA", "URGENTE", "30 h", "Ticket", "Asunto"):
        assert word in cells, word
    words = " ".join(c for c in cells if c).split()
    for word in subject.split():
        assert word in words, word  # the subject wraps between its words
    assert priority_of(sandbox, ticket) == "HIGH"


def test_bump_simular_names_each_tickets_owner_and_agent_and_labels_business_hours(
        cli: Cli, sandbox: Sandbox):
    with_policy(cli, POLICY + '[followup.business_hours]\ndays = ["lun", "mar", "mié", '
                              '"jue", "vie"]\nstart = "09:00"\nend = "18:00"\n')
    [ticket] = seed(sandbox, {"priority": "LOW", "created": 30 * 24.0 + 0.5})
    sandbox.client.crm.tickets.basic_api.update(ticket, simple_public_object_input={
        "properties": {"hubspot_owner_id": "9005", "escalate_agent": "9002"}})
    answer = cli("subir", "--simular", "--json").json()
    [raised] = answer["raised"]
    assert raised["owner"] == {"id": "9005", "email": "tech-lead@aseguradora.example"}
    assert raised["agent"] == {"id": "9002", "email": "ana.agente@aseguradora.example"}
    assert raised["business_hours"] is True
    assert abs(raised["calendar_hours_at_level"] - (30 * 24 + 0.5)) < 0.1
    assert raised["hours_at_level"] < raised["calendar_hours_at_level"] / 3
    shown = cli("subir", "--simular").out
    words = re.sub(r"[│┃]", " ", shown).split()
    assert {"Jorge", "Castillo", "Vega", "Ana", "Martínez", "Ruiz"} <= set(words), shown
    assert "hábiles" in words and "calendario)" in words and "Horas en su nivel: hábiles" in (
        shown)
    assert priority_of(sandbox, ticket) == "LOW"  # a simulation changes nothing


@pytest.mark.usefixtures("hubspot_search_limit")
def test_two_bumps_at_once_under_latency_and_lag_leave_one_note_per_raise(
        cli: Cli, sandbox: Sandbox):
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    with_policy(cli)
    ids = seed(sandbox, *({"priority": "MEDIUM", "created": 60 + i / 100} for i in range(120)))
    cli("bump", "--simular")  # the portal cached
    sandbox.control("POST", "latency", {"delay_ms": 250})
    sandbox.control("POST", "search_lag", {"ms": 2000})

    def run(_: int) -> int:
        return subprocess.run([sys.executable, "-m", "escalate", "bump", "--json"],
                              env={**cli.environ, "PATH": ""}, cwd=cli.cwd,
                              capture_output=True, timeout=120).returncode

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(run, range(2))) == [0, 0]
    sandbox.control("POST", "latency", {"delay_ms": 0})
    notes = notes_by_ticket(sandbox, ids)
    assert all(len(found) == 1 and "Prioridad subida de MEDIA a ALTA" in found[0]
               for found in notes.values()), {t: len(n) for t, n in notes.items()}
    assert set(priorities(sandbox, ids).values()) == {"HIGH"}


def test_ctrl_c_says_the_tickets_raised_so_far_each_with_its_note(cli: Cli, sandbox: Sandbox):
    from .conftest import interrupted_once

    with_policy(cli)
    cli("bump", "--simular")  # the portal cached, before there is anything to read
    ids = seed(sandbox, *({"priority": "MEDIUM", "created": 60 + i / 100}
                          for i in range(1_000)))
    sandbox.control("POST", "latency", {"delay_ms": 150})
    sandbox.forget_requests()
    err = interrupted_once(cli, sandbox, ["bump"], "notes/batch/create")
    said = re.search(r"Interrumpido: (\d+) ticket\(s\) subidos", err)
    assert said, err
    sandbox.control("POST", "latency", {"delay_ms": 0})
    held = priorities(sandbox, ids)
    raised = [t for t in ids if held[t] == "HIGH"]
    assert 0 < len(raised) == int(said.group(1)) < 1_000
    notes = notes_by_ticket(sandbox, ids)
    # never one without the other
    assert all(len(notes[t]) == (1 if t in raised else 0) for t in ids)
    rest = cli("bump", "--json").json()
    assert len(rest["raised"]) == 1_000 - len(raised)


def test_of_the_notes_naming_one_raise_the_lowest_id_stays():
    from datetime import datetime, timezone

    from escalate.domain.bump import Raise
    from escalate.domain.priority import Priority

    since = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)
    raised = Raise("7", "POL-7", Priority.MEDIA, Priority.ALTA, since, 60.0)
    ref = f"<small>escalate ref {raised.reference}</small>"
    later = Raise("7", "POL-7", Priority.MEDIA, Priority.ALTA,
                  since.replace(second=1), 60.0)  # raised again after a manual lowering
    notes = [("120", ref), ("95", ref), ("1001", ref), ("80", "otra nota"),
             ("99", f"<small>escalate ref {later.reference}</small>")]
    assert raised.doubled(notes) == ["120", "1001"]  # 95 < 120 < 1001, by number
    assert later.doubled(notes) == []
    assert raised.reference.endswith(str(int(since.timestamp() * 1000)))
