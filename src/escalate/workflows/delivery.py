"""Delivery: carrying out any outbox entry, and deciding whether it is done, kept or dropped.

`deliver` is the one function that carries out an entry, through the sender of its kind
(`SENDERS`; what each kind is, is `workflows/entries.py`'s table). It returns a typed
outcome that the CLI only renders:

- `Delivered(result)`: HubSpot holds everything; the entry is gone;
- `Kept(why, then)`: retrying can fix it (no connection, rate limits, a token to renew,
  local trouble); the entry stays, `then` says how to send it later;
- `Dropped(why)`: the agent can simply correct and retype it (a fresh command whose
  work HubSpot holds none of), or chose not to send it;
- `NeedsAction(why, fix)`: retrying cannot fix it (ambiguous phone, contact not found,
  a priority the portal lacks...); it waits for the agent, with the steps that settle it.

A stored payload is read once, by its kind's reader (after `entries.migrate`); a command
that just validated what it sends passes it in (`job`), so nothing is rebuilt from JSON
inside the process that built it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from ..config import Settings
from ..errors import (
    AuthProblem,
    Declined,
    EscalateError,
    ExitCode,
    Interrupted,
    Next,
    Unreachable,
)
from ..outbox import Entry, LocalTrouble, Outbox
from .entries import KINDS, damage, fixes, migrate, progressed, send_later, unreadable
from .ui import Ui

if TYPE_CHECKING:
    from ..gateway import Gateway

# (entry, *, gateway, settings, outbox, ui, now) -> the kind's result
Sender = Callable[..., object]


class Surroundings(Protocol):
    """What delivery needs from the command around it (the CLI's Env provides it)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def outbox(self) -> Outbox: ...

    def gateway(self) -> Gateway: ...

    def now(self) -> datetime: ...


def _create_sender(entry: Entry, job: Any) -> Sender:
    from .ticket import read_create, send_create

    return partial(send_create, job if job is not None else read_create(entry.payload))


def _attach_sender(entry: Entry, job: Any) -> Sender:
    from .attach import send_attach

    return send_attach


def _contacted_sender(entry: Entry, job: Any) -> Sender:
    from .contacted import send_contacted

    return send_contacted


def _merge_sender(entry: Entry, job: Any) -> Sender:
    from .merge import send_merge

    return send_merge


# Each kind's sender, given the entry and what the command already holds of it (`job`: for a
# create, its validated escalation), else reading it from the stored payload. Imported when
# an entry of the kind is sent: a create loads nothing of the follow-up's.
SENDERS: dict[str, Callable[[Entry, Any], Sender]] = {
    "create": _create_sender, "attach": _attach_sender, "contacted": _contacted_sender,
    "merge": _merge_sender}


# -- outcomes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivered:
    result: object
    exit_code: ExitCode = ExitCode.OK


@dataclass(frozen=True)
class Kept:
    why: str
    then: Next | None = None  # how it is sent later (None: nothing to run)
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
    fix: tuple[Next, ...]
    exit_code: ExitCode = ExitCode.REFUSED
    error: EscalateError | None = None


Outcome = Delivered | Kept | Dropped | NeedsAction


# -- delivering ----------------------------------------------------------------------------


def deliver(entry: Entry, where: Surroundings, *, ui: Ui, fresh: bool,
            job: object | None = None) -> Outcome:
    """Carry out one outbox entry and say what became of it.

    `fresh`: the entry was just typed by the agent at this terminal (a command they can
    correct and retype), rather than waiting in the outbox. `job`: what the command holds
    of the entry already (see SENDERS). Ctrl-C is not an outcome: the entry is kept and
    KeyboardInterrupt goes on up.
    """
    kind = KINDS.get(entry.kind)
    if kind is not None and kind.section == "draft":
        return NeedsAction("es un borrador: no se envía hasta completarlo", fixes(entry),
                           exit_code=ExitCode.OK)
    if kind is None or entry.kind not in SENDERS:
        return NeedsAction(f"tipo de entrada desconocido: {entry.kind}", fixes(entry),
                           exit_code=ExitCode.OK)
    try:
        sender = SENDERS[entry.kind](migrate(entry), job)
    except (ValueError, KeyError, TypeError) as exc:
        return NeedsAction(unreadable(exc), fixes(entry))
    broken = damage(entry)
    if broken is not None:
        return NeedsAction(f"la entrada está dañada: {broken}",
                           (Next("drop", "Descártela", entry.id),))
    if entry.state.get("needs_action") and not fresh:
        return NeedsAction(str(entry.state["needs_action"]), fixes(entry))
    doubt = _salvage_doubt(entry, where) if entry.state.get("salvaged") else None
    if doubt is not None:  # never sent as a salvage read it: the agent looks first
        where.outbox.needs_action(entry, doubt)
        return NeedsAction(doubt, fixes(entry))
    return _carry_out(entry, sender, where, ui=ui, fresh=fresh)


def _salvage_doubt(entry: Entry, where: Surroundings) -> str | None:
    """Why an entry a salvage brought back (`outbox.salvage`) is not sent as read: a create
    whose escalation no longer passes the checks it passed when typed, or whose identity
    changed (one flipped bit there would make a second ticket)."""
    if entry.kind != "create":
        return None
    from .ticket import revalidated

    return revalidated(entry, where.settings, where.now())


def _carry_out(entry: Entry, sender: Sender, where: Surroundings, *, ui: Ui,
               fresh: bool) -> Outcome:
    outbox = where.outbox
    try:
        if not outbox.claim(entry.id):
            return Kept("otro proceso la está enviando", exit_code=ExitCode.OK)
        gateway = where.gateway()
        with outbox.working_on(entry.id):
            result = sender(entry, gateway=gateway, settings=where.settings, outbox=outbox,
                            ui=ui, now=where.now())
    except Declined as exc:
        outbox.done(entry.id)
        return Dropped(exc.message, exit_code=ExitCode.OK, error=exc)
    except KeyboardInterrupt:
        outbox.failed(entry, "Interrumpido por el usuario.")
        raise Interrupted((send_later(entry),)) from None
    except LocalTrouble as exc:  # the entry is safe in the fallback folder (or was never taken)
        outbox.failed(entry, exc.message)
        exc.exit_code = ExitCode.UNREACHABLE if progressed(entry) else ExitCode.USAGE
        return Kept(exc.message, exit_code=exc.exit_code, error=exc)
    except (AuthProblem, Unreachable) as exc:
        outbox.failed(entry, exc.message)
        return _kept(entry, exc)
    except EscalateError as exc:
        return _refused(entry, exc, outbox, fresh=fresh)
    except Exception as exc:  # a bug: the entry stays, the rest of the outbox goes on
        outbox.failed(entry, f"Error inesperado de escalate: {type(exc).__name__}")
        return Kept(f"error inesperado ({type(exc).__name__}); repórtelo al equipo de "
                    "escalate, la entrada sigue en la bandeja de salida",
                    exit_code=ExitCode.BUG, error=exc)
    outbox.done(entry.id)
    return Delivered(result)


def _refused(entry: Entry, exc: EscalateError, outbox: Outbox, *, fresh: bool) -> Outcome:
    """HubSpot (or the entry itself) said no: dropped when the agent can simply retype it,
    kept when someone else's act will let a retry work (`keep`: an admin fixes the portal),
    else waiting for the agent (`needs_agent`: always, even just typed)."""
    if exc.exit_code not in (ExitCode.USAGE, ExitCode.REFUSED) or exc.keep:
        outbox.failed(entry, exc.message)
        return _kept(entry, exc)
    if fresh and not progressed(entry) and not exc.needs_agent:
        outbox.done(entry.id)
        return Dropped(exc.message, exit_code=exc.exit_code, error=exc)
    if fresh and not exc.needs_agent:
        outbox.failed(entry, exc.message)
        return _kept(entry, exc)
    outbox.needs_action(entry, exc.message)
    steps = exc.next_steps if exc.needs_agent else ()  # its own settling steps come first
    return NeedsAction(exc.message, (*steps, *fixes(entry)), exit_code=exc.exit_code,
                       error=exc)


def _kept(entry: Entry, exc: EscalateError) -> Kept:
    return Kept(exc.message, send_later(entry), exit_code=exc.exit_code, error=exc)


def result_or_raise(outcome: Outcome) -> object:
    """For commands that send one fresh entry: the result, or the error as it came, with
    the steps that send or settle what stayed in the outbox added to its own."""
    if isinstance(outcome, Delivered):
        return outcome.result
    error = outcome.error
    if error is None:
        raise EscalateError(outcome.why)
    if not isinstance(error, EscalateError):
        raise error  # a bug: the CLI says where to report it
    if isinstance(outcome, Kept) and outcome.then is not None \
            and not isinstance(error, LocalTrouble):
        error.next_steps = (*error.next_steps, outcome.then)
    if isinstance(outcome, NeedsAction):
        error.next_steps = (*error.next_steps,
                            *(s for s in outcome.fix if s not in error.next_steps))
    raise error


def keep_and_send(entry: Entry, where: Surroundings, *, ui: Ui, job: object | None = None,
                  replaces: str | None = None) -> object:
    """A command's fresh work: kept in the outbox before anything is written, then sent;
    its result, or the error with the steps that send or settle what stayed. `replaces`:
    the entry this one was taken up from (a draft), gone once this one is kept."""
    where.outbox.put(entry)
    if replaces is not None and replaces != entry.id:
        where.outbox.done(replaces)
    return result_or_raise(deliver(entry, where, ui=ui, fresh=True, job=job))
