"""Screenshots read before upload, end to end: what HubSpot ends up holding is downloaded
from the sandbox and judged by its pixels (the ink of every card, CURP, RFC or client value
black, the error line untouched); without the extra, `adjuntar` says once that images are
not scanned. Whether a covered copy still reads as a secret (the OCR's second read) is
test_screenshots.py's, on a sample of the screens, and benchmarks/screenshots.py's, on all."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from .conftest import Cli, Sandbox
from .screens import Screen, check, make_screens, make_short_captures
from .test_screenshots import NEEDS_OCR, fresh_engine  # noqa: F401 (a fixture)


def judged(sandbox: Sandbox, screen: Screen, file_id: str, tmp_path: Path,
           kinds: tuple[str, ...]) -> None:
    """The verdict on what HubSpot holds for `screen`, for the secrets of `kinds`."""
    held = tmp_path / f"held-{file_id}.png"
    held.write_bytes(sandbox.file_bytes(file_id))
    wanted = dataclasses.replace(screen, secrets=[s for s in screen.secrets if s.kind in kinds])
    verdict = check(wanted, held, None)
    assert verdict.leaks == [], screen.path.name
    assert verdict.error_kept, screen.path.name


@NEEDS_OCR
def test_adjuntar_uploads_covered_copies_and_says_what_it_covered(
        cli: Cli, sandbox: Sandbox, ticket_id: str, tmp_path: Path):
    # A whole screen, and a strip cut to the error's line with a card after it.
    screens = [s for s in make_screens(tmp_path / "in", 6)
               if {"card", "curp", "rfc"} & {d.kind for d in s.secrets}][:1]
    screens += [s for s in make_short_captures(tmp_path / "in")
                if s.path.name.startswith("recorte-03-432x26")]
    result = cli("adjuntar", ticket_id, *(str(s.path) for s in screens), "--json")
    assert result.code == 0, result.err
    assert "se cubrió" in result.err
    files = result.json()["files"]
    assert [f["name"] for f in files] == [f"{s.path.stem}-cubierta.png" for s in screens]
    for screen, uploaded in zip(screens, files, strict=True):
        judged(sandbox, screen, uploaded["id"], tmp_path, ("card", "curp", "rfc"))


@NEEDS_OCR
def test_crear_covers_the_clients_own_name_email_and_phone_too(
        cli: Cli, sandbox: Sandbox, tmp_path: Path):
    [screen] = [s for s in make_screens(tmp_path / "in", 4)
                if {"name", "email"} <= {d.kind for d in s.secrets}][:1]
    name, email, phone = screen.known
    first, _, last = name.partition(" ")
    from hubspot.crm.contacts.exceptions import ApiException

    try:  # the screens draw the seed's own clients; another gets a contact of its own
        sandbox.client.crm.contacts.basic_api.create(simple_public_object_input_for_create={
            "properties": {"firstname": first, "lastname": last, "email": email}})
    except ApiException as exc:
        assert exc.status == 409
    result = cli("crear", "--poliza", "POL-6001", "--cliente", name, "--correo", email,
                 "--telefono", phone, "--prioridad", "media",
                 "--que", "Al guardar aparece el error de la captura", "--como",
                 "Endosos > Guardar", "--donde", "Portal web", "--adjunto", str(screen.path),
                 "--json")
    assert result.code == 0, result.err
    [uploaded] = result.json()["attachments"]
    judged(sandbox, screen, uploaded["id"], tmp_path,
           ("card", "curp", "rfc", "name", "email", "phone"))


@NEEDS_OCR
def test_adjuntar_covers_the_tickets_clients_own_values_and_reads_no_image_for_no_ticket(
        cli: Cli, sandbox: Sandbox, tmp_path: Path, home: Path):
    [screen] = [s for s in make_screens(tmp_path / "in", 4)
                if {"name", "email"} <= {d.kind for d in s.secrets}][:1]
    name, email, phone = screen.known
    first, _, last = name.partition(" ")
    from hubspot.crm.contacts.exceptions import ApiException

    values = {"firstname": first, "lastname": last, "email": email, "phone": phone}
    try:  # the client as HubSpot knows them: attach covers what the ticket's contact holds
        sandbox.client.crm.contacts.basic_api.create(
            simple_public_object_input_for_create={"properties": values})
    except ApiException as exc:
        assert exc.status == 409
        sandbox.client.crm.contacts.basic_api.update(
            email, simple_public_object_input={"properties": values}, id_property="email")
    created = cli("crear", "--poliza", "POL-6002", "--cliente", name, "--correo", email,
                  "--prioridad", "media", "--que", "Al guardar aparece un error",
                  "--como", "Endosos > Guardar", "--donde", "Portal web", "--json")
    assert created.code == 0, created.err
    result = cli("adjuntar", created.json()["id"], str(screen.path), "--json")
    assert result.code == 0, result.err
    [uploaded] = result.json()["files"]
    judged(sandbox, screen, uploaded["id"], tmp_path,
           ("card", "curp", "rfc", "name", "email", "phone"))
    missing = cli("adjuntar", "99999", str(screen.path))
    assert missing.code == 3 and "No existe el ticket 99999" in missing.err
    assert len(list((home / "cubiertas").glob("*"))) == 1  # the first one's copy only


def test_without_the_extra_adjuntar_says_once_that_images_are_not_scanned(
        cli: Cli, sandbox: Sandbox, ticket_id: str, tmp_path: Path, fresh_engine,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch):
    from PIL import Image

    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)
    shots = []
    for n in range(2):  # screens large enough to show text (a 1x1 pixel is not read at all)
        shot = tmp_path / f"captura{n}.png"
        Image.new("RGB", (320, 200), (255, 255, 255 - n)).save(shot)
        shots.append(str(shot))
    result = cli("adjuntar", ticket_id, *shots)
    assert result.code == 0, result.err
    assert result.err.count("no se revisan") == 1


@NEEDS_OCR
def test_at_the_attachments_question_the_agent_sees_what_was_covered_and_chooses(
        sandbox: Sandbox, home: Path, tmp_path: Path):
    pytest.importorskip("pexpect")
    from .test_interactive import DOWN, Term, sent_file_id

    screens = [s for s in make_screens(tmp_path / "in", 6)
               if "card" in {d.kind for d in s.secrets}][:2]
    t = Term(sandbox, home, "--poliza", "POL-6002", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--prioridad", "media", "--que",
             "Al pagar aparece un error", "--como", "Pagos > Pagar", "--cuando", "hoy")
    t.answer("DÓNDE", "App, pagos\r")
    t.answer("canal", "\r")
    t.answer("Adjuntos", " ".join(str(s.path) for s in screens) + "\r")
    # The question comes once the child has loaded the OCR and read both screens: seconds
    # on an idle machine, more under a full suite's load. Enter: the covered copy.
    shown = t.answer(f"Qué se sube de {screens[0].path.name}", "\r", timeout=60)
    assert "número de tarjeta «…" in shown
    t.answer(f"Qué se sube de {screens[1].path.name}", DOWN * 2 + "\r")  # nothing
    t.answer("Qué hacemos", "\r")
    file_id = sent_file_id(t, sandbox)
    assert sandbox.file(file_id).path.endswith(f"{screens[0].path.stem}-cubierta.png")
    judged(sandbox, screens[0], file_id, tmp_path, ("card", "curp", "rfc"))
