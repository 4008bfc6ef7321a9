"""What a create checks before anything is kept or sent, read back from HubSpot's side:
sensitive data masked (cards, CVV, passwords never; CURP and RFC unless kept or asked for
as an endoso's data), in notes too, and the quality score (its minimum, its JSON, the
`escalate_quality` property)."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

from escalate.domain.sensitive import luhn_valid

from .conftest import ANA, Cli, Sandbox, with_option

CARD = "4111 1111 1111 1111"
CURP = "BOXW310820HNERXN09"
RFC = "GODE561231GR8"
PASSWORD = "Gato#2024"
GOOD = ["--poliza", "POL-3001", "--cliente", "Ana López", "--correo", "ana.lopez@example.com",
        "--prioridad", "ALTA",
        "--que", "Al pagar aparece «Error 504: tiempo agotado» y el cobro no se registra; "
                 "debería confirmar el pago",
        "--como", "Pagos > Tarjeta > Pagar; después se queda cargando",
        "--donde", "App móvil, pantalla de pagos",
        "--cuando", "Hoy a las 10:15",
        ]
LEAKY = with_option(with_option(
    GOOD, "--que", f"El cliente pagó con la tarjeta {CARD} cvv 123 y aparece «Error 504»; "
                   f"su CURP {CURP} no se guarda"),
    "--como", f"Inicia sesión (su contraseña es {PASSWORD}) > Pagos > Pagar; RFC {RFC}")


def leaks(text: str) -> list[str]:
    """Cards (13–19 digits passing Luhn), the CVV, the password, CURP and RFC left in text."""
    found = [run for run in re.findall(r"\d[\d .-]{11,}\d", text)
             if 13 <= len(re.sub(r"\D", "", run)) <= 19 and luhn_valid(re.sub(r"\D", "", run))]
    found += [secret for secret in ("cvv 123", PASSWORD, CURP, RFC) if secret in text]
    return found


def ticket_with(sandbox: Sandbox, ticket_id: str, *names: str) -> dict[str, Any]:
    return dict(sandbox.client.crm.tickets.basic_api.get_by_id(
        ticket_id, properties=["content", *names]).properties)


def test_a_scripted_create_masks_every_card_cvv_password_curp_and_rfc_and_says_so(
        cli: Cli, sandbox: Sandbox):
    result = cli("create", *LEAKY, "--cambio", f"curp={CURP}",
                 "--cambio", f"tarjeta={CARD}", "--json")
    assert result.code == 0, result.err
    content = ticket_with(sandbox, result.json()["id"])["content"]
    # The endoso's own campo=valor keeps the CURP the client asked to change; nothing else
    # (the card in a change included) reaches HubSpot.
    assert leaks(content.replace(f"- curp: {CURP}", "")) == []
    assert f"- curp: {CURP}" in content and "**** **** **** 1111" in content
    assert "Datos sensibles ocultados" in result.err and "--conservar-datos" in result.err
    assert CARD not in result.err and CURP not in result.err.replace(f"curp={CURP}", "")
    masked = result.json()["masked"]
    assert {"field": "what", "kind": "card"} in masked
    assert {"field": "how", "kind": "password"} in masked
    assert {"field": "changes[1]", "kind": "card"} in masked


def test_keep_sensitive_keeps_a_curp_but_never_a_card_or_a_password(cli: Cli,
                                                                    sandbox: Sandbox):
    result = cli("create", *LEAKY, "--conservar-datos", "--json")
    assert result.code == 0, result.err
    content = ticket_with(sandbox, result.json()["id"])["content"]
    assert CURP in content and RFC in content
    assert CARD not in content and PASSWORD not in content and "cvv 123" not in content


def test_what_is_kept_in_the_outbox_is_the_masked_text(cli: Cli, sandbox: Sandbox,
                                                       home: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    offline = cli("create", *LEAKY, environ={"HUBSPOT_BASE_URL": closed})
    assert offline.code == 5
    raw = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    for secret in (CARD, PASSWORD, CURP, RFC):
        assert secret.encode() not in raw
    sent = cli("outbox", "send")
    assert sent.code == 0, sent.err
    [ticket] = sandbox.tickets()
    assert leaks(ticket_with(sandbox, ticket.id)["content"]) == []


def test_masking_that_leaves_que_without_content_is_refused_and_nothing_is_sent(
        cli: Cli, sandbox: Sandbox):
    sandbox.forget_requests()
    result = cli("create", *with_option(GOOD, "--que", f"{CARD} {CURP}"))
    assert result.code == 2
    assert "--que" in result.err and "sin los datos sensibles" in result.err
    assert sandbox.writes() == [] and sandbox.tickets() == []


def test_notes_of_attach_and_contacted_are_masked_in_hubspot(cli: Cli, sandbox: Sandbox,
                                                            ticket_id: str, tmp_path: Path):
    from .conftest import png_bytes

    shot = tmp_path / "captura.png"
    shot.write_bytes(png_bytes())
    attached = cli("adjuntar", ticket_id, str(shot), "--nota", f"Tarjeta {CARD}, CURP {CURP}")
    assert attached.code == 0, attached.err
    called = cli("contactado", ticket_id, "--nota",
                 f"Se le dijo que su contraseña: {PASSWORD} ya no sirve", "--canal", "telefono")
    assert called.code == 0, called.err
    bodies = " ".join(n["hs_note_body"] for n in sandbox.notes_of(ticket_id))
    assert leaks(bodies) == [] and "**** **** **** 1111" in bodies
    assert "Datos sensibles ocultados" in attached.err + called.err


def test_keep_sensitive_in_a_note_keeps_a_curp_never_a_card(cli: Cli, sandbox: Sandbox,
                                                             ticket_id: str):
    called = cli("contactado", ticket_id, "--nota", f"CURP {CURP} y tarjeta {CARD}",
                 "--conservar-datos")
    assert called.code == 0, called.err
    bodies = " ".join(n["hs_note_body"] for n in sandbox.notes_of(ticket_id))
    assert CURP in bodies and CARD not in bodies


# -- the quality score ------------------------------------------------------------------


def test_dry_run_json_carries_the_score_its_items_and_what_was_masked(cli: Cli,
                                                                       sandbox: Sandbox):
    sandbox.forget_requests()
    result = cli("create", *LEAKY, "--simular", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert 0 <= data["quality"]["score"] <= 100
    assert {i["item"] for i in data["quality"]["items"]} == {
        "que", "como", "donde", "esperado", "evidencia", "impacto", "cuando", "endoso"}
    assert {"field": "what", "kind": "card"} in data["masked"]
    assert CARD not in data["content"]
    # The score and the scan are local: the only requests are the contact's lookup.
    assert {r["path"].split("/")[4] for r in sandbox.requests()} == {"contacts"}
    assert sandbox.writes() == []


def test_min_quality_refuses_a_poor_escalation_naming_what_is_missing(cli: Cli,
                                                                      sandbox: Sandbox):
    sandbox.forget_requests()
    poor = with_option(with_option(GOOD, "--que", "No funciona el pago"), "--como", "Pagar")
    result = cli("create", *poor, "--calidad-minima", "90")
    assert result.code == 2
    assert "--calidad-minima" in result.err and "CÓMO" in result.err and "QUÉ" in result.err
    assert sandbox.writes() == [] and sandbox.tickets() == []
    assert cli("create", *poor, "--calidad-minima", "101").code == 2


def test_min_quality_lets_a_good_escalation_through_and_the_ticket_holds_its_score(
        cli: Cli, sandbox: Sandbox):
    result = cli("create", *GOOD, "--calidad-minima", "60", "--json")
    assert result.code == 0, result.err
    score = result.json()["quality"]["score"]
    assert score >= 60
    stored = ticket_with(sandbox, result.json()["id"], "escalate_quality")
    assert float(stored["escalate_quality"]) == score


def test_a_portal_set_up_before_the_score_still_creates_tickets_and_doctor_says_so(
        cli: Cli, sandbox: Sandbox):
    store = sandbox.running.app.portal.store
    with store.write() as db:
        db.execute("DELETE FROM properties WHERE type = 'tickets' AND name = ?",
                   ("escalate_quality",))
        store._schema_changed(db)
    result = cli("create", *ANA, "--json")
    assert result.code == 0, result.err
    assert "escalate_quality" not in result.err  # nothing refused, nothing to warn of
    doctor = cli("diagnostico")
    assert "escalate_quality" in doctor.out + doctor.err
    setup = cli("configurar")
    assert setup.code == 0, setup.err
    again = cli("create", *with_option(ANA, "--poliza", "POL-1002"), "--json")
    stored = ticket_with(sandbox, again.json()["id"], "escalate_quality")
    assert stored["escalate_quality"] is not None


def test_a_create_kept_before_the_checks_never_sends_a_card_after_the_upgrade(
        cli: Cli, sandbox: Sandbox, home: Path):
    import uuid

    from escalate.outbox import Entry, Outbox

    entry_id = uuid.uuid4().hex
    escalation = {"escalate_id": entry_id, "policy": "POL-3100", "client_name": "Ana López",
                  "email": "ana.lopez@example.com", "phone": None, "priority": "ALTA",
                  "what": f"Pagó con {CARD} y su CURP {CURP} no se guarda",
                  "how": "Pagos > Pagar", "where": "App", "when": None,
                  "changes": [{"field": "tarjeta", "value": CARD}], "channel": None,
                  "created_at": "2026-11-30T10:00:00+00:00"}
    box = Outbox(home)
    box.put(Entry(entry_id, "create", {"escalation": escalation, "files": [], "version": 1}),
            claim=False)
    box.close()
    sent = cli("outbox", "send")
    assert sent.code == 0, sent.out + sent.err
    [ticket] = sandbox.tickets()
    content = ticket_with(sandbox, ticket.id)["content"]
    assert CARD not in content and "**** **** **** 1111" in content
    assert CURP in content  # the agent's own text otherwise as written then


def test_at_a_terminal_keep_sensitive_records_each_kept_finding_once(cli: Cli,
                                                                    sandbox: Sandbox,
                                                                    home: Path):
    from escalate.outbox import Outbox

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    # Every question takes its default: cards and passwords hidden, then «Enviar»; HubSpot
    # is unreachable, so the escalation stays in the outbox with what was kept and why.
    offline = cli("crear", *LEAKY, "--conservar-datos", keys="\r" * 12,
                  environ={"HUBSPOT_BASE_URL": closed})
    assert offline.code == 5, offline.err
    box = Outbox(home)
    try:
        [entry], _ = box.entries()
    finally:
        box.close()
    kept = [(k["field"], k["kind"], k["reason"]) for k in entry.payload["kept"]]
    assert sorted(kept) == [("how", "rfc", "--conservar-datos"),
                            ("what", "curp", "--conservar-datos")]
