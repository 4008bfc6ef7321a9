"""The call-task plan of `followup --tareas`, on its own: which tasks to create, complete or
leave, from what search and a consistent read show. Pure: no sandbox."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from escalate.domain.call_plan import (
    Reading,
    by_ticket,
    duplicates,
    has_task,
    plan,
    unsettled,
    without_task,
)
from escalate.domain.followup import Owed, Reason
from escalate.domain.records import Ticket
from escalate.domain.team import WHY_DUPLICATE, WHY_NOT_OWED, WHY_REPLACED, CallKey, Task

NOW = datetime(2026, 12, 2, 12, tzinfo=timezone.utc)


def owed(ticket_id: str, hours_ago: int = 50,
         reason: Reason = Reason.SIN_RESOLVER) -> Owed:
    ticket = Ticket(ticket_id, f"POL-{ticket_id} - Ana", "p", "s", "HIGH", NOW)
    return Owed(ticket, reason, NOW - timedelta(hours=hours_ago), float(hours_ago),
                float(hours_ago), False)


def task(task_id: str, call: Owed | None, *, done: bool = False, ticket_id: str = "") -> Task:
    marker = (CallKey.of(call).marker() if call is not None
              else f"escalate llamada {ticket_id}:sin_resolver:1")
    return Task(task_id, "Llamar a Ana", f"<p>{marker}</p>",
                "COMPLETED" if done else "NOT_STARTED", None)


def test_a_call_without_its_task_gets_one_and_an_open_task_of_it_is_left():
    a, b = owed("1"), owed("2")
    tasks = by_ticket([task("t2", b)])
    todo = unsettled({"1": CallKey.of(a), "2": CallKey.of(b)}, tasks)
    assert todo == ["1"]
    decided = plan(todo, {"1": Reading(a)}, tasks)
    assert decided.create == [a]
    assert decided.complete == []
    assert [t.id for t in decided.leave] == ["t2"]


def test_a_task_whose_call_is_no_longer_owed_is_completed():
    a = owed("1")
    tasks = by_ticket([task("t1", a)])
    todo = unsettled({}, tasks)
    assert todo == ["1"]
    decided = plan(todo, {"1": Reading(None)}, tasks)
    assert [(t.id, why) for t, why in decided.complete] == [("t1", WHY_NOT_OWED)]
    assert decided.create == [] and decided.leave == []


def test_a_call_that_changed_replaces_its_task():
    before, now = owed("1", hours_ago=50), owed("1", hours_ago=10)
    tasks = by_ticket([task("t1", before)])
    todo = unsettled({"1": CallKey.of(now)}, tasks)
    decided = plan(todo, {"1": Reading(now)}, tasks)
    assert [(t.id, why) for t, why in decided.complete] == [("t1", WHY_REPLACED)]
    assert decided.create == [now]


def test_search_is_never_trusted_alone_the_read_decides():
    # Search says the call is owed and has no task; the read shows it was just recorded.
    a = owed("1")
    decided = plan(unsettled({"1": CallKey.of(a)}, {}), {"1": Reading(None)}, {})
    assert decided.create == [] and decided.complete == []
    # Search misses a ticket written a second ago: its open task is not completed on that
    # word, because the read still shows the call owed.
    tasks = by_ticket([task("t1", a)])
    decided = plan(unsettled({}, tasks), {"1": Reading(a)}, tasks)
    assert decided.complete == [] and decided.create == [] and len(decided.leave) == 1


def test_a_call_whose_task_someone_completed_gets_no_second_task():
    a = owed("1")
    tasks = by_ticket([task("t1", a, done=True)])
    assert has_task(tasks["1"], CallKey.of(a))
    assert without_task({"1": Reading(a)}, tasks) == []
    decided = plan(["1"], {"1": Reading(a)}, tasks)
    assert decided.create == [] and decided.complete == [] and decided.leave == []


def test_a_ticket_outside_the_runs_scope_is_left_alone():
    a = owed("1")
    tasks = by_ticket([task("t1", owed("1", hours_ago=90))])
    decided = plan(["1"], {"1": Reading(a, in_scope=False)}, tasks)
    assert decided.create == [] and decided.complete == []
    assert [t.id for t in decided.leave] == ["t1"]


def test_a_ticket_the_read_did_not_find_owes_no_call():
    tasks = by_ticket([task("t1", owed("1"))])
    decided = plan(["1"], {}, tasks)
    assert [t.id for t, _ in decided.complete] == ["t1"]


def test_only_the_tickets_about_to_get_a_task_have_their_associations_read():
    a, b, c = owed("1"), owed("2"), owed("3")
    tasks = by_ticket([task("t2", b)])
    readings = {"1": Reading(a), "2": Reading(b), "3": Reading(c, in_scope=False),
                "4": Reading(None)}
    assert without_task(readings, tasks) == ["1"]


def test_tasks_without_a_marker_are_not_the_tools():
    foreign = Task("x", "Llamar", "<p>sin marca</p>", "NOT_STARTED", None)
    assert by_ticket([foreign]) == {}


def test_every_unsettled_ticket_is_decided_whatever_comes_before_it():
    a, b, c = owed("1"), owed("2"), owed("3")
    tasks = by_ticket([task("t1", owed("1", hours_ago=90)), task("t2", b),
                       task("t3", owed("3", hours_ago=90))])
    readings = {"1": Reading(a, in_scope=False), "2": Reading(None), "3": Reading(c)}
    decided = plan(["1", "2", "3"], readings, tasks)
    assert [(t.id, why) for t, why in decided.complete] == [("t2", WHY_NOT_OWED),
                                                           ("t3", WHY_REPLACED)]
    assert decided.create == [c]
    assert [t.id for t in decided.leave] == ["t1"]


def test_tasks_found_later_join_those_already_grouped():
    a, b = owed("1"), owed("2")
    grouped = by_ticket([task("t1", a)])
    assert by_ticket([task("t2", b)], into=grouped) is grouped
    assert sorted(grouped) == ["1", "2"]


def test_of_two_tasks_for_one_call_every_run_keeps_the_lowest_id():
    a = owed("1")
    made = [task("110", a), task("12", a), task("9", owed("2"))]
    assert [t.id for t in duplicates(made)] == ["110"]  # 12 < 110: by number, not text
    assert [t.id for t in duplicates(reversed(made))] == ["110"]  # whoever reads, in any order


def test_a_call_with_two_open_tasks_is_unsettled_and_the_later_one_completed():
    a = owed("1")
    tasks = by_ticket([task("t5", a), task("t7", a)])
    todo = unsettled({"1": CallKey.of(a)}, tasks)
    assert todo == ["1"]
    decided = plan(todo, {"1": Reading(a)}, tasks)
    assert [(t.id, why) for t, why in decided.complete] == [("t7", WHY_DUPLICATE)]
    assert decided.create == [] and [t.id for t in decided.leave] == ["t5"]
    # Done by someone already, the first stays done and the second is completed too.
    tasks = by_ticket([task("t5", a, done=True), task("t7", a)])
    decided = plan(unsettled({"1": CallKey.of(a)}, tasks), {"1": Reading(a)}, tasks)
    assert [(t.id, why) for t, why in decided.complete] == [("t7", WHY_DUPLICATE)]
