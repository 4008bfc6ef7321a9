"""HubSpot calls for the team: owners and call tasks (a mixin of `Gateway`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..domain.team import OPEN_STATUSES, SUBJECT_WORD, Owner, Task
from . import paths
from .limits import OBJECT_BATCH, OWNERS_PAGE, SEARCH_PAGE, TASK_TO_CONTACT, TASK_TO_TICKET
from .pipeline import chunks
from .shapes import inline_association, next_after, ticket_from_json

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
        """Tickets by id, 100 per request. Unlike search, batch read sees every write at once."""
        found: list[Ticket] = []
        for chunk in chunks(list(dict.fromkeys(ids)), OBJECT_BATCH):
            answer = self._raw("POST", paths.batch("tickets", "read"), body={
                "inputs": [{"id": i} for i in chunk], "properties": properties})
            found += [ticket_from_json(t) for t in answer.get("results") or []]
        return found

    # -- tasks --------------------------------------------------------------------------

    def open_call_tasks(self, owner_id: str | None = None) -> Iterator[Task]:
        """Open CALL tasks whose subject starts like the tool's (the caller checks the marker).

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
        after: str | None = None
        while True:
            request: dict[str, Any] = {
                "filterGroups": [{"filters": filters}], "properties": TASK_PROPERTIES,
                "limit": SEARCH_PAGE,
                "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]}
            if after:
                request["after"] = after
            answer = self._raw("POST", paths.search("tasks"), body=request)
            for found in answer.get("results") or []:
                yield _task(found)
            after = next_after(answer)
            if not after:
                return

    def tasks(self, ids: Iterable[str]) -> list[Task]:
        """Tasks by id (batch read, 100 per request)."""
        found: list[Task] = []
        for chunk in chunks(list(dict.fromkeys(ids)), OBJECT_BATCH):
            answer = self._raw("POST", paths.batch("tasks", "read"), body={
                "inputs": [{"id": i} for i in chunk], "properties": TASK_PROPERTIES})
            found += [_task(t) for t in answer.get("results") or []]
        return found

    def create_tasks(self, tasks: list[tuple[dict[str, str], str, str | None]]) -> list[Task]:
        """Create tasks (properties, ticket id, contact id), 100 per request, each associated
        to its ticket and contact. Never resent blindly: a lost answer is an AmbiguousWrite,
        and the next run finds what was made through the ticket's associations."""
        created: list[Task] = []
        for chunk in chunks(tasks, OBJECT_BATCH):
            inputs = []
            for properties, ticket_id, contact_id in chunk:
                associations = [inline_association(ticket_id, TASK_TO_TICKET)]
                if contact_id:
                    associations.append(inline_association(contact_id, TASK_TO_CONTACT))
                inputs.append({"properties": properties, "associations": associations})
            answer = self._raw("POST", paths.batch("tasks", "create"), idempotent=False,
                               body={"inputs": inputs})
            created += [_task(t) for t in answer.get("results") or []]
        return created

    def update_tasks(self, updates: list[tuple[str, dict[str, str]]]) -> list[Task]:
        """Update tasks by id, 100 per request (the same update again changes nothing)."""
        updated: list[Task] = []
        for chunk in chunks(updates, OBJECT_BATCH):
            inputs = [{"id": task_id, "properties": properties}
                      for task_id, properties in chunk]
            answer = self._raw("POST", paths.batch("tasks", "update"),
                               body={"inputs": inputs})
            updated += [_task(t) for t in answer.get("results") or []]
        return updated


def _owner(found: dict[str, Any]) -> Owner:
    return Owner(id=str(found.get("id")), email=str(found.get("email") or "").lower(),
                 first_name=str(found.get("firstName") or ""),
                 last_name=str(found.get("lastName") or ""))


def _task(found: dict[str, Any]) -> Task:
    return Task.from_properties(str(found.get("id")), dict(found.get("properties") or {}))

