"""Carrying out a create entry: the ticket on the client's contact, then its files; safe to
run again from wherever an earlier attempt stopped."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..config import Settings
from ..domain.contact_choice import Chosen
from ..domain.escalation import Escalation
from ..domain.moments import epoch_ms, moment_label
from ..domain.records import Contact, Ticket, UploadedFile
from ..errors import (
    AuthProblem,
    Declined,
    InvalidAssociations,
    InvalidProperty,
    NeedsAdmin,
    PortalLacks,
)
from ..gateway import Gateway
from ..outbox import Entry, Outbox
from .attach import upload_and_note
from .lookup import find_contact, find_duplicates, mismatch, names_match
from .portal import QUALITY_PROPERTY, SETUP, Portal, PortalCache, load_portal
from .team import Assignment, assign
from .ui import Ui


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
    masked: list[dict[str, str]] = field(default_factory=list)  # {"field", "kind"}
    quality: dict[str, Any] | None = None  # the score as the agent saw it (quality.as_json)
    similar: list[dict[str, Any]] = field(default_factory=list)  # open tickets alike
    incident: str | None = None  # the incident the ticket joined

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
            "owner": ({**self.team.owner.as_json(), "rule": self.team.rule}
                      if self.team.owner else None),
            "quality": self.quality,
            "masked": self.masked,
            "similar": self.similar,
            "incident": self.incident,
        }
        if self.possible_duplicates:
            answer["possible_duplicates"] = [
                {"id": t.id, "subject": t.subject, "url": self.portal.account.ticket_url(t.id),
                 "stage": self.portal.stage_label(t.stage)}
                for t in self.possible_duplicates]
        return answer


def read_create(payload: dict[str, Any]) -> Escalation:
    """A stored create's escalation, as it was validated when kept."""
    return Escalation.from_json(payload["escalation"])


def revalidated(entry: Entry, settings: Settings, now: datetime) -> str | None:
    """Why a stored create would not pass the checks of a typed one again (a salvage may
    bring back bit-flipped text), in the agent's words; None when it passes as it is."""
    from ..errors import InvalidInput

    stored = read_create(entry.payload)
    if stored.escalate_id != entry.id:
        return "se recuperó de una bandeja dañada y su identificador no coincide"
    try:
        again = Escalation.from_input(stored.as_input(), settings.rules(), now)
    except InvalidInput as exc:
        return ("se recuperó de una bandeja dañada y ya no pasa la validación: "
                + "; ".join(exc.problems))
    if again.replace(escalate_id=stored.escalate_id) != stored:
        return "se recuperó de una bandeja dañada y su contenido cambió al validarlo"
    return None


def send_create(escalation: Escalation, entry: Entry, *, gateway: Gateway, settings: Settings,
                outbox: Outbox, ui: Ui, now: datetime) -> CreateResult:
    """Carry out a create entry from wherever it stopped; safe to run again. `escalation`
    is the entry's own: the one just validated, or `read_create`'s for a stored one."""
    portal = load_portal(gateway, settings, now=now, warn=ui.warn)
    portal.require_tool_properties()
    priority = escalation.priority.portal_option(portal.priority_options)
    if priority is None:  # the cached options may be older than the portal's: read again
        portal = load_portal(gateway, settings, now=now, refresh=True, warn=ui.warn)
        priority = _priority_option(escalation, portal)
    team = assign(gateway, settings, escalation.priority, escalation.where, now=now)
    state = entry.state
    if state.get("contact"):
        contact = Contact(**state["contact"])
    else:
        contact = find_contact(gateway, escalation, ui, Chosen.from_json(state.get("chosen")))
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
            duplicates = find_duplicates(gateway, settings, portal, escalation, now=now)
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
        score, fields = _score(entry.payload), dict(entry.payload.get("fields") or {})

        def create(contact: Contact) -> tuple[Ticket, Portal]:
            return _create_ticket(gateway, settings, portal, escalation, priority, contact, ui,
                                  now=now, maybe_sent=maybe_sent, team=team, score=score,
                                  fields=fields)

        try:
            ticket, portal = create(contact)
        except InvalidAssociations as exc:
            again = (_contact_again(gateway, escalation, contact, ui)
                     if contact.id in exc.object_ids else None)
            if again is None:
                raise
            contact = again
            state["contact"] = contact.__dict__
            outbox.save_state(entry)
            ticket, portal = create(contact)
        state["ticket"] = {"id": ticket.id, "subject": ticket.subject,
                           "pipeline": ticket.pipeline, "stage": ticket.stage,
                           "priority": ticket.priority}
        outbox.save_state(entry)

    result = CreateResult(ticket=ticket, contact=contact, escalation=escalation, portal=portal,
                          possible_duplicates=duplicates, team=team,
                          masked=list(entry.payload.get("masked") or []),
                          quality=entry.payload.get("quality"))
    if entry.payload.get("files"):
        attached = upload_and_note(
            entry, gateway=gateway, settings=settings, outbox=outbox, ui=ui,
            ticket_id=ticket.id, contact_ids=[contact.id], now=now,
            note_text=f"Capturas de la escalación {escalation.subject()}",
            heading="Adjuntos de la escalación",
            link=lambda: portal.account.ticket_url(ticket.id))
        result.attachments, result.note_id = attached.files, attached.note_id
    return result


def _contact_again(gateway: Gateway, escalation: Escalation, kept: Contact,
                   ui: Ui) -> Contact | None:
    """The client's contact when the one kept with the entry is no longer in HubSpot: the
    contact it was merged into (its old id answers with it), else the one its email or
    phone finds now (exit 3 when none; a name that differs is checked again). None when the
    kept contact is still there."""
    merged = list(gateway.contacts([kept.id]).values())
    if merged and merged[0].id == kept.id:
        return None
    if merged:
        ui.warn(f"El contacto {kept.id} se fusionó en HubSpot con el {merged[0].id}: el ticket "
                "se crea en ese contacto.")
        return merged[0]
    found = find_contact(gateway, escalation, ui)
    if not names_match(escalation, found):
        raise mismatch(escalation, found)
    ui.warn(f"El contacto {kept.id} ya no está en HubSpot: el ticket se crea en el {found.id}, "
            "que se encontró con el correo o el teléfono del cliente.")
    return found


def _priority_option(escalation: Escalation, portal: Portal) -> str:
    """The portal's option for the escalation's priority; PortalLacks when the portal (read
    afresh) has none: the escalation is kept for the agent, never dropped."""
    option = escalation.priority.portal_option(portal.priority_options)
    if option is None:
        raise PortalLacks(
            f"El portal no tiene la prioridad {escalation.priority.value} "
            f"({escalation.priority.hubspot_value}); opciones de hs_ticket_priority: "
            + ", ".join(v for v, _ in portal.priority_options) + ".",
            hint="Elija otra prioridad o pida a un administrador que agregue la opción.")
    return option


def _score(payload: dict[str, Any]) -> int | None:
    quality = payload.get("quality")
    score = quality.get("score") if isinstance(quality, dict) else None
    return score if isinstance(score, int) and not isinstance(score, bool) else None


def ticket_properties(escalation: Escalation, portal: Portal, priority: str,
                      score: int | None = None) -> dict[str, str]:
    quality = ({QUALITY_PROPERTY: str(score)}
               if score is not None and QUALITY_PROPERTY not in portal.lacking else {})
    return {
        "subject": escalation.subject(),
        "content": escalation.content(),
        "hs_pipeline": portal.pipeline.id,
        "hs_pipeline_stage": portal.stage.id,
        "hs_ticket_priority": priority,
        "createdate": epoch_ms(escalation.created_at),
        "escalate_id": escalation.escalate_id,
        "escalate_policy": escalation.policy,
        **quality,
    }


# What a create takes from the cached portal: refused, the portal is read again once.
CACHED = ("hs_pipeline", "hs_pipeline_stage", "hs_ticket_priority")


def _without_score(exc: InvalidProperty, properties: dict[str, str], settings: Settings,
                   ui: Ui) -> bool:
    """The portal lost `escalate_quality` since it was cached: optional, so the ticket goes
    without its score (True: try again without it)."""
    if QUALITY_PROPERTY not in exc.missing() or QUALITY_PROPERTY not in properties:
        return False
    PortalCache(settings).forget()
    reference = exc.answer.reference() if exc.answer is not None else ""
    ui.warn(f"El portal ya no tiene la propiedad {QUALITY_PROPERTY}: el ticket se crea sin su "
            "calificación." + reference)
    properties.pop(QUALITY_PROPERTY)
    return True


def _tool_properties_gone(exc: InvalidProperty, settings: Settings, reference: str) -> None:
    """HubSpot no longer knows a property of the tool: the portal needs setup (exit 4)."""
    gone = [n for n in exc.missing() if n.startswith("escalate_")]
    if gone:
        PortalCache(settings).forget()
        raise AuthProblem("El portal ya no tiene las propiedades de escalate ("
                          + ", ".join(gone) + ")." + reference, answer=exc.answer,
                          next_steps=(SETUP,)) from None


def _create_ticket(gateway: Gateway, settings: Settings, portal: Portal, escalation: Escalation,
                   priority: str, contact: Contact, ui: Ui, *, now: datetime,
                   maybe_sent: bool = False, team: Assignment | None = None,
                   score: int | None = None,
                   fields: dict[str, str] | None = None) -> tuple[Ticket, Portal]:
    """Create (reading by escalate_id first when an earlier attempt may have been carried
    out: `maybe_sent`). If the cached pipeline, stage or priority went stale, read the portal again
    once (and keep the escalation for the agent if still refused); if the portal refuses
    `createdate`, create once more without it."""
    # The portal's own fields first: what the tool fills is never overwritten by one.
    properties = {**(fields or {}), **ticket_properties(escalation, portal, priority, score),
                  **(team.properties() if team else {})}
    refreshed = False
    while True:
        try:
            return gateway.create_ticket(properties, contact.id, maybe_sent=maybe_sent), portal
        except NeedsAdmin:
            # A rule or a required property the cached portal did not know of: read the
            # portal again next time, so a create asks for it before sending.
            PortalCache(settings).forget()
            raise
        except InvalidProperty as exc:
            reference = exc.answer.reference() if exc.answer is not None else ""
            if team is not None and team.refused(exc):
                properties.update(team.refresh(gateway, settings))
                continue
            if _without_score(exc, properties, settings, ui):
                continue
            _tool_properties_gone(exc, settings, reference)
            if exc.has("createdate") and "createdate" in properties:
                ui.warn("El portal no permite fijar la fecha de creación (createdate): el "
                        "ticket se crea con la fecha de hoy y la fecha indicada, "
                        f"{moment_label(escalation.created_at)}, queda en la descripción."
                        + reference)
                properties = {k: v for k, v in properties.items() if k != "createdate"}
                properties["content"] = escalation.content(with_creation_date=True)
                continue
            cached = [n for n in CACHED if exc.has(n)]
            if not cached:
                raise
            if refreshed:  # read again and still refused: the agent must look, nothing lost
                raise PortalLacks(exc.message, answer=exc.answer) from None
        refreshed = True
        portal = load_portal(gateway, settings, now=now, refresh=True, warn=ui.warn)
        fresh = ticket_properties(escalation, portal, _priority_option(escalation, portal))
        properties.update({k: fresh[k] for k in CACHED})


