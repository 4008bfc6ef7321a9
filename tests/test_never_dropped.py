"""Never dropped (issue 20, part 7): an escalation refused for what the tool may have cached
is read again and then kept for the agent; what a salvage brings back is checked again
before it is sent, what it loses is named and counted; a row without its fields is
«dañada»; a lease from a clock ahead lapses like any other."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path

import pytest

from escalate.outbox import Entry, Outbox

from .conftest import ANA, Cli, Sandbox, with_option
from .test_edges import PAGE, payload, policies_in, queue, scribble

pytestmark = pytest.mark.usefixtures("private_temp")

TICKETS = "/crm/objects/2026-09/tickets"


def _cached_options(home: Path, keep: set[str]) -> None:
    [cache] = (home / "cache").glob("portal-*.json")
    data = json.loads(cache.read_text())
    data["portal"]["priority_options"] = [o for o in data["portal"]["priority_options"]
                                          if o[0] in keep]
    cache.write_text(json.dumps(data))


def test_a_priority_the_cache_lacks_is_read_again_and_the_ticket_made(
        cli: Cli, sandbox: Sandbox, home: Path):
    assert cli("create", *with_option(ANA, "--poliza", "POL-1"), "--sin-preguntas").code == 0
    _cached_options(home, {"LOW", "MEDIUM"})  # written before the portal added HIGH
    made = cli("create", *ANA, "--sin-preguntas")
    assert made.code == 0, made.err
    assert policies_in_sandbox(sandbox) == ["POL-1", "POL-1001"]


def test_a_priority_the_portal_dropped_keeps_the_escalation_for_the_agent(
        cli: Cli, sandbox: Sandbox, home: Path):
    assert cli("create", *with_option(ANA, "--poliza", "POL-1"), "--sin-preguntas").code == 0
    sandbox.drop_option("tickets", "hs_ticket_priority", "HIGH")  # the cache still has it
    refused = cli("create", *ANA, "--sin-preguntas")
    assert refused.code == 3, refused.err
    assert "no tiene la prioridad ALTA" in refused.err
    assert "create --borrador" in refused.err  # how to take it up
    assert any(r["path"] == "/crm/pipelines/2026-09/tickets" for r in sandbox.requests())
    listing = cli("outbox", "--json").json()
    assert [(i["status"], i["description"]) for i in listing] == [
        ("requiere acción", "POL-1001 - Ana López")]
    entry_id = listing[0]["id"]
    retyped = cli("create", "--borrador", entry_id, "--prioridad", "URGENTE", "--sin-preguntas")
    assert retyped.code == 0, retyped.err
    assert policies_in_sandbox(sandbox) == ["POL-1", "POL-1001"]
    assert cli("outbox", "--json").json() == []


def test_a_stage_the_portal_lacks_keeps_the_escalation_for_the_agent(
        cli: Cli, sandbox: Sandbox):
    refused = cli("create", *ANA, "--sin-preguntas", environ={"ESCALATE_STAGE": "Soporte 3"})
    assert refused.code == 3 and "Soporte 3" in refused.err, refused.err
    [item] = cli("outbox", "--json").json()
    assert item["status"] == "requiere acción" and "Soporte 3" in item["why"]
    assert sandbox.tickets() == []


def policies_in_sandbox(sandbox: Sandbox) -> list[str]:
    return sorted(t.properties["escalate_policy"] for t in sandbox.tickets())


def _flip(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert data.count(old) == 1
    path.write_bytes(data.replace(old, new))


def test_a_salvaged_entry_whose_text_no_longer_validates_waits_and_the_rest_is_sent(
        cli: Cli, sandbox: Sandbox, home: Path):
    policies = queue(home, 12)
    outbox = home / "outbox.sqlite3"
    # One bit of an email flipped («@» is 0x40, «A» 0x41), in the row of Q-001.
    data = bytearray(outbox.read_bytes())
    at = data.index(b"ana.lopez@example.com", data.index(b'"Q-001"'))
    data[at + len("ana.lopez")] = ord("A")
    outbox.write_bytes(bytes(data))
    scribble(outbox, PAGE, PAGE)  # the table's root: the outbox is salvaged
    sent = cli("outbox", "send")
    assert sent.code == 3, sent.out + sent.err
    [line] = [line for line in sent.out.splitlines() if "Q-001" in line]
    assert "requiere acción" in line and "correo" in line
    assert policies_in(sandbox) == [p for p in policies if p != "Q-001"]


def test_a_salvage_names_and_counts_every_escalation_it_lost(cli: Cli, sandbox: Sandbox,
                                                             home: Path):
    policies = queue(home, 12)
    outbox = home / "outbox.sqlite3"
    data = outbox.read_bytes()
    with sqlite3.connect(outbox) as db:
        ids = {p: i for i, p in ((r[0], json.loads(r[1])["escalation"]["policy"]) for r in
                                 db.execute("SELECT id, payload FROM entries"))}
    page = data.index(b"Q-005") // PAGE
    gone = sorted(p for p in policies
                  if data.index(p.encode()) // PAGE == page)
    scribble(outbox, page * PAGE, PAGE)  # a page of rows, gone whole; the index remains
    listing = cli("outbox")
    assert listing.code == 0, listing.err
    said = re.search(r"se recuperaron (\d+) entrada\(s\) y (\d+) no se pudieron leer",
                     listing.err)
    assert said is not None, listing.err
    assert (int(said.group(1)), int(said.group(2))) == (12 - len(gone), len(gone))
    for policy in gone:
        assert ids[policy][:8] in listing.err
    assert cli("outbox", "send").code == 0
    assert policies_in(sandbox) == sorted(set(policies) - set(gone))


def test_a_salvage_names_a_lost_escalation_by_policy_and_client_when_its_row_still_says(
        cli: Cli, sandbox: Sandbox, home: Path):
    queue(home, 12)
    outbox = home / "outbox.sqlite3"
    data = outbox.read_bytes()
    at = data.index(b'"Q-001"')
    cut = data.index(b'"how"', at)  # the rest of the row's JSON becomes garbage
    outbox.write_bytes(data[:cut] + b"\xff\x00{[" * 20 + data[cut + 80:])
    scribble(outbox, PAGE, PAGE)
    listing = cli("outbox")
    assert "se recuperaron 11 entrada(s) y 1 no se pudieron leer" in listing.err
    assert "Q-001 - Ana López" in listing.err


def test_a_row_without_its_fields_is_damaged_and_never_a_crash(cli: Cli, sandbox: Sandbox,
                                                               home: Path):
    queue(home, 1, size=100)
    outbox = Outbox(home)
    outbox.put(Entry("a" * 32, "attach", {"version": 1, "ticket_id": "1007"}), claim=False)
    outbox.put(Entry("b" * 32, "create", {"version": 1, "files": []}), claim=False)
    outbox.close()
    listing = cli("outbox")
    assert listing.code == 0 and listing.err.count("dañada") == 2, listing.err
    assert "falta «files»" in listing.err and "falta «escalation»" in listing.err
    sent = cli("outbox", "send")
    assert sent.code == 0, sent.out + sent.err
    assert "inesperado" not in sent.out + sent.err
    assert policies_in(sandbox) == ["Q-000"]


def test_a_lease_renewed_in_the_future_lapses_its_length_after_it_is_seen(home: Path):
    queue(home, 1, size=100)
    now = [1_000_000.0]
    with sqlite3.connect(home / "outbox.sqlite3") as db:  # another host, its clock 10 days ahead
        db.execute("UPDATE entries SET holder = 'adelantada:1:abcd', owner_pid = 1, "
                   "owner_host = 'adelantada', renewed_at = ?", (now[0] + 10 * 86400,))
    outbox = Outbox(home, clock=lambda: now[0])
    [entry], _ = outbox.entries()
    assert outbox.claim(entry.id) is False  # live for now
    now[0] += 179
    assert outbox.claim(entry.id) is False
    now[0] += 2  # 181 s after it was first seen: lapsed, not 10 days later
    assert outbox.claim(entry.id) is True
    outbox.close()


def test_entries_of_a_healthy_outbox_are_not_salvaged_ones(home: Path):
    outbox = Outbox(home)
    made = payload("Q-9")
    outbox.put(Entry(made["escalation"]["escalate_id"], "create", made), claim=False)
    [entry], _ = outbox.entries()
    assert "salvaged" not in entry.state
    outbox.close()
    assert os.path.exists(home / "outbox.sqlite3")
