"""A draft taken up again keeps the agent's choice of contact among those sharing a phone
(while it holds), through a real pseudo-terminal; every test reads back the ticket's contact
in HubSpot and the draft as the outbox stores it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import Sandbox
from .test_agent_day import ENTER, contact_of, from_how, rest_of_form, sent, start_form
from .test_interactive import (
    CTRL_C,
    DOWN,
    outbox_entries,
    resume_id,
    term,  # noqa: F401 (a fixture)
)

pytest.importorskip("pexpect")

SHARED = "222 555 0101"  # Lucía's and Ramón's house phone (the sandbox's seed)
SHARED_E164 = "+522225550101"


def contact_id(sandbox: Sandbox, email: str) -> str:
    return str(sandbox.client.crm.contacts.basic_api.get_by_id(email, id_property="email").id)


def draft_payload(home: Path) -> dict[str, Any]:
    [entry] = outbox_entries(home)
    assert entry.kind == "draft"
    return dict(entry.payload)


def keep_at_the_review(t: Any) -> str:
    """«Guardar borrador» at the review (Cambiar el contacto, Enviar, Editar, Guardar…:
    the pointer starts at Enviar); returns the draft's id."""
    t.answer("Qué hacemos", DOWN * 2 + ENTER)
    code, shown = t.finish()
    assert code == 0 and "Borrador guardado" in shown, shown
    return resume_id(shown)


def lucia_chosen(t: Any, policy: str) -> str:
    """A complete create for Lucía by the shared phone, her chosen (the one named, the
    default), kept as a draft at the review; returns the draft's id."""
    start_form(t, policy, "Lucía Ortega", SHARED, "3")
    t.answer("varios contactos", ENTER)
    rest_of_form(t)
    return keep_at_the_review(t)


def lucia_leaves_the_phone(sandbox: Sandbox) -> None:
    sandbox.client.crm.contacts.basic_api.update(
        contact_id(sandbox, "lucia.ortega@example.com"),
        simple_public_object_input={"properties": {"phone": "+52 55 9999 0000"}})


def test_a_complete_draft_resumed_keeps_the_contact_chosen_and_asks_nothing(
        term: Any, sandbox: Sandbox, home: Path):  # noqa: F811 (the fixture)
    draft = lucia_chosen(term(command="crear"), "POL-96")
    lucia = contact_id(sandbox, "lucia.ortega@example.com")
    assert draft_payload(home)["contact"] == {"id": lucia, "email": None, "phone": SHARED_E164}

    t = term("--borrador", draft, command="crear")
    review = t.wait("Qué hacemos")
    assert "varios contactos" not in review, review
    assert f"Contacto elegido antes entre los que comparten el teléfono: Lucía Ortega " \
           f"(id {lucia})" in " ".join(review.split())
    t.child.send(ENTER)
    assert contact_of(sandbox, sent(t, sandbox).id) == "lucia.ortega@example.com"
    assert outbox_entries(home) == []


def test_a_choice_kept_at_ctrl_c_is_used_when_the_rest_is_typed(
        term: Any, sandbox: Sandbox, home: Path):  # noqa: F811 (the fixture)
    t = term(command="crear")
    start_form(t, "POL-97", "Ramón Ortega", SHARED, "3")
    t.answer("varios contactos", ENTER)  # Ramón, the one named
    t.answer("QUÉ pasa", "No carga" + CTRL_C)
    code, shown = t.finish()
    assert code == 130, shown
    assert draft_payload(home)["contact"]["id"] == contact_id(sandbox,
                                                               "ramon.ortega@example.com")

    t = term("--borrador", resume_id(shown), command="crear")
    t.answer("QUÉ pasa", " la póliza" + ENTER)
    from_how(t, review=None)
    review = t.wait("Qué hacemos")
    assert "varios contactos" not in review
    t.child.send(ENTER)
    assert contact_of(sandbox, sent(t, sandbox).id) == "ramon.ortega@example.com"


def test_a_kept_choice_that_no_longer_holds_is_asked_again_saying_why(
        term: Any, sandbox: Sandbox, home: Path):  # noqa: F811 (the fixture)
    draft = lucia_chosen(term(command="crear"), "POL-98")
    lucia_leaves_the_phone(sandbox)  # and a third relative has it now
    third = {"firstname": "Lucía Elena", "lastname": "Ortega",
             "email": "lucia.elena@example.com", "phone": "222 555 0101"}
    sandbox.client.crm.contacts.basic_api.create(
        simple_public_object_input_for_create={"properties": third})

    t = term("--borrador", draft, command="crear")
    said = t.wait("varios contactos")  # asked again: the choice no longer holds
    assert "ya no está entre los que tienen ese teléfono" in " ".join(said.split()), said
    t.wait("Lucía Elena")
    t.child.send(ENTER)  # the one named most like the client: Lucía Elena
    t.answer("Qué hacemos", ENTER)  # «Enviar»: a second name is the same client
    assert contact_of(sandbox, sent(t, sandbox).id) == "lucia.elena@example.com"


def test_a_kept_choice_whose_contact_left_the_phone_is_said_and_never_sent_on_enter(
        term: Any, sandbox: Sandbox, home: Path):  # noqa: F811 (the fixture)
    draft = lucia_chosen(term(command="crear"), "POL-95")
    lucia_leaves_the_phone(sandbox)

    t = term("--borrador", draft, command="crear")
    review = t.wait("Qué hacemos")  # the phone is Ramón's alone now: nothing to choose
    said = " ".join(review.split())
    assert "ya no tiene ese teléfono en HubSpot: ahora es solo de Ramón Ortega" in said, said
    assert "¿Mismo cliente?" in review  # Lucía was typed: the review's default is not Enviar
    t.child.send(ENTER)  # «Cambiar el contacto»
    t.answer("Correo o teléfono", CTRL_C)
    assert t.finish()[0] == 130
    assert sandbox.tickets() == [] and draft_payload(home).get("contact") is None


def kept_create(sandbox: Sandbox, home: Path, state: dict[str, Any],
                entry_id: str | None = None) -> Any:
    """A create for Ramón by the shared phone kept in the outbox, the contact settled at
    its review (`state` adds its progress); returns its escalation."""
    from datetime import datetime, timezone

    from escalate.domain.escalation import Escalation, Rules
    from escalate.outbox import Entry, Outbox

    escalation = Escalation.build({
        "policy": "POL-94", "client_name": "Ramón Ortega", "phone": SHARED,
        "priority": "MEDIA", "what": "No carga la póliza", "how": "Pólizas > Ver",
        "where": "Web"}, Rules(), datetime.now(timezone.utc))
    ramon = contact_id(sandbox, "ramon.ortega@example.com")
    box = Outbox(home)
    box.put(Entry(entry_id or escalation.escalate_id, "create",
                  {"escalation": escalation.as_json(), "files": []},
                  {"contact": {"id": ramon, "firstname": "Ramón", "lastname": "Ortega"},
                   **state}), claim=False)
    box.close()
    return escalation


def test_a_kept_create_taken_up_keeps_the_contact_it_was_settled_on(
        term: Any, sandbox: Sandbox, home: Path):  # noqa: F811 (the fixture)
    escalation = kept_create(sandbox, home, {"needs_action": "prioridad"}, "c" * 32)
    ramon = contact_id(sandbox, "ramon.ortega@example.com")

    t = term("--borrador", "c" * 8, command="crear")
    review = t.wait("Qué hacemos")
    assert "varios contactos" not in review and f"Ramón Ortega (id {ramon})" in review
    t.child.send(ENTER)
    ticket = sent(t, sandbox)
    assert contact_of(sandbox, ticket.id) == "ramon.ortega@example.com"
    assert ticket.properties["escalate_id"] == escalation.escalate_id  # its identity kept
    assert outbox_entries(home) == []


TICKETS = "/crm/objects/2026-09/tickets"


def creates_sent(sandbox: Sandbox) -> list[int]:
    return [r["status"] for r in sandbox.requests()
            if r["method"] == "POST" and r["path"] == TICKETS]


def interrupted_and_sent(term: Any, sandbox: Sandbox, home: Path, kept: str,  # noqa: F811
                         escalate_id: str) -> Any:
    """The kept create taken up, Ctrl-C at its review (a draft now, which keeps its
    identity), then taken up again and sent; returns the one ticket HubSpot holds."""
    t = term("--borrador", kept[:8], command="crear")
    t.answer("Qué hacemos", CTRL_C)
    code, shown = t.finish()
    assert code == 130 and "borrador" in shown, shown
    payload = draft_payload(home)
    assert (payload["escalate_id"], payload["maybe_sent"]) == (escalate_id, True)

    sandbox.forget_requests()
    t = term("--borrador", resume_id(shown), command="crear")
    t.answer("Qué hacemos", ENTER)
    ticket = sent(t, sandbox)  # one ticket in HubSpot, no other
    assert ticket.properties["escalate_id"] == escalate_id
    # it was read by its escalate_id first, as a create that may have landed: no new one
    assert creates_sent(sandbox) == []
    assert outbox_entries(home) == []
    return ticket


def test_a_kept_create_that_landed_interrupted_at_its_review_and_sent_is_one_ticket(
        term: Any, sandbox: Sandbox, home: Path):  # noqa: F811 (the fixture)
    escalation = kept_create(sandbox, home, {"create_sent": True})
    # the first send was carried out (its answer lost): HubSpot holds the ticket
    sandbox.client.crm.tickets.basic_api.create(simple_public_object_input_for_create={
        "properties": {"subject": "POL-94 - Ramón Ortega", "hs_pipeline": "0",
                       "hs_pipeline_stage": "1", "escalate_id": escalation.escalate_id,
                       "escalate_policy": "POL-94"}})
    interrupted_and_sent(term, sandbox, home, escalation.escalate_id, escalation.escalate_id)


def test_a_create_whose_answer_was_lost_interrupted_when_taken_up_is_one_ticket(
        term: Any, sandbox: Sandbox, home: Path, cli: Any):  # noqa: F811 (the fixture)
    from .conftest import ANA

    # The create is carried out and its answer lost; the read that would find it fails
    # too, and no retry is allowed: the escalation stays in the outbox, maybe in HubSpot.
    sandbox.fault(method="POST", path=TICKETS, times=1, status=502, after_commit=True)
    sandbox.fault(method="GET", path_prefix=f"{TICKETS}/", times=1, status=503)
    first = cli("crear", *ANA, environ={"ESCALATE_RETRY_SECONDS": "0"})
    assert first.code == 5, first.out + first.err
    [kept] = outbox_entries(home)
    assert kept.kind == "create" and len(sandbox.tickets()) == 1
    interrupted_and_sent(term, sandbox, home, kept.id, kept.payload["escalation"]["escalate_id"])


ANSWERS = {"policy": "POL-99", "email": None, "phone": SHARED, "priority": "MEDIA",
           "what": "No carga la póliza", "how": "Pólizas > Ver", "where": "Web", "when": None,
           "channel": "telefono", "changes": [], "attachments": []}


@pytest.mark.parametrize("old", [
    # version 2, as kept until the choice was: the answers and nothing chosen
    {"version": 2, "input": {**ANSWERS, "client_name": "Ramón Ortega"}},
    # unversioned (version 1) from a command line: the client by its option's name
    {"input": {**ANSWERS, "client": "Ramón Ortega"}},
], ids=["version-2", "version-1"])
def test_a_draft_kept_before_choices_were_kept_still_resumes_and_asks(
        term: Any, sandbox: Sandbox, home: Path, old: dict[str, Any]):  # noqa: F811
    from escalate.outbox import Entry, Outbox

    box = Outbox(home)
    box.put(Entry("d" * 32, "draft", old), claim=False)
    box.close()

    t = term("--borrador", "d" * 8, command="crear")
    t.answer("varios contactos", ENTER)  # asked, as before: Ramón, the one named
    review = t.answer("Qué hacemos", DOWN * 2 + ENTER)  # kept again, with the choice
    assert "POL-99 - Ramón Ortega" in review
    code, shown = t.finish()
    assert code == 0, shown
    payload = draft_payload(home)
    assert payload["contact"]["id"] == contact_id(sandbox, "ramon.ortega@example.com")
    assert payload["input"]["client_name"] == "Ramón Ortega"
    assert sandbox.tickets() == []


def test_the_choice_is_asked_again_when_the_phone_changed() -> None:
    """The reasons a kept choice gives way (pure: what the session says under the field)."""
    from escalate.cli.drafts import Chosen
    from escalate.domain.records import Contact

    kept = Chosen("1005", None, SHARED_E164)
    lucia, ramon = (Contact(id=i, firstname=n, lastname="Ortega", phone=SHARED)
                    for i, n in (("1005", "Lucía"), ("1006", "Ramón")))
    assert kept.held((None, SHARED_E164), [lucia, ramon]) == (lucia, None)
    contact, why = kept.held((None, "+522225550102"), [lucia, ramon])
    assert contact is None and why is not None and re.match("el teléfono", why)
    contact, why = kept.held((None, SHARED_E164), [ramon])
    assert contact is None and why is not None and "id 1005" in why
    assert Chosen.from_json({"id": 1005}) is None and Chosen.from_json(None) is None
    assert Chosen.from_json(kept.as_json()) == kept
