"""`create`: the one route from what an agent typed to a ticket.

The CLI gathers the answers and renders; this module validates them (`escalation_from_input`),
reads what HubSpot holds before anything is written (`read_before_sending`: the portal, the
contact, the open tickets of the policy, together) and then `submit`s: the escalation is
kept in the outbox once (serialized there for storage only), delivered, and its ticket
returned as a `CreateResult`. Carrying out a create entry is `ticket.py`'s; the reads are
`lookup.py`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from ..config import Settings
from ..domain.answers import EscalationInput
from ..domain.contact_choice import Chosen
from ..domain.escalation import Escalation
from ..domain.incident_choice import Choice
from ..domain.records import Contact
from ..errors import PortalLacks, Unreachable
from ..outbox import Entry
from .entries import fixes, new_entry, send_later
from .files import LocalFile
from .lookup import Known, Prepared, prepare
from .ticket import CreateResult
from .ui import Ui

if TYPE_CHECKING:
    from .delivery import Surroundings


def escalation_from_input(answers: EscalationInput, settings: Settings, now: datetime,
                          time_zone: str | None = None) -> Escalation:
    """Validate what the agent typed (one key per field) into an escalation."""
    return Escalation.from_input(answers, settings.rules(time_zone), now)


@dataclass(frozen=True)
class Checks:
    """What was checked before the escalation is kept: the sensitive data masked (field and
    kind, never the value) and kept with the agent's reason, and the quality score (its
    `as_json`), stored with the entry so a resend writes what the agent saw."""

    masked: tuple[dict[str, str], ...] = ()
    kept: tuple[dict[str, str], ...] = ()
    quality: dict[str, Any] | None = field(default=None, hash=False)
    fields: dict[str, str] = field(default_factory=dict, hash=False)  # the portal's own

    def payload(self) -> dict[str, Any]:
        return {"masked": list(self.masked), "kept": list(self.kept), "quality": self.quality,
                "fields": dict(self.fields)}


def create_entry(escalation: Escalation, files: list[LocalFile],
                 prepared: Prepared | None = None, *,
                 contact: Contact | None = None, checks: Checks | None = None,
                 maybe_sent: bool = False, chosen: Chosen | None = None) -> Entry:
    """The outbox entry: the escalation as validated (its sensitive data already masked),
    its files, what was checked, and (later) its progress.

    When the reads were done before (`prepare`, then the agent's review), the entry carries
    their outcome, so sending it costs only the create. `maybe_sent`: an earlier entry of
    this escalation (a kept create taken up again) may have reached HubSpot, so the send
    reads the ticket by its escalate_id before creating it. `chosen`: the contact the agent
    chose among those sharing the phone (a draft's), which the send uses while it holds.
    """
    state: dict[str, Any] = {"create_sent": True} if maybe_sent else {}
    if chosen is not None:
        state["chosen"] = chosen.as_json()
    if prepared is not None:
        state["duplicates_accepted"] = True
        if contact is not None:
            state["contact"] = contact.__dict__
            state["contact_accepted"] = True  # the review or require_contact settled it
    entry = new_entry("create", {
        "escalation": escalation.as_json(),
        "files": [f.as_payload() for f in files],
        **(checks or Checks()).payload(),
    }, entry_id=escalation.escalate_id)
    entry.state = state
    return entry


def read_before_sending(escalation: Escalation, files: list[LocalFile], where: Surroundings,
                        *, warn: Callable[[str], None] | None = None,
                        replaces: str | None = None, known: Known | None = None,
                        checks: Checks | None = None, incidents: Choice | None = None,
                        maybe_sent: bool = False, chosen: Chosen | None = None) -> Prepared:
    """The reads before the review. When HubSpot cannot be reached, the escalation waits
    in the outbox (Unreachable goes on up, saying how to send it) and `outbox send` does
    the reads and the create later; when the portal lacks the stage or pipeline of the
    settings, it waits there for the agent (PortalLacks, with the steps that settle it).

    While HubSpot answers, this side gets ready to send: the outbox is opened and the code
    that carries out the entry is loaded, work that would otherwise come after the wait. It
    goes first in `together`, which runs its first call in this thread: the outbox's SQLite
    connection belongs to the thread that opens it."""
    gateway, settings, now = where.gateway(), where.settings, where.now()
    try:
        _, prepared = gateway.together(
            lambda: _ready_to_send(where),
            lambda: prepare(gateway, settings, escalation, now=now, warn=warn, known=known,
                            incidents=incidents))
        return prepared
    except (Unreachable, PortalLacks) as exc:  # kept: to send later, or for the agent
        entry = create_entry(escalation, files, checks=checks, maybe_sent=maybe_sent,
                             chosen=chosen)
        where.outbox.put(entry, claim=False)
        if exc.needs_agent:
            where.outbox.needs_action(entry, exc.message)
        else:
            where.outbox.failed(entry, exc.message)
        if replaces is not None and replaces != entry.id:
            where.outbox.done(replaces)
        exc.next_steps = (*exc.next_steps,
                          *(fixes(entry) if exc.needs_agent else (send_later(entry),)))
        raise


def _ready_to_send(where: Surroundings) -> None:
    """Open the outbox and load the sending code (see `read_before_sending`)."""
    from importlib import import_module

    _ = where.outbox
    import_module("escalate.workflows.delivery")


def submit(prepared: Prepared, files: list[LocalFile], contact: Contact, where: Surroundings,
           *, ui: Ui, replaces: str | None = None, checks: Checks | None = None,
           maybe_sent: bool = False) -> CreateResult:
    """The create: kept in the outbox (before anything is written), sent, and its ticket
    returned. `replaces`: the draft or kept entry it was taken up from; `maybe_sent`: that
    one may have reached HubSpot (`create_entry`)."""
    from .delivery import keep_and_send

    escalation = prepared.escalation
    entry = create_entry(escalation, files, prepared, contact=contact, checks=checks,
                         maybe_sent=maybe_sent)
    result = cast(CreateResult, keep_and_send(entry, where, ui=ui, job=escalation,
                                              replaces=replaces))
    result.possible_duplicates = prepared.duplicates
    _join_incident(prepared, result, where)
    return result


def _join_incident(prepared: Prepared, result: CreateResult, where: Surroundings) -> None:
    """The ticket made joins the incident chosen before it was sent. The client's own ticket
    exists whatever happens here: a failure says how to join it later."""
    from ..errors import EscalateError, Next
    from .alike import join_created

    found = prepared.incidents
    result.similar = found.similar.as_json() if found.similar is not None else []
    if found.joining is None and not found.opening:
        return
    try:
        joined = join_created(where.gateway(), where.settings, result.ticket.id, found,
                              now=where.now())
        result.incident = joined.id if joined is not None else None
    except EscalateError as exc:
        target = found.joining.id if found.joining is not None else "INCIDENTE"
        exc.message = (f"Ticket {result.ticket.id} creado, pero no se sumó al incidente: "
                       f"{exc.message}")
        exc.next_steps = (*exc.next_steps, Next("incident_join", "Súmelo con",
                                                f"{result.ticket.id} {target}"))
        raise
