"""`create`: a validated escalation becomes a ticket on the client's contact."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..config import Settings
from ..domain.answers import EscalationInput
from ..domain.escalation import Escalation, Rules, national_digits
from ..domain.moments import epoch_ms
from ..domain.names import same_person
from ..domain.records import Contact, Ticket, UploadedFile
from ..errors import AuthProblem, EscalateError, ExitCode, NotFound, Refused
from ..gateway import TICKET_PROPERTIES, Gateway
from ..outbox import Entry, Outbox
from .attach import upload_and_note
from .files import LocalFile
from .portal import Portal, PortalCache, load_portal
from .team import Assignment, assign
from .ui import Ui


class Declined(EscalateError):
    """The agent chose not to create the ticket (a possible duplicate); nothing was sent."""

    exit_code = ExitCode.OK


@dataclass
class CreateResult:
    ticket: Ticket
    contact: Contact
    escalation: Escalation
    portal: Portal
    attachments: list[UploadedFile] = field(default_factory=list)
    note_id: str | None = None
    possible_duplicates: list[Ticket] = field(default_factory=list)
    team: Assignment = field(default_factory=Assignment)

    @property
    def url(self) -> str:
        return self.portal.account.ticket_url(self.ticket.id)

    def as_json(self) -> dict[str, Any]:
        created = self.ticket.created_at or self.escalation.created_at
        answer: dict[str, Any] = {
            "id": self.ticket.id,
            "subject": self.ticket.subject or self.escalation.subject(),
            "priority": self.escalation.priority.value,
            "stage": self.portal.stage.label,
            "url": self.url,
            "created_at": created.isoformat(),
            "contact": self.contact.as_json(),
            "attachments": [{"id": f.id, "name": f.name} for f in self.attachments],
            "agent": self.team.agent.as_json() if self.team.agent else None,
            "owner": self.team.owner.as_json() if self.team.owner else None,
        }
        if self.possible_duplicates:
            answer["possible_duplicates"] = [
                {"id": t.id, "subject": t.subject, "url": self.portal.account.ticket_url(t.id),
                 "stage": self.portal.stage_label(t.stage)}
                for t in self.possible_duplicates]
        return answer


def rules(settings: Settings, time_zone: str | None = None) -> Rules:
    return Rules(policy_pattern=settings.policy_pattern, phone_region=settings.phone_region,
                 time_zone=time_zone)


def escalation_from_input(answers: EscalationInput, settings: Settings, now: datetime,
                          time_zone: str | None = None) -> Escalation:
    """Validate what the agent typed (one key per field) into an escalation."""
    return Escalation.from_input(answers, rules(settings, time_zone), now)


@dataclass
class ContactLookup:
    """What the email and phone found: one contact, several candidates, or a problem."""

    contact: Contact | None = None
    candidates: list[Contact] = field(default_factory=list)
    problem: EscalateError | None = None


@dataclass
class Prepared:
    """Everything read before anything is written: what the review shows."""

    escalation: Escalation
    portal: Portal
    lookup: ContactLookup
    duplicates: list[Ticket]

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
            warn: Callable[[str], None] | None = None) -> Prepared:
    """Read the portal, the contact and the open tickets of the policy, all at once.

    The three reads are independent (the duplicate search needs only the policy), so they
    run together; a warm run costs the contact lookup and one search.
    """
    def search() -> list[Ticket] | EscalateError:
        try:
            return policy_tickets(gateway, escalation)
        except EscalateError as exc:  # a portal before `setup` is named by the portal check
            return exc

    portal, lookup, tickets = gateway.together(
        lambda: load_portal(gateway, settings, now=now, warn=warn),
        lambda: lookup_contact(gateway, escalation),
        search)
    portal.require_tool_properties()
    if isinstance(tickets, EscalateError):
        raise tickets
    return Prepared(escalation=escalation, portal=portal, lookup=lookup,
                    duplicates=confirmed_duplicates(gateway, tickets, portal, escalation))


def require_contact(prepared: Prepared, *, accept_contact: bool) -> Contact:
    """The contact to create the ticket on, for a run nobody can ask (exit 3 otherwise)."""
    lookup = prepared.lookup
    if lookup.problem is not None:
        raise lookup.problem
    if lookup.contact is None:
        raise ambiguous(prepared.escalation, lookup.candidates)
    if prepared.name_mismatch and not accept_contact:
        raise mismatch(prepared.escalation, lookup.contact)
    return lookup.contact


def mismatch(escalation: Escalation, contact: Contact) -> Refused:
    return Refused(
        f"El contacto encontrado se llama «{contact.name}» (id {contact.id}) y el cliente "
        f"escrito es «{escalation.client_name}»; no se envió nada.",
        hint="Verifique con el cliente; si es la misma persona, repita con "
             "--aceptar-contacto.")


def ambiguous(escalation: Escalation, candidates: list[Contact]) -> Refused:
    listing = "\n".join(f"  • {c.name} (id {c.id}) {c.email} {c.best_phone}".rstrip()
                        for c in candidates)
    return Refused(f"El teléfono {escalation.phone} corresponde a {len(candidates)} "
                   f"contactos:\n{listing}",
                   hint="Use --correo para indicar cuál es el cliente.")


def create_entry(escalation: Escalation, files: list[LocalFile],
                 prepared: Prepared | None = None, *,
                 contact: Contact | None = None) -> Entry:
    """The outbox entry: the escalation as validated, its files, and (later) its progress.

    When the reads were done before (`prepare`, then the agent's review), the entry carries
    their outcome, so sending it costs only the create.
    """
    state: dict[str, Any] = {}
    if prepared is not None:
        state["duplicates_accepted"] = True
        if contact is not None:
            state["contact"] = contact.__dict__
            state["contact_accepted"] = True  # the review or require_contact settled it
    return Entry(id=escalation.escalate_id, kind="create", payload={
        "escalation": escalation.as_json(),
        "files": [{"path": str(f.path), "name": f.name} for f in files],
    }, state=state)


def send_create(entry: Entry, *, gateway: Gateway, settings: Settings, outbox: Outbox, ui: Ui,
                now: datetime) -> CreateResult:
    """Carry out a create entry from wherever it stopped; safe to run again."""
    from .delivery import queued_escalation

    escalation = queued_escalation(entry.payload)
    portal = load_portal(gateway, settings, now=now, warn=ui.warn)
    portal.require_tool_properties()
    priority = escalation.priority.portal_option(portal.priority_options)
    if priority is None:
        raise Refused(
            f"El portal no tiene la prioridad {escalation.priority.value} "
            f"({escalation.priority.hubspot_value}); opciones de hs_ticket_priority: "
            + ", ".join(v for v, _ in portal.priority_options) + ".",
            hint="Elija otra prioridad o pida a un administrador que agregue la opción.")
    team = assign(gateway, settings, escalation.priority, escalation.where, now=now)
    state = entry.state
    if state.get("contact"):
        contact = Contact(**state["contact"])
    else:
        contact = find_contact(gateway, escalation, ui)
        if not names_match(escalation, contact) and not state.get("contact_accepted"):
            raise mismatch(escalation, contact)
        state["contact"] = contact.__dict__
        outbox.save_state(entry)

    duplicates: list[Ticket] = []
    if state.get("ticket"):
        ticket = Ticket(**{**state["ticket"], "created_at": escalation.created_at,
                           "properties": {}})
    else:
        if not state.get("duplicates_accepted"):
            duplicates = find_duplicates(gateway, portal, escalation)
        if duplicates and not state.get("duplicates_accepted"):
            answer = ui.confirm_duplicates(duplicates)
            if answer is False:
                raise Declined("No se creó el ticket.")
            if answer is None:
                ui.warn(f"Ya hay {len(duplicates)} ticket(s) abiertos con la póliza "
                        f"{escalation.policy}: " + ", ".join(t.id for t in duplicates)
                        + ". Se crea de todos modos.")
            state["duplicates_accepted"] = True
        maybe_sent = bool(state.get("create_sent")) or entry.attempts > 0
        if not maybe_sent:  # recorded before the request: a killed process leaves it behind
            state["create_sent"] = True
            outbox.save_state(entry)
        ticket, portal = _create_ticket(gateway, settings, portal, escalation, priority,
                                        contact, ui, now=now, maybe_sent=maybe_sent, team=team)
        state["ticket"] = {"id": ticket.id, "subject": ticket.subject,
                           "pipeline": ticket.pipeline, "stage": ticket.stage,
                           "priority": ticket.priority}
        outbox.save_state(entry)

    result = CreateResult(ticket=ticket, contact=contact, escalation=escalation, portal=portal,
                          possible_duplicates=duplicates, team=team)
    if entry.payload.get("files"):
        attached = upload_and_note(
            entry, gateway=gateway, settings=settings, outbox=outbox, ui=ui,
            ticket_id=ticket.id, contact_ids=[contact.id], now=now,
            note_text=f"Capturas de la escalación {escalation.subject()}",
            heading="Adjuntos de la escalación")
        result.attachments, result.note_id = attached.files, attached.note_id
    return result


def ticket_properties(escalation: Escalation, portal: Portal, priority: str) -> dict[str, str]:
    return {
        "subject": escalation.subject(),
        "content": escalation.content(),
        "hs_pipeline": portal.pipeline.id,
        "hs_pipeline_stage": portal.stage.id,
        "hs_ticket_priority": priority,
        "createdate": epoch_ms(escalation.created_at),
        "escalate_id": escalation.escalate_id,
        "escalate_policy": escalation.policy,
    }


def _create_ticket(gateway: Gateway, settings: Settings, portal: Portal, escalation: Escalation,
                   priority: str, contact: Contact, ui: Ui, *, now: datetime,
                   maybe_sent: bool = False,
                   team: Assignment | None = None) -> tuple[Ticket, Portal]:
    """Create (reading by escalate_id first when an earlier attempt may have been carried
    out: `maybe_sent`). If the cached pipeline or stage went stale, read the portal again
    once; if the portal refuses `createdate`, create once more without it."""
    from ..errors import InvalidProperty

    properties = {**ticket_properties(escalation, portal, priority),
                  **(team.properties() if team else {})}
    refreshed = False
    while True:
        try:
            return gateway.create_ticket(properties, contact.id, maybe_sent=maybe_sent), portal
        except InvalidProperty as exc:
            reference = exc.answer.reference() if exc.answer is not None else ""
            if team is not None and team.refused(exc):
                properties.update(team.refresh(gateway, settings))
                continue
            if any(n.startswith("escalate_") for n in exc.missing()):
                PortalCache(settings).forget()
                raise AuthProblem("El portal ya no tiene las propiedades de escalate ("
                                  + ", ".join(n for n in exc.missing()
                                              if n.startswith("escalate_")) + ")." + reference,
                                  hint="Un administrador debe ejecutar «escalate setup».",
                                  answer=exc.answer) from None
            if exc.has("createdate") and "createdate" in properties:
                ui.warn("El portal no permite fijar la fecha de creación (createdate): el "
                        "ticket se crea con la fecha de hoy y la fecha indicada, "
                        f"{escalation.created_at.isoformat()}, queda en la descripción."
                        + reference)
                properties = {k: v for k, v in properties.items() if k != "createdate"}
                properties["content"] = escalation.content(with_creation_date=True)
                continue
            if refreshed or not (exc.has("hs_pipeline") or exc.has("hs_pipeline_stage")):
                raise
        refreshed = True
        portal = load_portal(gateway, settings, now=now, refresh=True, warn=ui.warn)
        fresh = ticket_properties(escalation, portal, priority)
        properties.update({k: fresh[k] for k in ("hs_pipeline", "hs_pipeline_stage")})


def lookup_contact(gateway: Gateway, escalation: Escalation) -> ContactLookup:
    """The client's contact by exact email and/or phone; ambiguity is never guessed."""
    by_email = gateway.contact_by_email(escalation.email) if escalation.email else None
    by_phone: list[Contact] = []
    if escalation.phone and (by_email is None or escalation.email):
        by_phone = gateway.contacts_by_phone(national_digits(escalation.phone), escalation.phone)
    if by_email is not None:
        if by_phone and by_email.id not in {c.id for c in by_phone}:
            return ContactLookup(problem=Refused(
                f"El correo y el teléfono corresponden a contactos distintos: {by_email.name} "
                f"(id {by_email.id}, por correo) y "
                + ", ".join(f"{c.name} (id {c.id})" for c in by_phone) + " (por teléfono).",
                hint="Verifique los datos con el cliente y use solo el correcto."))
        return ContactLookup(contact=by_email)
    if not by_phone:
        keys = " ni ".join(k for k in (escalation.email, escalation.phone) if k)
        return ContactLookup(problem=NotFound(
            f"No hay ningún contacto en HubSpot con {keys}.",
            hint="Verifique el dato o cree primero el contacto en HubSpot."))
    if len(by_phone) == 1:
        return ContactLookup(contact=by_phone[0])
    return ContactLookup(candidates=by_phone)


def find_contact(gateway: Gateway, escalation: Escalation, ui: Ui) -> Contact:
    """The contact, asking the agent to choose among several when someone can be asked."""
    lookup = lookup_contact(gateway, escalation)
    if lookup.problem is not None:
        raise lookup.problem
    if lookup.contact is not None:
        return lookup.contact
    chosen = ui.choose_contact(lookup.candidates)
    if chosen is None:
        raise ambiguous(escalation, lookup.candidates)
    return chosen


def policy_tickets(gateway: Gateway, escalation: Escalation) -> list[Ticket]:
    """Tickets carrying the policy (one search request, needing nothing but the policy)."""
    groups = [{"filters": [
        {"propertyName": "escalate_policy", "operator": "EQ", "value": escalation.policy},
    ]}]
    found = []
    for ticket, _total in gateway.search_tickets(groups):
        found.append(ticket)
        if len(found) >= 100:
            break
    return found


def open_duplicates(tickets: list[Ticket], portal: Portal,
                    escalation: Escalation) -> list[Ticket]:
    """The open tickets of the pipeline with the policy among them, except this
    escalation's own ticket."""
    open_ids = set(portal.open_stage_ids)
    return [t for t in tickets if t.pipeline == portal.pipeline.id and t.stage in open_ids
            and t.policy == escalation.policy and t.escalate_id != escalation.escalate_id][:20]


def confirmed_duplicates(gateway: Gateway, searched: list[Ticket], portal: Portal,
                         escalation: Escalation) -> list[Ticket]:
    """The open duplicates among what search found, as HubSpot holds them now.

    Search lags behind writes: a ticket created in the last minute may not be listed yet,
    and one closed a second ago is still found open; so the search's candidates are read
    again (one batch read, only when there are any) before the agent is warned."""
    candidates = open_duplicates(searched, portal, escalation)
    if not candidates:
        return []
    fresh = gateway.tickets_by_id([t.id for t in candidates], TICKET_PROPERTIES)
    return open_duplicates(fresh, portal, escalation)


def find_duplicates(gateway: Gateway, portal: Portal, escalation: Escalation) -> list[Ticket]:
    """Open tickets of the pipeline with the same policy, other than this escalation's."""
    return confirmed_duplicates(gateway, policy_tickets(gateway, escalation), portal,
                                escalation)
