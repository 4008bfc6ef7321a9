"""Which call tasks to create, complete or leave: the reconciliation of `followup --tareas`
as a pure plan (the workflow reads, then carries the plan out).

Search finds candidates in few requests but lags behind writes, so the plan comes in two
steps: `unsettled` names the tickets whose tasks may have to change (a call without its
task, a task without its call), judged on search's word; `plan` decides on a consistent
read of exactly those tickets and their tasks. Every other task is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .followup import Owed
from .team import WHY_DUPLICATE, WHY_NOT_OWED, WHY_REPLACED, CallKey, Task

# ticket id -> task id -> task: the tool's tasks of each ticket (open, or done by someone)
TasksByTicket = dict[str, dict[str, Task]]


@dataclass(frozen=True)
class Reading:
    """A ticket as a consistent read shows it: the call owed now (None: no call), whether
    the ticket is this run's to change (`--mias`, `--prioridad`), and whether its stage is
    one the pipeline no longer has (deleted while it sat there: neither open nor closed)."""

    owed: Owed | None
    in_scope: bool = True
    unknown_stage: bool = False


@dataclass
class TaskPlan:
    create: list[Owed] = field(default_factory=list)
    complete: list[tuple[Task, str]] = field(default_factory=list)  # the task, and why
    leave: list[Task] = field(default_factory=list)  # open tasks that stay as they are


def by_ticket(tasks: Iterable[Task], into: TasksByTicket | None = None) -> TasksByTicket:
    """The tool's tasks (those carrying a call's marker), grouped by their ticket."""
    grouped: TasksByTicket = into if into is not None else {}
    for task in tasks:
        if task.key is not None:
            grouped.setdefault(task.key.ticket_id, {})[task.id] = task
    return grouped


def has_task(tasks: dict[str, Task], key: CallKey) -> bool:
    """Whether some task (open, or already completed by someone) stands for this call."""
    return any(t.key == key for t in tasks.values())


def duplicates(tasks: Iterable[Task]) -> list[Task]:
    """The tasks standing for a call that another one stands for too: every one but the
    task with the lowest id, so every run that looks agrees on which one stays (HubSpot has
    no lock: two runs at once can each make one)."""
    by_key: dict[CallKey, list[Task]] = {}
    for task in tasks:
        if task.key is not None:
            by_key.setdefault(task.key, []).append(task)
    return [t for same in by_key.values() if len(same) > 1
            for t in sorted(same, key=_task_order)[1:]]


def _task_order(task: Task) -> tuple[int, str]:
    return (int(task.id), "") if task.id.isdigit() else (0, task.id)


def unsettled(searched: dict[str, CallKey], tasks: TasksByTicket) -> list[str]:
    """Tickets whose task state may have to change on search's word: a call owed without
    its task, a task whose call is not (or no longer) the one owed, or two open tasks for
    one call."""
    calls = [t for t, key in searched.items() if not has_task(tasks.get(t, {}), key)]
    stale = [t for t, found in tasks.items()
             if any(k.key != searched.get(t) for k in found.values())
             or any(d.open for d in duplicates(found.values()))]
    return list(dict.fromkeys(calls + stale))


def without_task(readings: dict[str, Reading], tasks: TasksByTicket) -> list[str]:
    """The tickets about to get a task as far as the tasks known show: their task
    associations are read first (a task made seconds ago is not in search yet)."""
    return [t for t, r in readings.items() if r.owed is not None and r.in_scope
            and not has_task(tasks.get(t, {}), CallKey.of(r.owed))]


def _decide(owed: Owed | None, found: dict[str, Task], decided: TaskPlan) -> None:
    """One ticket's part of the plan, on what a consistent read shows."""
    key = CallKey.of(owed) if owed is not None else None
    doubles = {t.id for t in duplicates(found.values())}
    decided.complete += [(t, WHY_REPLACED if key else WHY_NOT_OWED)
                         for t in found.values() if t.open and t.key != key]
    decided.complete += [(t, WHY_DUPLICATE) for t in found.values()
                         if t.open and t.key == key and t.id in doubles]
    if owed is not None and key is not None and not has_task(found, key):
        decided.create.append(owed)


def plan(unsettled_ids: list[str], readings: dict[str, Reading],
         tasks: TasksByTicket) -> TaskPlan:
    """What to do, decided on the consistent read of the unsettled tickets: a task for each
    call owed that has none; completed, each open task whose call is not the one owed (a
    ticket the read did not find owes no call), and each open one that doubles another for
    the same call; everything else left, the tasks of a ticket in a stage the pipeline no
    longer has among them."""
    decided = TaskPlan()
    for ticket_id in unsettled_ids:
        reading = readings.get(ticket_id, Reading(owed=None))
        if reading.owed is not None and not reading.in_scope:
            continue  # owed but outside this run's scope: not this run's to change
        if reading.unknown_stage:
            continue  # whether a call is owed cannot be told: its tasks stay as they are
        _decide(reading.owed, tasks.get(ticket_id, {}), decided)
    completing = {t.id for t, _why in decided.complete}
    decided.leave = [t for found in tasks.values() for t in found.values()
                     if t.open and t.id not in completing]
    return decided
