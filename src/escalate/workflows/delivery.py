"""Delivery: carrying out any outbox entry, and deciding whether it is done, kept or dropped.

Every kind of entry is registered once in `KINDS` (its sender, its Spanish description,
where it is listed). `deliver` is the one function that carries out an entry; it returns
a typed outcome that the CLI only renders:

- `Delivered(result)`: HubSpot holds everything; the entry is gone;
- `Kept(why, hint)`: retrying can fix it (no connection, rate limits, a token to renew,
  local trouble); the entry stays for `escalate outbox send`;
- `Dropped(why)`: the agent can simply correct and retype it (a fresh command whose
  work HubSpot holds none of), or chose not to send it;
- `NeedsAction(why, fix)`: retrying cannot fix it (ambiguous phone, contact not found,
  a priority the portal lacks...); it waits for the agent, with the commands that do.

Payloads carry a `version`; older ones are migrated when read. A queued escalation is
re-read as the data it was validated as, never against today's settings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ..config import Settings
from ..errors import AuthProblem, EscalateError, ExitCode, Unreachable
from ..outbox import Entry, LocalTrouble, Outbox
from .ui import Ui

if TYPE_CHECKING:
    from ..domain.escalation import Escalation
    from ..gateway import Gateway

PAYLOAD_VERSION = 1
SHORT_ID = 8


class Sender(Protocol):
    """Carries out one kind of entry from wherever it stopped; safe to run again."""

    def __call__(self, entry: Entry, *, gateway: Gateway, settings: Settings, outbox: Outbox,
                 ui: Ui, now: datetime) -> object: ...


class Surroundings(Protocol):
    """What delivery needs from the command around it (the CLI's Env provides it)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def outbox(self) -> Outbox: ...

    def gateway(self) -> Gateway: ...

    def now(self) -> datetime: ...


# -- outcomes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivered:
    result: object
    exit_code: ExitCode = ExitCode.OK


@dataclass(frozen=True)
class Kept:
    why: str
    hint: str
    exit_code: ExitCode = ExitCode.UNREACHABLE
    error: BaseException | None = None


@dataclass(frozen=True)
class Dropped:
    why: str
    exit_code: ExitCode = ExitCode.USAGE
    error: EscalateError | None = None


@dataclass(frozen=True)
class NeedsAction:
    why: str
    fix: tuple[str, ...]
    exit_code: ExitCode = ExitCode.REFUSED
    error: EscalateError | None = None


Outcome = Delivered | Kept | Dropped | NeedsAction


# -- the registry of entry kinds -------------------------------------------------------


Section = Literal["pending", "draft"]


@dataclass(frozen=True)
class EntryKind:
    """One kind of outbox entry: how it is sent, described and listed."""

    name: str
    kept: str  # what the agent reads when it stays in the outbox
    describe: Callable[[dict[str, Any]], str]
    sender: Callable[[], Sender] | None  # imported when needed; None: never sent as such
    section: Section = "pending"


def _describe_create(payload: dict[str, Any]) -> str:
    esc = payload.get("escalation") or {}
    return f"{esc.get('policy', '?')} - {esc.get('client_name', '?')}"


def _describe_draft(payload: dict[str, Any]) -> str:
    raw = payload.get("input") or {}
    return (f"borrador: {raw.get('policy') or '?'} - "
            f"{raw.get('client_name') or raw.get('client') or '?'}")


def _describe_attach(payload: dict[str, Any]) -> str:
    return f"adjuntos al ticket {payload.get('ticket_id')} ({len(payload.get('files') or [])})"


def _describe_contacted(payload: dict[str, Any]) -> str:
    return f"seguimiento del ticket {payload.get('ticket_id')}"


def _create_sender() -> Sender:
    from .create import send_create

    return send_create


def _attach_sender() -> Sender:
    from .attach import send_attach

    return send_attach


def _contacted_sender() -> Sender:
    from .followup import send_contacted

    return send_contacted


KINDS: dict[str, EntryKind] = {k.name: k for k in (
    EntryKind("create", "La escalación quedó en la bandeja de salida", _describe_create,
              _create_sender),
    EntryKind("attach", "Los adjuntos quedaron en la bandeja de salida", _describe_attach,
              _attach_sender),
    EntryKind("contacted", "El seguimiento quedó en la bandeja de salida",
              _describe_contacted, _contacted_sender),
    EntryKind("draft", "El borrador sigue en la bandeja de salida", _describe_draft, None,
              section="draft"),
)}


def describe(entry: Entry) -> str:
    kind = KINDS.get(entry.kind)
    try:
        return kind.describe(migrate(entry).payload) if kind else f"tipo desconocido: {entry.kind}"
    except (AttributeError, TypeError, ValueError):
        return f"{entry.kind} (contenido inesperado)"


def kept_text(entry: Entry) -> str:
    kind = KINDS.get(entry.kind)
    return kind.kept if kind else "Quedó en la bandeja de salida"


# -- how the outbox is listed ------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """One entry as `escalate outbox` shows it."""

    entry: Entry
    description: str
    status: Literal["pendiente", "borrador", "requiere acción"]
    why: str | None = None
    fix: tuple[str, ...] = ()


@dataclass
class Listing:
    pending: list[Listed] = field(default_factory=list)
    needs_action: list[Listed] = field(default_factory=list)
    drafts: list[Listed] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.pending or self.needs_action or self.drafts)


def fix_commands(entry: Entry) -> tuple[str, ...]:
    """The commands that settle an entry retrying cannot fix."""
    short = entry.id[:SHORT_ID]
    editable = entry.kind == "draft" or (entry.kind == "create" and not progressed(entry))
    edit = (f"escalate create --borrador {short}",) if editable else ()
    return (*edit, f"escalate outbox drop {short}")


def listing(entries: list[Entry]) -> Listing:
    """Sort the outbox into what waits to be sent, what needs the agent, and drafts."""
    found = Listing()
    for entry in entries:
        entry = migrate(entry)
        kind = KINDS.get(entry.kind)
        why = entry.state.get("needs_action")
        if kind is not None and kind.section == "draft":
            found.drafts.append(Listed(entry, describe(entry), "borrador",
                                       why=str(why) if why else None,
                                       fix=(f"escalate create --borrador {entry.id[:SHORT_ID]}",
                                            f"escalate outbox drop {entry.id[:SHORT_ID]}")))
        elif why or kind is None:
            found.needs_action.append(Listed(
                entry, describe(entry), "requiere acción",
                why=str(why) if why else f"tipo de entrada desconocido: {entry.kind}",
                fix=fix_commands(entry)))
        else:
            found.pending.append(Listed(entry, describe(entry), "pendiente",
                                        why=entry.last_error))
    return found


# -- versions ------------------------------------------------------------------------------


def migrate(entry: Entry) -> Entry:
    """The entry with its payload at PAYLOAD_VERSION (unversioned payloads are version 0)."""
    payload = entry.payload
    version = payload.get("version", 0)
    if version == PAYLOAD_VERSION:
        return entry
    if not isinstance(version, int) or version > PAYLOAD_VERSION:
        raise ValueError(f"versión {version!r} desconocida")
    payload = dict(payload)
    if entry.kind == "draft":  # version 0 drafts used the option name for the client
        raw = dict(payload.get("input") or {})
        if "client" in raw and "client_name" not in raw:
            raw["client_name"] = raw.pop("client")
        payload["input"] = raw
    payload["version"] = PAYLOAD_VERSION
    entry.payload = payload
    return entry


def new_entry(entry_id: str, kind: str, payload: dict[str, Any]) -> Entry:
    """An entry of a registered kind with its payload versioned."""
    if kind not in KINDS:
        raise ValueError(kind)
    return Entry(id=entry_id, kind=kind, payload={"version": PAYLOAD_VERSION, **payload})


def draft_entry(entry_id: str, answers: dict[str, Any]) -> Entry:
    """A draft: what the agent typed, never sent by `outbox send`."""
    return new_entry(entry_id, "draft", {"input": dict(answers)})


def queued_escalation(payload: dict[str, Any]) -> Escalation:
    """The escalation of a create entry as it was validated when queued.

    It is never validated again: a later change of ESCALATE_POLICY_PATTERN (or of the
    phone region) must not strand an escalation the agent already had accepted.
    """
    from ..domain.escalation import Change, Channel, Escalation
    from ..domain.moments import parse_iso
    from ..domain.priority import Priority

    data = dict(payload["escalation"])
    created = data.get("created_at")
    # Written by Escalation.as_json: ISO 8601 with its offset (UTC if a stray one has none).
    moment = parse_iso(created, timezone.utc) if isinstance(created, str) else None
    values: dict[str, Any] = {f.name: data[f.name] for f in dataclasses.fields(Escalation)
                              if f.name in data}
    values["priority"] = Priority(str(data["priority"]))
    values["changes"] = tuple(Change(field=str(c["field"]), value=str(c["value"]))
                              for c in data.get("changes") or [])
    values["channel"] = Channel(data["channel"]) if data.get("channel") else None
    values["created_at"] = moment or datetime.now(timezone.utc)
    for name in ("escalate_id", "policy", "client_name", "what", "how", "where"):
        if not isinstance(values.get(name), str):
            raise ValueError(f"falta {name}")
    return Escalation(**values)


# -- delivering ----------------------------------------------------------------------------


def progressed(entry: Entry) -> bool:
    """Whether HubSpot already holds part of the entry's work (a ticket, a file, a note)."""
    state = entry.state
    return bool(state.get("ticket") or state.get("uploaded") or state.get("note_pending")
                or state.get("note_id"))


def deliver(entry: Entry, where: Surroundings, *, ui: Ui, fresh: bool) -> Outcome:
    """Carry out one outbox entry and say what became of it.

    `fresh`: the entry was just typed by the agent at this terminal (a command they can
    correct and retype), rather than waiting in the outbox. Ctrl-C is not an outcome: the
    entry is kept and KeyboardInterrupt goes on up.
    """
    from .create import Declined

    outbox = where.outbox
    kind = KINDS.get(entry.kind)
    try:
        entry = migrate(entry)
    except ValueError as exc:
        return NeedsAction(f"la entrada no se puede leer: {exc}", fix_commands(entry))
    if kind is None or kind.sender is None:
        why = ("es un borrador: no se envía hasta completarlo" if kind is not None
               else f"tipo de entrada desconocido: {entry.kind}")
        return NeedsAction(why, fix_commands(entry), exit_code=ExitCode.OK)
    if entry.state.get("needs_action") and not fresh:
        return NeedsAction(str(entry.state["needs_action"]), fix_commands(entry))
    try:
        if not outbox.claim(entry.id):
            return Kept("otro proceso la está enviando", "", exit_code=ExitCode.OK)
        gateway = where.gateway()
        with outbox.working_on(entry.id):
            result = kind.sender()(entry, gateway=gateway, settings=where.settings,
                                   outbox=outbox, ui=ui, now=where.now())
    except Declined as exc:
        outbox.done(entry.id)
        return Dropped(exc.message, exit_code=ExitCode.OK, error=exc)
    except KeyboardInterrupt:
        outbox.failed(entry, "Interrumpido por el usuario.")
        raise
    except LocalTrouble as exc:  # the entry is safe in the fallback folder (or was never taken)
        outbox.failed(entry, exc.message)
        exc.exit_code = ExitCode.UNREACHABLE if progressed(entry) else ExitCode.USAGE
        return Kept(exc.message, exc.hint or "", exit_code=exc.exit_code, error=exc)
    except (AuthProblem, Unreachable) as exc:
        outbox.failed(entry, exc.message)
        return _kept(entry, exc)
    except EscalateError as exc:
        # `keep`: retrying can fix it once someone else acts (an admin fixes the portal)
        if exc.exit_code in (ExitCode.USAGE, ExitCode.REFUSED) and not getattr(exc, "keep",
                                                                                False):
            if fresh and not progressed(entry):
                outbox.done(entry.id)
                return Dropped(exc.message, exit_code=exc.exit_code, error=exc)
            if fresh:
                outbox.failed(entry, exc.message)
                return _kept(entry, exc)
            outbox.needs_action(entry, exc.message)
            return NeedsAction(exc.message, fix_commands(entry), exit_code=exc.exit_code,
                               error=exc)
        outbox.failed(entry, exc.message)
        return _kept(entry, exc)
    except Exception as exc:  # a bug: the entry stays, the rest of the outbox goes on
        outbox.failed(entry, f"Error inesperado de escalate: {type(exc).__name__}")
        return Kept(f"error inesperado ({type(exc).__name__}: {exc})",
                    "Repórtelo al equipo de escalate; la entrada sigue en la bandeja de salida.",
                    exit_code=ExitCode.BUG, error=exc)
    outbox.done(entry.id)
    return Delivered(result)


def _kept(entry: Entry, exc: EscalateError) -> Kept:
    hint = (f"{kept_text(entry)} (id {entry.id[:SHORT_ID]}): reenvíela con "
            "«escalate outbox send».")
    return Kept(exc.message, hint, exit_code=exc.exit_code, error=exc)


def raise_unless_delivered(outcome: Outcome, entry: Entry) -> object:
    """For commands that send one fresh entry: the result, or the error as it came.

    Kept (and never-dropped) entries get the outbox hint added to the error's own.
    """
    if isinstance(outcome, Delivered):
        return outcome.result
    error = outcome.error
    if isinstance(outcome, Kept) and isinstance(error, EscalateError) \
            and not isinstance(error, LocalTrouble) and outcome.hint:
        error.hint = f"{error.hint}\n{outcome.hint}" if error.hint else outcome.hint
    if isinstance(outcome, NeedsAction) and isinstance(error, EscalateError):
        fix = " o ".join(f"«{c}»" for c in outcome.fix)
        error.hint = f"{error.hint}\nQuedó en la bandeja de salida: {fix}." if error.hint \
            else f"Quedó en la bandeja de salida: {fix}."
    if error is not None:
        raise error
    raise EscalateError(outcome.why)


__all__ = ["KINDS", "PAYLOAD_VERSION", "Delivered", "Dropped", "EntryKind", "Kept", "Listed",
           "Listing", "NeedsAction", "Outcome", "Sender", "Surroundings", "deliver", "describe",
           "draft_entry", "fix_commands", "listing", "migrate", "new_entry", "progressed",
           "queued_escalation", "raise_unless_delivered"]
