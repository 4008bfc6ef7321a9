"""Screenshots as one note on a ticket: private uploads in parallel, then the note.

Two round trips: the ticket check goes out beside the uploads (up to 8 in flight, the
shared pool pacing them by HubSpot's rate-limit headers), then the one note. When the check
finds no ticket, the files that went up beside it are deleted again: nothing stays."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..config import Settings
from ..domain.records import UploadedFile
from ..errors import EscalateError, FileChanged, Next, NotFound, Unreachable
from ..gateway import Gateway
from ..outbox import Entry, Outbox
from .entries import new_entry
from .files import LocalFile, checked_bytes, mime_of, verify
from .notes import add_note_once, note_html
from .target import merged_words, target
from .ui import Ui

PARALLEL_UPLOADS = 8
# The ticket check beside the uploads: the id to write to (a merged ticket's survivor) and
# its contacts' ids.
Check = Callable[[], tuple[str, list[str]]]


@dataclass
class AttachResult:
    ticket_id: str
    note_id: str | None
    files: list[UploadedFile] = field(default_factory=list)
    merged_from: str | None = None  # the id typed, when HubSpot merged it into ticket_id

    def as_json(self) -> dict[str, Any]:
        return {"ticket_id": self.ticket_id, "note_id": self.note_id,
                "files": [{"id": f.id, "name": f.name, "size": f.size} for f in self.files],
                "merged_from": self.merged_from}


def attach_entry(ticket_id: str, files: list[LocalFile], note: str | None) -> Entry:
    """The outbox entry for an `attach`: what to upload and say, kept before sending."""
    return new_entry("attach", {"ticket_id": ticket_id, "note": note,
                                "files": [f.as_payload() for f in files]})


def clients_values(gateway: Gateway, ticket_id: str) -> tuple[str, ...]:
    """The name, email and phone of the ticket's first contact, for the screenshots' scan
    to cover them as a create's does; NotFound (exit 3) before anything is read or sent
    when the ticket does not exist. Unreachable goes on up: the caller scans without them."""
    from .target import target

    found = target(gateway, ticket_id)
    contacts = gateway.contacts(found.contact_ids[:1]) if found.contact_ids else {}
    return tuple(v for c in contacts.values() for v in (c.name, c.email, c.best_phone) if v)


def check_ticket_id(raw: str) -> str:
    text = raw.strip()
    if not text.isdigit() or len(text) > 20:
        from ..domain.text import shown
        from ..errors import InvalidInput

        why = ("es demasiado largo (hasta 20 cifras)" if text.isdigit()
               else "debe ser un número")
        raise InvalidInput([f"«{shown(raw, 30)}» no es un id de ticket: {why} (el que "
                            "aparece en la URL del ticket)."])
    return text


def send_attach(entry: Entry, *, gateway: Gateway, settings: Settings, outbox: Outbox, ui: Ui,
                now: datetime) -> AttachResult:
    """Carry out an attach entry: check the ticket while uploading what is missing, then
    add the note."""
    typed = str(entry.payload["ticket_id"])
    contact_ids = entry.state.get("contact_ids")
    ticket_id = str(entry.state.get("ticket_id") or typed)  # the survivor of a merge

    def check() -> tuple[str, list[str]]:
        found = target(gateway, typed)
        merged = merged_words(found)
        if merged:
            ui.warn(merged)
        return found.id, found.contact_ids

    def link() -> str:
        from .portal import load_portal

        return load_portal(gateway, settings, now=now).account.ticket_url(ticket_id)

    result = upload_and_note(entry, gateway=gateway, settings=settings, outbox=outbox, ui=ui,
                             ticket_id=ticket_id, contact_ids=contact_ids,
                             note_text=entry.payload.get("note"), now=now,
                             check=check if contact_ids is None else None, link=link)
    result.merged_from = typed if result.ticket_id != typed else None
    return result


def upload_and_note(entry: Entry, *, gateway: Gateway, settings: Settings, outbox: Outbox,
                    ui: Ui, ticket_id: str, contact_ids: list[str] | None,
                    note_text: str | None, now: datetime, heading: str | None = None,
                    check: Check | None = None,
                    link: Callable[[], str] | None = None) -> AttachResult:
    """Upload every file of the entry not yet uploaded, then the one note that carries them.

    Each file is uploaded only as it was checked (`files.verify`, then `checked_bytes` per
    upload): one that is not stops the entry before any upload, as `FileChanged` naming it,
    the ticket (`link()`, its address) and how to attach it again. `check` (the ticket's
    existence, answering the id to write to, the survivor of a merge, and its contact ids)
    runs beside the uploads; when it fails, uploads not yet started are cancelled and
    nothing is noted."""
    from .team import agent_owner

    agent = agent_owner(gateway, settings, now=now)  # the note's owner (cached), before uploads
    wanted = [(Path(f["path"]), str(f["name"])) for f in entry.payload["files"]]
    uploaded: dict[str, dict[str, Any]] = entry.state.setdefault("uploaded", {})
    missing = [f for f in entry.payload["files"] if str(f["path"]) not in uploaded]
    try:
        verify(missing, settings.max_file_bytes)
        failed, checked = _upload_all(gateway, settings, outbox, entry, ticket_id, missing, ui,
                                      check)
    except FileChanged as exc:
        raise _for_the_ticket(exc, ticket_id, link) from None
    if contact_ids is None and checked is not None:
        ticket_id, contact_ids = checked
        entry.state.update(ticket_id=ticket_id, contact_ids=contact_ids)
        outbox.save_state(entry)
    files = [UploadedFile(**uploaded[str(path)]) for path, _ in wanted if str(path) in uploaded]
    if failed:
        answer = ui.confirm_partial(len(files), failed) if files else False
        if not answer:
            raise Unreachable(
                f"No se pudieron subir {len(failed)} de {len(wanted)} archivos ("
                + ", ".join(failed) + "); no se creó la nota.")
        # The agent chose to go on: the rest waits in the outbox as an attach of its own.
        rest = [f for f in entry.payload["files"] if str(f["path"]) not in uploaded]
        outbox.put(new_entry("attach", {"ticket_id": ticket_id, "note": note_text,
                                        "files": rest}), claim=False)
    body = note_html(note_text, [f.name for f in files], heading=heading, reference=entry.id)
    note_id = add_note_once(gateway, outbox, entry, ticket_id=ticket_id,
                            contact_ids=contact_ids or [], body_html=body, at=now,
                            attachment_ids=[f.id for f in files],
                            owner_id=agent.id if agent else None)
    return AttachResult(ticket_id=ticket_id, note_id=note_id, files=files)


def _remove_uploaded(gateway: Gateway, futures: dict[Future[UploadedFile], Any]) -> None:
    """Delete from HubSpot the files uploaded beside a ticket check that found no ticket,
    once those in flight have landed: nothing of an attach to a missing ticket stays."""
    for future in futures:
        if future.cancelled() or future.exception() is not None:
            continue
        gateway.remove_file(future.result().id)


def _for_the_ticket(exc: FileChanged, ticket_id: str,
                    link: Callable[[], str] | None) -> FileChanged:
    """The same refusal, saying which ticket the files were for, where it is, and how to
    attach them again once they are right."""
    from contextlib import suppress

    where = f"el ticket {ticket_id}"
    if link is not None:
        with suppress(EscalateError):  # the address is a courtesy: the id is said anyway
            where += f" ({link()})"
    return FileChanged(f"No se adjuntó nada: {exc.message}. Los adjuntos eran para {where}.",
                       files=exc.files,
                       next_steps=(Next("attach", "Revise el archivo y adjúntelo con",
                                        ticket_id),))


def _upload_one(gateway: Gateway, stored: dict[str, Any], folder: str,
                max_bytes: int) -> UploadedFile:
    """Read the kept file once more and upload those bytes, if they are the ones checked."""
    content = checked_bytes(stored, max_bytes)
    return gateway.upload(content, folder, str(stored["name"]), mime_of(stored))


def _upload_all(gateway: Gateway, settings: Settings, outbox: Outbox, entry: Entry,
                ticket_id: str, todo: list[dict[str, Any]], ui: Ui,
                check: Check | None = None) -> tuple[list[str], tuple[str, list[str]] | None]:
    """Upload concurrently (up to 8 at a time) beside the ticket check, if any; returns the
    names that could not be uploaded and the check's answer."""
    if not todo:
        return [], check() if check is not None else None
    folder = f"{settings.files_folder.rstrip('/')}/{ticket_id}"
    failed: list[str] = []
    checked: tuple[str, list[str]] | None = None
    with (ui.progress(len(todo)) as advance,
          ThreadPoolExecutor(1) as beside, ThreadPoolExecutor(min(PARALLEL_UPLOADS,
                                                                 len(todo))) as pool):
        checking = beside.submit(check) if check is not None else None
        futures: dict[Future[UploadedFile], tuple[str, str]] = {
            pool.submit(_upload_one, gateway, stored, folder, settings.max_file_bytes):
                (str(stored["path"]), str(stored["name"])) for stored in todo}
        if checking is not None:
            try:
                checked = checking.result()
            except BaseException as exc:
                for future in futures:
                    future.cancel()  # those not started yet
                if isinstance(exc, NotFound):  # no ticket: what went up comes down again
                    _remove_uploaded(gateway, futures)
                raise
        for future in as_completed(futures):
            path, name = futures[future]
            try:
                done = future.result()
            except (EscalateError, OSError) as exc:
                if not isinstance(exc, (Unreachable, OSError)):
                    raise
                failed.append(name)
            else:
                entry.state["uploaded"][path] = {
                    "id": done.id, "name": name, "size": done.size, "access": done.access}
                outbox.save_state(entry)
            advance(name)
    return failed, checked
