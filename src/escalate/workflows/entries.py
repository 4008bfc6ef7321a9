"""Outbox entry kinds, in one table: what each kind is, how its payload is written (with its
version) and read back, how it is described and listed.

`new_entry` is the one function that writes a payload: it stamps `PAYLOAD_VERSION`.
`migrate` is the one that reads one: a payload without a version was written before
versions were stamped on every kind (creates, attachments and follow-ups until 2026-12)
and is read as version 1; each later version gets a step in `_STEPS`. Delivering an entry
is `workflows/delivery.py`'s; this module sends nothing and imports no sender.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import Next
from ..outbox import Entry
from ..short_ids import short_id

PAYLOAD_VERSION = 2
UNVERSIONED = 1  # what a payload without "version" is

Section = Literal["pending", "draft"]


@dataclass(frozen=True)
class EntryKind:
    """One kind of outbox entry: how it is described, listed, what it is called when it
    stays in the outbox, and what its payload must hold (`check` raises KeyError, TypeError
    or ValueError when something is missing or of the wrong kind)."""

    name: str
    kept: str  # what the agent reads when it stays in the outbox
    describe: Callable[[dict[str, Any]], str]
    check: Callable[[dict[str, Any]], None]
    section: Section = "pending"


def _describe_create(payload: dict[str, Any]) -> str:
    esc = payload.get("escalation") or {}
    return f"{esc.get('policy', '?')} - {esc.get('client_name', '?')}"


def _describe_draft(payload: dict[str, Any]) -> str:
    raw = payload.get("input") or {}
    return f"borrador: {raw.get('policy') or '?'} - {raw.get('client_name') or '?'}"


def _describe_attach(payload: dict[str, Any]) -> str:
    return f"adjuntos al ticket {payload.get('ticket_id')} ({len(payload.get('files') or [])})"


def _describe_contacted(payload: dict[str, Any]) -> str:
    return f"seguimiento del ticket {payload.get('ticket_id')}"


def _describe_merge(payload: dict[str, Any]) -> str:
    return f"fusión del ticket {payload.get('merged_id')} en el {payload.get('ticket_id')}"


def _files(files: Any, *, some: bool = False) -> None:
    if not isinstance(files, list) or (some and not files):
        raise TypeError("sin lista de archivos")
    for item in files:
        if not isinstance(item["path"], str) or not isinstance(item["name"], str):
            raise TypeError("un archivo sin ruta o sin nombre")


def _ticket_id(value: Any) -> None:
    if not str(value).isdigit():
        raise ValueError(f"id de ticket no válido: {str(value)[:20]!r}")


def _check_create(payload: dict[str, Any]) -> None:
    from ..domain.escalation import Escalation

    Escalation.from_json(payload["escalation"])
    _files(payload.get("files") or [])


def _check_attach(payload: dict[str, Any]) -> None:
    _ticket_id(payload["ticket_id"])
    _files(payload["files"], some=True)


def _check_contacted(payload: dict[str, Any]) -> None:
    _ticket_id(payload["ticket_id"])
    if not isinstance(payload["note"], str) or not payload["note"].strip():
        raise ValueError("sin nota")


def _check_merge(payload: dict[str, Any]) -> None:
    _ticket_id(payload["ticket_id"])
    _ticket_id(payload["merged_id"])


def _check_draft(payload: dict[str, Any]) -> None:
    if not isinstance(payload["input"], dict):
        raise TypeError("sin respuestas")


KINDS: dict[str, EntryKind] = {k.name: k for k in (
    EntryKind("create", "La escalación quedó en la bandeja de salida", _describe_create,
              _check_create),
    EntryKind("attach", "Los adjuntos quedaron en la bandeja de salida", _describe_attach,
              _check_attach),
    EntryKind("contacted", "El seguimiento quedó en la bandeja de salida",
              _describe_contacted, _check_contacted),
    EntryKind("merge", "La fusión quedó en la bandeja de salida", _describe_merge,
              _check_merge),
    EntryKind("draft", "El borrador sigue en la bandeja de salida", _describe_draft,
              _check_draft, section="draft"),
)}


# -- writing and reading payloads ----------------------------------------------------------


def new_entry(kind: str, payload: dict[str, Any], entry_id: str | None = None) -> Entry:
    """An entry of a registered kind, its payload stamped with PAYLOAD_VERSION: the one
    place a payload is written."""
    if kind not in KINDS:
        raise ValueError(kind)
    return Entry(id=entry_id or uuid.uuid4().hex, kind=kind,
                 payload={**payload, "version": PAYLOAD_VERSION})


def _draft_client_name(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Version 1 drafts kept from a command line named the client by its option."""
    raw = payload.get("input")
    if kind == "draft" and isinstance(raw, dict) and "client" in raw \
            and "client_name" not in raw:
        payload["input"] = {("client_name" if k == "client" else k): v
                            for k, v in raw.items()}
    return payload


# Read quirks of a version, fixed when it is read (same version number).
_QUIRKS: dict[int, Callable[[str, dict[str, Any]], dict[str, Any]]] = {1: _draft_client_name}


def _create_checks(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Version 2 creates carry what was checked before they were kept: the sensitive data
    masked and kept (with the agent's reason), the quality score, and the portal's own
    fields (`--campo`); a version 1 create was kept before those existed."""
    if kind == "create":
        payload = {"masked": [], "kept": [], "quality": None, "fields": {}, **payload}
        payload = _payment_data_masked(payload)
    return payload


def _payment_data_masked(payload: dict[str, Any]) -> dict[str, Any]:
    """A create kept before the checks existed: what pays or opens an account (a card, its
    CVV and expiry, a password, a NIP, a code) is masked as it is read, so an upgrade never
    sends one; the rest stays as the agent wrote it."""
    from ..domain.screening import DESCRIBED, masked_json
    from ..domain.sensitive import ALWAYS_MASKED, mask_escalation, scan_fields

    escalation = payload.get("escalation")
    if not isinstance(escalation, dict):
        return payload
    texts = {f: escalation.get(f) for f in DESCRIBED if isinstance(escalation.get(f), str)}
    changes = [(str(c.get("field")), str(c.get("value")))
               for c in escalation.get("changes") or [] if isinstance(c, dict)]
    keep = [f for f in scan_fields(texts) if f.kind not in ALWAYS_MASKED]
    done = mask_escalation(texts, changes, keep)
    if not done.masked:
        return payload
    masked = {**escalation, **{f: done.fields[f] for f in texts},
              "changes": [{"field": n, "value": v} for n, v in done.changes]}
    return {**payload, "escalation": masked, "masked": masked_json(done.masked)}


# version N -> the step that turns an N payload into an N + 1 one.
_STEPS: dict[int, Callable[[str, dict[str, Any]], dict[str, Any]]] = {1: _create_checks}


def unreadable(exc: BaseException) -> str:
    """Why an entry cannot be read, in Spanish: the texts this tool raised itself, never
    Python's (a KeyError's bare key, an enum's English)."""
    import traceback

    if isinstance(exc, KeyError) and exc.args:
        return f"la entrada no se puede leer: le falta «{exc.args[0]}»"
    frames = traceback.extract_tb(exc.__traceback__)
    ours = bool(frames) and "escalate" in frames[-1].filename.replace("\\", "/").split("/")
    if type(exc) is ValueError and ours and exc.args and isinstance(exc.args[0], str):
        return f"la entrada no se puede leer: {exc.args[0]}"
    return "la entrada no se puede leer: un dato no tiene la forma esperada"


def version_of(payload: dict[str, Any]) -> int:
    """The payload's version (unversioned: 1); ValueError if it is not one this tool reads."""
    version = payload.get("version", UNVERSIONED)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"versión {version!r} no válida")
    if version > PAYLOAD_VERSION:
        raise ValueError(f"versión {version} de una versión más nueva de escalate")
    return version


def migrate(entry: Entry) -> Entry:
    """The entry with its payload at PAYLOAD_VERSION: the one place a payload is read."""
    version = version_of(entry.payload)
    payload = dict(entry.payload)
    if version in _QUIRKS:
        payload = _QUIRKS[version](entry.kind, payload)
    while version < PAYLOAD_VERSION:
        payload = _STEPS[version](entry.kind, payload)
        version += 1
    payload["version"] = PAYLOAD_VERSION
    entry.payload = payload
    return entry


def damage(entry: Entry) -> str | None:
    """Why an entry of a known kind, at this tool's version, cannot be carried out as it
    is (a field missing or of the wrong kind; text a salvage brought back with broken
    characters), or None. Such an entry is "dañada": listed apart, never sent."""
    kind = KINDS.get(entry.kind)
    if kind is None:
        return None
    try:
        kind.check(entry.payload)
    except (KeyError, TypeError, ValueError) as exc:
        missing = f"falta «{exc.args[0]}»" if isinstance(exc, KeyError) else str(exc)
        return f"el contenido está incompleto ({missing})"
    if entry.state.get("salvaged") and "\ufffd" in json.dumps(entry.payload,
                                                               ensure_ascii=False):
        return "se recuperó de una bandeja dañada con texto ilegible"
    return None


def describe(entry: Entry) -> str:
    kind = KINDS.get(entry.kind)
    if kind is None:
        return f"tipo desconocido: {entry.kind}"
    try:
        return kind.describe(migrate(entry).payload)
    except (AttributeError, TypeError, ValueError):
        return f"{entry.kind} (contenido inesperado)"


def kept_text(entry: Entry) -> str:
    kind = KINDS.get(entry.kind)
    return kind.kept if kind else "Quedó en la bandeja de salida"


def progressed(entry: Entry) -> bool:
    """Whether HubSpot already holds part of the entry's work (a ticket, a file, a note)."""
    state = entry.state
    return bool(state.get("ticket") or state.get("uploaded") or state.get("note_pending")
                or state.get("note_id"))


def editable(entry: Entry) -> bool:
    """A draft, or a create HubSpot holds nothing of: the agent can take it up again."""
    return entry.kind == "draft" or (entry.kind == "create" and not progressed(entry))


def fixes(entry: Entry) -> tuple[Next, ...]:
    """What settles an entry retrying cannot fix: edit it (when it can be), or drop it."""
    edit = (Next("resume", "Complétela", entry.id),) if editable(entry) else ()
    return (*edit, Next("drop", "Descártela", entry.id))


def send_later(entry: Entry) -> Next:
    """The step that sends an entry kept in the outbox."""
    return Next("outbox_send", f"{kept_text(entry)} (id {short_id(entry.id)}): reenvíela con")


# -- how the outbox is listed ----------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """One entry as `escalate outbox` shows it."""

    entry: Entry
    description: str
    status: Literal["pendiente", "borrador", "requiere acción", "dañada"]
    why: str | None = None
    fix: tuple[Next, ...] = ()


@dataclass
class Listing:
    pending: list[Listed] = field(default_factory=list)
    needs_action: list[Listed] = field(default_factory=list)
    drafts: list[Listed] = field(default_factory=list)
    damaged: list[Listed] = field(default_factory=list)  # never sent (see `damage`)

    @property
    def empty(self) -> bool:
        return not (self.pending or self.needs_action or self.drafts or self.damaged)


def listing(entries: list[Entry]) -> Listing:
    """Sort the outbox into what waits to be sent, what needs the agent, drafts, and what
    is damaged."""
    found = Listing()
    for entry in entries:
        kind = KINDS.get(entry.kind)
        try:
            migrate(entry)
        except ValueError as exc:
            found.needs_action.append(Listed(entry, describe(entry), "requiere acción",
                                             why=unreadable(exc),
                                             fix=fixes(entry)))
            continue
        broken = damage(entry)
        if broken is not None:
            found.damaged.append(Listed(entry, describe(entry), "dañada", why=broken,
                                        fix=(Next("drop", "Descártela", entry.id),)))
            continue
        why = entry.state.get("needs_action")
        if kind is not None and kind.section == "draft":
            found.drafts.append(Listed(entry, describe(entry), "borrador",
                                       why=str(why) if why else None, fix=fixes(entry)))
        elif why or kind is None:
            found.needs_action.append(Listed(
                entry, describe(entry), "requiere acción",
                why=str(why) if why else f"tipo de entrada desconocido: {entry.kind}",
                fix=fixes(entry)))
        else:
            found.pending.append(Listed(entry, describe(entry), "pendiente",
                                        why=entry.last_error))
    return found
