"""HubSpot calls for the team: owners and call tasks (a mixin of `Gateway`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..domain.team import OPEN_STATUSES, SUBJECT_WORD, Owner, Task
from . import paths
from .limits import OWNERS_PAGE, TASK_TO_CONTACT, TASK_TO_TICKET
from .pipeline import at_once
from .shapes import inline_association, next_after, ticket_from_json
from .windows import WindowedSearch

if TYPE_CHECKING:
    from ..domain.records import Ticket

TASK_PROPERTIES = ["hs_task_subject", "hs_task_body", "hs_task_status", "hs_task_type",
                   "hs_task_priority", "hs_timestamp", "hubspot_owner_id"]


class TeamCalls:
    """Owners and tasks. Methods use `self._raw` (JSON through the shared client) of `Gateway`."""

    _raw: Callable[..., Any]
    _raw_maybe: Callable[..., Any]

    # -- owners -------------------------------------------------------------------------

    def owner_by_email(self, email: str) -> Owner | None:
        """The active owner with this email (the owners list filtered by `email`), or None."""
        answer = self._raw("GET", paths.owners(), query=[
            ("email", email), ("limit", "10"), ("archived", "false")])
        for found in answer.get("results") or []:
            if str(found.get("email") or "").lower() == email.lower():
                return _owner(found)
        return None

    def owners(self, *, archived: bool = False) -> list[Owner]:
        """Every active owner of the portal, 500 per request (`archived`: the owners of
        users deactivated or removed since, instead)."""
        found: list[Owner] = []
        after: str | None = None
        while True:
            query = [("limit", str(OWNERS_PAGE)), ("archived", str(archived).lower())]
            answer = self._raw("GET", paths.owners(),
                               query=query + ([("after", after)] if after else []))
            found += [_owner(o) for o in answer.get("results") or []]
            after = next_after(answer)
            if not after:
                return found

    def owners_page(self, limit: int = 1) -> list[Owner]:
        """The first owners of the portal: a cheap read that needs crm.objects.owners.read."""
        answer = self._raw("GET", paths.owners(), query=[("limit", str(limit))])
        return [_owner(o) for o in answer.get("results") or []]

    # -- property definitions -----------------------------------------------------------

    def ticket_property(self, name: str) -> dict[str, Any] | None:
        """A ticket property's definition as HubSpot answers it, or None when absent."""
        found: dict[str, Any] | None = self._raw_maybe(
            "GET", paths.property_("tickets"), path_params={"name": name})
        return found

    # -- tickets, read consistently -----------------------------------------------------

    def tickets_by_id(self, ids: Iterable[str], properties: list[str]) -> list[Ticket]:
        """Tickets by id, 100 per request, several at once. Unlike search, batch read sees
        every write at once."""
        def read(chunk: list[str]) -> list[Ticket]:
            answer = self._raw("POST", paths.batch("tickets", "read"), body={
                "inputs": [{"id": i} for i in chunk], "properties": properties})
            return [ticket_from_json(t) for t in answer.get("results") or []]

        return at_once(list(dict.fromkeys(ids)), read)

    # -- tasks --------------------------------------------------------------------------

    def open_call_tasks(self, owner_id: str | None = None) -> Iterator[Task]:
        """Open CALL tasks whose subject starts like the tool's (the caller checks the marker),
        by windows of task ids at once (`windows.WindowedSearch`): past HubSpot's 10,000
        results a window restarts after the last id seen, so 50,000 open tasks page through.

        Search lags behind writes: a task made seconds ago may be missing here; callers
        confirm through associations and batch reads before they create anything.
        """
        filters: list[dict[str, Any]] = [
            {"propertyName": "hs_task_type", "operator": "EQ", "value": "CALL"},
            {"propertyName": "hs_task_status", "operator": "IN", "values": list(OPEN_STATUSES)},
            {"propertyName": "hs_task_subject", "operator": "CONTAINS_TOKEN",
             "value": SUBJECT_WORD.lower()},
        ]
        if owner_id:
            filters.append({"propertyName": "hubspot_owner_id", "operator": "EQ",
                            "value": owner_id})
        search = WindowedSearch(lambda body: self._raw("POST", paths.search("tasks"), body=body),
                                [{"filters": filters}], key="hs_object_id", key_of=_id_of,
                                properties=TASK_PROPERTIES)
        pages = search.pages()
        try:
            for page in pages:
                yield from (_task(found, slim=True) for found in page.items)
        finally:
            pages.close()

    def tasks(self, ids: Iterable[str]) -> list[Task]:
        """Tasks by id (batch reads of 100, several at once)."""
        def read(chunk: list[str]) -> list[Task]:
            answer = self._raw("POST", paths.batch("tasks", "read"), body={
                "inputs": [{"id": i} for i in chunk], "properties": TASK_PROPERTIES})
            return [_task(t) for t in answer.get("results") or []]

        return at_once(list(dict.fromkeys(ids)), read)

    def create_tasks(self, tasks: list[tuple[dict[str, str], str, str | None]], *,
                     stop: threading.Event | None = None) -> list[Task]:
        """Create tasks (properties, ticket id, contact id), 100 per request and several
        requests at once, each task associated to its ticket and contact; once `stop` is
        set no request starts (those on their way finish). Never resent blindly: a lost
        answer is an AmbiguousWrite, and the next run finds what was made through the
        ticket's associations."""
        def create(chunk: list[tuple[dict[str, str], str, str | None]]) -> list[Task]:
            inputs = []
            for properties, ticket_id, contact_id in chunk:
                associations = [inline_association(ticket_id, TASK_TO_TICKET)]
                if contact_id:
                    associations.append(inline_association(contact_id, TASK_TO_CONTACT))
                inputs.append({"properties": properties, "associations": associations})
            answer = self._raw("POST", paths.batch("tasks", "create"), idempotent=False,
                               body={"inputs": inputs})
            return [_task(t) for t in answer.get("results") or []]

        return at_once(tasks, create, stop=stop)

    def update_tasks(self, updates: list[tuple[str, dict[str, str]]]) -> list[Task]:
        """Update tasks by id, 100 per request, several at once (the same update again
        changes nothing)."""
        def update(chunk: list[tuple[str, dict[str, str]]]) -> list[Task]:
            inputs = [{"id": task_id, "properties": properties}
                      for task_id, properties in chunk]
            answer = self._raw("POST", paths.batch("tasks", "update"), body={"inputs": inputs})
            return [_task(t) for t in answer.get("results") or []]

        return at_once(updates, update)


def _id_of(found: dict[str, Any]) -> int | None:
    try:
        return int(str(found.get("id")))
    except ValueError:
        return None


def _owner(found: dict[str, Any]) -> Owner:
    return Owner(id=str(found.get("id")), email=str(found.get("email") or "").lower(),
                 first_name=str(found.get("firstName") or ""),
                 last_name=str(found.get("lastName") or ""))


def _task(found: dict[str, Any], *, slim: bool = False) -> Task:
    """A task as HubSpot answered it; `slim`: its body cut to the call's marker (a search
    over 50,000 tasks keeps only what tells which call each stands for)."""
    task = Task.from_properties(str(found.get("id")), dict(found.get("properties") or {}))
    return task.slim() if slim else task

