"""No silent wrong result, no English: every mistaken or hostile input of issue 23's "Why",
and the class each stands for, gets the contract's exit code and a Spanish message, and
nothing reaches HubSpot where nothing should."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .conftest import ANA, Cli, Sandbox, png_bytes, with_option

# Words of Python's, the OS's, urllib3's and click's English that must never reach an agent
# (whole words, any case), and exception class names (`NewConnectionError`).
ENGLISH = re.compile(r"\b(the|denied|refused|invalid|expected|errno|traceback|cannot|could|"
                     r"failed|should|must|missing|unexpected|found|directory|connection|"
                     r"unbalanced|parenthesis|usage|option|such|file|is not|boom)\b",
                     re.IGNORECASE)
EXCEPTION_NAME = re.compile(r"\b[A-Z][A-Za-z]+(Error|Exception)\b")


def english_in(text: str) -> list[str]:
    """The English found in `text`, paths and the command lines quoted left out."""
    text = re.sub(r"/\S+", " ", text)  # a path may hold any word (a test's own folder)
    return [m.group(0) for m in (*ENGLISH.finditer(text), *EXCEPTION_NAME.finditer(text))]


@dataclass
class Case:
    """One input: the command, its surroundings, what must come back."""

    name: str
    args: list[str]
    code: int
    says: str  # a Spanish fragment the message must hold
    environ: dict[str, str] = field(default_factory=dict)
    prepare: Callable[[Path, Sandbox, pytest.MonkeyPatch], None] | None = None
    nothing_sent: bool = True  # no request at all (False: no write)


def text_named_png(work: Path, _sandbox: Sandbox, _patch: pytest.MonkeyPatch) -> None:
    (work / "captura.png").write_text("no soy una imagen\n", encoding="utf-8")


def passwd_named_png(work: Path, _sandbox: Sandbox, _patch: pytest.MonkeyPatch) -> None:
    (work / "pantalla.png").symlink_to("/etc/passwd")


def gif_named_jpg(work: Path, _sandbox: Sandbox, _patch: pytest.MonkeyPatch) -> None:
    (work / "foto.jpg").write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")


def png_named_pdf(work: Path, _sandbox: Sandbox, _patch: pytest.MonkeyPatch) -> None:
    (work / "poliza.pdf").write_bytes(png_bytes(1))


def dotenv_folder(work: Path, _sandbox: Sandbox, _patch: pytest.MonkeyPatch) -> None:
    (work / ".env").mkdir()


def dotenv_denied(work: Path, _sandbox: Sandbox, patch: pytest.MonkeyPatch) -> None:
    """A `.env` this user may not read (the suite runs as root, which reads anything)."""
    from escalate import system

    (work / ".env").write_text("ESCALATE_AGENT=ana@example.com\n", encoding="utf-8")
    real = system.read_text

    def denied(path: Path) -> str:
        if path.name == ".env":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    patch.setattr(system, "read_text", denied)


def policy_folder(work: Path, _sandbox: Sandbox, _patch: pytest.MonkeyPatch) -> None:
    (work / "politica").mkdir()


def a_bug(_work: Path, _sandbox: Sandbox, patch: pytest.MonkeyPatch) -> None:
    from escalate.workflows import lookup

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("boom: the thing failed")

    patch.setattr(lookup, "lookup_contact", broken)


FOLLOWUP = ["seguimiento", "--todos"]


def setting(name: str, value: str, says: str = "", prepare: Any = None) -> Case:
    """A variable read as something it is not: `seguimiento` refuses it naming it."""
    return Case(f"{name}={value}", FOLLOWUP, 2, says or name, {name: value}, prepare)


CASES = [
    # Settings read as something they are not.
    setting("ESCALATE_SANDBOX", "quizás"),
    setting("ESCALATE_SANDBOX", "2", "no es sí ni no"),
    setting("ESCALATE_OFFLINE_RETRY_SECONDS", "1e309"),
    setting("ESCALATE_RETRY_SECONDS", "3153600000"),
    setting("ESCALATE_TIMEOUT_SECONDS", "nan"),
    setting("ESCALATE_MAX_FILE_MB", "-inf"),
    setting("ESCALATE_FILES_FOLDER", "../../etc"),
    setting("ESCALATE_FILES_FOLDER", "/escalaciones/./x", "sin «.» ni «..»"),
    setting("ESCALATE_POLICY_PATTERN", "(POL"),
    setting("ESCALATE_POLICY_FILE", "politica", prepare=policy_folder),
    # One value asked for, two given.
    Case("policy twice", ["crear", *ANA, "--poliza", "POL-2"], 2, "--poliza se indicó más"),
    Case("policy under both names", ["crear", *ANA, "--policy", "POL-2"], 2,
         "se indicó más de una vez"),
    Case("hours twice", ["seguimiento", "--horas", "1", "--hours", "2"], 2,
         "se indicó más de una vez"),
    Case("portal twice", ["--portal", "1", "--portal", "2", "seguimiento"], 2,
         "--portal se indicó más"),
    Case("note twice", ["contactado", "1", "--nota", "a", "--nota=b"], 2,
         "--nota se indicó más"),
    # Numbers no one means.
    Case("hours past a year", ["seguimiento", "--horas", "99999999999999999999"], 2,
         "--horas debe ser"),
    Case("hours nan", ["seguimiento", "--horas", "nan"], 2, "--horas debe ser"),
    # The sandbox served so that nobody can use it.
    Case("sandbox token empty", ["sandbox", "servir", "--token", ""], 2, "--token está vacío"),
    Case("sandbox token with a space", ["sandbox", "servir", "--token", "a b"], 2,
         "--token tiene un espacio"),
    # An attachment whose content is not its declared type.
    Case("text named png, create", ["crear", *ANA, "--adjunto", "captura.png"], 2,
         "se llama .png pero su contenido es texto", prepare=text_named_png),
    Case("text named png, attach", ["adjuntar", "1", "captura.png"], 2,
         "se llama .png pero su contenido es texto", prepare=text_named_png),
    Case("link to /etc/passwd named png", ["adjuntar", "1", "pantalla.png"], 2,
         "se llama .png", prepare=passwd_named_png),
    Case("gif named jpg", ["adjuntar", "1", "foto.jpg"], 2, "su contenido es GIF",
         prepare=gif_named_jpg),
    Case("png named pdf", ["crear", *ANA, "--adjunto", "poliza.pdf"], 2,
         "su contenido es PNG", prepare=png_named_pdf),
    # English that used to leak.
    Case("unreadable .env", FOLLOWUP, 0, "no hay permiso", prepare=dotenv_denied,
         nothing_sent=False),
    Case("HubSpot unreachable", ["crear", *ANA], 5, "No se pudo conectar con HubSpot en "
         "127.0.0.1:9: conexión rechazada", {"HUBSPOT_BASE_URL": "http://127.0.0.1:9"}),
    Case("HubSpot's host unknown", FOLLOWUP, 5, "no se encontró esa dirección",
         {"HUBSPOT_BASE_URL": "https://no-existe.example.test"}),
    Case("a bug", ["crear", *ANA], 1, "Repórtelo al equipo", prepare=a_bug,
         nothing_sent=False),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_hostile_input_gets_its_exit_code_in_spanish_and_sends_nothing(
        case: Case, cli: Cli, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch):
    if case.prepare is not None:
        case.prepare(cli.cwd, sandbox, monkeypatch)
    result = cli(*case.args, environ=case.environ)
    shown = result.out + result.err
    assert result.code == case.code, (case.name, shown)
    assert case.says in shown, (case.name, shown)
    assert english_in(shown) == [], (case.name, shown)
    if case.nothing_sent:
        assert sandbox.requests() == [], case.name
    assert sandbox.writes() == [] and sandbox.tickets() == [], case.name


def test_a_dotenv_that_is_a_folder_is_said_not_ignored(cli: Cli, sandbox: Sandbox):
    dotenv_folder(cli.cwd, sandbox, pytest.MonkeyPatch())
    result = cli(*FOLLOWUP)
    assert result.code == 0, result.err
    assert ".env es una carpeta: no se lee" in result.err
    assert english_in(result.out + result.err) == []


def stored_files(sandbox: Sandbox) -> int:
    store = sandbox.running.app.portal.store
    with store.read() as db:
        return int(db.execute("SELECT count(*) FROM files").fetchone()[0])


def test_attach_to_a_ticket_that_does_not_exist_leaves_no_file_in_hubspot(
        cli: Cli, sandbox: Sandbox):
    for n in range(3):
        (cli.cwd / f"captura{n}.png").write_bytes(png_bytes(n))
    sandbox.control("POST", "latency", {"delay_ms": 50})  # the uploads land after the check
    result = cli("adjuntar", "999999", "captura0.png", "captura1.png", "captura2.png")
    assert result.code == 3, result.err
    assert "No existe el ticket 999999" in result.err and english_in(result.err) == []
    assert stored_files(sandbox) == 0
    uploads = [r for r in sandbox.requests() if r["method"] == "POST" and "/files/" in r["path"]]
    removals = [r for r in sandbox.requests() if r["method"] == "DELETE"]
    assert len(removals) == len(uploads)
    assert all(r["path"].startswith("/files/2026-03/files/") and r["status"] == 204
               for r in removals)
    assert cli("bandeja").out.startswith("La bandeja de salida está vacía")


def test_attach_to_a_ticket_that_exists_takes_two_round_trips_and_deletes_nothing(
        cli: Cli, sandbox: Sandbox, ticket_id: str):
    (cli.cwd / "captura.png").write_bytes(png_bytes(7))
    sandbox.control("POST", "latency", {"delay_ms": 100})  # a round trip as over the internet
    result = cli("adjuntar", ticket_id, "captura.png", "--json")
    assert result.code == 0, result.err
    requests = sandbox.requests()
    assert not [r for r in requests if r["method"] == "DELETE"]
    [check] = [r for r in requests if r["method"] == "GET" and "/tickets/" in r["path"]]
    [upload] = [r for r in requests if r["path"] == "/files/2026-03/files"]
    [note] = [r for r in requests if r["path"] == "/crm/objects/2026-09/notes"]
    # The ticket check and the upload overlap; the note goes once both have answered.
    assert check["started_at"] < upload["finished_at"] and upload["started_at"] < check[
        "finished_at"], requests
    assert max(check["finished_at"], upload["finished_at"]) <= note["started_at"]
    assert stored_files(sandbox) == 1


def test_a_repeated_option_is_named_as_json_too(cli: Cli, sandbox: Sandbox):
    result = cli("crear", *with_option(ANA, "--correo", None), "--correo", "a@example.com",
                 "--correo", "b@example.com", "--json")
    assert result.code == 2
    assert result.json()["error"]["field"] == "email"
    assert sandbox.requests() == []

