"""Delivery has one home: what becomes of each outbox entry is decided in the workflows.

Entries are written through the outbox's own API (as an earlier `create` left them),
then sent with the real CLI against the sandbox.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from escalate.outbox import Entry, Outbox

from .conftest import ANA, Cli, Sandbox

# The fallback folder (the user's temporary folder) belongs to each test only.
pytestmark = pytest.mark.usefixtures("private_temp")


def escalation_payload(email: str, policy: str = "POL-9") -> dict:
    from escalate.domain.escalation import Escalation, Rules

    escalation = Escalation.build({
        "policy": policy, "client_name": "Ana López", "email": email, "priority": "ALTA",
        "what": "No guarda", "how": "Guardar", "where": "Portal web"}, Rules(),
        datetime.now(timezone.utc))
    return {"escalation": escalation.as_json(), "files": []}


def put(home: Path, entry: Entry) -> None:
    outbox = Outbox(home)
    outbox.put(entry, claim=False)
    outbox.close()


def test_a_queued_escalation_is_delivered_after_the_policy_pattern_changes(
        cli: Cli, sandbox: Sandbox, home: Path):
    put(home, Entry(uuid.uuid4().hex, "create", escalation_payload("ana.lopez@example.com",
                                                                   "POL-1001")))
    changed = {"ESCALATE_POLICY_PATTERN": r"^X-\d{6}$"}
    assert cli("create", *ANA, "--sin-preguntas", environ=changed).code == 2  # today's rule
    sent = cli("outbox", "send", environ=changed)
    assert sent.code == 0, sent.out + sent.err
    assert [t.properties["escalate_policy"] for t in sandbox.tickets()] == ["POL-1001"]
    assert cli("outbox").out.startswith("La bandeja de salida está vacía")


def test_an_unversioned_payload_is_read_as_version_1_and_migrated():
    from escalate.workflows.entries import PAYLOAD_VERSION, describe, migrate

    old = Entry("a" * 32, "draft", {"input": {"policy": "POL-1", "client": "Ana López"}})
    new = migrate(old)
    assert new.payload["version"] == PAYLOAD_VERSION
    assert new.payload["input"]["client_name"] == "Ana López"
    assert describe(new) == "borrador: POL-1 - Ana López"
    with pytest.raises(ValueError):
        migrate(Entry("b" * 32, "create", {"version": 99}))


def test_outbox_lists_drafts_apart_and_send_never_sends_them(cli: Cli, sandbox: Sandbox,
                                                             home: Path):
    from escalate.workflows.entries import new_entry

    draft = new_entry("draft", {"input": {"policy": "POL-5", "client_name": "Ana López",
                                          "email": "ana.lopez@example.com"}})
    put(home, draft)
    listing = cli("outbox")
    assert "Borradores" in listing.out and "borrador: POL-5 - Ana López" in listing.out
    assert f"escalate crear --borrador {draft.id[:8]}" in listing.out
    sandbox.forget_requests()
    sent = cli("outbox", "send")
    assert sent.code == 0, sent.out + sent.err
    assert sandbox.requests() == []
    assert [e["status"] for e in cli("outbox", "--json").json()] == ["borrador"]


def test_an_entry_retrying_cannot_fix_requires_action_with_the_commands_that_fix_it(
        cli: Cli, sandbox: Sandbox, home: Path):
    entry = Entry(uuid.uuid4().hex, "create", escalation_payload("nadie@example.com"))
    put(home, entry)
    first = cli("outbox", "send")
    assert first.code == 3
    assert "requiere acción" in first.out
    listing = cli("outbox")
    assert "Requiere acción" in listing.out
    assert f"escalate crear --borrador {entry.id[:8]}" in listing.out
    assert f"escalate bandeja descartar {entry.id[:8]}" in listing.out
    sandbox.forget_requests()
    again = cli("outbox", "send")  # not retried forever
    assert again.code == 3 and sandbox.requests() == []
    dropped = cli("outbox", "drop", entry.id[:8])
    assert dropped.code == 0, dropped.err
    assert cli("outbox").out.startswith("La bandeja de salida está vacía")
    assert sandbox.tickets() == []


def test_outbox_send_goes_on_after_an_unexpected_error_and_exits_with_the_worst(
        cli: Cli, sandbox: Sandbox, home: Path, monkeypatch: pytest.MonkeyPatch):
    import escalate.workflows.ticket as ticket

    first = Entry("1" * 32, "create", escalation_payload("ana.lopez@example.com", "POL-1"),
                  created_at=1.0)
    second = Entry("2" * 32, "create", escalation_payload("ana.lopez@example.com", "POL-2"),
                   created_at=2.0)
    put(home, first)
    put(home, second)
    real = ticket.send_create

    def flaky(escalation, entry, **kwargs):
        if entry.id == first.id:
            raise RuntimeError("algo inesperado")
        return real(escalation, entry, **kwargs)

    monkeypatch.setattr(ticket, "send_create", flaky)
    sent = cli("outbox", "send")
    assert sent.code == 1
    assert "error inesperado" in sent.out and "1 de 2" in sent.out
    assert [t.properties["escalate_policy"] for t in sandbox.tickets()] == ["POL-2"]
    monkeypatch.undo()
    assert cli("outbox", "send").code == 0
    assert sorted(t.properties["escalate_policy"] for t in sandbox.tickets()) == ["POL-1",
                                                                                "POL-2"]


def test_outbox_get_finds_an_entry_by_a_prefix_of_at_least_8_characters(home: Path):
    from escalate.errors import InvalidInput

    outbox = Outbox(home)
    outbox.put(Entry("abcdef0123456789" * 2, "draft", {"version": 1, "input": {}}), claim=False)
    outbox.put(Entry("abcdef0199999999" * 2, "draft", {"version": 1, "input": {}}), claim=False)
    assert outbox.get("ABCDEF0123").id.startswith("abcdef0123")
    for ambiguous_or_short in ("abcdef01", "abc", "zzzzzzzzzz"):
        with pytest.raises(InvalidInput):
            outbox.get(ambiguous_or_short)
    outbox.close()


# -- every past shape of an entry, stored by an older escalate, sent by this one ------------

PAST_SHAPES = Path(__file__).parent / "data" / "outbox_past_shapes.json"


def past_entries(tmp_path: Path, sandbox: Sandbox, cli: Cli) -> list[Entry]:
    """The entries of tests/data/outbox_past_shapes.json, their placeholders filled."""
    import json

    from .conftest import png_bytes

    image = tmp_path / "captura.png"
    image.write_bytes(png_bytes(3))
    made = cli("create", *ANA, "--json")  # the ticket the attach and contacted entries name
    assert made.code == 0, made.err
    values = {"{file}": str(image), "{ticket_id}": made.json()["id"],
              "{contact_id}": made.json()["contact"]["id"],
              "{at}": datetime.now(timezone.utc).replace(microsecond=0).isoformat()}
    text = PAST_SHAPES.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(key, json.dumps(value)[1:-1])
    return [Entry(e["id"], e["kind"], e["payload"], e["state"], created_at=float(n))
            for n, e in enumerate(json.loads(text)["entries"])]


def test_entries_of_every_past_shape_are_sent_once_after_the_upgrade(
        cli: Cli, sandbox: Sandbox, home: Path, tmp_path: Path):
    entries = past_entries(tmp_path, sandbox, cli)
    for entry in entries:
        put(home, entry)
    sent = cli("outbox", "send")
    assert sent.code == 0, sent.out + sent.err
    creates = [e.id for e in entries if e.kind == "create"]
    by_id = {t.properties["escalate_id"]: t for t in sandbox.tickets()}
    assert set(creates) <= set(by_id)  # each create is one ticket
    assert len(by_id) == len(creates) + 1  # and nothing else but the ticket made above
    assert by_id[creates[0]].properties["subject"] == "POL-2201 - Ana López"
    assert "placa: ABC1234" in by_id[creates[0]].properties["content"]
    ticket_id = entries[3].payload["ticket_id"]
    notes = sandbox.notes_of(ticket_id)
    assert any("Pantalla al guardar" in n["hs_note_body"] and n["hs_attachment_ids"]
               for n in notes)  # the attach
    assert any("Se informó el avance" in n["hs_note_body"] for n in notes)  # the contacted
    assert sandbox.ticket(ticket_id).properties["escalate_last_client_update"]
    with_file = sandbox.notes_of(by_id[creates[1]].id)
    assert [bool(n["hs_attachment_ids"]) for n in with_file] == [True]
    # The drafts stay drafts, and each is taken up by --borrador into one ticket.
    assert [e["status"] for e in cli("outbox", "--json").json()] == ["borrador", "borrador"]
    assert cli("outbox", "send").code == 0 and len(sandbox.tickets()) == len(by_id)
    rest = ["--prioridad", "BAJA", "--que", "No llega el correo", "--como", "Esperar",
            "--donde", "Correo", "--sin-preguntas"]
    for draft in (e for e in entries if e.kind == "draft"):
        resumed = cli("create", "--borrador", draft.id[:8], *rest)
        assert resumed.code == 0, resumed.err
    policies = sorted(t.properties["escalate_policy"] for t in sandbox.tickets())
    assert policies == ["POL-1001", "POL-2201", "POL-2202", "POL-2203", "POL-2206",
                        "POL-2207"]
    assert cli("outbox").out.startswith("La bandeja de salida está vacía")


def test_an_entry_from_a_newer_escalate_waits_for_the_agent_and_is_never_sent(
        cli: Cli, sandbox: Sandbox, home: Path):
    entry = Entry("8" * 32, "create", {**escalation_payload("ana.lopez@example.com"),
                                       "version": 99})
    put(home, entry)
    sandbox.forget_requests()
    sent = cli("outbox", "send")
    assert sent.code == 3 and "versión 99" in sent.out
    assert sandbox.requests() == []
    assert [e["status"] for e in cli("outbox", "--json").json()] == ["requiere acción"]


def test_every_kind_is_written_with_its_version_by_new_entry():
    from escalate.workflows.entries import KINDS, PAYLOAD_VERSION, new_entry

    for kind in KINDS:
        assert new_entry(kind, {"x": 1}).payload == {"x": 1, "version": PAYLOAD_VERSION}
    with pytest.raises(ValueError):
        new_entry("unknown", {})


def test_what_each_command_keeps_offline_carries_the_payload_version(
        cli: Cli, sandbox: Sandbox, home: Path, tmp_path: Path):
    import json
    import sqlite3

    from escalate.workflows.entries import PAYLOAD_VERSION

    from .conftest import png_bytes
    from .test_reliability import closed_port

    image = tmp_path / "a.png"
    image.write_bytes(png_bytes(1))
    offline = {"HUBSPOT_BASE_URL": f"http://127.0.0.1:{closed_port()}"}
    for args in (["create", *ANA], ["attach", "1001", str(image)],
                 ["contacted", "1001", "--nota", "Se avisó"]):
        assert cli(*args, environ=offline).code == 5
    with sqlite3.connect(home / "outbox.sqlite3") as db:
        rows = db.execute("SELECT kind, payload FROM entries").fetchall()
    assert sorted(kind for kind, _ in rows) == ["attach", "contacted", "create"]
    assert {json.loads(payload)["version"] for _, payload in rows} == {PAYLOAD_VERSION}
