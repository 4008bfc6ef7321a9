"""A file is uploaded exactly as it was checked (issue 20, part 2): a path swapped for a link,
a file grown or replaced, deleted or turned into a FIFO after the check is never uploaded;
the entry waits as «requiere acción» naming the file (exit 3). Each test reads back the
files the sandbox holds."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from .conftest import ANA, Cli, Sandbox, png_bytes

pytestmark = pytest.mark.usefixtures("private_temp")

UPLOADS = "/files/2026-03/files"
SECRET = b"HUBSPOT_ACCESS_TOKEN=pat-na1-no-debe-salir\n"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def offline(cli: Cli) -> dict[str, str]:
    return {"HUBSPOT_BASE_URL": f"http://127.0.0.1:{closed_port()}"}


def picture(folder: Path, name: str = "captura.png", seed: int = 1) -> Path:
    path = folder / name
    path.write_bytes(png_bytes(seed))
    return path


def queued_attach(cli: Cli, ticket_id: str, path: Path) -> None:
    """An attach checked now and kept, HubSpot being unreachable, for `outbox send`."""
    kept = cli("attach", ticket_id, str(path), environ=offline(cli))
    assert kept.code == 5, kept.err
    assert "bandeja de salida" in kept.err


def refused_at_send(cli: Cli, sandbox: Sandbox, name: str) -> str:
    """`outbox send` refuses the entry (exit 3) naming the file, uploads nothing, and the
    entry then waits as «requiere acción» without another request."""
    sent = cli("outbox", "send")
    assert sent.code == 3, sent.out + sent.err
    assert name in sent.out and "requiere acción" in sent.out
    assert not [r for r in sandbox.requests() if r["path"] == UPLOADS]
    listing = cli("outbox")
    assert "Requiere acción" in listing.out and name in listing.out
    sandbox.forget_requests()
    again = cli("outbox", "send")
    assert again.code == 3 and sandbox.requests() == []
    return sent.out


def test_a_file_swapped_for_a_link_after_the_check_is_never_uploaded(
        cli: Cli, sandbox: Sandbox, ticket_id: str, tmp_path: Path):
    shot = picture(tmp_path)
    queued_attach(cli, ticket_id, shot)
    secret = tmp_path / "shadow"
    secret.write_bytes(SECRET)
    shot.unlink()
    os.symlink(secret, shot)
    said = refused_at_send(cli, sandbox, "captura.png")
    assert "enlace" in said
    assert sandbox.stored_files() == {}


def test_a_link_named_like_a_picture_to_a_text_file_is_refused_and_a_link_to_a_picture_said(
        cli: Cli, sandbox: Sandbox, ticket_id: str, tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_bytes(SECRET)
    disguised = tmp_path / "captura.png"
    os.symlink(env_file, disguised)
    refused = cli("attach", ticket_id, str(disguised))
    assert refused.code == 2 and "texto" in refused.err and "captura.png" in refused.err
    plain = tmp_path / "pantalla.png"
    plain.write_bytes(b"solo texto, con nombre de imagen\n")
    assert cli("attach", ticket_id, str(plain)).code == 2
    assert sandbox.requests() == []
    log = tmp_path / "consola.log"
    log.write_bytes(b"TypeError: x is undefined\n")
    target = picture(tmp_path / "work", "original.png", seed=4)
    link = tmp_path / "enlace.png"
    os.symlink(target, link)
    accepted = cli("attach", ticket_id, str(log), str(link))
    assert accepted.code == 0, accepted.err
    assert "enlace.png es un enlace" in accepted.err and str(target) in accepted.err
    assert sandbox.stored_files() == {"consola.log": log.read_bytes(),
                                      "enlace.png": target.read_bytes()}


def test_a_file_that_grew_after_the_check_is_never_uploaded(cli: Cli, sandbox: Sandbox,
                                                            ticket_id: str, tmp_path: Path):
    shot = picture(tmp_path)
    queued_attach(cli, ticket_id, shot)
    with shot.open("ab") as grown:
        grown.write(b"\x00" * 3_000_000)
    said = refused_at_send(cli, sandbox, "captura.png")
    assert "cambió" in said or "MB" in said
    assert sandbox.stored_files() == {}


def test_a_file_replaced_after_the_check_is_never_uploaded_and_the_checked_one_is(
        cli: Cli, sandbox: Sandbox, ticket_id: str, tmp_path: Path):
    shot, other = picture(tmp_path, seed=1), picture(tmp_path, "otra.png", seed=2)
    queued_attach(cli, ticket_id, shot)
    os.replace(other, shot)
    refused_at_send(cli, sandbox, "captura.png")
    assert sandbox.stored_files() == {}
    # put back as checked, a new attach of the same bytes goes through
    shot.write_bytes(png_bytes(1))
    fresh = cli("attach", ticket_id, str(shot))
    assert fresh.code == 0, fresh.err
    assert sandbox.stored_files() == {"captura.png": png_bytes(1)}


def test_a_deleted_attachment_requires_action_exit_3_naming_it_with_the_tickets_link(
        cli: Cli, sandbox: Sandbox, tmp_path: Path):
    shot = picture(tmp_path)
    sandbox.fault(method="POST", path=UPLOADS, status=503, times=1_000)
    made = cli("create", *ANA, "--adjunto", str(shot), "--sin-preguntas",
               environ={"ESCALATE_RETRY_SECONDS": "0"})
    assert made.code == 5, made.err
    sandbox.control("DELETE", "faults")
    [ticket] = sandbox.tickets()
    shot.unlink()
    sandbox.forget_requests()
    sent = cli("outbox", "send")
    assert sent.code == 3, sent.out + sent.err
    assert "captura.png" in sent.out and "no existe" in sent.out
    assert f"/ticket/{ticket.id}" in sent.out  # where the ticket is
    assert f"attach {ticket.id}" in sent.out
    assert not [r for r in sandbox.requests() if r["path"] == UPLOADS]
    assert sandbox.stored_files() == {} and sandbox.notes_of(ticket.id) == []
    assert len(sandbox.tickets()) == 1
    assert "Requiere acción" in cli("outbox").out


def test_a_fifo_is_refused_at_once_at_the_check_and_at_the_send(
        cli: Cli, sandbox: Sandbox, ticket_id: str, tmp_path: Path):
    fifo = tmp_path / "captura-fifo.png"
    os.mkfifo(fifo)
    checked = cli.subprocess("attach", ticket_id, str(fifo), timeout=60)
    assert checked.returncode == 2 and "FIFO" in checked.stderr
    shot = picture(tmp_path)
    queued_attach(cli, ticket_id, shot)
    shot.unlink()
    os.mkfifo(shot)
    sent = cli.subprocess("outbox", "send", timeout=60)  # no writer: it would hang if read
    assert sent.returncode == 3 and "FIFO" in sent.stdout
    assert not [r for r in sandbox.requests() if r["path"] == UPLOADS]
    assert sandbox.stored_files() == {}
