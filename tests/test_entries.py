"""Outbox entries and what delivery decides about them, without HubSpot: the kinds' words,
the listing, the steps that settle an entry, and each outcome of `deliver` with a real
outbox and a stand-in sender. The end-to-end counterparts are in tests/test_delivery.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from escalate.errors import (
    EscalateError,
    ExitCode,
    InvalidInput,
    NeedsAdmin,
    Next,
    Refused,
    Unreachable,
)
from escalate.outbox import Entry, LocalTrouble, Outbox
from escalate.workflows import delivery
from escalate.workflows.entries import (
    describe,
    editable,
    fixes,
    kept_text,
    listing,
    new_entry,
    progressed,
    send_later,
)

pytestmark = pytest.mark.usefixtures("private_temp")

ESCALATION = {"escalate_id": "c" * 32, "policy": "POL-1", "client_name": "Ana López",
              "priority": "ALTA", "what": "No guarda", "how": "Guardar", "where": "Web",
              "email": "ana@example.com", "created_at": "2026-12-02T10:00:00+00:00"}
PICTURE = {"path": "/tmp/captura.png", "name": "captura.png"}


def create(**state: Any) -> Entry:
    entry = new_entry("create", {"escalation": ESCALATION, "files": []}, "c" * 32)
    entry.state = dict(state)
    return entry


# -- what each kind is called --------------------------------------------------------------

def test_each_kind_is_described_in_the_agents_words():
    assert describe(create()) == "POL-1 - Ana López"
    assert describe(new_entry("draft", {"input": {"policy": "P-2"}})) == "borrador: P-2 - ?"
    assert describe(new_entry("attach", {"ticket_id": "7", "files": [{}, {}]})) == (
        "adjuntos al ticket 7 (2)")
    assert describe(new_entry("contacted", {"ticket_id": "7"})) == "seguimiento del ticket 7"
    assert describe(Entry("x" * 32, "fax", {})) == "tipo desconocido: fax"
    assert describe(new_entry("attach", {"files": 3})) == "attach (contenido inesperado)"
    assert describe(new_entry("create", {})) == "? - ?"


def test_each_kind_says_where_it_stayed():
    assert kept_text(create()) == "La escalación quedó en la bandeja de salida"
    assert kept_text(new_entry("attach", {})) == "Los adjuntos quedaron en la bandeja de salida"
    assert kept_text(new_entry("contacted", {})) == (
        "El seguimiento quedó en la bandeja de salida")
    assert kept_text(Entry("x" * 32, "fax", {})) == "Quedó en la bandeja de salida"
    assert send_later(create()) == Next(
        "outbox_send", "La escalación quedó en la bandeja de salida (id cccccccc): "
                       "reenvíela con")


@pytest.mark.parametrize("key", ["ticket", "uploaded", "note_pending", "note_id"])
def test_hubspot_holds_part_of_an_entry_once_any_step_is_recorded(key: str):
    assert not progressed(create())
    assert progressed(create(**{key: {"id": "1"}}))


def test_what_settles_an_entry_is_editing_it_while_hubspot_holds_none_of_it_or_dropping_it():
    draft = new_entry("draft", {"input": {}})
    assert editable(draft) and editable(create())
    assert not editable(create(ticket={"id": "1"}))
    assert not editable(new_entry("attach", {}))
    assert fixes(create()) == (Next("resume", "Complétela", "c" * 32),
                               Next("drop", "Descártela", "c" * 32))
    assert fixes(create(ticket={"id": "1"})) == (Next("drop", "Descártela", "c" * 32),)


def test_the_listing_sorts_every_entry_and_keeps_their_order():
    waiting = create()
    waiting.last_error = "sin conexión"
    stuck = new_entry("attach", {"ticket_id": "7", "files": [PICTURE]}, "a" * 32)
    stuck.state["needs_action"] = "no existe el ticket"
    draft = new_entry("draft", {"input": {"policy": "P-3"}}, "d" * 32)
    draft.state["needs_action"] = "contacto no encontrado"
    other = Entry("e" * 32, "fax", {})
    newer = Entry("f" * 32, "create", {"version": 9, "escalation": ESCALATION})
    second = new_entry("contacted", {"ticket_id": "8", "note": "Llamé"}, "b" * 32)
    broken = new_entry("attach", {"ticket_id": "9"}, "9" * 32)
    found = listing([waiting, stuck, draft, other, newer, second, broken])
    assert [(i.entry.id[0], i.status, i.why) for i in found.pending] == [
        ("c", "pendiente", "sin conexión"), ("b", "pendiente", None)]
    assert [(i.entry.id[0], i.status, i.why) for i in found.needs_action] == [
        ("a", "requiere acción", "no existe el ticket"),
        ("e", "requiere acción", "tipo de entrada desconocido: fax"),
        ("f", "requiere acción",
         "la entrada no se puede leer: versión 9 de una versión más nueva de escalate")]
    assert [(i.description, i.why) for i in found.drafts] == [
        ("borrador: P-3 - ?", "contacto no encontrado")]
    assert found.needs_action[0].description == "adjuntos al ticket 7 (1)"
    assert [(i.entry.id[0], i.status, i.why) for i in found.damaged] == [
        ("9", "dañada", "el contenido está incompleto (falta «files»)")]
    assert found.needs_action[0].fix == fixes(stuck)
    assert found.drafts[0].fix == fixes(draft)
    assert not found.empty and listing([]).empty


# -- deliver: each outcome, with a real outbox ------------------------------------------------

class Where:
    """What delivery needs from the command around it."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox
        self.settings: Any = None

    def gateway(self) -> Any:
        return None

    def now(self) -> datetime:
        return datetime(2026, 12, 2, tzinfo=timezone.utc)


class Quiet:
    def warn(self, text: str) -> None:
        pass


@pytest.fixture
def where(tmp_path: Path) -> Iterator[Where]:
    outbox = Outbox(tmp_path / "home")
    yield Where(outbox)
    outbox.close()


def stored(where: Where) -> dict[str, Entry]:
    return {e.id: e for e in where.outbox.entries()[0]}


def sending(monkeypatch: pytest.MonkeyPatch, outcome: Any) -> list[Any]:
    """Every create is sent by a stand-in that returns `outcome`, or raises it."""
    seen: list[Any] = []

    def sender(job: Any, entry: Entry, **kwargs: Any) -> Any:
        seen.append(job)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    monkeypatch.setitem(delivery.SENDERS, "create",
                        lambda entry, job: lambda e, **kw: sender(job, e, **kw))
    return seen


def outcome_of(where: Where, monkeypatch: pytest.MonkeyPatch, raised: BaseException, *,
               fresh: bool, entry: Entry | None = None) -> tuple[Entry, Any]:
    """A create kept in the outbox, delivered by a sender that raises `raised`."""
    sending(monkeypatch, raised)
    entry = entry or create()
    where.outbox.put(entry)
    return entry, delivery.deliver(entry, where, ui=Quiet(), fresh=fresh)


def test_a_delivered_entry_is_gone_and_its_result_returned(where: Where, monkeypatch):
    jobs = sending(monkeypatch, "ticket 7")
    entry = create()
    assert delivery.keep_and_send(entry, where, ui=Quiet(), job="hecho") == "ticket 7"
    assert jobs == ["hecho"] and stored(where) == {}


def test_keeping_a_taken_up_draft_forgets_the_draft(where: Where, monkeypatch):
    sending(monkeypatch, Unreachable("sin conexión"))
    draft = new_entry("draft", {"input": {}}, "d" * 32)
    where.outbox.put(draft, claim=False)
    with pytest.raises(Unreachable) as caught:
        delivery.keep_and_send(create(), where, ui=Quiet(), replaces=draft.id)
    assert list(stored(where)) == ["c" * 32]
    assert caught.value.next_steps == (send_later(create()),)
    assert stored(where)["c" * 32].last_error == "sin conexión"


@pytest.mark.parametrize("error", [InvalidInput(["mal"]), Refused("no existe")])
def test_a_fresh_command_hubspot_holds_nothing_of_is_dropped_when_refused(
        where: Where, monkeypatch, error: EscalateError):
    _entry, outcome = outcome_of(where, monkeypatch, error, fresh=True)
    assert outcome == delivery.Dropped(error.message, exit_code=error.exit_code, error=error)
    assert stored(where) == {}


def test_a_refused_fresh_command_hubspot_holds_part_of_is_kept(where: Where, monkeypatch):
    error = Refused("no existe")
    entry, outcome = outcome_of(where, monkeypatch, error, fresh=True,
                                entry=create(ticket={"id": "7"}))
    assert outcome == delivery.Kept("no existe", send_later(entry), ExitCode.REFUSED, error)
    assert stored(where)[entry.id].last_error == "no existe"


def test_a_refused_entry_from_the_outbox_waits_for_the_agent(where: Where, monkeypatch):
    error = Refused("contacto no encontrado")
    entry, outcome = outcome_of(where, monkeypatch, error, fresh=False)
    assert outcome == delivery.NeedsAction("contacto no encontrado", fixes(entry),
                                           ExitCode.REFUSED, error)
    kept = stored(where)[entry.id]
    assert kept.state["needs_action"] == "contacto no encontrado"
    again = delivery.deliver(kept, where, ui=Quiet(), fresh=False)
    assert again == delivery.NeedsAction("contacto no encontrado", fixes(kept))


@pytest.mark.parametrize("error", [NeedsAdmin("falta una propiedad"), Unreachable("caído")])
def test_what_someone_else_can_fix_is_kept_even_on_a_fresh_command(
        where: Where, monkeypatch, error: EscalateError):
    entry, outcome = outcome_of(where, monkeypatch, error, fresh=True)
    assert outcome == delivery.Kept(error.message, send_later(entry), error.exit_code, error)
    assert stored(where)[entry.id].attempts == 1


def test_local_trouble_keeps_the_entry_and_says_no_step(where: Where, monkeypatch):
    trouble = LocalTrouble("disco lleno")
    _entry, outcome = outcome_of(where, monkeypatch, trouble, fresh=True)
    assert outcome == delivery.Kept("disco lleno", None, ExitCode.USAGE, trouble)
    with pytest.raises(LocalTrouble) as caught:
        delivery.result_or_raise(outcome)
    assert caught.value.next_steps == ()


def test_a_bug_keeps_the_entry_and_goes_up_as_itself(where: Where, monkeypatch):
    bug = RuntimeError("algo")
    entry, outcome = outcome_of(where, monkeypatch, bug, fresh=False)
    assert isinstance(outcome, delivery.Kept) and outcome.exit_code == ExitCode.BUG
    assert stored(where)[entry.id].last_error == "Error inesperado de escalate: RuntimeError"
    with pytest.raises(RuntimeError):
        delivery.result_or_raise(outcome)


def test_a_draft_an_unknown_kind_and_an_unreadable_payload_are_never_sent(
        where: Where, monkeypatch):
    jobs = sending(monkeypatch, "enviado")
    draft = new_entry("draft", {"input": {}})
    assert delivery.deliver(draft, where, ui=Quiet(), fresh=False) == delivery.NeedsAction(
        "es un borrador: no se envía hasta completarlo", fixes(draft), ExitCode.OK)
    fax = Entry("x" * 32, "fax", {})
    assert delivery.deliver(fax, where, ui=Quiet(), fresh=False) == delivery.NeedsAction(
        "tipo de entrada desconocido: fax", fixes(fax), ExitCode.OK)
    monkeypatch.setitem(delivery.SENDERS, "attach", lambda entry, job: entry.payload["x"])
    broken = new_entry("attach", {})
    outcome = delivery.deliver(broken, where, ui=Quiet(), fresh=False)
    assert outcome == delivery.NeedsAction("la entrada no se puede leer: le falta «x»",
                                             fixes(broken))
    assert jobs == []


def test_a_needs_action_error_carries_its_fixes(where: Where):
    error = Refused("ambiguo")
    with pytest.raises(Refused) as caught:
        delivery.result_or_raise(delivery.NeedsAction("ambiguo", fixes(create()),
                                                      error=error))
    assert caught.value.next_steps == fixes(create())
    with pytest.raises(EscalateError, match="sin error"):
        delivery.result_or_raise(delivery.Dropped("sin error"))


def test_an_entry_another_process_holds_is_left_to_it(where: Where, monkeypatch):
    jobs = sending(monkeypatch, "enviado")
    entry = create()
    where.outbox.put(entry, claim=False)
    other = Outbox(where.outbox.home)
    assert other.claim(entry.id)
    outcome = delivery.deliver(entry, where, ui=Quiet(), fresh=False)
    assert outcome == delivery.Kept("otro proceso la está enviando", exit_code=ExitCode.OK)
    assert jobs == [] and list(stored(where)) == [entry.id]
    other.close()


def test_a_kept_create_stores_the_escalation_the_reads_and_the_files(tmp_path: Path):
    from escalate.domain.escalation import Escalation, Rules
    from escalate.domain.records import Contact
    from escalate.workflows.create import create_entry
    from escalate.workflows.files import LocalFile
    from escalate.workflows.lookup import ContactLookup, Prepared

    made = Escalation.build({"policy": "POL-1", "client_name": "Ana López",
                             "email": "ana@example.com", "priority": "ALTA", "what": "x y",
                             "how": "Guardar", "where": "Web"}, Rules(),
                            datetime(2026, 12, 2, tzinfo=timezone.utc))
    shot = LocalFile(path=tmp_path / "a.png", name="a.png", size=3, kind="PNG",
                     sha256="ab" * 32, mime="image/png")
    bare = create_entry(made, [shot])
    assert (bare.id, bare.kind, bare.state) == (made.escalate_id, "create", {})
    assert bare.payload == {"escalation": made.as_json(), "version": 2,
                            "files": [{"path": str(tmp_path / "a.png"), "name": "a.png",
                                       "sha256": "ab" * 32, "size": 3, "mime": "image/png"}],
                            "masked": [], "kept": [], "quality": None, "fields": {}}
    ana = Contact("9", "Ana", "López", "ana@example.com")
    prepared = Prepared(made, portal=None, lookup=ContactLookup(contact=ana),  # type: ignore[arg-type]
                        duplicates=[])
    assert create_entry(made, [], prepared, contact=ana).state == {
        "duplicates_accepted": True, "contact": ana.__dict__, "contact_accepted": True}
    assert create_entry(made, [], prepared).state == {"duplicates_accepted": True}


def test_a_later_format_is_reached_through_each_step_in_order(monkeypatch):
    from escalate.workflows import entries

    steps: list[tuple[str, int]] = []

    def step(to: int) -> Any:
        def run(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
            steps.append((kind, to))
            return {**payload, f"v{to}": True}
        return run

    monkeypatch.setattr(entries, "PAYLOAD_VERSION", 3)
    monkeypatch.setattr(entries, "_STEPS", {1: step(2), 2: step(3)})
    old = Entry("a" * 32, "attach", {"ticket_id": "7"})
    assert entries.migrate(old).payload == {"ticket_id": "7", "v2": True, "v3": True,
                                            "version": 3}
    assert steps == [("attach", 2), ("attach", 3)]
    assert entries.migrate(Entry("b" * 32, "attach", {"version": 2})).payload == {
        "version": 3, "v3": True}


@pytest.mark.parametrize("version", [0, -1, True, "1", 1.0])
def test_a_version_that_is_not_a_positive_whole_number_is_unreadable(version: Any):
    from escalate.workflows.entries import migrate

    with pytest.raises(ValueError, match="no válida"):
        migrate(Entry("a" * 32, "attach", {"version": version}))


def test_a_declined_create_is_dropped_as_the_agents_choice(where: Where, monkeypatch):
    from escalate.errors import Declined

    declined = Declined("No se creó el ticket.")
    _entry, outcome = outcome_of(where, monkeypatch, declined, fresh=True)
    assert outcome == delivery.Dropped("No se creó el ticket.", ExitCode.OK, declined)
    assert stored(where) == {}


def test_ctrl_c_while_sending_keeps_the_entry_and_says_how_to_send_it(where: Where,
                                                                       monkeypatch):
    from escalate.errors import Interrupted

    sending(monkeypatch, KeyboardInterrupt())
    entry = create()
    where.outbox.put(entry)
    with pytest.raises(Interrupted) as caught:
        delivery.deliver(entry, where, ui=Quiet(), fresh=True)
    assert caught.value.next_steps == (send_later(entry),)
    assert stored(where)[entry.id].last_error == "Interrumpido por el usuario."


def test_local_trouble_once_hubspot_holds_part_is_exit_5(where: Where, monkeypatch):
    trouble = LocalTrouble("disco lleno")
    _entry, outcome = outcome_of(where, monkeypatch, trouble, fresh=True,
                                entry=create(ticket={"id": "7"}))
    assert outcome.exit_code == ExitCode.UNREACHABLE == trouble.exit_code


def test_a_refused_fresh_command_is_dropped_by_keep_and_send(where: Where, monkeypatch):
    sending(monkeypatch, InvalidInput(["mal"]))
    entry = create()
    with pytest.raises(InvalidInput):
        delivery.keep_and_send(entry, where, ui=Quiet(), replaces=entry.id)
    assert stored(where) == {}


def test_a_version_1_create_reads_as_version_2_having_checked_nothing():
    from escalate.workflows.entries import migrate

    old = Entry("a" * 32, "create", {"escalation": {"policy": "POL-1"}, "files": [],
                                     "version": 1})
    assert migrate(old).payload == {"escalation": {"policy": "POL-1"}, "files": [],
                                    "masked": [], "kept": [], "quality": None, "fields": {},
                                    "version": 2}
    attach = Entry("b" * 32, "attach", {"ticket_id": "7", "version": 1})
    assert migrate(attach).payload == {"ticket_id": "7", "version": 2}
