"""What HubSpot holds for an escalation before anything is written: the client's contact
(checked against the name typed) and the open tickets of the same policy."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..config import Settings
from ..domain.contact_choice import Chosen
from ..domain.escalation import Escalation, national_digits, policy_named
from ..domain.incident_choice import Choice
from ..domain.names import same_person
from ..domain.records import Contact, Ticket
from ..errors import EscalateError, Next, NotFound, Refused
from ..gateway import TICKET_PROPERTIES, Gateway
from .alike import AtCreate, before_create
from .portal import Portal, load_portal
from .recent import OwnWrites, fresh_writes, with_own_writes
from .ui import Ui


@dataclass
class ContactLookup:
    """What the email and phone found: one contact, several candidates, or a problem."""

    contact: Contact | None = None
    candidates: list[Contact] = field(default_factory=list)
    problem: EscalateError | None = None


@dataclass
class Known:
    """What was read while the agent typed (the CLI's lookahead), taken by `prepare` instead
    of asking HubSpot again: each piece only when read for the values being sent."""

    portal: Portal | None = None
    lookup: ContactLookup | None = None
    searched: list[Ticket] | None = None  # the tickets carrying the policy
    # The open tickets alike (issue 25), read for this (QUÉ, DÓNDE) as typed and cleaned
    alike: tuple[tuple[str, str], AtCreate] | None = None


@dataclass
class Prepared:
    """Everything read before anything is written: what the review shows."""

    escalation: Escalation
    portal: Portal
    lookup: ContactLookup
    duplicates: list[Ticket]
    incidents: AtCreate = field(default_factory=lambda: AtCreate())

    @property
    def contact(self) -> Contact | None:
        return self.lookup.contact

    @property
    def name_mismatch(self) -> bool:
        return self.contact is not None and not names_match(self.escalation, self.contact)

    def priority_option(self) -> str | None:
        return self.escalation.priority.portal_option(self.portal.priority_options)


def names_match(escalation: Escalation, contact: Contact) -> bool:
    """The client named is the contact found (a contact without a name is not compared)."""
    if not (contact.firstname or contact.lastname):
        return True
    return same_person(escalation.client_name, contact.firstname, contact.lastname)


def prepare(gateway: Gateway, settings: Settings, escalation: Escalation, *, now: datetime,
            warn: Callable[[str], None] | None = None, known: Known | None = None,
            incidents: Choice | None = None) -> Prepared:
    """Read the portal, the contact and the open tickets of the policy, all at once, and,
    with `incidents`, the open escalations that look like this one (or the incident to
    join) beside them.

    The reads are independent (the duplicate search needs only the policy), so they run
    together; a warm run costs the contact lookup and one search (two with incidents).
    What `known` holds was read already and is not asked for again.
    """
    known = known or Known()

    def search() -> list[Ticket] | EscalateError:
        if known.searched is not None:
            return known.searched
        try:
            return policy_tickets(gateway, escalation.policy)
        except EscalateError as exc:  # a portal before `setup` is named by the portal check
            return exc

    portal_once = _Once(lambda: known.portal or load_portal(gateway, settings, now=now,
                                                            warn=warn))

    def alike() -> AtCreate | EscalateError:
        if incidents is None:
            return AtCreate()
        if (known.alike is not None and incidents.join is None and incidents.detect
                and known.alike[0] == (escalation.what, escalation.where)):
            return known.alike[1]
        try:
            return before_create(gateway, settings, portal_once, escalation.what,
                                 escalation.where, incidents, now=now,
                                 own_id=escalation.escalate_id)
        except EscalateError as exc:  # a portal before `setup` is named by the portal check
            return exc

    def own() -> OwnWrites | EscalateError:
        try:
            return fresh_writes(gateway, settings, TICKET_PROPERTIES, now=now,
                                policy=escalation.policy)
        except EscalateError as exc:  # a portal before `setup` is named by the portal check
            return exc

    portal, lookup, tickets, found, written = gateway.together(
        portal_once,
        lambda: known.lookup or lookup_contact(gateway, escalation),
        search, alike, own)
    portal.require_tool_properties()
    for failed in (tickets, found, written):
        if isinstance(failed, EscalateError):
            raise failed
    return Prepared(escalation=escalation, portal=portal, lookup=lookup,
                    duplicates=confirmed_duplicates(gateway, tickets, portal, escalation,
                                                    written),
                    incidents=found)


class _Once:
    """A read that several of the reads running together need (the portal: the search for
    tickets alike needs its stages): the first to ask makes it, the others wait for it."""

    def __init__(self, read: Callable[[], Portal]) -> None:
        self._read = read
        self._lock = threading.Lock()
        self._done: Portal | None = None

    def __call__(self) -> Portal:
        with self._lock:
            if self._done is None:
                self._done = self._read()
            return self._done


def require_contact(prepared: Prepared, *, accept_contact: bool) -> Contact:
    """The contact to create the ticket on, for a run nobody can ask (exit 3 otherwise)."""
    lookup = prepared.lookup
    if lookup.problem is not None:
        raise lookup.problem
    if lookup.contact is None:
        named = named_client(prepared.escalation, lookup.candidates)
        if named is None:
            raise ambiguous(prepared.escalation, lookup.candidates)
        return named
    if prepared.name_mismatch and not accept_contact:
        raise mismatch(prepared.escalation, lookup.contact)
    return lookup.contact


def named_client(escalation: Escalation, candidates: list[Contact]) -> Contact | None:
    """Among contacts sharing a phone, the one named as the client, when exactly one is (two
    of one family are told apart by the name typed): where nobody can be asked, that one is
    the client (a script's create, `outbox send`, what `--simular` says a send would use);
    None otherwise, never guessed."""
    named = [c for c in candidates if (c.firstname or c.lastname) and same_person(
        escalation.client_name, c.firstname, c.lastname)]
    return named[0] if len(named) == 1 else None


def mismatch(escalation: Escalation, contact: Contact) -> Refused:
    return Refused(
        f"El contacto encontrado se llama «{contact.name}» (id {contact.id}) y el cliente "
        f"escrito es «{escalation.client_name}»; no se envió nada.",
        hint="Verifique con el cliente.",
        next_steps=(Next("accept_contact", "Si es la misma persona, repita aceptando el "
                                           "contacto con"),))


def ambiguous(escalation: Escalation, candidates: list[Contact]) -> Refused:
    listing = "\n".join(f"  • {c.name} (id {c.id}) {c.email} {c.best_phone}".rstrip()
                        for c in candidates)
    return Refused(f"El teléfono {escalation.phone} corresponde a {len(candidates)} "
                   f"contactos:\n{listing}",
                   next_steps=(Next("by_email", "Indique cuál es el cliente con su correo:"),))


def lookup_contact(gateway: Gateway, escalation: Escalation) -> ContactLookup:
    """The client's contact by exact email and/or phone; ambiguity is never guessed."""
    return contact_by(gateway, escalation.email, escalation.phone)


def contact_by(gateway: Gateway, email: str | None, phone: str | None) -> ContactLookup:
    """The contact of a normalised email and/or phone (E.164), as `lookup_contact`."""
    by_email = gateway.contact_by_email(email) if email else None
    by_phone: list[Contact] = []
    if phone and (by_email is None or email):
        by_phone = gateway.contacts_by_phone(national_digits(phone), phone)
    if by_email is not None:
        if by_phone and by_email.id not in {c.id for c in by_phone}:
            return ContactLookup(problem=Refused(
                f"El correo y el teléfono corresponden a contactos distintos: {by_email.name} "
                f"(id {by_email.id}, por correo) y "
                + ", ".join(f"{c.name} (id {c.id})" for c in by_phone) + " (por teléfono).",
                hint="Verifique los datos con el cliente y use solo el correcto."))
        return ContactLookup(contact=by_email)
    if not by_phone:
        keys = " ni ".join(k for k in (email, phone) if k)
        return ContactLookup(problem=NotFound(
            f"No hay ningún contacto en HubSpot con {keys}.",
            hint="Verifique el dato o cree primero el contacto en HubSpot."))
    if len(by_phone) == 1:
        return ContactLookup(contact=by_phone[0])
    return ContactLookup(candidates=by_phone)


def find_contact(gateway: Gateway, escalation: Escalation, ui: Ui,
                 kept: Chosen | None = None) -> Contact:
    """The contact, asking the agent to choose among several when someone can be asked;
    `kept`: the choice the agent made before the escalation was kept (a draft's), used while
    it holds for the email and phone looked up."""
    lookup = lookup_contact(gateway, escalation)
    if lookup.problem is not None:
        raise lookup.problem
    if lookup.contact is not None:
        return lookup.contact
    if kept is not None:
        held, _why = kept.held((escalation.email, escalation.phone), lookup.candidates)
        if held is not None:
            return held
    chosen = ui.choose_contact(lookup.candidates) or named_client(escalation, lookup.candidates)
    if chosen is None:
        raise ambiguous(escalation, lookup.candidates)
    return chosen


def policy_tickets(gateway: Gateway, policy: str) -> list[Ticket]:
    """Tickets carrying the policy, or naming it in a ticket name typed in HubSpot (one
    search request, needing nothing but the policy)."""
    groups = [{"filters": [
        {"propertyName": "escalate_policy", "operator": "EQ", "value": policy},
    ]}, {"filters": [
        {"propertyName": "subject", "operator": "CONTAINS_TOKEN", "value": policy},
    ]}]
    found = []
    for ticket, _total in gateway.search_tickets(groups):
        found.append(ticket)
        if len(found) >= 100:
            break
    return found


def open_duplicates(tickets: list[Ticket], portal: Portal,
                    escalation: Escalation) -> list[Ticket]:
    """The tickets of the pipeline not closed with the policy among them, except this
    escalation's own ticket."""
    return open_with_policy(tickets, portal, escalation.policy, escalation.escalate_id)


def open_with_policy(tickets: list[Ticket], portal: Portal, policy: str,
                     own_id: str | None = None) -> list[Ticket]:
    """The tickets of the pipeline not closed with the (normalised) policy among them: those
    escalate wrote with it, those typed in HubSpot whose name names it, and those left in a
    stage deleted since (the agent judges them); `own_id`: an escalation's own ticket."""
    closed = set(portal.closed_stage_ids)
    return [t for t in tickets if t.pipeline == portal.pipeline.id and t.stage not in closed
            and (t.policy == policy or (not t.policy and policy_named(policy, t.subject)))
            and (own_id is None or t.escalate_id != own_id)][:20]


def confirmed_duplicates(gateway: Gateway, searched: list[Ticket], portal: Portal,
                         escalation: Escalation, written: OwnWrites = None) -> list[Ticket]:
    """The open duplicates among what search found, as HubSpot holds them now.

    Search lags behind writes: a ticket created in the last minute may not be listed yet,
    and one closed a second ago is still found open; so the search's candidates are read
    again (one batch read, only when there are any) before the agent is warned. `written`:
    the tickets this home created with this policy in the last minutes, read by id beside
    the search (`recent.fresh_writes`; search may not list them yet), not read again."""
    own = written[0] if written else set()
    candidates = [t.id for t in open_duplicates(searched, portal, escalation)
                  if t.id not in own]
    confirmed = gateway.tickets_by_id(candidates, TICKET_PROPERTIES) if candidates else []
    return open_duplicates(list(with_own_writes(confirmed, written)), portal, escalation)


def find_duplicates(gateway: Gateway, settings: Settings, portal: Portal,
                    escalation: Escalation, *, now: datetime) -> list[Ticket]:
    """Open tickets of the pipeline with the same policy, other than this escalation's (this
    home's writes of the last minutes among them, read beside the search)."""
    searched, written = gateway.together(
        lambda: policy_tickets(gateway, escalation.policy),
        lambda: fresh_writes(gateway, settings, TICKET_PROPERTIES, now=now,
                             policy=escalation.policy))
    return confirmed_duplicates(gateway, searched, portal, escalation, written)
