"""Screenshots as one note: `attach` and `create --attach` against the sandbox."""

from __future__ import annotations

import os
from pathlib import Path

from .conftest import ANA, Cli, Sandbox, png_bytes


def uploads(sandbox: Sandbox) -> list[dict]:
    return [r for r in sandbox.requests() if r["path"] == "/files/2026-03/files"]


def pictures(folder: Path, count: int) -> list[str]:
    paths = []
    for i in range(count):
        path = folder / f"captura{i + 1}.png"
        path.write_bytes(png_bytes(i))
        paths.append(str(path))
    return paths


def test_three_pngs_become_three_private_files_in_one_note(cli: Cli, sandbox: Sandbox,
                                                           ticket_id: str, tmp_path: Path):
    sandbox.control("POST", "latency", {"delay_ms": 150})
    result = cli("attach", ticket_id, *pictures(tmp_path, 3), "--nota", "Pantalla al guardar",
                 "--json")
    assert result.code == 0, result.err
    log = sandbox.requests()  # before the checks below add their own reads
    sent = [r for r in log if r["path"] == "/files/2026-03/files"]
    data = result.json()
    assert set(data) == {"ticket_id", "note_id", "files", "merged_from"}
    assert data["merged_from"] is None
    ids = [f["id"] for f in data["files"]]
    assert [f["name"] for f in data["files"]] == ["captura1.png", "captura2.png", "captura3.png"]
    for file_id in ids:
        stored = sandbox.file(file_id)
        assert stored.access == "PRIVATE"
        assert stored.path.startswith(f"/escalaciones/{ticket_id}/")
    [note] = sandbox.notes_of(ticket_id)
    assert note["id"] == data["note_id"]
    assert sorted(note["hs_attachment_ids"].split(";")) == sorted(ids)
    assert "Pantalla al guardar" in note["hs_note_body"]
    assert note["associations"]["contacts"].results  # also on the client's contact
    assert len(sent) == 3
    assert len([r for r in log if r["path"] == "/crm/objects/2026-09/notes"]) == 1
    assert len(log) <= 5  # 3 uploads, 1 note, at most 1 ticket check
    spans = [(r["started_at"], r["finished_at"]) for r in sent]
    overlapping = max(sum(1 for s, f in spans if s <= start < f) for start, _ in spans)
    assert overlapping >= 2


def test_note_text_is_stored_html_escaped(cli: Cli, sandbox: Sandbox, ticket_id: str,
                                          tmp_path: Path):
    result = cli("attach", ticket_id, *pictures(tmp_path, 1), "--nota",
                 "<script>alert(1)</script> & más")
    assert result.code == 0, result.err
    [note] = sandbox.notes_of(ticket_id)
    assert "<script>" not in note["hs_note_body"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; más" in note["hs_note_body"]


def test_a_link_to_a_file_elsewhere_uploads_under_the_links_own_name(
        cli: Cli, sandbox: Sandbox, ticket_id: str, tmp_path: Path):
    target = tmp_path / "elsewhere" / "secret-name.png"
    target.parent.mkdir()
    target.write_bytes(png_bytes(9))
    link = tmp_path / "work" / "pantalla.png"
    os.symlink(target, link)
    result = cli("attach", ticket_id, "../work/./pantalla.png", "--json")
    assert result.code == 0, result.err
    [uploaded] = result.json()["files"]
    assert uploaded["name"] == "pantalla.png"
    assert sandbox.file(uploaded["id"]).path.endswith("/pantalla.png")


def test_every_bad_file_is_named_at_once_exit_2_and_nothing_is_uploaded(
        cli: Cli, sandbox: Sandbox, ticket_id: str, tmp_path: Path):
    folder = tmp_path / "carpeta"
    folder.mkdir()
    empty = tmp_path / "vacio.png"
    empty.write_bytes(b"")
    program = tmp_path / "programa.png"
    program.write_bytes(b"\x7fELF\x02\x01\x01" + b"\x00" * 100)
    archive = tmp_path / "comprimido.png"
    archive.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    big = tmp_path / "grande.png"
    big.write_bytes(png_bytes(1) + b"\x00" * 3_000)
    result = cli("attach", ticket_id, str(tmp_path / "no-existe.png"), str(folder), str(empty),
                 str(program), str(archive), str(big), environ={"ESCALATE_MAX_FILE_MB": "0.002"})
    assert result.code == 2
    for name, words in [("no-existe.png", "no existe"), ("carpeta", "carpeta"),
                        ("vacio.png", "vacío"), ("programa.png", "contenido"),
                        ("comprimido.png", "contenido"), ("grande.png", "MB")]:
        line = next(line for line in result.err.splitlines() if name in line)
        assert words in line, line
    assert sandbox.requests() == []


def test_a_note_longer_than_hubspot_allows_exits_2_before_any_upload(
        cli: Cli, sandbox: Sandbox, ticket_id: str, tmp_path: Path):
    result = cli("attach", ticket_id, *pictures(tmp_path, 1), "--nota", "<b>&</b> " * 8_000)
    assert result.code == 2 and "65.536" in result.err
    assert sandbox.requests() == []


def test_a_ticket_id_that_is_not_a_number_exits_2(cli: Cli, sandbox: Sandbox, tmp_path: Path):
    result = cli("attach", "abc", *pictures(tmp_path, 1))
    assert result.code == 2 and "número" in result.err
    assert sandbox.requests() == []


def test_a_ticket_that_does_not_exist_exits_3_and_notes_nothing(cli: Cli, sandbox: Sandbox,
                                                                tmp_path: Path):
    """The ticket check runs beside the first uploads (two round trips for the agent who
    typed the id right); for a wrong id, those uploads stay private in the wrong id's
    folder, and nothing else happens: no note, no later uploads, nothing kept."""
    result = cli("attach", "987654", *pictures(tmp_path, 2))
    assert result.code == 3 and "987654" in result.err
    assert not [r for r in sandbox.requests() if r["path"] == "/crm/objects/2026-09/notes"]
    assert len(uploads(sandbox)) <= 2
    assert cli("outbox").out.startswith("La bandeja de salida está vacía")


def test_create_with_attachments_lists_them_and_makes_one_note(cli: Cli, sandbox: Sandbox,
                                                               tmp_path: Path):
    files = pictures(tmp_path, 2)
    result = cli("create", *ANA, "--adjunto", files[0], "--attach", files[1], "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert [a["name"] for a in data["attachments"]] == ["captura1.png", "captura2.png"]
    [note] = sandbox.notes_of(data["id"])
    assert sorted(note["hs_attachment_ids"].split(";")) == sorted(a["id"]
                                                                  for a in data["attachments"])


def test_create_checks_the_files_before_creating_anything(cli: Cli, sandbox: Sandbox,
                                                          tmp_path: Path):
    result = cli("create", *ANA, "--adjunto", str(tmp_path / "falta.png"))
    assert result.code == 2 and "falta.png" in result.err
    assert sandbox.requests() == []


def test_a_failed_upload_keeps_the_rest_for_outbox_send_without_uploading_twice(
        cli: Cli, sandbox: Sandbox, ticket_id: str, tmp_path: Path):
    files = pictures(tmp_path, 3)
    sandbox.fault(method="POST", path_prefix="/files/2026-03/files", times=1, status=503)
    result = cli("attach", ticket_id, *files, environ={"ESCALATE_RETRY_SECONDS": "0"})
    assert result.code == 5
    assert "bandeja enviar" in result.err
    assert sandbox.notes_of(ticket_id) == []
    assert len(uploads(sandbox)) == 3  # one failed
    sandbox.forget_requests()
    sent = cli("outbox", "send")
    assert sent.code == 0, sent.out + sent.err
    assert len(uploads(sandbox)) == 1  # only the one that had failed
    [note] = sandbox.notes_of(ticket_id)
    assert len(note["hs_attachment_ids"].split(";")) == 3


def test_on_a_terminal_the_agent_may_keep_a_note_with_what_did_upload(
        cli: Cli, sandbox: Sandbox, ticket_id: str, tmp_path: Path):
    files = pictures(tmp_path, 2)
    sandbox.fault(method="POST", path_prefix="/files/2026-03/files", times=1, status=503)
    result = cli("attach", ticket_id, *files, keys="s",
                 environ={"ESCALATE_RETRY_SECONDS": "0"})
    assert result.code == 0, result.err
    [note] = sandbox.notes_of(ticket_id)
    assert len(note["hs_attachment_ids"].split(";")) == 1
    assert "adjuntos al ticket" in cli("outbox").out  # the missing file waits there
