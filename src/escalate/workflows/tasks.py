"""`followup --tareas`: each owed call as one HubSpot CALL task in the agent's queue.

Idempotent, for a job run every 15 minutes: a task's body carries the marker of the owed
call it stands for, so a call never gets a second task. Search finds candidates (tickets
owed, the tool's open tasks) in few requests; nothing is written on search's word alone,
because search lags behind writes: every ticket about to get or lose a task is read again
by batch read, and its task associations are read too (both consistent).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..domain.call_plan import (
    Reading,
    TasksByTicket,
    by_ticket,
    duplicates,
    plan,
    unsettled,
    without_task,
)
from ..domain.followup import Owed
from ..domain.oddities import Odd, Tally
from ..domain.priority import Priority
from ..domain.records import Contact, Ticket
from ..domain.team import (
    WHY_CONTACTED,
    CallDetails,
    CallKey,
    Task,
    completion_properties,
    new_task_properties,
)
from ..gateway import Gateway
from ..gateway.limits import ASSOCIATION_BATCH
from ..gateway.windows import Page
from .closing import settle_closed
from .followup import (
    Clocks,
    ContactBook,
    Whose,
    agent_id,
    candidate_groups,
    candidate_properties,
)
from .portal import load_portal
from .recent import fresh_writes, with_own_writes
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
    members_closed: list[str] = field(default_factory=list)  # of closed incidents, this run

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    def as_json(self) -> dict[str, Any]:
        return {"created": self.count("created"), "completed": self.count("completed"),
                "unchanged": self.count("unchanged"),
                "tasks": [o.as_json() for o in self.outcomes],
                "skipped": self.skipped.as_json(), "unassigned": self.unassigned.as_json(),
                "incident_members_closed": self.members_closed}


def sync_call_tasks(gateway: Gateway, settings: Settings, *, hours: float | None,
                    now: datetime, only: Priority | None = None, ui: Ui | None = None,
                    policy: FollowupPolicy | None = None, whose: Whose | None = None,
                    report: TaskReport | None = None,
                    progress: Callable[[int, int], None] | None = None) -> TaskReport:
    """Create a task per owed call that has none; complete the open ones no longer owed,
    and the ones that double another for the same call.

    The decisions are `domain.call_plan`'s; this reads what it needs and carries them out, a
    thousand tickets at a time as the search pages come, several writes at once. What is
    done goes into `report` as it is done: a Ctrl-C leaves it saying what was made, and
    nothing half-written."""
    run = _Run(gateway, settings, now, whose or Whose(), report or TaskReport(), progress)
    portal = load_portal(gateway, settings, now=now, warn=ui.warn if ui else None)
    portal.require_tool_properties()
    run.portal, run.only = portal, only
    run.clocks = Clocks(gateway, settings, portal, now=now, policy=policy, hours=hours, ui=ui)
    # The tool's open tasks first, then the tickets as their pages come: both searches draw
    # on the account's 5 a second, so running them side by side would end no sooner.
    tasks = by_ticket(gateway.open_call_tasks(run.whose.agent_id))
    pages = gateway.ticket_pages(
        candidate_groups(portal, run.clocks.cached, now, run.whose.agent_id),
        properties=candidate_properties(portal))
    # This home's writes of the last minutes first, as read now (search may leave out a
    # ticket raised a second ago, owed sooner at its new level); search's copies skipped.
    written = fresh_writes(gateway, settings, candidate_properties(portal), now=now)
    tickets = with_own_writes((t for page in run.counted(pages) for t in page.items), written,
                              lambda t: t.pipeline == portal.pipeline.id)
    # On Ctrl-C or a failure `run.stop` is set: no write starts; what is on its way ends.
    for _ in gateway.pipelined(tickets, lambda chunk: run.settle(chunk, tasks),
                               chunk=SETTLED_AT_ONCE, in_flight=2, stop=run.stop):
        pass
    run.settle_rest(tasks)
    return run.report


SETTLED_AT_ONCE = 1_000  # tickets decided together: one association read covers them


class _Run:
    """One `followup --tareas` run: what it reads, decides and writes, chunk by chunk."""

    portal: Any
    clocks: Clocks
    only: Priority | None

    def __init__(self, gateway: Gateway, settings: Settings, now: datetime, whose: Whose,
                 report: TaskReport, progress: Callable[[int, int], None] | None) -> None:
        self.gateway, self.settings, self.now, self.whose = gateway, settings, now, whose
        self.report, self.progress = report, progress
        self.seen: set[str] = set()  # tickets the search handed on
        self.unknown: set[str] = set()  # tickets counted in a stage deleted since
        self.contacts = ContactBook(gateway)
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def counted(self, pages: Iterator[Page[Ticket]]) -> Iterator[Page[Ticket]]:
        read = 0
        for page in pages:
            read += len(page.items)
            if self.progress is not None:
                self.progress(read, max(read, page.total))
            yield page

    def reading(self, ticket: Ticket) -> Reading:
        clock = self.clocks.of(ticket)
        in_scope = self.whose.includes(ticket) and (self.only is None
                                                    or clock.priority(ticket) == self.only)
        return Reading(clock.owed(ticket, self.now), in_scope, clock.unknown_stage(ticket))

    def settle(self, tickets: list[Ticket], tasks: TasksByTicket) -> list[None]:
        """Decide and carry out what these tickets need, on search's word confirmed by a
        consistent read of the unsettled ones."""
        members = {t.id: t for t in self._closed_members(tickets)}
        tickets = [t for t in tickets if t.id not in members] + list(members.values())
        with self._lock:
            self.seen.update(t.id for t in tickets)
        read = {t.id: self.reading(t) for t in tickets}
        searched = {t: CallKey.of(r.owed) for t, r in read.items()
                    if r.owed is not None and r.in_scope}
        # A ticket in a stage deleted since is read again with the rest (search lags): still
        # there, it is counted as skipped and its tasks left as they are.
        unknown = [t.id for t in tickets if read[t.id].unknown_stage and self.whose.includes(t)]
        mine = {t.id: dict(tasks[t.id]) for t in tickets if t.id in tasks}
        self._carry_out(list(dict.fromkeys(unsettled(searched, mine) + unknown)), mine)
        return []

    def _closed_members(self, tickets: list[Ticket]) -> list[Ticket]:
        """Work once, close all: the members of an incident the engineers closed (among the
        recently closed tickets searched) are closed too, each with its note; they are
        handed on as read after (search may not see them closed yet), so each client gets
        its call task in this very run (a task made already is found by its association)."""
        closed = settle_closed(self.gateway, self.portal, tickets, now=self.now,
                               stop=self.stop.is_set)
        with self._lock:
            self.report.members_closed += closed.closed
        return closed.members

    def settle_rest(self, tasks: TasksByTicket) -> None:
        """The tasks of tickets the search did not hand on (no call owed any longer, or a
        ticket search has not caught up with)."""
        rest = {t: dict(found) for t, found in tasks.items() if t not in self.seen}
        self._carry_out(unsettled({}, rest), rest)

    def _carry_out(self, todo: list[str], tasks: TasksByTicket) -> None:
        if self.stop.is_set():
            return
        if not todo:
            self._record([], [], [t for found in tasks.values() for t in found.values()
                                  if t.open])
            return
        found = self.gateway.tickets_by_id(todo, candidate_properties(self.portal))
        readings = {t.id: self.reading(t) for t in found}
        self._count_unknown([t.id for t in found
                             if readings[t.id].unknown_stage and self.whose.includes(t)])
        getting = without_task(readings, tasks)
        links = _known_tasks(self.gateway, tasks, getting)
        decided = plan(todo, readings, tasks)
        created = self._create(decided.create, links)
        completed = _still_open(self.gateway, decided.complete)
        if completed:
            self.gateway.update_tasks([(t.id, completion_properties(t, why))
                                       for t, why in completed])
        self._record(created, [t for t, _why in completed], decided.leave)

    def _count_unknown(self, ticket_ids: list[str]) -> None:
        with self._lock:
            for ticket_id in ticket_ids:
                if ticket_id not in self.unknown:
                    self.unknown.add(ticket_id)
                    self.report.skipped.add(Odd.UNKNOWN_STAGE, ticket_id)

    def _create(self, owed: list[Owed], links: dict[str, list[str]]) -> list[Task]:
        """The tasks made, less those another run made at the same moment for the same
        call (see `_keep_one`). A call with no contact to call gets none (a task would only
        say so): it is counted in `report.skipped`; a task made without an owner is counted
        in `report.unassigned`."""
        if not owed:
            return []
        contacts = self.contacts.first_of(links)
        callable_ = [o for o in owed if contacts.get(o.ticket.id) is not None]
        with self._lock:
            for item in owed:
                if contacts.get(item.ticket.id) is None:
                    self.report.skipped.add(Odd.NO_CONTACT, item.ticket.id)
        if not callable_:
            return []
        created = _create(self.gateway, self.settings, self.portal, self.clocks.cached, callable_,
                          contacts, self.now, self.stop)
        lost = _keep_one(self.gateway, created)
        kept = [t for t in created if t.id not in lost]
        agents = {o.ticket.id: agent_id(o.ticket) for o in callable_}
        with self._lock:
            for task in kept:
                if task.owner_id is None:
                    self.report.unassigned.add(
                        Odd.AGENT_GONE if agents.get(tid_of(task)) else Odd.NO_AGENT,
                        tid_of(task))
        return kept

    def _record(self, created: list[Task], completed: list[Task], left: list[Task]) -> None:
        with self._lock:
            self.report.outcomes += [TaskOutcome(t.id, tid_of(t), t.owner_id, "created")
                                     for t in created]
            self.report.outcomes += [TaskOutcome(t.id, tid_of(t), t.owner_id, "completed")
                                     for t in completed]
            self.report.outcomes += [TaskOutcome(t.id, tid_of(t), t.owner_id, "unchanged")
                                     for t in left]


def tid_of(task: Task) -> str:
    return task.key.ticket_id if task.key is not None else ""


def _still_open(gateway: Gateway,
                completes: list[tuple[Task, str]]) -> list[tuple[Task, str]]:
    """The tasks to complete that are still open, as HubSpot holds them now (whole: a task
    searched is kept slim): the task search lags writes, so a task someone completed a
    second ago is still found open (one batch read, only when there is any to complete)."""
    if not completes:
        return []
    fresh = {t.id: t for t in gateway.tasks([t.id for t, _why in completes])}
    return [(fresh[task.id], why) for task, why in completes
            if task.id in fresh and fresh[task.id].open and fresh[task.id].key == task.key]


def _known_tasks(gateway: Gateway, tasks: TasksByTicket, ticket_ids: list[str]
                 ) -> dict[str, list[str]]:
    """Add every tool task these tickets have (open or done), through their associations:
    a task made seconds ago, not yet in search, is found here. Their contacts' links are
    read beside (a task goes to the ticket's first contact); both returned by ticket."""
    if not ticket_ids:
        return {}
    task_links, contact_links = gateway.together(
        partial(gateway.associated_ids, "tickets", "tasks", ticket_ids),
        partial(gateway.ticket_contact_ids, ticket_ids, chunk=ASSOCIATION_BATCH))
    seen = {i for found in tasks.values() for i in found}
    missing = [i for ids in task_links.values() for i in ids if i not in seen]
    by_ticket(gateway.tasks(missing) if missing else [], into=tasks)
    return contact_links


def _keep_one(gateway: Gateway, created: list[Task]) -> set[str]:
    """After making tasks, read their tickets' tasks again (consistent): another run (a
    scheduled job beside an agent's own) may have made one for the same call at the same
    moment. Every run that looks agrees which one stays (`call_plan.duplicates`); the others,
    made moments ago, are archived. Of two runs at once the later to finish always sees
    both. The ids archived."""
    ticket_ids = list(dict.fromkeys(tid_of(t) for t in created))
    links = gateway.associated_ids("tickets", "tasks", ticket_ids)
    ours = {t.id for t in created}
    others = [i for ids in links.values() for i in ids if i not in ours]
    around = [*created, *(gateway.tasks(others) if others else [])]
    keys = {t.key for t in created}
    lost = {t.id for t in duplicates(around) if t.key in keys}
    if lost:
        gateway.archive("tasks", sorted(lost))
    return lost


def _create(gateway: Gateway, settings: Settings, portal: Any, clock: Any, owed: list[Owed],
            contacts: dict[str, Contact | None], now: datetime,
            stop: threading.Event) -> list[Task]:
    """Batch create the tasks. Each owner is the agent who escalated, if HubSpot still has
    that user (a removed one would make HubSpot refuse the whole batch): unassigned else."""
    from .team import owners_by_id

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
    return gateway.create_tasks(inputs, stop=stop)


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
