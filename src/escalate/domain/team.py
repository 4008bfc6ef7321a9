"""The team: HubSpot owners, and each owed call as a CALL task. Pure; `now` passed in.

A call task carries a marker in its body naming the owed call it stands for (ticket,
reason and since when): that is how a later run knows the call already has its task,
whatever the task's subject says after a person edits it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from datetime import datetime

from .followup import Owed
from .moments import epoch_ms
from .priority import Priority

OPEN_STATUSES = ("NOT_STARTED", "IN_PROGRESS", "WAITING", "DEFERRED")
COMPLETED = "COMPLETED"
TASK_PRIORITY = {Priority.BAJA: "LOW", Priority.MEDIA: "MEDIUM", Priority.ALTA: "HIGH",
                 Priority.URGENTE: "HIGH"}
SUBJECT_WORD = "Llamar"  # the subject's first word: the task search's token
_MARKER = re.compile(r"escalate llamada ([0-9A-Za-z_-]+):([a-z_]+):(\d+)")


@dataclass(frozen=True)
class Owner:
    """A HubSpot user who can own records (the owners API's `id`, not its `userId`)."""

    id: str
    email: str
    first_name: str = ""
    last_name: str = ""

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.email

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "email": self.email}


@dataclass(frozen=True)
class CallKey:
    """Which owed call a task stands for: the ticket, why, and since when."""

    ticket_id: str
    reason: str
    since_ms: str

    @classmethod
    def of(cls, owed: Owed) -> CallKey:
        return cls(owed.ticket.id, owed.reason.value, epoch_ms(owed.since))

    @classmethod
    def parse(cls, body: str | None) -> CallKey | None:
        found = _MARKER.search(body or "")
        return cls(*found.groups()) if found else None

    def marker(self) -> str:
        return f"escalate llamada {self.ticket_id}:{self.reason}:{self.since_ms}"


@dataclass(frozen=True)
class Task:
    """A task as read back from HubSpot."""

    id: str
    subject: str
    body: str
    status: str
    owner_id: str | None

    @property
    def open(self) -> bool:
        return self.status != COMPLETED

    @property
    def key(self) -> CallKey | None:
        return CallKey.parse(self.body)

    def slim(self) -> Task:
        """The task with its body cut to the marker of its call: enough to decide on; a
        task is read whole again before it is changed."""
        key = self.key
        return replace(self, body=key.marker() if key is not None else "")

    @classmethod
    def from_properties(cls, task_id: str, p: dict[str, str | None]) -> Task:
        return cls(id=task_id, subject=p.get("hs_task_subject") or "",
                   body=p.get("hs_task_body") or "",
                   status=p.get("hs_task_status") or "NOT_STARTED",
                   owner_id=p.get("hubspot_owner_id") or None)


@dataclass(frozen=True)
class CallDetails:
    """What the agent needs on the task to make the call at once."""

    client: str
    phone: str | None
    priority: Priority | None
    url: str


def new_task_properties(owed: Owed, details: CallDetails, owner_id: str | None,
                        now: datetime) -> dict[str, str]:
    """A CALL task due now, for the agent who escalated (unassigned when unknown)."""
    ticket = owed.ticket
    properties = {
        "hs_task_subject": f"{SUBJECT_WORD} a {details.client} · ticket {ticket.id}",
        "hs_task_body": task_body(owed, details, now),
        "hs_task_status": "NOT_STARTED",
        "hs_task_type": "CALL",
        "hs_task_priority": TASK_PRIORITY[details.priority] if details.priority else "NONE",
        "hs_timestamp": epoch_ms(now),
    }
    if owner_id:
        properties["hubspot_owner_id"] = owner_id
    return properties


def task_body(owed: Owed, details: CallDetails, now: datetime) -> str:
    """The task's description: why the call is owed, how long the client waits, the phone."""
    hours = max(0.0, (now - owed.since).total_seconds() / 3600)
    lines = [
        f"Motivo: {owed.reason.label.lower()}",
        f"Horas de espera: {hours:.0f}",
        f"Teléfono: {details.phone or 'sin teléfono en el contacto'}",
        f"Ticket: {owed.ticket.subject or owed.ticket.id} — {details.url}",
        "Al llamar, registre en escalate el aviso al cliente (seguimiento del ticket "
        f"{owed.ticket.id}): la tarea se completa sola.",
    ]
    text = "<br>".join(html.escape(line) for line in lines)
    return f"<p>{text}</p><p><small>{CallKey.of(owed).marker()}</small></p>"


def completion_properties(task: Task, why: str) -> dict[str, str]:
    """The update that completes a task, its body ending with why."""
    note = f"<p><strong>Completada por escalate:</strong> {html.escape(why)}</p>"
    return {"hs_task_status": COMPLETED, "hs_task_body": task.body + note}


# Why a task is completed, in the words the agent reads on it.
WHY_CONTACTED = "se registró en escalate el aviso al cliente."
WHY_NOT_OWED = "la llamada ya no se debe: el ticket se actualizó o se avisó al cliente."
WHY_REPLACED = "la llamada cambió (nuevo motivo o nuevo plazo); hay una tarea nueva."
WHY_DUPLICATE = "otra tarea ya estaba por la misma llamada (se crearon dos a la vez)."
