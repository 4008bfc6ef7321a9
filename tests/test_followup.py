"""`followup` and `contacted` against the sandbox: who is owed a call, in few requests."""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from .conftest import ANA, Cli, Sandbox, with_option

HOUR_MS = 3_600_000


def ago_ms(hours: float) -> str:
    return str(int((time.time() - hours * 3600) * 1000))


def create_at(cli: Cli, hours_ago: float, policy: str) -> str:
    moment = (datetime.now(timezone.utc) - timedelta(hours=hours_ago)).isoformat()
    result = cli("create", *with_option(ANA, "--poliza", policy), "--fecha", moment, "--json",
                 "--no-input")
    assert result.code == 0, result.err
    return str(result.json()["id"])


def update(sandbox: Sandbox, ticket_id: str, **props: str) -> None:
    sandbox.client.crm.tickets.basic_api.update(
        ticket_id, simple_public_object_input={"properties": props})


def batch_create(sandbox: Sandbox, count: int, hours_ago: float = 72) -> None:
    """Overdue tickets straight through the sandbox's batch API, each on a seed contact."""
    base = int((time.time() - hours_ago * 3600) * 1000)
    for start in range(0, count, 100):
        inputs = [{
            "properties": {"subject": f"POL-{i} - Cliente", "hs_pipeline": "0",
                           "hs_pipeline_stage": "2", "hs_ticket_priority": "MEDIUM",
                           "createdate": str(base - i * 1000), "escalate_policy": f"POL-{i}"},
            "associations": [{"to": {"id": str(1001 + i % 6)}, "types": [
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 16}]}],
        } for i in range(start, min(count, start + 100))]
        request = urllib.request.Request(
            f"{sandbox.url}/crm/v3/objects/tickets/batch/create",
            data=json.dumps({"inputs": inputs}).encode(), method="POST",
            headers={"Authorization": "Bearer sandbox", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            assert answer.status == 201


def test_followup_lists_exactly_the_clients_owed_a_call_and_contacted_clears_one(
        cli: Cli, sandbox: Sandbox):
    stale = create_at(cli, 72, "POL-1")
    create_at(cli, 12, "POL-2")
    closed = create_at(cli, 72, "POL-3")
    update(sandbox, closed, hs_pipeline_stage="4")
    informed = create_at(cli, 72, "POL-4")
    update(sandbox, informed, escalate_last_client_update=ago_ms(2))

    result = cli("followup", "--json")
    assert result.code == 0, result.err
    rows = result.json()
    assert [(r["id"], r["reason"]) for r in rows] == [
        (stale, "sin_resolver"), (closed, "resuelto_sin_avisar")] or [
        (r["id"], r["reason"]) for r in rows] == [
        (closed, "resuelto_sin_avisar"), (stale, "sin_resolver")]
    by_id = {r["id"]: r for r in rows}
    assert by_id[stale]["contact"]["phone"] == "+52 55 1234 5678"
    assert by_id[stale]["priority"] == "ALTA"
    assert by_id[stale]["hours_waiting"] >= 72
    assert set(by_id[stale]) == {"id", "subject", "priority", "reason", "hours_waiting",
                                 "calendar_hours_waiting", "business_hours", "created_at",
                                 "last_client_update", "url", "contact", "agent", "owner",
                                 "contacts", "flags"}
    assert by_id[stale]["contacts"] == 1 and by_id[stale]["flags"] == []
    assert by_id[stale]["business_hours"] is False  # no policy file: every hour counts
    assert by_id[stale]["calendar_hours_waiting"] == by_id[stale]["hours_waiting"]
    assert by_id[stale]["agent"] is None  # no ESCALATE_AGENT: the ticket records no agent

    done = cli("contacted", stale, "--nota", "Se informó que el equipo trabaja en el endoso",
               "--canal", "telefono")
    assert done.code == 0, done.err
    ticket = sandbox.ticket(stale)
    assert ticket.properties["escalate_last_client_update"]
    [note] = sandbox.notes_of(stale)
    assert "Seguimiento al cliente" in note["hs_note_body"]
    assert "Teléfono" in note["hs_note_body"]
    assert note["associations"]["contacts"].results
    assert [r["id"] for r in cli("followup", "--json").json()] == [closed]


def test_each_row_names_the_tickets_agent_and_owner_in_json_csv_and_the_table(
        cli: Cli, sandbox: Sandbox):
    stale = create_at(cli, 72, "POL-1")
    update(sandbox, stale, hubspot_owner_id="9005", escalate_agent="9002")
    [row] = cli("seguimiento", "--todos", "--json").json()
    assert row["owner"] == {"id": "9005", "email": "tech-lead@aseguradora.example"}
    assert row["agent"] == {"id": "9002", "email": "ana.agente@aseguradora.example"}
    [line] = csv.DictReader(io.StringIO(cli("seguimiento", "--todos", "--csv").out))
    assert (line["owner_id"], line["owner_email"], line["agent_email"]) == (
        "9005", "tech-lead@aseguradora.example", "ana.agente@aseguradora.example")
    shown = cli("seguimiento", "--todos").out
    assert "agente: Ana M" in shown and "dueño: Jorge" in shown, shown


def test_most_overdue_first_and_the_priority_filter(cli: Cli, sandbox: Sandbox):
    older = create_at(cli, 100, "POL-10")
    newer = create_at(cli, 60, "POL-11")
    update(sandbox, newer, hs_ticket_priority="URGENT")
    assert [r["id"] for r in cli("followup", "--json").json()] == [older, newer]
    urgent = cli("followup", "--prioridad", "urgente", "--json").json()
    assert [r["id"] for r in urgent] == [newer]
    assert [r["id"] for r in cli("followup", "--horas", "80", "--json").json()] == [older]


def test_csv_has_stable_columns_and_a_row_per_ticket(cli: Cli, sandbox: Sandbox):
    stale = create_at(cli, 72, "POL-20")
    result = cli("followup", "--csv")
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert [r["id"] for r in rows] == [stale]
    # OWASP's quote before a leading «+»: a spreadsheet shows the phone as text, with its +.
    assert rows[0]["contact_phone"] == "'+52 55 1234 5678" and rows[0]["reason"] == "sin_resolver"
    assert rows[0]["business_hours"] == "false"  # as the JSON says it, not Python's False


def test_the_table_shows_the_phone_and_a_summary_and_nothing_owed_is_friendly(
        cli: Cli, sandbox: Sandbox):
    assert "al día" in cli("followup").out
    create_at(cli, 30, "POL-30")  # due within 24 h
    stale = create_at(cli, 76, "POL-31")
    table = cli("followup").out
    assert stale in table and "+52 55 1234 5678" in table and "hace 3 d 4 h" in table
    assert "1 sin resolver · 0 resueltos sin avisar · 1 vence en las próximas 24 h" in table


def test_the_table_fits_80_columns_with_the_phone_whole_and_its_right_border(
        cli: Cli, sandbox: Sandbox):
    moment = (datetime.now(timezone.utc) - timedelta(hours=60)).isoformat()
    urgent = with_option(with_option(ANA, "--poliza", "POL-32"), "--prioridad", "URGENTE")
    assert cli("create", *urgent, "--fecha", moment, "--no-input").code == 0
    # the area code in parentheses, as agents type it into HubSpot: 18 characters, whole
    sandbox.client.crm.contacts.basic_api.update(
        "1001", simple_public_object_input={"properties": {"phone": "+52 (222) 555 0101"}})
    lines = cli("followup", "--todos").out.splitlines()
    table = [line for line in lines if line[:1] in "┏┃┡│├└"]
    assert table and all(len(line) <= 80 for line in lines)
    assert all(line.rstrip()[-1] in "┓┃┩│┤┘" for line in table)  # nothing cropped
    assert any("+52 (222) 555 0101" in line for line in table)
    # the client's email whole on its line (beside an 18-character phone column it was
    # folded letter by letter), the phone in bold under the name
    assert any("ana.lopez@example.com" in line for line in table)
    assert "Teléfono" not in table[1]


def test_a_wide_terminal_gives_the_phone_its_column_and_the_ticket_its_subject(
        cli: Cli, monkeypatch: pytest.MonkeyPatch):
    moment = (datetime.now(timezone.utc) - timedelta(hours=60)).isoformat()
    assert cli("create", *with_option(ANA, "--poliza", "POL-33"), "--fecha", moment,
               "--no-input").code == 0
    monkeypatch.setenv("COLUMNS", "140")  # rich reads the terminal's width from it
    lines = [line for line in cli("followup").out.splitlines() if line[:1] in "┏┃┡│├└"]
    assert all(len(line) <= 140 for line in lines)
    assert "Teléfono" in lines[1]
    first = next(line for line in lines if "Ana López" in line)
    assert "+52 55 1234 5678" in first  # the phone beside the name, in its own column
    assert any("POL-33 - Ana López" in line for line in lines)  # the subject uncut


def test_contacted_on_a_missing_ticket_exits_3_and_writes_nothing(cli: Cli, sandbox: Sandbox):
    result = cli("contacted", "424242", "--nota", "hola")
    assert result.code == 3
    assert sandbox.writes() == []
    missing_note = cli("contacted", "424242")
    assert missing_note.code == 2 and "--nota" in missing_note.err


def test_250_overdue_tickets_take_at_most_12_requests(cli: Cli, sandbox: Sandbox):
    batch_create(sandbox, 250)
    sandbox.forget_requests()
    result = cli("followup", "--json")
    assert result.code == 0, result.err
    rows = result.json()
    assert len(rows) == 250 and all(r["contact"]["phone"] or r["contact"]["email"] for r in rows)
    log = sandbox.requests()
    assert len(log) <= 12, [r["path"] for r in log]
    assert not any(r["path"].startswith("/crm/objects/2026-09/tickets/") and
                   r["path"].split("/")[-1].isdigit() for r in log)  # no per-ticket reads


def test_more_matching_tickets_than_search_can_page_are_all_listed(
        cli: Cli, sandbox: Sandbox, low_search_cap: int):
    # HubSpot's 10,000-result limit, lowered to 1,000 (benchmarks/requests.py --big: 10,500)
    count = low_search_cap + low_search_cap // 20
    batch_create(sandbox, count)
    sandbox.forget_requests()
    result = cli("followup", "--json")
    assert result.code == 0, result.err
    assert len({r["id"] for r in result.json()}) == count
    searches = [r for r in sandbox.requests() if r["path"].endswith("/search")]
    assert all(r["status"] == 200 for r in searches)


def test_a_call_recorded_a_second_ago_is_never_listed_under_search_lag(cli: Cli,
                                                                       sandbox: Sandbox):
    now = int(time.time() * 1000)
    records = [{"properties": {"subject": f"POL-L{i} - Ana López", "hs_pipeline": "0",
                               "hs_pipeline_stage": "2", "hs_ticket_priority": "HIGH",
                               "escalate_policy": f"POL-L{i}"},
                "created_at": now - 72 * HOUR_MS - i * 1000,
                "associations": {"contacts": ["1001"]}} for i in range(2)]
    called, waiting = [str(i) for i in sandbox.control(
        "POST", "history", {"object": "tickets", "records": records})["ids"]]
    sandbox.control("POST", "search_lag", {"ms": 5000})
    assert cli("contacted", called, "--nota", "Se le informó").code == 0
    sandbox.forget_requests()
    rows = cli("followup", "--json").json()
    assert [r["id"] for r in rows] == [waiting]
    log = [r["path"] for r in sandbox.requests()]
    assert "/crm/objects/2026-09/tickets/batch/read" in log  # confirmed by a consistent read


# -- the listing as it streams ------------------------------------------------------------

def mixed_owed(count: int) -> list[dict[str, object]]:
    """Owed calls whose clocks start at creation, at a later client update, or at a close,
    so the most overdue are not simply the oldest created."""
    now = int(time.time() * 1000)
    records: list[dict[str, object]] = []
    for i in range(count):
        created = now - (60 + (i * 7919) % 400) * HOUR_MS - i * 1000
        changes = []
        if i % 3 == 1:  # a client update after creation, itself long ago
            changes.append({"at": created + 5 * HOUR_MS,
                            "properties": {"escalate_last_client_update": str(created + 5
                                                                               * HOUR_MS)}})
        if i % 3 == 2 and (now - created) < 25 * 24 * HOUR_MS:  # closed, client not told
            changes.append({"at": created + HOUR_MS, "properties": {"hs_pipeline_stage": "4"}})
        records.append({"properties": {"subject": f"POL-M{i} - Cliente", "hs_pipeline": "0",
                                       "hs_pipeline_stage": "2", "hs_ticket_priority": "MEDIUM",
                                       "escalate_policy": f"POL-M{i}"},
                        "created_at": created, "changes": changes,
                        "associations": {"contacts": [str(1001 + i % 6)]}})
    return records


def test_rows_come_most_overdue_first_across_search_windows_exactly(
        cli: Cli, sandbox: Sandbox, low_search_cap: int):
    records = mixed_owed(1_500)
    sandbox.control("POST", "history", {"object": "tickets", "records": records})
    sandbox.control("POST", "latency", {"delay_ms": 250})  # several windows at once
    rows = cli("followup", "--todos", "--json").json()
    assert len(rows) == len({r["id"] for r in rows}) == 1_500
    assert [r["id"] for r in rows] == [r["id"] for r in sorted(
        rows, key=lambda r: (-r["hours_waiting"], r["id"]))]
    assert {r["reason"] for r in rows} == {"sin_resolver", "resuelto_sin_avisar"}
    searches = [r for r in sandbox.requests() if r["path"].endswith("/search")]
    assert all(r["status"] == 200 for r in searches)


def test_the_first_rows_are_written_before_the_search_ends(cli: Cli, sandbox: Sandbox):
    import subprocess
    import sys

    cli("followup", "--prioridad", "BAJA", "--json")  # the portal cached, nothing to read
    batch_create(sandbox, 1_600)  # 8 pages: at 5 searches a second, over 1.4 s of searching
    sandbox.control("POST", "latency", {"delay_ms": 100})
    sandbox.forget_requests()
    env = {**cli.environ, "PATH": ""}
    with subprocess.Popen([sys.executable, "-m", "escalate", "followup", "--csv"], env=env,
                          cwd=cli.cwd, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        process.stdout.readline()  # the header
        first = process.stdout.readline()
        first_row = time.time()
        rest = process.stdout.read().splitlines()
    assert process.returncode == 0 and len(rest) == 1_599
    hours = [float(line.split(",")[4]) for line in [first, *rest]]
    assert hours == sorted(hours, reverse=True)  # the most overdue first
    searches = [r for r in sandbox.requests() if r["path"].endswith("/search")]
    assert first_row < max(r["started_at"] for r in searches)  # out while the search paged
