"""`create`: a validated escalation becomes a ticket on the client's contact."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..config import Settings
from ..domain.escalation import Escalation, Rules, national_digits
from ..domain.records import Contact, Ticket, UploadedFile
from ..errors import AuthProblem, EscalateError, ExitCode, NotFound, Refused
from ..gateway import Gateway, epoch_ms
from ..outbox import Entry, Outbox
from .attach import upload_and_note
from .files import LocalFile
from .portal import Portal, PortalCache, load_portal
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
        }
        if self.possible_duplicates:
            answer["possible_duplicates"] = [
                {"id": t.id, "subject": t.subject, "url": self.portal.account.ticket_url(t.id),
                 "stage": self.portal.stage_label(t.stage)}
                for t in self.possible_duplicates]
        return answer


def rules(settings: Settings) -> Rules:
    return Rules(policy_pattern=settings.policy_pattern, phone_region=settings.phone_region)


def escalation_from_input(raw: dict[str, Any], settings: Settings, now: datetime) -> Escalation:
    """Validate what the agent typed (option names as keys) into an escalation."""
    return Escalation.build({
        "policy": raw.get("policy"), "client_name": raw.get("client"),
        "email": raw.get("email"), "phone": raw.get("phone"), "priority": raw.get("priority"),
        "what": raw.get("what"), "how": raw.get("how"), "where": raw.get("where"),
        "when": raw.get("when"), "changes": raw.get("changes") or [],
        "channel": raw.get("channel"), "created_at": raw.get("created_at"),
    }, rules(settings), now)


def create_entry(escalation: Escalation, files: list[LocalFile]) -> Entry:
    """The outbox entry: the escalation as validated, its files, and (later) its progress."""
    return Entry(id=escalation.escalate_id, kind="create", payload={
        "escalation": escalation.model_dump(mode="json"),
        "files": [{"path": str(f.path), "name": f.name} for f in files],
    })


def send_create(entry: Entry, *, gateway: Gateway, settings: Settings, outbox: Outbox, ui: Ui,
                now: datetime) -> CreateResult:
    """Carry out a create entry from wherever it stopped; safe to run again."""
    escalation = Escalation.build(entry.payload["escalation"], rules(settings), now)
    portal = load_portal(gateway, settings, warn=ui.warn)
    portal.require_tool_properties()
    priority = escalation.priority.portal_option(portal.priority_options)
    if priority is None:
        raise Refused(
            f"El portal no tiene la prioridad {escalation.priority.value} "
            f"({escalation.priority.hubspot_value}); opciones de hs_ticket_priority: "
            + ", ".join(v for v, _ in portal.priority_options) + ".",
            hint="Elija otra prioridad o pida a un administrador que agregue la opción.")
    state = entry.state
    if state.get("contact"):
        contact = Contact(**state["contact"])
    else:
        contact = find_contact(gateway, escalation, ui)
        state["contact"] = contact.__dict__
        outbox.save_state(entry)

    duplicates: list[Ticket] = []
    if state.get("ticket"):
        ticket = Ticket(**{**state["ticket"], "created_at": escalation.created_at,
                           "properties": {}})
    else:
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
        ticket, portal = _create_ticket(gateway, settings, portal, escalation, priority,
                                        contact, ui)
        state["ticket"] = {"id": ticket.id, "subject": ticket.subject,
                           "pipeline": ticket.pipeline, "stage": ticket.stage,
                           "priority": ticket.priority}
        outbox.save_state(entry)

    result = CreateResult(ticket=ticket, contact=contact, escalation=escalation, portal=portal,
                          possible_duplicates=duplicates)
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
                   priority: str, contact: Contact, ui: Ui) -> tuple[Ticket, Portal]:
    """Create; if the cached pipeline or stage went stale, read the portal again once."""
    try:
        return gateway.create_ticket(ticket_properties(escalation, portal, priority),
                                     contact.id), portal
    except Refused as exc:
        if "escalate_" in exc.message and "does not exist" in exc.message:
            PortalCache(settings).forget()
            raise AuthProblem("El portal ya no tiene las propiedades de escalate.",
                              hint="Un administrador debe ejecutar «escalate setup».") from None
        if "hs_pipeline" not in exc.message:
            raise
    portal = load_portal(gateway, settings, refresh=True, warn=ui.warn)
    return gateway.create_ticket(ticket_properties(escalation, portal, priority),
                                 contact.id), portal


def find_contact(gateway: Gateway, escalation: Escalation, ui: Ui) -> Contact:
    """The client's contact by exact email and/or phone; ambiguity is never guessed."""
    by_email = gateway.contact_by_email(escalation.email) if escalation.email else None
    by_phone: list[Contact] = []
    if escalation.phone and (by_email is None or escalation.email):
        by_phone = gateway.contacts_by_phone(national_digits(escalation.phone), escalation.phone)
    if by_email is not None:
        if by_phone and by_email.id not in {c.id for c in by_phone}:
            raise Refused(
                f"El correo y el teléfono corresponden a contactos distintos: {by_email.name} "
                f"(id {by_email.id}, por correo) y "
                + ", ".join(f"{c.name} (id {c.id})" for c in by_phone) + " (por teléfono).",
                hint="Verifique los datos con el cliente y use solo el correcto.")
        return by_email
    if not by_phone:
        keys = " ni ".join(k for k in (escalation.email, escalation.phone) if k)
        raise NotFound(f"No hay ningún contacto en HubSpot con {keys}.",
                       hint="Verifique el dato o cree primero el contacto en HubSpot.")
    if len(by_phone) == 1:
        return by_phone[0]
    chosen = ui.choose_contact(by_phone)
    if chosen is None:
        listing = "\n".join(f"  • {c.name} (id {c.id}) {c.email} {c.best_phone}".rstrip()
                            for c in by_phone)
        raise Refused(f"El teléfono {escalation.phone} corresponde a {len(by_phone)} "
                      f"contactos:\n{listing}",
                      hint="Use --correo para indicar cuál es el cliente.")
    return chosen


def find_duplicates(gateway: Gateway, portal: Portal, escalation: Escalation) -> list[Ticket]:
    """Open tickets of the pipeline with the same policy (one search request)."""
    groups = [{"filters": [
        {"propertyName": "escalate_policy", "operator": "EQ", "value": escalation.policy},
        {"propertyName": "hs_pipeline", "operator": "EQ", "value": portal.pipeline.id},
        {"propertyName": "hs_pipeline_stage", "operator": "IN",
         "values": portal.open_stage_ids},
    ]}]
    found = []
    for ticket, _total in gateway.search_tickets(groups):
        found.append(ticket)
        if len(found) >= 20:
            break
    return found
