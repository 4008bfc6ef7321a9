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
from ..domain.call_plan import (
    Reading,
    TasksByTicket,
    by_ticket,
    plan,
    unsettled,
    without_task,
)
from ..domain.followup import Owed
from ..domain.oddities import Odd, Tally
from ..domain.priority import Priority
from ..domain.records import Ticket
from ..domain.team import (
    WHY_CONTACTED,
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
    stages_since,
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
    # Calls owed that got no task, and why: no contact to call, a stage deleted since.
    skipped: Tally = field(default_factory=Tally)
    # Tasks made without an owner: the ticket records no agent, or one no longer a user.
    unassigned: Tally = field(default_factory=Tally)

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    def as_json(self) -> dict[str, Any]:
        return {"created": self.count("created"), "completed": self.count("completed"),
                "unchanged": self.count("unchanged"),
                "tasks": [o.as_json() for o in self.outcomes],
                "skipped": self.skipped.as_json(), "unassigned": self.unassigned.as_json()}


def sync_call_tasks(gateway: Gateway, settings: Settings, *, hours: float | None,
                    now: datetime, only: Priority | None = None, ui: Ui | None = None,
                    policy: FollowupPolicy | None = None,
                    whose: Whose | None = None) -> TaskReport:
    """Create a task per owed call that has none; complete the open ones no longer owed.

    The decisions are `domain.call_plan`'s; this reads what it needs and carries them out."""
    whose = whose or Whose()
    portal = load_portal(gateway, settings, now=now, warn=ui.warn if ui else None)
    portal.require_tool_properties()
    clock = portal_clock(portal, settings, policy, hours)
    report = TaskReport()

    def reading(ticket: Ticket) -> Reading:
        in_scope = whose.includes(ticket) and (only is None or clock.priority(ticket) == only)
        return Reading(clock.owed(ticket, now), in_scope, clock.unknown_stage(ticket))

    searched: dict[str, CallKey] = {}
    unknown: list[str] = []
    for ticket in candidate_tickets(gateway, portal, clock, now, whose):
        found = reading(ticket)
        if found.owed is not None and found.in_scope:
            searched[ticket.id] = CallKey.of(found.owed)
        elif found.unknown_stage and whose.includes(ticket):
            unknown.append(ticket.id)
    if unknown:  # a stage added since the portal was cached, or one deleted
        portal, clock, more = stages_since(gateway, settings, policy, hours, unknown, now,
                                           report.skipped, ui)
        searched.update({o.ticket.id: CallKey.of(o) for o in more
                         if o is not None and reading(o.ticket).in_scope})
    tasks = by_ticket(gateway.open_call_tasks(whose.agent.id if whose.agent else None))
    todo = unsettled(searched, tasks)
    readings: dict[str, Reading] = {}
    if todo:
        readings = {t.id: reading(t)
                    for t in gateway.tickets_by_id(todo, candidate_properties(portal))}
        _known_tasks(gateway, tasks, without_task(readings, tasks))
    decided = plan(todo, readings, tasks)
    report.outcomes += _create(gateway, settings, portal, clock, decided.create, now, report)
    completes = _still_open(gateway, decided.complete)
    if completes:
        gateway.update_tasks([(t.id, completion_properties(t, why)) for t, why in completes])
        report.outcomes += [TaskOutcome(t.id, tid_of(t), t.owner_id, "completed")
                            for t, _why in completes]
    report.outcomes += [TaskOutcome(t.id, tid_of(t), t.owner_id, "unchanged")
                        for t in decided.leave]
    return report


def tid_of(task: Task) -> str:
    return task.key.ticket_id if task.key is not None else ""


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


def _known_tasks(gateway: Gateway, tasks: TasksByTicket, ticket_ids: list[str]) -> None:
    """Add every tool task these tickets have (open or done), through their associations:
    a task made seconds ago, not yet in search, is found here."""
    if not ticket_ids:
        return
    links = gateway.associated_ids("tickets", "tasks", ticket_ids)
    seen = {i for found in tasks.values() for i in found}
    missing = [i for ids in links.values() for i in ids if i not in seen]
    by_ticket(gateway.tasks(missing) if missing else [], into=tasks)


def _create(gateway: Gateway, settings: Settings, portal: Any, clock: Any, owed: list[Owed],
            now: datetime, report: TaskReport) -> list[TaskOutcome]:
    """Batch create the tasks of the calls that have a contact to call (the others go into
    `report.skipped`). Each owner is the agent who escalated, if HubSpot still has that user
    (a removed one would make HubSpot refuse the whole batch): unassigned else, and said so
    in `report.unassigned`."""
    from .team import owners_by_id

    if not owed:
        return []
    contacts = first_contacts(gateway, [o.ticket.id for o in owed])
    wanted = {i for i in (agent_id(o.ticket) for o in owed) if i}
    owners = owners_by_id(gateway, settings, wanted, now=now) if wanted else {}
    inputs: list[tuple[dict[str, str], str, str | None]] = []
    for item in owed:
        contact, _count = contacts.get(item.ticket.id, (None, 0))
        if contact is None:  # nobody to call: a task would only say so
            report.skipped.add(Odd.NO_CONTACT, item.ticket.id)
            continue
        details = CallDetails(client=_client(item.ticket, contact), phone=contact.best_phone,
                              priority=clock.priority(item.ticket),
                              url=portal.account.ticket_url(item.ticket.id))
        owner = agent_id(item.ticket)
        if owner not in owners:
            report.unassigned.add(Odd.AGENT_GONE if owner else Odd.NO_AGENT, item.ticket.id)
        inputs.append((new_task_properties(item, details, owner if owner in owners else None,
                                           now),
                       item.ticket.id, contact.id))
    created = gateway.create_tasks(inputs) if inputs else []
    return [TaskOutcome(t.id, tid_of(t), t.owner_id, "created") for t in created]


def _client(ticket: Ticket, contact: Any) -> str:
    """The client's name: the contact's, else the ticket name's part after the policy."""
    if contact is not None and (contact.firstname or contact.lastname):
        return str(contact.name)
    subject = ticket.subject or ""
    return subject.split(" - ", 1)[1].strip() if " - " in subject else (subject or "cliente")


def complete_ticket_tasks(gateway: Gateway, ticket_id: str, why: str = WHY_CONTACTED
                          ) -> list[str]:
    """Complete the ticket's open call tasks (after `contacted`); their ids. A ticket merged
    into this one brought its tasks along, marked with its old id: they are this client's
    calls too."""
    ids = gateway.associated_ids("tickets", "tasks", [ticket_id]).get(ticket_id, [])
    open_tasks = [t for t in (gateway.tasks(ids) if ids else [])
                  if t.open and t.key is not None]
    if open_tasks:
        gateway.update_tasks([(t.id, completion_properties(t, why)) for t in open_tasks])
    return [t.id for t in open_tasks]
