"""Notes on tickets, written once even when HubSpot's answer is lost.

Notes have no unique property, so each carries its outbox entry's reference; before a
note is sent again, the ticket's notes are read for that reference.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import datetime

from ..domain.limits import MAX_TEXT
from ..errors import AmbiguousWrite, Unreachable
from ..gateway import Gateway
from ..outbox import Entry, Outbox

MAX_BODY = MAX_TEXT  # hs_note_body
FRAME = 5_536  # room for the heading, the file list and the reference (text up to 60,000)
RESEND_ATTEMPTS = 3


def note_html(text: str | None, file_names: Iterable[str] = (), *, heading: str | None = None,
              reference: str) -> str:
    """A note body: the agent's text and the file list, every piece HTML-escaped."""
    parts = []
    if heading:
        parts.append(f"<p><strong>{html.escape(heading)}</strong></p>")
    if text:
        lines = "<br>".join(html.escape(line) for line in text.split("\n"))
        parts.append(f"<p>{lines}</p>")
    names = list(file_names)
    if names:
        items = "".join(f"<li>{html.escape(n)}</li>" for n in names)
        parts.append(f"<p>Archivos adjuntos:</p><ul>{items}</ul>")
    parts.append(f"<p><small>{reference_text(reference)}</small></p>")
    return "".join(parts)


def note_text_problem(text: str) -> str | None:
    """Why the agent's note text cannot go into a note body (escaped, it is longer), if so."""
    size = len(html.escape(text))
    if size > MAX_BODY - FRAME:
        return (f"el texto ocupa {size:,} caracteres en la nota y HubSpot admite "
                f"{MAX_BODY:,}; acórtelo.").replace(",", ".")
    return None


def reference_text(reference: str) -> str:
    return f"escalate ref {reference}"


def add_note_once(gateway: Gateway, outbox: Outbox, entry: Entry, *, ticket_id: str,
                  contact_ids: list[str], body_html: str, at: datetime,
                  attachment_ids: Iterable[str] = (), owner_id: str | None = None) -> str:
    """Create the entry's note unless HubSpot already has it; returns the note id.
    `owner_id`: the agent's HubSpot owner id, the note's owner."""
    state = entry.state
    if state.get("note_id"):
        return str(state["note_id"])
    marker = reference_text(entry.id)
    if state.get("note_pending"):
        found = find_note(gateway, ticket_id, marker)
        if found:
            return _noted(outbox, entry, found)
    state["note_pending"] = True
    outbox.save_state(entry)
    for _ in range(RESEND_ATTEMPTS):
        try:
            note_id = gateway.create_note(body_html, at, ticket_id, contact_ids,
                                          list(attachment_ids), owner_id=owner_id)
        except AmbiguousWrite:
            found = find_note(gateway, ticket_id, marker)
            if found:
                return _noted(outbox, entry, found)
            continue
        return _noted(outbox, entry, note_id)
    raise Unreachable("HubSpot no confirmó la nota tras varios intentos.")


def find_note(gateway: Gateway, ticket_id: str, marker: str) -> str | None:
    ids = gateway.ticket_note_ids(ticket_id)
    for note in gateway.notes(ids) if ids else []:
        if marker in (note.get("hs_note_body") or ""):
            return str(note["id"])
    return None


def _noted(outbox: Outbox, entry: Entry, note_id: str) -> str:
    entry.state["note_id"] = note_id
    entry.state["note_pending"] = False
    outbox.save_state(entry)
    return note_id
