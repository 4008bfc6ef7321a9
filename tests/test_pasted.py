"""Paths as terminals paste them: each terminal's form as a table (the Windows ones read by
`cli/pasted.py` under Windows' facts), then the attachments question, `attach` and
`--adjunto` end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from escalate.cli.pasted import Unclosed, arguments, split
from escalate.system import Platform

from .conftest import ANA, Cli, Sandbox, png_bytes
from .test_interactive import sent_ticket, term  # noqa: F401 (a fixture)

WINDOWS, LINUX, MACOS = Platform(windows=True), Platform(), Platform(macos=True)
NNBSP = "\u202f"  # macOS puts it before «a. m.» in its screenshots' names
FILES = {
    r"C:\Users\ana\Escritorio\captura 1.png", r"C:\Users\ana\Escritorio\b.png",
    r"C:\Users\ana\Escritorio\it's.png", r"\\servidor\compartida\póliza 1.pdf",
    "/Users/ana/Desktop/captura 1.png", f"/Users/ana/Desktop/Captura 10.00.00{NNBSP}a. m..png",
    "/Users/ana/Desktop/pantalla (1).png", "/home/ana/captura 1.png", "/home/ana/b.png",
    "/home/ana/Imágenes/captura 1.png",
}


def exists(path: str) -> bool:
    return path in FILES


@pytest.mark.parametrize(("terminal", "platform", "pasted", "paths"), [
    ("cmd.exe", WINDOWS, r'"C:\Users\ana\Escritorio\captura 1.png"',
     [r"C:\Users\ana\Escritorio\captura 1.png"]),
    ("cmd.exe, two files", WINDOWS,
     r'"C:\Users\ana\Escritorio\captura 1.png" C:\Users\ana\Escritorio\b.png',
     [r"C:\Users\ana\Escritorio\captura 1.png", r"C:\Users\ana\Escritorio\b.png"]),
    ("PowerShell", WINDOWS, r"& 'C:\Users\ana\Escritorio\captura 1.png'",
     [r"C:\Users\ana\Escritorio\captura 1.png"]),
    ("PowerShell, a quote in the name", WINDOWS, r"& 'C:\Users\ana\Escritorio\it''s.png'",
     [r"C:\Users\ana\Escritorio\it's.png"]),
    ("Windows Terminal", WINDOWS,
     r'"C:\Users\ana\Escritorio\captura 1.png" "C:\Users\ana\Escritorio\b.png" ',
     [r"C:\Users\ana\Escritorio\captura 1.png", r"C:\Users\ana\Escritorio\b.png"]),
    ("Windows, typed without quotes", WINDOWS, r"C:\Users\ana\Escritorio\captura 1.png",
     [r"C:\Users\ana\Escritorio\captura 1.png"]),
    ("Windows, a file URI", WINDOWS, "file:///C:/Users/ana/Escritorio/captura%201.png",
     [r"C:\Users\ana\Escritorio\captura 1.png"]),
    ("Windows, a network share URI", WINDOWS, "file://servidor/compartida/p%C3%B3liza%201.pdf",
     [r"\\servidor\compartida\póliza 1.pdf"]),
    ("macOS Terminal", MACOS, r"/Users/ana/Desktop/captura\ 1.png ",
     ["/Users/ana/Desktop/captura 1.png"]),
    ("macOS Terminal, parentheses", MACOS, r"/Users/ana/Desktop/pantalla\ \(1\).png",
     ["/Users/ana/Desktop/pantalla (1).png"]),
    ("macOS screenshot name", MACOS, rf"/Users/ana/Desktop/Captura\ 10.00.00{NNBSP}a.\ m..png",
     [f"/Users/ana/Desktop/Captura 10.00.00{NNBSP}a. m..png"]),
    ("GNOME Terminal", LINUX, "'/home/ana/captura 1.png' '/home/ana/b.png' ",
     ["/home/ana/captura 1.png", "/home/ana/b.png"]),
    ("Linux, double quotes", LINUX, '"/home/ana/captura 1.png"', ["/home/ana/captura 1.png"]),
    ("Linux file manager's copy", LINUX,
     "file:///home/ana/Im%C3%A1genes/captura%201.png\nfile:///home/ana/b.png\n",
     ["/home/ana/Imágenes/captura 1.png", "/home/ana/b.png"]),
    ("Linux, typed without quotes", LINUX, "/home/ana/captura 1.png /home/ana/b.png",
     ["/home/ana/captura 1.png", "/home/ana/b.png"]),
    ("a path that names no file stays as read", LINUX, "/home/ana/no existe.png",
     ["/home/ana/no", "existe.png"]),
    ("a path that names no file, Windows", WINDOWS, r'"C:\Users\ana\no existe.png"',
     [r"C:\Users\ana\no existe.png"]),
    ("nothing", LINUX, "  \n", []),
])
def test_each_terminals_paste_becomes_the_paths_it_names(terminal: str, platform: Platform,
                                                           pasted: str, paths: list[str]):
    assert split(pasted, exists, platform) == paths, terminal


@pytest.mark.parametrize("platform", [WINDOWS, LINUX])
def test_an_unclosed_quote_is_said(platform: Platform):
    with pytest.raises(Unclosed):
        split("'/home/ana/captura 1.png", exists, platform)


@pytest.mark.parametrize(("values", "platform", "paths"), [
    (["/home/ana/captura", "1.png", "/home/ana/b.png"], LINUX,
     ["/home/ana/captura 1.png", "/home/ana/b.png"]),
    ([r"C:\Users\ana\Escritorio\captura", "1.png"], WINDOWS,
     [r"C:\Users\ana\Escritorio\captura 1.png"]),
    (["file:///C:/Users/ana/Escritorio/b.png"], WINDOWS, [r"C:\Users\ana\Escritorio\b.png"]),
    (["/home/ana/b.png", "/home/ana/nada.png"], LINUX, ["/home/ana/b.png", "/home/ana/nada.png"]),
])
def test_arguments_split_by_the_shell_are_put_back_together(values: list[str],
                                                             platform: Platform,
                                                             paths: list[str]):
    assert arguments(values, exists, platform) == paths


# -- end to end ---------------------------------------------------------------------------


def picture(folder: Path, name: str, seed: int) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_bytes(seed))
    return path


def test_attach_with_a_path_the_shell_split_at_its_space_uploads_that_one_file(
        cli: Cli, sandbox: Sandbox, tmp_path: Path):
    created = cli("create", *ANA, "--json")
    ticket = str(created.json()["id"])
    shot = picture(tmp_path / "Mis capturas", "captura 1.png", 1)
    other = picture(tmp_path, "b.png", 2)
    head, tail = str(shot).rsplit(" ", 1)
    result = cli("attach", ticket, *head.split(" "), tail, other.as_uri(), "--json")
    assert result.code == 0, result.err
    names = [f["name"] for f in result.json()["files"]]
    assert names == ["captura 1.png", "b.png"]
    [note] = sandbox.notes_of(ticket)
    assert len(note["hs_attachment_ids"].split(";")) == 2


def test_adjunto_takes_a_file_uri(cli: Cli, sandbox: Sandbox, tmp_path: Path):
    shot = picture(tmp_path / "Imágenes", "captura 1.png", 3)
    result = cli("create", *ANA, "--adjunto", shot.as_uri(), "--json")
    assert result.code == 0, result.err
    assert [a["name"] for a in result.json()["attachments"]] == ["captura 1.png"]


def test_the_attachments_question_takes_pasted_forms_and_stays_on_a_path_of_no_file(
        term: Any, sandbox: Sandbox, tmp_path: Path):  # noqa: F811 (the fixture)
    shot = picture(tmp_path / "Mis capturas", "captura 1.png", 4)
    other = picture(tmp_path / "Imágenes", "otra captura.png", 5)
    t = term(*ANA[:8], "--que", "La app cierra la sesión al adjuntar", "--como",
             "Adjuntar > Enviar")
    t.answer("DÓNDE", "Portal web de agentes\r")
    t.answer("CUÁNDO", "\r")
    t.answer("canal", "\r")
    missing = str(tmp_path / "no existe.png")
    t.answer("Adjuntos", f"'{missing}'\r")
    shown = t.wait("png: el archivo no existe")
    assert missing in shown  # the path as it was read
    # typed bare (spaces and all), then a file manager's URI
    t.child.send("\x15" + f"{shot} {other.as_uri()}\r")
    t.answer("Qué hacemos", "\r")
    ticket = sent_ticket(t, sandbox)
    [note] = sandbox.notes_of(ticket.id)
    assert len(note["hs_attachment_ids"].split(";")) == 2
