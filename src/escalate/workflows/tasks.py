"""`followup --tareas`: each owed call as one HubSpot CALL task in the agent's queue.

Idempotent, for a job run every 15 minutes: a task's body carries the marker of the owed
call it stands for, so a call never gets a second task. Search finds candidates (tickets
owed, the tool's open tasks) in few requests; nothing is written on search's word alone,
because search lags behind writes: every ticket about to get or lose a task is read again
by batch read, and its task associations are read too (both consistent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..domain.followup import Owed
from ..domain.priority import Priority
from ..domain.records import Ticket
from ..domain.team import (
    WHY_CONTACTED,
    WHY_NOT_OWED,
    WHY_REPLACED,
    CallDetails,
    CallKey,
    Task,
    completion_properties,
    new_task_properties,
)
from ..gateway import Gateway
from .clock import portal_clock
from .followup import (
    Whose,
    agent_id,
    candidate_properties,
    candidate_tickets,
    first_contacts,
)
from .portal import load_portal
from .ui import Ui

if TYPE_CHECKING:
    from ..domain.policy import FollowupPolicy


@dataclass(frozen=True)
class TaskOutcome:
    id: str
    ticket_id: str
    owner_id: str | None
    action: str  # created | completed | unchanged

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "ticket_id": self.ticket_id, "owner_id": self.owner_id,
                "action": self.action}


@dataclass
class TaskReport:
    outcomes: list[TaskOutcome] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    def as_json(self) -> dict[str, Any]:
        return {"created": self.count("created"), "completed": self.count("completed"),
                "unchanged": self.count("unchanged"),
                "tasks": [o.as_json() for o in self.outcomes]}


def sync_call_tasks(gateway: Gateway, settings: Settings, *, hours: float | None,
                    now: datetime, only: Priority | None = None, ui: Ui | None = None,
                    policy: FollowupPolicy | None = None,
                    whose: Whose | None = None) -> TaskReport:
    """Create a task per owed call that has none; complete the open ones no longer owed."""
    whose = whose or Whose()
    portal = load_portal(gateway, settings, now=now, warn=ui.warn if ui else None)
    portal.require_tool_properties()
    clock = portal_clock(portal, settings, policy, hours)

    def in_scope(ticket: Ticket) -> bool:
        return whose.includes(ticket) and (only is None or clock.priority(ticket) == only)

    searched: dict[str, CallKey] = {}
    for ticket in candidate_tickets(gateway, portal, clock, now, whose):
        owed = clock.owed(ticket, now)
        if owed is not None and in_scope(ticket):
            searched[ticket.id] = CallKey.of(owed)
    tasks: dict[str, dict[str, Task]] = {}  # ticket id -> task id -> task
    for task in gateway.open_call_tasks(whose.agent.id if whose.agent else None):
        if task.key is not None:
            tasks.setdefault(task.key.ticket_id, {})[task.id] = task

    # Tickets whose task state may have to change: a call without its task, a task
    # without its call. Everything else stays as it is, with no further request.
    unsettled = list(dict.fromkeys(
        [t for t, key in searched.items()
         if not any(k.key == key for k in tasks.get(t, {}).values())]
        + [t for t, found in tasks.items()
           if any(k.key != searched.get(t) for k in found.values())]))
    report = TaskReport()
    if unsettled:
        fresh: dict[str, tuple[Ticket, Owed | None]] = {
            t.id: (t, clock.owed(t, now))
            for t in gateway.tickets_by_id(unsettled, candidate_properties(portal))}
        wanted = {tid: owed for tid, (ticket, owed) in fresh.items()
                  if owed is not None and in_scope(ticket)}
        _known_tasks(gateway, tasks, [t for t, owed in wanted.items()
                                      if not _has(tasks.get(t, {}), CallKey.of(owed))])
        creates: list[Owed] = []
        completes: list[tuple[Task, str]] = []
        for tid in unsettled:
            read = fresh.get(tid)
            owed = read[1] if read is not None else None
            if read is not None and owed is not None and not in_scope(read[0]):
                continue  # owed but outside this run's scope: not this run's to change
            key = CallKey.of(owed) if owed is not None else None
            for task in tasks.get(tid, {}).values():
                if task.open and task.key != key:
                    completes.append((task, WHY_REPLACED if key else WHY_NOT_OWED))
            if owed is not None and key is not None and not _has(tasks.get(tid, {}), key):
                creates.append(owed)
        report.outcomes += _create(gateway, settings, portal, clock, creates, now)
        completes = _still_open(gateway, completes)
        if completes:
            gateway.update_tasks([(t.id, completion_properties(t, why)) for t, why in completes])
            report.outcomes += [TaskOutcome(t.id, tid_of(t), t.owner_id, "completed")
                                for t, _why in completes]
    done = {o.id for o in report.outcomes}
    report.outcomes += [TaskOutcome(t.id, tid, t.owner_id, "unchanged")
                        for tid, found in tasks.items() for t in found.values()
                        if t.open and t.id not in done]
    return report


def tid_of(task: Task) -> str:
    return task.key.ticket_id if task.key is not None else ""


def _has(tasks: dict[str, Task], key: CallKey) -> bool:
    """Whether some task (open, or already completed by someone) stands for this call."""
    return any(t.key == key for t in tasks.values())


def _still_open(gateway: Gateway,
                completes: list[tuple[Task, str]]) -> list[tuple[Task, str]]:
    """The tasks to complete that are still open, as HubSpot holds them now: the task
    search lags writes, so a task someone completed a second ago is still found open (one
    batch read, only when there is any to complete)."""
    if not completes:
        return []
    fresh = {t.id: t for t in gateway.tasks([t.id for t, _why in completes])}
    return [(task, why) for task, why in completes
            if task.id in fresh and fresh[task.id].open and fresh[task.id].key == task.key]


def _known_tasks(gateway: Gateway, tasks: dict[str, dict[str, Task]],
                 ticket_ids: list[str]) -> None:
    """Add every tool task these tickets have (open or done), through their associations:
    a task made seconds ago, not yet in search, is found here."""
    if not ticket_ids:
        return
    links = gateway.associated_ids("tickets", "tasks", ticket_ids)
    seen = {i for found in tasks.values() for i in found}
    missing = [i for ids in links.values() for i in ids if i not in seen]
    for task in gateway.tasks(missing) if missing else []:
        if task.key is not None:
            tasks.setdefault(task.key.ticket_id, {})[task.id] = task


def _create(gateway: Gateway, settings: Settings, portal: Any, clock: Any, owed: list[Owed],
            now: datetime) -> list[TaskOutcome]:
    """Batch create the tasks. Each owner is the agent who escalated, if HubSpot still has
    that user (a removed one would make HubSpot refuse the whole batch): unassigned else."""
    from .team import owners_by_id

    if not owed:
        return []
    contacts = first_contacts(gateway, [o.ticket.id for o in owed])
    wanted = {i for i in (agent_id(o.ticket) for o in owed) if i}
    owners = owners_by_id(gateway, settings, wanted, now=now) if wanted else {}
    inputs = []
    for item in owed:
        contact = contacts.get(item.ticket.id)
        details = CallDetails(client=_client(item.ticket, contact),
                              phone=contact.best_phone if contact else None,
                              priority=clock.priority(item.ticket),
                              url=portal.account.ticket_url(item.ticket.id))
        owner = agent_id(item.ticket)
        inputs.append((new_task_properties(item, details, owner if owner in owners else None,
                                           now),
                       item.ticket.id, contact.id if contact else None))
    created = gateway.create_tasks(inputs)
    return [TaskOutcome(t.id, tid_of(t), t.owner_id, "created") for t in created]


def _client(ticket: Ticket, contact: Any) -> str:
    """The client's name: the contact's, else the ticket name's part after the policy."""
    if contact is not None and (contact.firstname or contact.lastname):
        return str(contact.name)
    subject = ticket.subject or ""
    return subject.split(" - ", 1)[1].strip() if " - " in subject else (subject or "cliente")


def complete_ticket_tasks(gateway: Gateway, ticket_id: str, why: str = WHY_CONTACTED
                          ) -> list[str]:
    """Complete the ticket's open call tasks (after `contacted`); their ids."""
    ids = gateway.associated_ids("tickets", "tasks", [ticket_id]).get(ticket_id, [])
    open_tasks = [t for t in (gateway.tasks(ids) if ids else [])
                  if t.open and t.key is not None and t.key.ticket_id == ticket_id]
    if open_tasks:
        gateway.update_tasks([(t.id, completion_properties(t, why)) for t in open_tasks])
    return [t.id for t in open_tasks]
