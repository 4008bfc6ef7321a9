"""`attach TICKET --portapapeles`: the clipboard's image attached, under a real X server.

Xvfb and xclip are started by the tests (skipped, with the reason, where either is
missing); the image the sandbox received is read back and compared byte by byte."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import Cli, Sandbox, png_bytes

NEEDS_X = pytest.mark.skipif(shutil.which("Xvfb") is None or shutil.which("xclip") is None,
                             reason="hace falta Xvfb y xclip (apt install xvfb xclip)")


@pytest.fixture
def display() -> Iterator[str]:
    """A private X server; its display number is the one Xvfb chose and wrote to a pipe."""
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "640x480x24",
                               "-nolisten", "tcp"], pass_fds=(write,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    assert number, "Xvfb no dijo su número de pantalla"
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def owners() -> Iterator[list[subprocess.Popen[bytes]]]:
    """The xclip processes that hold a clipboard (in the foreground: ended here, by id)."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def copy(display: str, owners: list[subprocess.Popen[bytes]], data: bytes,
         kind: str | None) -> None:
    """Put `data` in the clipboard as `kind` (None: plain text), as a screenshot tool does.
    An xclip that could not open the display is started again (beside a running suite, 1
    run of this file in 10 met «Can't open display» on a server other clients reached)."""
    for _ in range(3):
        process = _owner(display, data, kind)
        owners.append(process)
        if _owns(display, process):
            return
    raise AssertionError("xclip no pudo abrir la pantalla tres veces")


def _owner(display: str, data: bytes, kind: str | None) -> subprocess.Popen[bytes]:
    command = ["xclip", "-quiet", "-selection", "clipboard", "-i"]
    if kind:
        command += ["-t", kind]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env={**os.environ, "DISPLAY": display})
    assert process.stdin is not None
    process.stdin.write(data)
    process.stdin.close()
    return process


def _owns(display: str, process: subprocess.Popen[bytes]) -> bool:
    """Wait until the X server names `process` as the clipboard's owner; False when it
    ended because it could not open the display."""
    deadline = time.monotonic() + 30  # a loaded machine starts xclip slowly
    while time.monotonic() < deadline:
        probe = subprocess.run(["xclip", "-selection", "clipboard", "-o", "-t", "TARGETS"],
                               capture_output=True, env={**os.environ, "DISPLAY": display},
                               check=False)
        if probe.returncode == 0 and probe.stdout.strip():
            return True
        if process.poll() is not None:
            said = process.stderr.read().decode(errors="replace") if process.stderr else ""
            if "open display" in said:
                return False
            raise AssertionError(f"xclip terminó ({process.returncode}): {said.strip()}")
        time.sleep(0.02)
    raise AssertionError("xclip no tomó el portapapeles en 30 s")


def x_environ(display: str) -> dict[str, str]:
    return {"DISPLAY": display, "PATH": os.environ.get("PATH", "")}


def captures(home: Path) -> list[Path]:
    folder = home / "capturas"
    return sorted(folder.iterdir()) if folder.exists() else []


@NEEDS_X
def test_the_clipboard_image_is_saved_privately_and_attached_as_is(
        cli: Cli, sandbox: Sandbox, ticket_id: str, home: Path, display: str,
        owners: list[subprocess.Popen[bytes]]):
    image = png_bytes(42)
    copy(display, owners, image, "image/png")
    result = cli("attach", ticket_id, "--portapapeles", "--nota", "Error al guardar",
                 "--json", environ=x_environ(display))
    assert result.code == 0, result.err
    [uploaded] = result.json()["files"]
    assert uploaded["name"].startswith("portapapeles-") and uploaded["name"].endswith(".png")
    assert sandbox.file_bytes(uploaded["id"]) == image
    [note] = sandbox.notes_of(ticket_id)
    assert note["hs_attachment_ids"] == uploaded["id"]
    [saved] = captures(home)
    assert saved.name == uploaded["name"] and saved.read_bytes() == image
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(saved.parent.stat().st_mode) == 0o700


@NEEDS_X
def test_clipboard_and_files_go_in_one_note(cli: Cli, sandbox: Sandbox, ticket_id: str,
                                            tmp_path: Path, display: str,
                                            owners: list[subprocess.Popen[bytes]]):
    copy(display, owners, png_bytes(7), "image/png")
    other = tmp_path / "endoso.png"
    other.write_bytes(png_bytes(8))
    result = cli("attach", ticket_id, str(other), "--clipboard",
                 "--json", environ=x_environ(display))
    assert result.code == 0, result.err
    assert len(result.json()["files"]) == 2
    [note] = sandbox.notes_of(ticket_id)
    assert len(note["hs_attachment_ids"].split(";")) == 2


@NEEDS_X
def test_text_in_the_clipboard_is_refused_and_nothing_is_attached(
        cli: Cli, sandbox: Sandbox, ticket_id: str, home: Path, display: str,
        owners: list[subprocess.Popen[bytes]]):
    copy(display, owners, b"POL-1001 no guarda", None)
    result = cli("attach", ticket_id, "--portapapeles", environ=x_environ(display))
    assert result.code == 2
    assert "tiene texto, no una imagen" in result.err and "No se adjuntó nada" in result.err
    assert sandbox.writes() == [] and captures(home) == []


@NEEDS_X
def test_an_empty_clipboard_is_said_and_nothing_is_attached(cli: Cli, sandbox: Sandbox,
                                                            ticket_id: str, home: Path,
                                                            display: str):
    result = cli("attach", ticket_id, "--portapapeles", environ=x_environ(display))
    assert result.code == 2
    assert "portapapeles está vacío" in result.err
    assert sandbox.writes() == [] and captures(home) == []


def test_without_wl_paste_or_xclip_the_message_names_the_packages(
        cli: Cli, sandbox: Sandbox, ticket_id: str, tmp_path: Path):
    empty = tmp_path / "bin"
    empty.mkdir()
    result = cli("attach", ticket_id, "--portapapeles",
                 environ={"DISPLAY": ":99", "PATH": str(empty)})
    assert result.code == 2
    assert "wl-clipboard" in result.err and "xclip" in result.err
    assert sandbox.writes() == []


def test_without_a_graphical_session_there_is_no_clipboard(cli: Cli, sandbox: Sandbox,
                                                           ticket_id: str):
    result = cli("attach", ticket_id, "--portapapeles")
    assert result.code == 2
    assert "sesión gráfica" in result.err
    assert sandbox.writes() == []


def test_attach_needs_a_file_or_the_clipboard(cli: Cli, sandbox: Sandbox, ticket_id: str):
    result = cli("attach", ticket_id)
    assert result.code == 2
    assert "falta el argumento ARCHIVO" in result.err
    assert sandbox.writes() == []


def test_on_wayland_wl_paste_is_asked_for_the_png(cli: Cli, sandbox: Sandbox, ticket_id: str,
                                                  tmp_path: Path, home: Path):
    """A stand-in `wl-paste` that answers as the real one does (its type list, then the
    bytes): the Wayland path is taken before xclip, and the PNG arrives unchanged."""
    image = png_bytes(99)
    (tmp_path / "clip.png").write_bytes(image)
    tools = tmp_path / "bin"
    tools.mkdir()
    fake = tools / "wl-paste"
    fake.write_text('#!/bin/sh\ncase "$1" in\n  --list-types) printf "image/png\\ntext/plain\\n";;'
                    '\n  --no-newline) [ "$3" = image/png ] && cat "$CLIP";;\nesac\n')
    fake.chmod(0o755)
    result = cli("attach", ticket_id, "--portapapeles", "--json", environ={
        "WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0", "CLIP": str(tmp_path / "clip.png"),
        "PATH": f"{tools}:/usr/bin:/bin"})
    assert result.code == 0, result.err
    [uploaded] = result.json()["files"]
    assert sandbox.file_bytes(uploaded["id"]) == image
    assert captures(home)[0].read_bytes() == image


@NEEDS_X
def test_pegar_at_the_attachments_question_attaches_the_clipboards_image(
        sandbox: Sandbox, home: Path, display: str, owners: list[subprocess.Popen[bytes]]):
    pytest.importorskip("pexpect")
    from .conftest import png_bytes
    from .test_interactive import Term, sent_file_id

    t = Term(sandbox, home, "--poliza", "POL-7001", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--prioridad", "media", "--que",
             "Al pagar aparece un error", "--como", "Pagos > Pagar", "--cuando", "hoy",
             extra={"DISPLAY": display})
    t.answer("DÓNDE", "App, pagos\r")
    t.answer("canal", "\r")
    t.answer("Adjuntos", "pegar\r")  # the clipboard is empty: said, asked again
    t.wait("portapapeles")
    image = png_bytes(7)
    copy(display, owners, image, "image/png")
    t.answer("Adjuntos", "\r")  # «pegar» is still there: Enter takes it now
    t.answer("Qué hacemos", "\r")
    assert sandbox.file_bytes(sent_file_id(t, sandbox)) == image
