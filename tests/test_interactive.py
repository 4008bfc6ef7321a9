"""Interactive `create` through a real pseudo-terminal: pexpect drives the installed
`escalate` against the sandbox on loopback, and the tests read back what HubSpot holds."""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .conftest import (
    ANA,
    Cli,
    Sandbox,
    png_bytes,
    review_defaults_to_send,
    wait_for,
    with_option,
)

pexpect = pytest.importorskip("pexpect")

DOWN = "\x1b[B"
CTRL_C = "\x03"
CLEAR_LINE = "\x15"  # Ctrl-U: the typed text stays editable; this clears it to retype
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"
# How long a wait for the tool's screen may last before the test fails: a detector of a
# program that never answers, not a speed check (speed is the benchmarks'). CI once saw a
# child draw nothing for over 10 s at the first question on a loaded host, where the same
# question draws in 0.25 s (0.02 s from the terminal's set-up to the prompt) here.
TIMEOUT = 45


def escalate_command() -> list[str]:
    """The installed console script (the venv's), else the module."""
    found = shutil.which("escalate", path=str(Path(sys.executable).parent)) or shutil.which(
        "escalate")
    return [found] if found else [sys.executable, "-m", "escalate"]


class Term:
    """One `escalate` run on a pseudo-terminal."""

    def __init__(self, sandbox: Sandbox, home: Path, *args: str,
                 extra: dict[str, str] | None = None, columns: int = 140,
                 command: str = "create") -> None:
        program = escalate_command()
        review_defaults_to_send(home)
        env = {"PATH": os.environ.get("PATH", ""), "HUBSPOT_BASE_URL": sandbox.url,
               "HUBSPOT_ACCESS_TOKEN": "sandbox", "ESCALATE_HOME": str(home),
               "TERM": "xterm", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
               # pexpect cannot answer the terminal's cursor-position query
               "PROMPT_TOOLKIT_NO_CPR": "1"}
        if os.environ.get("PYTHONPATH"):
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        env.update(extra or {})
        self.child = pexpect.spawn(program[0], [*program[1:], command, *args], env=env,
                                   encoding="utf-8", timeout=TIMEOUT, dimensions=(50, columns))
        self.columns = columns
        # Keys go only after their prompt is on screen, so pexpect's safety pause before
        # each send (50 ms, for programs that drop early input) only slows the suite.
        self.child.delaybeforesend = None
        self.seen: list[str] = []
        self.raw: list[str] = []  # what the terminal received, escapes and all

    def wait(self, pattern: str, timeout: float = TIMEOUT) -> str:
        self.child.expect(pattern, timeout=timeout)
        self.raw.append(str(self.child.before) + str(self.child.after))
        text = plain(self.child.before + self.child.after)
        self.seen.append(text)
        return text

    def screen(self) -> list[str]:
        """The terminal's screen as the agent sees it now (pyte renders what was received:
        cursor moves, wraps and erasures included), one string per row."""
        import pyte

        screen = pyte.Screen(self.columns, 50)
        pyte.Stream(screen).feed("".join(self.raw))
        return [row.rstrip() for row in screen.display]

    def settle(self, quiet: float = 0.5) -> None:
        """Take in all the program draws until it has drawn nothing for `quiet` seconds:
        the screen as it then stands (what a test reads, not a timing it asserts)."""
        while self.child.expect([r"[\s\S]+", pexpect.TIMEOUT], timeout=quiet) == 0:
            self.raw.append(str(self.child.before) + str(self.child.after))
            self.seen.append(plain(self.child.before + self.child.after))

    def answer(self, pattern: str, keys: str, timeout: float = TIMEOUT) -> str:
        text = self.wait(pattern, timeout)
        self.child.send(keys)
        return text

    def finish(self) -> tuple[int, str]:
        self.child.expect(pexpect.EOF)
        self.raw.append(str(self.child.before))
        self.seen.append(plain(self.child.before))
        self.child.close()
        return int(self.child.exitstatus if self.child.exitstatus is not None else -1), \
            "".join(self.seen)


def plain(text: Any) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", "", str(text or ""))


@pytest.fixture
def term(sandbox: Sandbox, home: Path) -> Iterator[Any]:
    runs: list[Term] = []

    def start(*args: str, extra: dict[str, str] | None = None, columns: int = 140,
              command: str = "create") -> Term:
        run = Term(sandbox, home, *args, extra=extra, columns=columns, command=command)
        runs.append(run)
        return run

    yield start
    for run in runs:
        if run.child.isalive():
            run.child.terminate(force=True)


def answer_form(t: Term, *, policy: str = "POL-77", client: str = "Ana López",
                contact: str = "ana.lopez@example.com", what: str = "No guarda la placa") -> None:
    """The form from the first question to the review, with plain good answers."""
    t.answer("Número de póliza", policy + "\r")
    t.answer("Nombre completo", client + "\r")
    t.answer("Correo o teléfono", contact + "\r")
    t.answer("primera que aplique", "2")  # ALTA, by its number
    t.answer("QUÉ pasa", what + "\r")
    t.answer("CÓMO pasó", "Pagos > Tarjeta > Pagar\r")
    answer_rest(t, "Portal web de agentes", review=None)


NO_CHANGES: tuple[tuple[str, str], ...] = ()  # nothing speaks of a change: not asked


def answer_rest(t: Term, where: str, *, where_prompt: str = "DÓNDE",
                changes: tuple[tuple[str, str], ...] = NO_CHANGES,
                review: str | None = "\r") -> str:
    """The form from DÓNDE on: `where`, the default time and channel (Teléfono), the
    `changes` as (prompt, keys) pairs, no attachments, then `review` sent at the review
    (none: stop there); returns what the review showed."""
    t.answer(where_prompt, where + "\r")
    t.answer("CUÁNDO", "\r")
    t.answer("canal", "\r")
    for prompt, keys in changes:
        t.answer(prompt, keys)
    t.answer("Adjuntos", "\r")
    return "" if review is None else t.answer("Qué hacemos", review)


def sent_ticket(t: Term, sandbox: Sandbox) -> Any:
    """The one ticket HubSpot holds once `t` has ended with exit 0."""
    code, shown = t.finish()
    assert code == 0, shown
    [ticket] = sandbox.tickets()
    return ticket


def sent_file_id(t: Term, sandbox: Sandbox) -> str:
    """The id of the one file attached to the one ticket `t` sent (exit 0)."""
    ticket = sent_ticket(t, sandbox)
    [note] = sandbox.notes_of(ticket.id)
    [file_id] = note["hs_attachment_ids"].split(";")
    return str(file_id)


def outbox_entries(home: Path) -> list[Any]:
    from escalate.outbox import Outbox

    box = Outbox(home)
    try:
        return box.entries()[0]
    finally:
        box.close()


def test_a_typo_in_each_field_is_asked_again_at_once_and_the_fixed_ticket_is_sent(
        term: Any, sandbox: Sandbox, tmp_path: Path):
    shot = tmp_path / "captura de pantalla.png"
    shot.write_bytes(png_bytes(3))
    t = term()
    t.answer("Número de póliza", "#12\r")
    assert "#12" in t.answer("no parece un número de póliza", CLEAR_LINE + "pol-77\r")
    t.answer("Nombre completo", "Ana L0pez\r")
    t.answer("no parece un nombre", CLEAR_LINE + "Ana López\r")
    t.answer("Correo o teléfono", "ana@@example\r")
    t.answer("no es un correo", CLEAR_LINE + "ana.lopez@example.com\r")
    t.answer("primera que aplique", DOWN + "\r")
    t.answer("QUÉ pasa", "...\r")
    t.answer("no describe nada", CLEAR_LINE + "El endoso no guarda la placa\r")
    t.answer("CÓMO pasó", "-\r")
    t.answer("no describe nada", CLEAR_LINE + "Endosos > Guardar\r")
    t.answer("DÓNDE", "xxx\r")
    t.answer("no describe nada", CLEAR_LINE + "Portal web\r")
    t.answer("CUÁNDO", "hoy 10:30\r")
    t.answer("canal", DOWN * 3 + "\r")  # WhatsApp
    t.answer("Dato a cambiar", "placa ABC\r")  # the text speaks of an endoso: rule B.a
    t.answer("campo=valor", CLEAR_LINE + "placa=ABC1234\r")
    t.answer("Dato a cambiar", "\r")
    t.answer("Adjuntos", "/no/existe.png\r")
    t.answer("el archivo no existe", CLEAR_LINE + str(shot).replace(" ", "\\ ") + "\r")
    review = t.answer("Qué hacemos", "\r")
    assert "POL-77 - Ana López" in review and "captura de pantalla.png" in review
    ticket = sent_ticket(t, sandbox)
    content = ticket.properties["content"]
    assert ticket.properties["subject"] == "POL-77 - Ana López"
    assert ticket.properties["hs_ticket_priority"] == "HIGH"
    assert "El endoso no guarda la placa" in content and "Endosos > Guardar" in content
    assert "- placa: ABC1234" in content and "WhatsApp" in content and "hoy 10:30" in content
    # The review dates the ticket as HubSpot holds it, on the portal's clock (Mexico City's).
    created = datetime.fromisoformat(ticket.properties["createdate"].replace("Z", "+00:00"))
    local = created.astimezone(ZoneInfo("America/Mexico_City"))
    assert f"Fecha {local:%Y-%m-%d %H:%M} CST, UTC-06:00" in " ".join(review.split())
    [note] = sandbox.notes_of(ticket.id)
    assert note["hs_attachment_ids"]


def test_a_pasted_multi_line_what_stays_whole_in_its_field(term: Any, sandbox: Sandbox):
    t = term("--poliza", "POL-78", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--prioridad", "media")
    pasted = "Al guardar el endoso:\nla pantalla queda en blanco\n\ny luego pide sesión"
    t.answer("QUÉ pasa", PASTE_START + pasted + PASTE_END + "\r")
    t.answer("CÓMO pasó", "Endosos > Guardar\r")
    answer_rest(t, "App móvil", changes=(("Dato a cambiar", "\r"),))  # an endoso: rule B.a
    ticket = sent_ticket(t, sandbox)
    content = ticket.properties["content"]
    what = content.split("QUÉ:\n", 1)[1].split("\n\nCÓMO:", 1)[0]
    assert what == pasted
    assert "CÓMO:\nEndosos > Guardar\n\nDÓNDE:\nApp móvil" in content


def resume_id(shown: str) -> str:
    found = re.findall(r"--borrador ([0-9a-f]{8})", shown)
    assert found, shown
    return found[-1]


def test_ctrl_c_at_three_points_keeps_a_draft_and_borrador_creates_exactly_one_ticket(
        term: Any, sandbox: Sandbox, home: Path):
    t = term()
    t.answer("Número de póliza", "POL-79\r")
    t.answer("Nombre completo", "Ana Ló" + CTRL_C)  # 1: while typing
    code, shown = t.finish()
    assert code == 130 and "Interrumpido" in shown
    draft = resume_id(shown)

    t = term("--borrador", draft)
    t.wait("Nombre completo")
    t.answer("Ana Ló", CLEAR_LINE + "Ana López\r")  # the half-typed name was kept
    t.answer("Correo o teléfono", "55 1234 5678\r")
    t.answer("primera que aplique", DOWN + CTRL_C)  # 2: at a select list
    code, shown = t.finish()
    assert code == 130 and resume_id(shown) == draft

    t = term("--borrador", draft)
    t.answer("primera que aplique", "\r")  # URGENTE
    t.answer("QUÉ pasa", "No carga la póliza\r")
    t.answer("CÓMO pasó", "Abrir la app\r")
    answer_rest(t, "App", review=CTRL_C)  # 3: at the review
    code, shown = t.finish()
    assert code == 130 and resume_id(shown) == draft
    assert [e.kind for e in outbox_entries(home)] == ["draft"]
    assert sandbox.tickets() == []

    t = term("--borrador", draft)  # complete: straight to the review
    review = t.answer("Qué hacemos", "\r")
    assert "POL-79 - Ana López" in review and "URGENTE" in review
    ticket = sent_ticket(t, sandbox)
    assert ticket.properties["hs_ticket_priority"] == "URGENT"
    assert outbox_entries(home) == []


def test_the_reviews_edit_path_changes_a_field_and_returns_to_the_review(
        term: Any, sandbox: Sandbox):
    t = term()
    answer_form(t)
    t.answer("Qué hacemos", DOWN + "\r")  # Editar un campo
    t.answer("Qué campo", DOWN * 7 + "\r")  # DÓNDE
    t.answer(r"DÓNDE \(web o app", CLEAR_LINE + "App móvil, pantalla de pagos\r")
    review = t.answer("Qué hacemos", "\r")
    assert "App móvil, pantalla de pagos" in review
    ticket = sent_ticket(t, sandbox)
    assert "DÓNDE:\nApp móvil, pantalla de pagos" in ticket.properties["content"]


def test_a_name_mismatch_is_shown_side_by_side_and_declining_sends_nothing(
        term: Any, sandbox: Sandbox, home: Path):
    t = term()
    answer_form(t, client="Pedro Páramo")
    review = t.answer("Qué hacemos", DOWN * 4 + "\r")  # from «Cambiar el contacto»: Cancelar
    assert "Pedro Páramo" in review and "Ana López" in review and "Mismo cliente" in review
    t.answer("Descartar la escalación", DOWN * 2 + "\r")  # Sí, descartarla
    code, shown = t.finish()
    assert code == 0 and "no se envió nada" in shown
    assert sandbox.writes() == [] and sandbox.tickets() == []
    assert outbox_entries(home) == []


def test_a_declined_duplicate_never_reaches_hubspot_through_outbox_send(
        term: Any, cli: Cli, sandbox: Sandbox, home: Path):
    assert cli("create", *ANA).code == 0
    t = term(*ANA)  # every required value given: straight to the review
    review = t.answer("Qué hacemos", DOWN * 3 + "\r")  # Cancelar
    assert "Posibles duplicados" in review
    choices = t.answer("Descartar la escalación", DOWN * 2 + "\r")  # Sí, descartarla
    assert "Enviar de todos modos (ya hay 1 abierto con esta póliza)" in choices
    code, _shown = t.finish()
    assert code == 0
    assert cli("outbox", "send").code == 0
    assert len(sandbox.tickets()) == 1


def test_open_tickets_of_the_policy_are_said_under_the_first_fields_before_the_review(
        term: Any, cli: Cli, sandbox: Sandbox):
    assert cli("create", *with_option(ANA, "--poliza", "POL-77")).code == 0
    [first] = sandbox.tickets()
    t = term()
    answer_form(t)
    review = t.answer("Qué hacemos", DOWN * 3 + "\r")  # the review still names it: Cancelar
    form = "".join(t.seen)[:-len(review)]
    said = " ".join(form.split())
    assert f"La póliza POL-77 ya tiene 1 ticket abierto: {first.id}" in said
    assert "Posibles duplicados" in review
    t.answer("Descartar la escalación", DOWN * 2 + "\r")
    assert t.finish()[0] == 0 and len(sandbox.tickets()) == 1


def test_what_can_be_written_in_the_agents_editor(term: Any, sandbox: Sandbox, tmp_path: Path):
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nprintf 'Escrito en el editor\\ncon dos líneas\\n' > \"$1\"\n")
    editor.chmod(0o755)
    t = term("--poliza", "POL-80", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--prioridad", "baja", extra={"EDITOR": str(editor)})
    t.answer("QUÉ pasa", "\x18\x05")  # Ctrl-X Ctrl-E
    t.answer("CÓMO pasó", "Abrir\r")
    answer_rest(t, "Web", where_prompt=r"DÓNDE \(web")
    ticket = sent_ticket(t, sandbox)
    assert "QUÉ:\nEscrito en el editor\ncon dos líneas\n\nCÓMO:" in ticket.properties["content"]


def test_without_a_token_nothing_is_asked_and_exit_is_4(term: Any, sandbox: Sandbox,
                                                        home: Path):
    t = term(extra={"HUBSPOT_ACCESS_TOKEN": ""})
    code, shown = t.finish()
    assert code == 4, shown
    assert "Falta el token de HubSpot" in shown and "Número de póliza" not in shown
    assert sandbox.writes() == [] and outbox_entries(home) == []


def test_answers_are_kept_as_a_draft_when_hubspot_refuses_the_token(
        term: Any, sandbox: Sandbox, home: Path):
    t = term(extra={"HUBSPOT_ACCESS_TOKEN": "un-token-revocado"})
    answer_form(t)
    code, shown = t.finish()
    assert code == 4, shown
    [entry] = outbox_entries(home)
    assert entry.kind == "draft" and entry.payload["input"]["policy"] == "POL-77"
    assert entry.payload["input"]["how"] == "Pagos > Tarjeta > Pagar"
    assert resume_id(shown) == entry.id[:8]
    assert sandbox.tickets() == []


def test_an_escalation_kept_offline_at_the_review_is_sent_later_with_its_score(
        term: Any, cli: Cli, sandbox: Sandbox, home: Path):
    t = term(extra={"HUBSPOT_BASE_URL": "http://127.0.0.1:9",
                    "ESCALATE_OFFLINE_RETRY_SECONDS": "0"})
    answer_form(t)
    code, shown = t.finish()
    assert code == 5, shown
    [entry] = outbox_entries(home)
    assert entry.kind == "create" and entry.payload["quality"]["score"] > 0
    assert cli("outbox", "send").code == 0
    [ticket] = sandbox.tickets()
    held = sandbox.client.crm.tickets.basic_api.get_by_id(ticket.id,
                                                          properties=["escalate_quality"])
    assert held.properties["escalate_quality"] == str(entry.payload["quality"]["score"])


def test_the_review_on_80_columns_wraps_long_lines_and_crops_nothing(
        term: Any, sandbox: Sandbox):
    what = ("El cliente dice que la operación fue autorizada por el banco pero el cargo no "
            "aparece en su estado de cuenta ni en el portal de pagos del asegurado")
    t = term(columns=80)
    answer_form(t, what=what)
    review = t.answer("Qué hacemos", "\r")
    words = re.sub(r"[│╭╮╰╯─\s]+", " ", review)
    assert " ".join(what.split()) in words, review
    ticket = sent_ticket(t, sandbox)
    assert what in ticket.properties["content"]


def test_ctrl_c_while_typing_keeps_the_half_typed_field_and_says_so_once(
        term: Any, sandbox: Sandbox, home: Path):
    t = term("--poliza", "POL-81", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--prioridad", "media")
    t.answer("QUÉ pasa", "No pasa el pago\r")
    t.answer("CÓMO pasó", "Adjuntar > Tarjeta de" + CTRL_C)
    code, shown = t.finish()
    assert code == 130, shown
    assert shown.count("Interrumpido") == 1 and "bandeja de salida" not in shown, shown
    [entry] = outbox_entries(home)
    assert entry.kind == "draft" and entry.payload["input"]["how"] == "Adjuntar > Tarjeta de"

    t = term("--borrador", resume_id(shown))
    t.wait("CÓMO pasó")
    t.answer("Tarjeta de", " crédito\r")  # the kept text, ready to go on typing
    answer_rest(t, "Web")
    ticket = sent_ticket(t, sandbox)
    assert "CÓMO:\nAdjuntar > Tarjeta de crédito\n" in ticket.properties["content"]
    assert outbox_entries(home) == []


def test_sandbox_mode_says_so_before_asking_and_every_command_shown_has_sandbox(
        term: Any, cli: Cli, home: Path):
    t = term(extra={"ESCALATE_SANDBOX": "1"})
    first = t.answer("Número de póliza", "POL-82" + CTRL_C)
    assert "Modo sandbox" in first
    code, shown = t.finish()
    assert code == 130, shown
    assert shown.count("Interrumpido") == 1, shown
    assert re.search(r"escalate --sandbox crear --borrador [0-9a-f]{8}", shown), shown
    assert outbox_entries(home) == []  # the sandbox keeps its own outbox
    [entry] = outbox_entries(home / "sandbox" / "bandeja")
    assert entry.payload["input"]["policy"] == "POL-82"
    listed = cli("outbox", environ={"ESCALATE_SANDBOX": "1"})
    assert "escalate --sandbox crear --borrador" in listed.out, listed.out
    assert "«escalate crear" not in listed.out


def test_a_change_of_data_is_asked_only_when_the_case_speaks_of_one(
        term: Any, sandbox: Sandbox):
    t = term("--poliza", "POL-83", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--prioridad", "media")
    t.answer("QUÉ pasa", "No guarda el cambio de domicilio\r")  # a change of data: rule B.a
    t.answer("CÓMO pasó", "Perfil > Guardar\r")
    answer_rest(t, "Web", changes=(
        ("Dato a cambiar", "domicilio=Calle 5 de Mayo 12\r"),
        ("vacío para terminar", "\r")))
    ticket = sent_ticket(t, sandbox)
    assert "- domicilio: Calle 5 de Mayo 12" in ticket.properties["content"]
    t = term("--poliza", "POL-84", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--prioridad", "media")
    t.answer("QUÉ pasa", "La app se cierra al pagar\r")  # nothing to change: not asked
    t.answer("CÓMO pasó", "Pagos > Pagar\r")
    shown = answer_rest(t, "App")
    assert "cambiar" not in shown.lower() and "Dato a cambiar" not in "".join(t.seen)


def test_cancel_asks_first_and_can_keep_a_draft_instead(
        term: Any, sandbox: Sandbox, home: Path):
    t = term()
    answer_form(t)
    t.answer("Qué hacemos", DOWN * 3 + "\r")  # Cancelar
    t.answer("Descartar la escalación", "\r")  # default: no, back to the review
    t.answer("Qué hacemos", DOWN * 3 + "\r")  # Cancelar again
    t.answer("Descartar la escalación", DOWN + "\r")  # keep it as a draft
    code, shown = t.finish()
    assert code == 0, shown
    [entry] = outbox_entries(home)
    assert entry.kind == "draft" and entry.payload["input"]["policy"] == "POL-77"
    assert resume_id(shown) == entry.id[:8]
    assert sandbox.writes() == [] and sandbox.tickets() == []


def test_ctrl_c_at_the_first_question_with_nothing_typed_says_it_once(
        term: Any, sandbox: Sandbox, home: Path):
    t = term()
    t.answer("Número de póliza", CTRL_C)
    code, shown = t.finish()
    assert code == 130, shown
    assert shown.count("Interrumpido") == 1, shown
    assert outbox_entries(home) == [] and sandbox.writes() == []


def test_text_questions_share_one_session_and_up_recalls_only_the_same_questions_answers():
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from escalate.cli.prompts import ToolkitAsker

    def no_hash(answer: str) -> str | None:
        return "lleva «#»" if "#" in answer else None

    with create_pipe_input() as keys, create_app_session(input=keys, output=DummyOutput()):
        ask = ToolkitAsker()
        keys.send_text("POL 1#\r" + CLEAR_LINE + "POL-1\r")  # Enter on a bad answer: kept
        assert ask.text("Póliza", check=no_hash) == "POL-1"
        keys.send_text("Ana\r")
        assert ask.text("Nombre") == "Ana"
        keys.send_text("\x1b[A\r")  # Up: this question's last answer, not the name's
        assert ask.text("Póliza", check=no_hash) == "POL-1"
        keys.send_text("\x1b[A\r")  # a question never answered has nothing to recall
        assert ask.text("Cuándo") == ""


# -- the quality score and sensitive data at the terminal ---------------------------------


def test_hints_come_under_each_answer_the_review_shows_the_score_and_defaults_to_edit(
        term: Any, sandbox: Sandbox, home: Path):
    (home / "escalate.toml").write_text("[calidad]\nminimo = 50\n", encoding="utf-8")
    t = term("--poliza", "POL-91", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--prioridad", "media")
    t.answer("QUÉ pasa", "No funciona\r")
    under_what = t.answer("CÓMO pasó", "Pagar\r")
    assert "› QUÉ: «No funciona» no dice qué se ve" in under_what
    under_how = t.answer("DÓNDE", "Portal web\r")
    assert "› CÓMO: describe un solo paso" in under_how
    t.answer("CUÁNDO", "\r")
    t.answer("canal", "\r")
    t.answer("Adjuntos", "\r")
    review = t.answer("Qué hacemos", "\r")  # Enter: below the minimum, that is «Editar»
    assert re.search(r"Calidad\s+\d+/100 \(por debajo del mínimo 50\)", review)
    assert "CÓMO: describe un solo paso" in review  # what would raise it
    t.answer("Qué campo", DOWN * 5 + "\r")  # QUÉ: nothing was sent on that Enter
    assert sandbox.tickets() == []
    t.answer("QUÉ pasa", CLEAR_LINE + "Al pagar aparece «Error 504» y no se cobra; debería "
                                      "confirmar el pago\r")
    review = t.answer("Qué hacemos", "\r")  # now above the minimum: Enter sends
    score = int(re.findall(r"Calidad\s+(\d+)/100", review)[-1])
    assert score >= 50 and "por debajo" not in review.split("Calidad")[-1]
    ticket = sent_ticket(t, sandbox)
    stored = sandbox.client.crm.tickets.basic_api.get_by_id(
        ticket.id, properties=["escalate_quality"]).properties
    assert float(stored["escalate_quality"]) == score


def test_ctrl_d_at_a_question_keeps_a_draft_as_ctrl_c_does(term: Any, sandbox: Sandbox,
                                                            home: Path):
    t = term()
    t.answer("Número de póliza", "POL-95\r")
    t.answer("Nombre completo", "Ana López\r")
    t.answer("Correo o teléfono", "\x04")  # Ctrl-D on the empty answer
    code, shown = t.finish()
    assert code == 130 and shown.count("Interrumpido") == 1, shown
    [entry] = outbox_entries(home)
    assert (entry.payload["input"]["policy"], entry.payload["input"]["client_name"]) == (
        "POL-95", "Ana López")
    assert sandbox.tickets() == []


def test_ctrl_c_at_a_sensitive_finding_keeps_the_text_masked_in_the_draft(
        term: Any, sandbox: Sandbox, home: Path):
    t = term("--poliza", "POL-93", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--prioridad", "media")
    t.answer("QUÉ pasa", "Pagó con 4111 1111 1111 1111 y el cobro sale rechazado\r")
    t.answer("número de tarjeta en QUÉ", CTRL_C)
    code, shown = t.finish()
    assert code == 130, shown
    [entry] = outbox_entries(home)
    what = entry.payload["input"]["what"]
    assert "el cobro sale rechazado" in what and "1111" in what  # its last four, as masked
    assert "4111 1111" not in what and sandbox.tickets() == []
    # Ctrl-C while typing a card (before Enter): the draft holds it masked too
    t = term("--poliza", "POL-94", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--prioridad", "media")
    t.answer("QUÉ pasa", "Pagó con 5500 0000 0000 0004 y" + CTRL_C)
    assert t.finish()[0] == 130
    [typing] = [e for e in outbox_entries(home) if e.payload["input"]["policy"] == "POL-94"]
    assert "5500 0000" not in typing.payload["input"]["what"]
    assert "0004" in typing.payload["input"]["what"]


def test_each_sensitive_finding_is_masked_kept_with_a_reason_or_edited_at_its_field(
        term: Any, sandbox: Sandbox, home: Path):
    t = term("--poliza", "POL-92", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--prioridad", "media")
    t.answer("QUÉ pasa", "Pagó con 4111 1111 1111 1111 y su CURP BOXW310820HNERXN09 no se "
                         "guarda al pagar\r")
    t.wait("número de tarjeta en QUÉ")
    shown = t.answer("Editar el texto", "\r")  # the card: masked (the default)
    assert "Conservarlo" not in shown  # a card is never kept
    t.wait("CURP en QUÉ")
    shown = t.answer("Editar el texto", DOWN + "\r")  # the CURP: kept
    assert "Conservarlo" in shown
    t.answer("Por qué se conserva", "El cliente pidió corregirla\r")
    t.answer("CÓMO pasó", "Inicia sesión con su contraseña: Gato#2024 > Pagos > Pagar\r")
    t.wait("contraseña en CÓMO")
    t.answer("Editar el texto", DOWN + "\r")  # the password: «Editar el texto»
    t.answer("CÓMO pasó", CLEAR_LINE + "Inicia sesión > Pagos > Pagar\r")
    answer_rest(t, "App móvil, pantalla de pagos")
    content = sent_ticket(t, sandbox).properties["content"]
    assert "**** **** **** 1111" in content and "4111 1111" not in content
    assert "BOXW310820HNERXN09" in content and "Gato#2024" not in content


def test_masking_that_empties_que_asks_it_again(term: Any, sandbox: Sandbox):
    t = term("--poliza", "POL-93", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--prioridad", "media")
    t.answer("QUÉ pasa", "4111 1111 1111 1111\r")
    shown = t.answer("Editar el texto", "\r")
    again = t.answer("QUÉ pasa", CLEAR_LINE + "El cobro con tarjeta no se registra\r")
    assert "no dice nada" in again
    t.answer("CÓMO pasó", "Pagos > Pagar\r")
    answer_rest(t, "App")
    content = sent_ticket(t, sandbox).properties["content"]
    assert "QUÉ:\nEl cobro con tarjeta no se registra" in content
    assert "tarjeta" in shown


def logical_text(rows: list[str], columns: int) -> str:
    """The screen's text with a row the terminal wrapped (filled to the last column) joined
    to the next, and every other row break a space: what the agent reads, line after line."""
    joined = "".join(row + ("" if len(row) == columns else "\n") for row in rows)
    return " ".join(joined.split())


@pytest.mark.parametrize("columns", [80, 140])
def test_every_question_hint_and_answer_stays_whole_on_the_rendered_screen(
        term: Any, cli: Cli, sandbox: Sandbox, columns: int):
    """prompt_toolkit redraws a question in place when it is answered (cursor back, erase
    below, drawn again with the answer): in a raw capture that looks like a line written
    over the one above. On the screen as rendered (pyte), every question, every hint said
    under a field and every answer must be there whole, in order, and a refused answer's
    reason right under its question until it is fixed."""
    from escalate.cli.prompts import MULTILINE_HELP

    assert cli("create", *with_option(ANA, "--poliza", "POL-77")).code == 0
    [first] = sandbox.tickets()
    sandbox.forget_requests()
    t = term(columns=columns)
    t.answer("Número de póliza", "POL-77\r")
    # The policy's search runs while the name is typed; on a loaded machine it may outlast
    # the 3 s a question waits for it, and its warning would come at the review instead.
    wait_for(lambda: any(r["path"].endswith("/tickets/search") and r["status"] == 200
                         for r in sandbox.requests()), "the policy's tickets were not searched")
    t.answer("Nombre completo", "Lucía Ortega\r")
    t.answer("Correo o teléfono", "222 555 0101\r")  # a phone two contacts share
    t.answer("primera que aplique", "3")
    t.answer("varios contactos", "\r")
    t.answer("QUÉ pasa", "\r")  # empty: refused, its reason under it
    t.wait("No puede quedar vacío")
    t.settle()
    rows = t.screen()
    asked = max(n for n, row in enumerate(rows) if row.startswith("? QUÉ pasa"))
    assert rows[asked + 1] == "✗ No puede quedar vacío.", rows
    t.child.send("No funciona\r")
    t.answer("CÓMO pasó", "Pagar\r")
    t.wait("DÓNDE")
    t.settle()
    rows = t.screen()
    assert all(len(row) <= columns for row in rows)
    shown = logical_text(rows, columns)
    expected = [
        "? Número de póliza POL-77",
        "? Nombre completo del cliente Lucía Ortega",
        # said under the name: the search was waited for before it was answered
        f"⚠ La póliza POL-77 ya tiene 1 ticket abierto: {first.id} «POL-77 - Ana López» "
        "(Tech Issues). Si es el mismo problema, agregue la información a ese ticket; al "
        "revisar podrá enviar de todos modos.",
        "? Correo o teléfono del cliente 222 555 0101",
        "? ¿Qué describe mejor el caso? (la primera que aplique) 3) MEDIA",
        "? Ese teléfono es de varios contactos: ¿cuál es el cliente? 1) Lucía Ortega · "
        "lucia.ortega@example.com",
        "✓ Contacto: Lucía Ortega · lucia.ortega@example.com (id",
        MULTILINE_HELP,
        "? QUÉ pasa (el problema que vio el cliente) No funciona",
        "› QUÉ: «No funciona» no dice qué se ve",
        MULTILINE_HELP,
        "? CÓMO pasó (los pasos) Pagar",
        "› CÓMO: describe un solo paso",
        "? DÓNDE (web o app, pantalla, sección)",
    ]
    at = 0
    for line in expected:
        found = shown.find(line, at)
        assert found >= 0, f"«{line}» is not whole after position {at}:\n" + "\n".join(rows)
        at = found + len(line)
    assert "No puede quedar vacío" not in shown  # the reason went with the fixed answer
    # A hint longer than the terminal goes on under its text, not at the left edge where
    # only questions start (the open tickets' warning wraps at both widths).
    # A list's answer is its choice's name: the checklist's question after it, wider than a
    # laptop's terminal, was cut mid-word at its edge.
    assert "? ¿Qué describe mejor el caso? (la primera que aplique) 3) MEDIA" in rows
    warned = next(n for n, row in enumerate(rows) if row.startswith("  ⚠ La póliza"))
    assert rows[warned + 1].startswith("    ") and rows[warned + 1].strip(), rows

    def help_from(row: int) -> str:  # the help's rows, a space where they were wrapped
        text = rows[row]
        while len(text) < len(MULTILINE_HELP):
            row += 1
            text += " " + rows[row]
        return text

    starts = [n for n, row in enumerate(rows) if row.startswith("(Enter termina")]
    assert len(starts) == 2 and all(help_from(n) == MULTILINE_HELP for n in starts), rows
    t.child.send(CTRL_C)
    assert t.finish()[0] == 130
    assert len(sandbox.tickets()) == 1
