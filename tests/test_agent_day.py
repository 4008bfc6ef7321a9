"""Issue 23's interactive create on the installed tool, through a real pseudo-terminal: the
right client every time, each problem at its field, reasons under the prompt, twelve
keystrokes, one ticket per draft. Every test reads back what HubSpot holds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .conftest import Sandbox
from .test_interactive import (
    CLEAR_LINE,
    CTRL_C,
    DOWN,
    PASTE_END,
    PASTE_START,
    outbox_entries,
    term,  # noqa: F401 (a fixture)
)

pexpect = pytest.importorskip("pexpect")
pytest.importorskip("pyte")

ENTER = "\r"


def contact_of(sandbox: Sandbox, ticket_id: str) -> str:
    """The email of the one contact HubSpot associates with the ticket."""
    ticket = sandbox.ticket(ticket_id)
    [link] = ticket.associations["contacts"].results
    return str(sandbox.client.crm.contacts.basic_api.get_by_id(
        link.id, properties=["email"]).properties["email"])


def sent(t: Any, sandbox: Sandbox) -> Any:
    code, shown = t.finish()
    assert code == 0, shown
    [ticket] = sandbox.tickets()
    return ticket


def from_how(t: Any, *, how: str = "Pólizas > Ver", where: str = "Web",
             review: str | None = ENTER) -> None:
    """CÓMO to the review, one Enter each (nothing in the text speaks of a change of data),
    then `review` sent at the review (None: stop before it)."""
    t.answer("CÓMO pasó", how + ENTER)
    t.answer("DÓNDE", where + ENTER)
    t.answer("CUÁNDO", ENTER)
    t.answer("canal", ENTER)
    t.answer("Adjuntos", ENTER)
    if review is not None:
        t.answer("Qué hacemos", review)


def start_form(t: Any, policy: str, client: str, contact: str, priority: str = "2") -> None:
    """The first four answers (the priority by its key: 2 is ALTA)."""
    t.answer("Número de póliza", policy + ENTER)
    t.answer("Nombre completo", client + ENTER)
    t.answer("Correo o teléfono", contact + ENTER)
    t.answer("primera que aplique", priority)


def rest_of_form(t: Any) -> None:
    """QUÉ to the review."""
    t.answer("QUÉ pasa", "No carga la póliza" + ENTER)
    from_how(t, review=None)


# -- 1. the right client ------------------------------------------------------------------

@pytest.mark.parametrize(("client", "email"), [("Ramón Ortega", "ramon.ortega@example.com"),
                                               ("Lucía Ortega", "lucia.ortega@example.com")])
def test_a_shared_phone_asks_next_with_the_client_named_preselected(
        term: Any, sandbox: Sandbox, client: str, email: str):  # noqa: F811 (the fixture)
    t = term(command="crear")
    start_form(t, "POL-90", client, "222 555 0101", "3")  # MEDIA
    shown = t.answer("varios contactos", ENTER)  # the habitual Enter: the one named
    assert "QUÉ pasa" not in shown  # the chooser comes before the next question
    rest_of_form(t)
    review = t.answer("Qué hacemos", ENTER)
    assert "¿Mismo cliente?" not in review
    ticket = sent(t, sandbox)
    assert contact_of(sandbox, ticket.id) == email
    assert ticket.properties["subject"] == f"POL-90 - {client}"


def test_an_unknown_email_is_said_at_its_field_and_asked_again_before_the_description(
        term: Any, sandbox: Sandbox):  # noqa: F811 (the fixture)
    t = term(command="crear")
    start_form(t, "POL-91", "Ana López", "ana.lopes@example.com", "2")  # one letter off
    said = t.answer("Correo o teléfono", CLEAR_LINE + "ana.lopez@example.com" + ENTER)
    assert "No hay ningún contacto en HubSpot con ana.lopes@example.com" in said
    # what to do, and the way out while the contact is made in HubSpot
    assert "cree primero el contacto en HubSpot" in said and "Ctrl-C guarda" in said
    assert "QUÉ pasa" not in said  # said while the client is still on the line
    assert "✓ Contacto: Ana López" in t.wait("QUÉ pasa")
    t.child.send("No carga la póliza" + ENTER)
    from_how(t)
    ticket = sent(t, sandbox)
    assert contact_of(sandbox, ticket.id) == "ana.lopez@example.com"


def test_a_near_miss_spelling_asks_which_name_goes_on_the_ticket(
        term: Any, sandbox: Sandbox):  # noqa: F811 (the fixture)
    t = term(command="crear")
    start_form(t, "POL-92", "Ana Lopes", "ana.lopez@example.com", "2")
    t.wait("Con qué nombre va el ticket")
    assert "1) Ana López (como está en HubSpot)" in t.wait("como lo escribió")
    t.child.send(ENTER)  # the default: HubSpot's
    t.answer("QUÉ pasa", "No carga la póliza" + ENTER)
    from_how(t)
    ticket = sent(t, sandbox)
    assert ticket.properties["subject"] == "POL-92 - Ana López"


def test_a_name_mismatch_makes_change_the_contact_the_default_never_send(
        term: Any, sandbox: Sandbox):  # noqa: F811 (the fixture)
    t = term(command="crear")
    start_form(t, "POL-93", "Pedro Páramo", "ana.lopez@example.com", "2")
    assert "En HubSpot se llama «Ana López»" in t.wait("QUÉ pasa")
    t.child.send("No carga la póliza" + ENTER)
    from_how(t, review=None)
    t.wait("Qué hacemos")
    t.wait("Cancelar")
    pointed = [row for row in t.screen() if "»" in row][-1]
    assert "Cambiar el contacto" in pointed  # the default: two habitual Enters send nothing
    t.child.send(ENTER)
    t.answer("Correo o teléfono", CLEAR_LINE + "jl.hernandez@example.com" + ENTER)
    assert sandbox.writes() == [] and sandbox.tickets() == []
    t.answer("Qué hacemos", DOWN + ENTER)  # «Enviar: es el mismo cliente» is second
    t.child.expect("Ticket \\d+ creado")
    t.child.expect(pexpect.EOF)
    [ticket] = sandbox.tickets()
    assert contact_of(sandbox, ticket.id) == "jl.hernandez@example.com"


def test_the_contacts_name_as_hubspot_holds_it_is_said_inert_at_its_field(
        term: Any, sandbox: Sandbox):  # noqa: F811 (the fixture)
    osc52, rlo = "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=\x07", "\u202e"
    found = sandbox.client.crm.contacts.basic_api.get_by_id(
        "ana.lopez@example.com", id_property="email")
    sandbox.client.crm.contacts.basic_api.update(found.id, simple_public_object_input={
        "properties": {"firstname": f"Ana{osc52}", "lastname": f"López{rlo}"}})
    t = term(command="crear")
    start_form(t, "POL-95", "Pedro Páramo", "ana.lopez@example.com", "2")
    said = t.wait("QUÉ pasa")
    assert "✓ Contacto: Ana␛]52;c;" in said and "En HubSpot se llama «Ana␛]52" in said, said
    received = "".join(t.raw)
    assert "\x1b]52" not in received and rlo not in received  # never the terminal's to run
    t.child.send(CTRL_C)
    t.finish()
    assert sandbox.tickets() == []


# -- 2. each problem at its field ---------------------------------------------------------

def test_a_description_past_hubspots_limit_is_refused_at_que_and_one_key_clears_it(
        term: Any, sandbox: Sandbox):  # noqa: F811 (the fixture)
    t = term("--poliza", "POL-94", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--prioridad", "media", command="crear")
    t.wait("QUÉ pasa")
    pasted = "El cliente copió el registro completo del error. " * 1_400  # 70,000
    t.child.send(PASTE_START + pasted + PASTE_END + ENTER)
    t.child.expect("HubSpot admite 65.536", timeout=30)
    t.child.send(CLEAR_LINE + "No carga la póliza" + ENTER)  # Ctrl-U: the whole paste goes
    from_how(t)
    ticket = sent(t, sandbox)
    assert ticket.properties["content"].startswith("QUÉ:\nNo carga la póliza\n\nCÓMO:")


# -- 3. reasons under the prompt ----------------------------------------------------------

@pytest.mark.parametrize("columns", [60, 80, 110])
def test_a_reason_is_drawn_under_its_prompt_wrapped_and_never_cut(
        term: Any, sandbox: Sandbox, columns: int):  # noqa: F811 (the fixture)
    t = term(columns=columns, command="crear")
    t.answer("Número de póliza", "POL-95" + ENTER)
    t.wait("Nombre completo")
    t.child.send("Ana L0pez1" + ENTER)
    t.wait("sobra")
    t.wait(r"\)")  # the reason's last character has arrived
    rows = t.screen()
    prompt = max(n for n, row in enumerate(rows) if "Nombre completo" in row)
    below = [row for row in rows[prompt + 1:] if row.strip()]
    reason = " ".join(row.strip() for row in below[:6])  # wrapped between words
    assert reason.startswith("✗ «Ana L0pez1» no parece un nombre"), rows
    assert "(sobra «01»)" in reason, rows
    assert all(len(row) <= columns for row in rows)
    assert below[0] == rows[prompt + 1]  # right under the prompt, not at the bottom
    t.child.send(CLEAR_LINE + "Ana López" + ENTER)
    t.wait("Correo o teléfono")
    t.child.send(CTRL_C)
    assert t.finish()[0] == 130
    assert sandbox.writes() == []


# -- 4. twelve keystrokes -----------------------------------------------------------------

@dataclass
class Step:
    prompt: str
    content: str  # what the agent types as the case's content
    keys: str  # the keystrokes besides it (Enter, a number, an arrow: each one counts)


def clean_escalation(priority_key: str, policy: str) -> list[Step]:
    return [
        Step("Número de póliza", policy, ENTER),
        Step("Nombre completo", "Ana López", ENTER),
        Step("Correo o teléfono", "ana.lopez@example.com", ENTER),
        Step("primera que aplique", "", priority_key),
        Step("QUÉ pasa", "La app se cierra al pagar la póliza", ENTER),
        Step("CÓMO pasó", "Pagos > Tarjeta > Pagar", ENTER),
        Step("DÓNDE", "App móvil, pantalla de pagos", ENTER),
        Step("CUÁNDO", "", ENTER),
        Step("canal", "", ENTER),
        Step("Adjuntos", "", ENTER),
        Step("Qué hacemos", "", ENTER),
    ]


def keystrokes(keys: str) -> int:
    """Keys pressed: an escape sequence (an arrow) is one key."""
    return len(re.findall(r"\x1b\[[A-D]|.", keys, re.DOTALL))


@pytest.mark.parametrize(("key", "option", "most"), [
    ("2", "HIGH", 12), ("1", "URGENT", 13), ("3", "MEDIUM", 13), ("4", "LOW", 13),
    ("u", "URGENT", 13), ("a", "HIGH", 12), ("b", "LOW", 13)])
def test_a_clean_escalation_takes_at_most_twelve_keystrokes_besides_its_content(
        term: Any, sandbox: Sandbox, key: str, option: str, most: int):  # noqa: F811 (the fixture)
    steps = clean_escalation(key, f"POL-{ord(key)}")
    t = term(command="crear")
    for step in steps:
        t.answer(step.prompt, step.content + step.keys)
    ticket = sent(t, sandbox)
    count = sum(keystrokes(s.keys) for s in steps)
    assert count <= most, count
    assert ticket.properties["hs_ticket_priority"] == option
    assert ticket.properties["subject"] == f"POL-{ord(key)} - Ana López"
    assert "CAMBIOS SOLICITADOS:\nNinguno" in ticket.properties["content"]


def test_a_multi_line_answer_is_pasted_or_made_with_alt_enter(
        term: Any, sandbox: Sandbox):  # noqa: F811 (the fixture)
    t = term("--poliza", "POL-96", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--prioridad", "baja", command="crear")
    t.answer("QUÉ pasa", "Primera línea" + "\x1b\r" + "segunda línea" + ENTER)
    from_how(t, how=PASTE_START + "Paso 1\nPaso 2" + PASTE_END)
    ticket = sent(t, sandbox)
    assert ("QUÉ:\nPrimera línea\nsegunda línea\n\nCÓMO:\nPaso 1\nPaso 2\n\nDÓNDE:"
            in ticket.properties["content"])


# -- 5. one ticket per draft --------------------------------------------------------------

def test_a_draft_open_in_one_terminal_is_refused_in_another_and_sent_once(
        term: Any, sandbox: Sandbox, home: Path):  # noqa: F811 (the fixture)
    t = term(command="crear")
    t.answer("Número de póliza", "POL-97" + ENTER)
    t.answer("Nombre completo", "Ana López" + CTRL_C)
    code, shown = t.finish()
    assert code == 130
    draft = re.findall(r"--borrador ([0-9a-f]{8})", shown)[-1]

    first = term("--borrador", draft, command="crear")
    first.answer("Nombre completo", ENTER)  # the name typed when Ctrl-C came, to confirm
    first.wait("Correo o teléfono")  # the first terminal holds it while its agent types
    second = term("--borrador", draft, command="crear")
    code, refused = second.finish()
    assert code == 2, refused
    assert f"el borrador {draft} está abierto en otra terminal (esta máquina, proceso " \
           f"{first.child.pid})" in " ".join(refused.split())
    held = re.search(r"desde las (\d\d:\d\d) \(hace 0 min\)", refused)
    # On the portal's clock (Mexico City's), as the review and the report tell time.
    mexico = datetime.now(ZoneInfo("America/Mexico_City"))
    assert held is not None and held.group(1) in {
        f"{mexico - timedelta(minutes=n):%H:%M}" for n in range(2)}, refused

    first.child.send("ana.lopez@example.com" + ENTER)
    first.answer("primera que aplique", "2")
    rest_of_form(first)
    first.answer("Qué hacemos", ENTER)
    assert len([sent(first, sandbox)]) == 1
    assert outbox_entries(home) == []
    again = term("--borrador", draft, command="crear")
    code, gone = again.finish()
    assert code == 2 and f"no hay borrador con el id «{draft}»" in gone, gone
    assert len(sandbox.tickets()) == 1


def test_a_draft_left_by_ctrl_c_in_one_terminal_opens_in_the_next(
        term: Any, sandbox: Sandbox):  # noqa: F811 (the fixture)
    t = term(command="crear")
    t.answer("Número de póliza", "POL-98" + ENTER)
    t.answer("Nombre completo", "Ana López" + CTRL_C)
    draft = re.findall(r"--borrador ([0-9a-f]{8})", t.finish()[1])[-1]
    first = term("--borrador", draft, command="crear")
    first.answer("Nombre completo", ENTER)
    first.answer("Correo o teléfono", CTRL_C)  # kept again: the lease goes with it
    assert first.finish()[0] == 130
    second = term("--borrador", draft, command="crear")
    second.answer("Correo o teléfono", "ana.lopez@example.com" + ENTER)
    second.answer("primera que aplique", "2")
    rest_of_form(second)
    second.answer("Qué hacemos", ENTER)
    assert sent(second, sandbox).properties["subject"] == "POL-98 - Ana López"
