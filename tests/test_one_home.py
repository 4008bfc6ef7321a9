"""Two terminals, one ESCALATE_HOME: commands that run at once on one home never fail, never
mislabel what happened, and never lose or double what was typed.

Before 2026-12, two `escalate` that found no outbox at once each built one and renamed it
into place; the second rename replaced the file the first already had open, and SQLite then
refused the first one's writes ("attempt to write a readonly database",
SQLITE_READONLY_DBMOVED): the agent read "la carpeta de datos … es de solo lectura" and the
escalation went to the temporary folder. Two pexpect creates on a fresh home met it in 10 of
30 runs; none since."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from escalate import os_errors
from escalate.outbox import FILE_NAME, Entry, Outbox, describe_os_error, trouble
from escalate.workflows.entries import new_entry

from .conftest import Sandbox
from .test_edges import fallback_files
from .test_interactive import Term

pytestmark = pytest.mark.usefixtures("private_temp")


def draft(policy: str) -> Entry:
    return new_entry("draft", {"input": {"policy": policy}})


def policies_kept(home: Path) -> list[str]:
    box = Outbox(home)
    try:
        return sorted(e.payload["input"]["policy"] for e in box.entries()[0])
    finally:
        box.close()


# -- the outbox, both processes' steps interleaved --------------------------------------------


def test_an_outbox_built_by_another_process_meanwhile_is_used_not_replaced(home: Path):
    first = Outbox(home)  # found no outbox, built one, has it open
    opened = (home / FILE_NAME).stat().st_ino
    second = Outbox.__new__(Outbox)  # also found none a moment before, and builds its own now
    second.home, second.path = home, home / FILE_NAME
    second._create_fresh()
    assert (home / FILE_NAME).stat().st_ino == opened  # the first one's file stays
    first.put(draft("POL-1"), claim=False)  # was: "es de solo lectura", kept in the temp folder
    second = Outbox(home)
    second.put(draft("POL-2"), claim=False)
    first.close()
    second.close()
    assert policies_kept(home) == ["POL-1", "POL-2"]
    assert [p.name for p in home.iterdir() if p.name.startswith(".outbox")] == []


def test_an_outbox_set_aside_by_another_process_is_followed_to_the_new_file(home: Path):
    first = Outbox(home)
    first.put(draft("POL-1"), claim=False)
    other = home / "otro.sqlite3"  # another process's salvage: a new file in its place
    Outbox(home / "otra").close()
    (home / "otra" / FILE_NAME).rename(other)
    other.replace(home / FILE_NAME)
    first.put(draft("POL-2"), claim=False)  # written where the next command will look
    first.close()
    assert policies_kept(home) == ["POL-2"]


def test_many_processes_opening_one_fresh_home_at_once_all_write(home: Path):
    start, failures = threading.Barrier(6), []

    def open_and_put(i: int) -> None:
        start.wait()
        try:
            box = Outbox(home)
            box.put(draft(f"POL-{i}"), claim=False)
            box.close()
        except Exception as exc:  # the failure is what the test looks for
            failures.append(exc)

    workers = [threading.Thread(target=open_and_put, args=(i,)) for i in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    assert policies_kept(home) == [f"POL-{i}" for i in range(6)]


# -- a command line kept at Ctrl-C belongs to its command while it runs ---------------------


def test_a_command_line_kept_at_ctrl_c_is_left_to_its_running_command_then_becomes_a_draft(
        home: Path, private_temp: Path, monkeypatch: pytest.MonkeyPatch):
    """A create interrupted while another terminal opens the outbox: the interrupted one
    keeps its own work and drops the file; imported meanwhile by the other, it was a second
    draft of the same escalation, which could be completed into a second ticket."""
    import subprocess
    import sys

    from escalate.cli.interrupted import import_interrupted
    from escalate.cli.rescue import write_argv

    monkeypatch.setenv("TMPDIR", str(private_temp))
    monkeypatch.setenv("ESCALATE_HOME", str(home))
    kept = Path(write_argv(["crear", "--poliza", "POL-1"], "ab" * 16))  # by this process
    other = Outbox(home)  # another terminal's outbox opens
    import_interrupted(other)
    assert other.entries()[0] == [] and kept.exists()
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    ended = kept.with_name(f"argv-{'ab' * 16}-{finished.stdout.strip()}")
    kept.rename(ended)  # as if its command had ended without dropping it
    import_interrupted(other)
    [draft] = other.entries()[0]
    assert draft.kind == "draft" and draft.payload["input"]["policy"] == "POL-1"
    assert not ended.exists()
    other.close()


def test_a_command_line_kept_long_ago_or_by_an_earlier_version_becomes_a_draft(
        home: Path, private_temp: Path, monkeypatch: pytest.MonkeyPatch):
    import os

    from escalate.cli.interrupted import SETTLE_SECONDS, import_interrupted
    from escalate.cli.rescue import write_argv

    monkeypatch.setenv("TMPDIR", str(private_temp))
    monkeypatch.setenv("ESCALATE_HOME", str(home))
    old = Path(write_argv(["crear", "--poliza", "POL-1"], "cd" * 16))
    then = old.stat().st_mtime - SETTLE_SECONDS - 1  # its process id now names another
    os.utime(old, (then, then))
    unnamed = Path(write_argv(["crear", "--poliza", "POL-2"], "ef" * 16))
    unnamed.rename(unnamed.with_name(f"argv-{'ef' * 16}"))  # as written before 2026-12
    box = Outbox(home)
    import_interrupted(box)
    assert sorted(e.payload["input"]["policy"] for e in box.entries()[0]) == ["POL-1", "POL-2"]
    box.close()


# -- what the agent reads when it does happen ----------------------------------------------------


def moved_error(tmp_path: Path) -> sqlite3.OperationalError:
    """What SQLite raises writing to a file another process replaced while it was open."""
    path = tmp_path / "a.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE t (x)")
    replacement = sqlite3.connect(tmp_path / "b.sqlite3")
    replacement.execute("CREATE TABLE t (x)")
    replacement.close()
    (tmp_path / "b.sqlite3").replace(path)
    try:
        conn.execute("INSERT INTO t VALUES (1)")
    except sqlite3.OperationalError as exc:
        return exc
    finally:
        conn.close()
    raise AssertionError("SQLite wrote to a file no longer in its folder")


def test_a_file_replaced_while_open_is_said_as_such_never_read_only(tmp_path: Path):
    exc = moved_error(tmp_path)
    if getattr(exc, "sqlite_errorname", None) is None:
        pytest.skip("Python < 3.11 does not say SQLite's error name (the outbox reopens)")
    assert os_errors.code(exc) == "MOVED"
    said = describe_os_error(exc)
    assert "solo lectura" not in said and "reemplazó" in said
    problem = trouble(tmp_path, exc)
    assert "solo lectura" not in problem.message and "con escritura" not in (problem.hint or "")


@pytest.mark.parametrize(("name", "said"), [
    ("SQLITE_READONLY", "es de solo lectura"),
    ("SQLITE_READONLY_DIRECTORY", "es de solo lectura"),
    ("SQLITE_READONLY_DBMOVED", "otro proceso reemplazó su archivo mientras se usaba"),
    ("SQLITE_BUSY", "otro proceso la tiene bloqueada"),
])
def test_each_sqlite_read_only_kind_is_named_for_what_it_is(name: str, said: str):
    exc = sqlite3.OperationalError("attempt to write a readonly database")
    exc.sqlite_errorname = name  # type: ignore[attr-defined]
    assert os_errors.reason(exc) == said


def test_a_windows_file_in_use_is_not_said_to_be_locked_for_sqlites_5_s():
    import errno

    from escalate.system import FileInUse

    in_use = FileInUse(PermissionError(errno.EACCES, "En uso", "outbox.sqlite3"))
    assert describe_os_error(in_use) == "otro proceso la tiene bloqueada"
    busy = sqlite3.OperationalError("database is locked")
    assert describe_os_error(busy).startswith("otro proceso la tiene bloqueada desde hace")


# -- two terminals, end to end -----------------------------------------------------------------

# Six cases that share nothing (client, policy, words), so no create asks whether another's
# ticket is the same problem.
CASES = [
    ("ana.lopez@example.com", "Ana López", "La consulta de siniestros no abre el expediente",
     "Siniestros > Consultar > Abrir", "Portal web de agentes"),
    ("carlos.ramirez@example.com", "Carlos Ramírez", "El recibo de pago sale en blanco",
     "Cobranza > Recibos > Imprimir", "Sistema de cobranza"),
    ("lucia.ortega@example.com", "Lucía Ortega", "La cotización de hogar muestra prima cero",
     "Hogar > Cotizar > Calcular", "Cotizador de hogar"),
    ("ramon.ortega@example.com", "Ramón Ortega", "No llega el correo de bienvenida",
     "Alta de cliente > Enviar bienvenida", "Servidor de correo"),
    ("jl.hernandez@example.com", "José Luis Hernández", "La renovación duplica el descuento",
     "Renovaciones > Aplicar descuento", "Módulo de renovaciones"),
    ("mafer.garcia@example.com", "María Fernanda García", "El certificado sale sin folio",
     "Certificados > Generar PDF", "Generador de certificados"),
]


def typed_up_to_attachments(t: Term, policy: str, case: tuple[str, ...]) -> None:
    mail, name, what, how, where = case
    t.answer("Número de póliza", policy + "\r")
    t.answer("Nombre completo", name + "\r")
    t.answer("Correo o teléfono", mail + "\r")
    t.answer("primera que aplique", "2")
    t.answer("QUÉ pasa", what + "\r")
    t.answer("CÓMO pasó", how + "\r")
    t.answer("DÓNDE", where + "\r")
    t.answer("CUÁNDO", "\r")
    t.wait("canal")


@pytest.mark.usefixtures("hubspot_search_limit")
def test_interactive_creates_at_once_on_one_fresh_home_each_make_one_ticket(
        sandbox: Sandbox, tmp_path: Path, private_temp: Path):
    """Each round: a fresh home, three creates typed side by side, the last answers (which
    open the outbox while HubSpot is read) and the «Enviar» given to all at once. Three at
    once meet every race two meet (two at once was a case of its own: six more interactive
    creates, 3 s of the suite's CPU)."""
    terminals, rounds = 3, 2
    policies = []
    for round_ in range(rounds):
        home = tmp_path / f"home-{round_}"
        runs = [Term(sandbox, home, extra={"TMPDIR": str(private_temp)})
                for _ in range(terminals)]
        for i, t in enumerate(runs):
            policies.append(f"POL-{round_}{i}")
            typed_up_to_attachments(t, policies[-1], CASES[round_ * terminals + i])
        for t in runs:
            t.child.send("\r")  # the channel, then no attachments: the outbox opens
        for t in runs:
            t.answer("Adjuntos", "\r")
        for t in runs:
            t.wait("Qué hacemos")
        for t in runs:
            t.child.send("\r")
        for t in runs:
            code, shown = t.finish()
            assert code == 0 and "solo lectura" not in shown, shown
        assert fallback_files(private_temp) == []  # nothing waits in the temp folder
        assert outbox_is_empty(home)
    tickets = sandbox.tickets()
    assert sorted(t.properties["escalate_policy"] for t in tickets) == sorted(policies)
    assert len({t.properties["escalate_id"] for t in tickets}) == len(policies)


def outbox_is_empty(home: Path) -> bool:
    box = Outbox(home)
    try:
        entries, damaged = box.entries()
        return entries == [] and damaged == []
    finally:
        box.close()


def test_a_create_interrupted_while_another_sends_keeps_its_draft_on_a_fresh_home(
        sandbox: Sandbox, home: Path, private_temp: Path):
    """Before 2026-12 this lost the draft in 3 of 6 runs (the other terminal's new outbox
    replaced the one it was kept in) and failed the other terminal's create in the rest."""
    sending = Term(sandbox, home, extra={"TMPDIR": str(private_temp)})
    stopped = Term(sandbox, home, "--poliza", "POL-55", extra={"TMPDIR": str(private_temp)})
    typed_up_to_attachments(sending, "POL-54", CASES[0])
    stopped.answer("Nombre completo", "Lucía Ort")
    sending.child.send("\r")
    sending.answer("Adjuntos", "\r")  # its outbox opens while HubSpot is read...
    stopped.child.send("\x03")  # ...as the other keeps what was typed
    sending.answer("Qué hacemos", "\r")
    code, shown = sending.finish()
    assert code == 0 and "solo lectura" not in shown, shown
    code, shown = stopped.finish()
    assert code == 130 and "--borrador" in shown, shown
    [ticket] = sandbox.tickets()
    assert ticket.properties["escalate_policy"] == "POL-54"
    box = Outbox(home)
    try:
        [draft] = box.entries()[0]
    finally:
        box.close()
    assert draft.kind == "draft" and draft.payload["input"]["policy"] == "POL-55"
    assert fallback_files(private_temp) == []
