"""The one place that talks to HubSpot, through the official `hubspot-api-client`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from hubspot import HubSpot
from hubspot.crm.associations.v4.exceptions import ApiException as AssociationsError
from hubspot.crm.contacts.exceptions import ApiException as ContactsError
from hubspot.crm.objects.notes.exceptions import ApiException as NotesError
from hubspot.crm.owners.exceptions import ApiException as OwnersError
from hubspot.crm.pipelines.exceptions import ApiException as PipelinesError
from hubspot.crm.properties.exceptions import ApiException as PropertiesError
from hubspot.crm.tickets.exceptions import ApiException as TicketsError
from hubspot.files.exceptions import ApiException as FilesError

from .. import __version__
from ..domain.moments import epoch_ms, parse_time
from ..domain.records import (
    Account,
    Contact,
    Pipeline,
    PropertyInfo,
    Stage,
    Ticket,
    UploadedFile,
)
from ..errors import Conflict, NotFound
from .errors import translate
from .history import HistoryCalls
from .team import TeamCalls
from .transport import PacedPoolManager, RequestLogger, RetryPolicy

T = TypeVar("T")

API_ERRORS = (TicketsError, ContactsError, NotesError, PipelinesError, PropertiesError,
              AssociationsError, FilesError, OwnersError)

BATCH_SIZE = 100
SEARCH_PAGE = 200
SEARCH_RESULTS_CAP = 10_000  # HubSpot answers 400 past this many results of one query
CONTACT_PROPERTIES = ["firstname", "lastname", "email", "phone", "mobilephone"]
TICKET_PROPERTIES = ["subject", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_priority",
                     "createdate", "closed_date", "escalate_policy", "escalate_id",
                     "escalate_last_client_update"]
# HubSpot-defined association type ids (hubspot/crm/association_type.py).
TICKET_TO_CONTACT = 16
NOTE_TO_TICKET = 228
NOTE_TO_CONTACT = 202


class Gateway(TeamCalls, HistoryCalls):
    """HubSpot as the workflows need it: plain values in and out, the tool's errors."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0,
                 retry: RetryPolicy | None = None,
                 on_request: RequestLogger | None = None) -> None:
        self.base_url = base_url
        self.retry = retry or RetryPolicy()
        self.timeout = (min(10.0, timeout), timeout)
        self.pool = PacedPoolManager(on_request=on_request, num_pools=4, maxsize=8,
                                     retries=False)
        self._client = HubSpot(access_token=token, host=base_url,
                               api_factory=self._api_factory)

    def _api_factory(self, package: Any, api_name: str, config: dict[str, Any]) -> Any:
        configuration = package.Configuration()
        configuration.host = config["host"]
        configuration.access_token = config["access_token"]
        configuration.retries = False
        api_client = package.ApiClient(configuration=configuration)
        api_client.user_agent = (f"escalate/{__version__} hubspot-api-client/"
                                 f"{metadata.version('hubspot-api-client')}")
        api_client.rest_client.pool_manager = self.pool  # one pool for every API
        return getattr(package, api_name)(api_client=api_client)

    # Each property access on the client builds a new ApiClient: keep one of each.
    @cached_property
    def _tickets(self) -> Any:
        return self._client.crm.tickets

    @cached_property
    def _tickets_basic(self) -> Any:
        return self._tickets.basic_api

    @cached_property
    def _tickets_search(self) -> Any:
        return self._tickets.search_api

    @cached_property
    def _tickets_batch(self) -> Any:
        return self._tickets.batch_api

    @cached_property
    def _contacts_basic(self) -> Any:
        return self._client.crm.contacts.basic_api

    @cached_property
    def _contacts_search(self) -> Any:
        return self._client.crm.contacts.search_api

    @cached_property
    def _contacts_batch(self) -> Any:
        return self._client.crm.contacts.batch_api

    @cached_property
    def _notes(self) -> Any:
        return self._client.crm.objects.notes

    @cached_property
    def _pipelines(self) -> Any:
        return self._client.crm.pipelines.pipelines_api

    @cached_property
    def _properties(self) -> Any:
        return self._client.crm.properties

    @cached_property
    def _associations(self) -> Any:
        return self._client.crm.associations.v4.batch_api

    @cached_property
    def _files(self) -> Any:
        return self._client.files.files_api

    def _call(self, fn: Callable[..., T], *args: Any, idempotent: bool = True,
              timeout: tuple[float, float] | None = None, **kwargs: Any) -> T:
        kwargs["_request_timeout"] = timeout or self.timeout
        return self.retry.run(lambda: fn(*args, **kwargs), idempotent=idempotent,
                              api_error=API_ERRORS, translate=translate)

    def _maybe(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """The call's answer, or None where HubSpot says 404."""
        try:
            return self._call(fn, *args, **kwargs)
        except NotFound:
            return None

    # -- portal -------------------------------------------------------------------------

    def account(self) -> Account:
        api_client = self._tickets_basic.api_client
        details = self._call(
            api_client.call_api, "/account-info/v3/details", "GET",
            header_params={"Accept": "application/json"}, auth_settings=["oauth2"],
            response_types_map={200: "object"}, _return_http_data_only=True)
        return Account(portal_id=str(details["portalId"]),
                       ui_domain=str(details.get("uiDomain") or "app.hubspot.com"),
                       time_zone=details.get("timeZone"))

    def ticket_pipelines(self) -> list[Pipeline]:
        answer = self._call(self._pipelines.get_all, "tickets")
        return [
            Pipeline(
                id=p.id, label=p.label,
                stages=tuple(
                    Stage(id=s.id, label=s.label,
                          closed=(s.metadata or {}).get("ticketState", "").upper() == "CLOSED")
                    for s in sorted(p.stages or [], key=lambda s: s.display_order or 0)),
            )
            for p in answer.results if not p.archived
        ]

    def ticket_properties(self) -> dict[str, PropertyInfo]:
        answer = self._call(self._properties.core_api.get_all, "tickets")
        return {
            p.name: PropertyInfo(
                name=p.name, type=p.type,
                options=tuple((o.value, o.label) for o in p.options or [] if not o.hidden),
                unique=bool(p.has_unique_value))
            for p in answer.results
        }

    def create_property_group(self, name: str, label: str) -> bool:
        """Create a ticket property group; False when it already exists."""
        try:
            self._call(self._properties.groups_api.create, "tickets",
                       property_group_create={"name": name, "label": label})
        except Conflict:
            return False
        return True

    def create_ticket_property(self, definition: dict[str, Any]) -> bool:
        """Create a ticket property; False when it already exists."""
        try:
            self._call(self._properties.core_api.create, "tickets", property_create=definition)
        except Conflict:
            return False
        return True

    def probe(self, what: str) -> None:
        """One cheap read that needs a scope: raises the tool's error when it is refused."""
        probes: dict[str, Callable[[], Any]] = {
            "contacts": lambda: self._call(self._contacts_basic.get_page, limit=1),
            "tickets": lambda: self._call(self._tickets_basic.get_page, limit=1),
            "files": lambda: self._call(self._files.do_search, limit=1),
        }
        probes[what]()

    # -- contacts -----------------------------------------------------------------------

    def contact_by_email(self, email: str) -> Contact | None:
        found = self._maybe(self._contacts_basic.get_by_id, email, id_property="email",
                            properties=CONTACT_PROPERTIES)
        return _contact(found) if found is not None else None

    def contacts_by_phone(self, national: str, e164: str) -> list[Contact]:
        """Contacts whose phone or mobile is this number, however it was typed in HubSpot."""
        groups = [
            {"filters": [{"propertyName": "hs_searchable_calculated_phone_number",
                          "operator": "EQ", "value": national}]},
            {"filters": [{"propertyName": "hs_searchable_calculated_mobile_number",
                          "operator": "EQ", "value": national}]},
            {"filters": [{"propertyName": "phone", "operator": "IN",
                          "values": [e164, national]}]},
            {"filters": [{"propertyName": "mobilephone", "operator": "IN",
                          "values": [e164, national]}]},
        ]
        answer = self._call(self._contacts_search.do_search, public_object_search_request={
            "filterGroups": groups, "properties": CONTACT_PROPERTIES, "limit": 20})
        return [_contact(c) for c in answer.results]

    def contacts(self, ids: Iterable[str]) -> dict[str, Contact]:
        """Contacts by id, 100 per request."""
        found: dict[str, Contact] = {}
        for chunk in _chunks(sorted(set(ids)), BATCH_SIZE):
            answer = self._call(
                self._contacts_batch.read, batch_read_input_simple_public_object_id={
                    "inputs": [{"id": i} for i in chunk], "properties": CONTACT_PROPERTIES})
            found.update({c.id: _contact(c) for c in answer.results})
        return found

    # -- tickets ------------------------------------------------------------------------

    def create_ticket(self, properties: dict[str, str], contact_id: str) -> Ticket:
        """Create a ticket associated to its contact in the same request.

        Safe to resend: `escalate_id` is unique, so a create HubSpot already carried out
        answers 409 and the existing ticket is returned instead.
        """
        body = {
            "properties": properties,
            "associations": [{
                "to": {"id": contact_id},
                "types": [{"associationCategory": "HUBSPOT_DEFINED",
                           "associationTypeId": TICKET_TO_CONTACT}],
            }],
        }
        try:
            created = self._call(self._tickets_basic.create,
                                 simple_public_object_input_for_create=body)
        except Conflict:
            existing = self.ticket_by_escalate_id(properties["escalate_id"])
            if existing is None:
                raise
            return existing
        return _ticket(created)

    def ticket_by_escalate_id(self, escalate_id: str) -> Ticket | None:
        found = self._maybe(self._tickets_basic.get_by_id, escalate_id,
                            id_property="escalate_id", properties=TICKET_PROPERTIES)
        return _ticket(found) if found is not None else None

    def ticket(self, ticket_id: str) -> tuple[Ticket, list[str]] | None:
        """A ticket and the ids of its contacts, or None when it does not exist."""
        found = self._maybe(self._tickets_basic.get_by_id, ticket_id,
                            properties=TICKET_PROPERTIES, associations=["contacts"])
        if found is None:
            return None
        contacts = (found.associations or {}).get("contacts")
        ids = [a.id for a in contacts.results] if contacts is not None else []
        return _ticket(found), ids

    def update_ticket(self, ticket_id: str, properties: dict[str, str]) -> Ticket:
        updated = self._call(self._tickets_basic.update, ticket_id,
                             simple_public_object_input={"properties": properties})
        return _ticket(updated)

    def search_tickets(self, filter_groups: list[dict[str, Any]], *,
                       sorts: list[dict[str, str]] | None = None,
                       properties: list[str] | None = None) -> Iterator[tuple[Ticket, int]]:
        """Every ticket matching, page by page (200 each), with the query's total."""
        after: str | None = None
        while True:
            request: dict[str, Any] = {
                "filterGroups": filter_groups,
                "properties": properties or TICKET_PROPERTIES,
                "limit": SEARCH_PAGE,
                "sorts": sorts or [],
            }
            if after:
                request["after"] = after
            answer = self._call(self._tickets_search.do_search,
                                public_object_search_request=request)
            for found in answer.results:
                yield _ticket(found), int(answer.total)
            paging = answer.paging
            after = paging.next.after if paging is not None and paging.next is not None else None
            if not after or int(after) >= SEARCH_RESULTS_CAP:
                return

    def ticket_contact_ids(self, ticket_ids: Iterable[str]) -> dict[str, list[str]]:
        """For each ticket, its contacts' ids: v4 batch reads of 100."""
        found: dict[str, list[str]] = {}
        for chunk in _chunks(list(dict.fromkeys(ticket_ids)), BATCH_SIZE):
            answer = self._call(
                self._associations.get_page, "tickets", "contacts",
                batch_input_public_fetch_associations_batch_request={
                    "inputs": [{"id": i} for i in chunk]})
            for result in answer.results:
                found[result._from.id] = [str(t.to_object_id) for t in result.to]
        return found

    def ticket_note_ids(self, ticket_id: str) -> list[str]:
        answer = self._call(self._associations.get_page, "tickets", "notes",
                            batch_input_public_fetch_associations_batch_request={
                                "inputs": [{"id": ticket_id}]})
        return [str(t.to_object_id) for r in answer.results for t in r.to]

    # -- notes and files ----------------------------------------------------------------

    def notes(self, ids: list[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for chunk in _chunks(ids, BATCH_SIZE):
            answer = self._call(self._notes.batch_api.read,
                                batch_read_input_simple_public_object_id={
                                    "inputs": [{"id": i} for i in chunk],
                                    "properties": ["hs_note_body", "hs_attachment_ids",
                                                   "hs_timestamp"]})
            found += [{"id": n.id, **n.properties} for n in answer.results]
        return found

    def create_note(self, body_html: str, timestamp: datetime, ticket_id: str,
                    contact_ids: Iterable[str] = (), attachment_ids: Iterable[str] = ()) -> str:
        """A note on the ticket (and its contacts). Never resent blindly: no unique key."""
        associations = [{"to": {"id": ticket_id},
                         "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                    "associationTypeId": NOTE_TO_TICKET}]}]
        associations += [{"to": {"id": c},
                          "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                     "associationTypeId": NOTE_TO_CONTACT}]}
                         for c in contact_ids]
        properties = {"hs_timestamp": epoch_ms(timestamp), "hs_note_body": body_html}
        files = ";".join(attachment_ids)
        if files:
            properties["hs_attachment_ids"] = files
        created = self._call(self._notes.basic_api.create, idempotent=False,
                             simple_public_object_input_for_create={
                                 "properties": properties, "associations": associations})
        return str(created.id)

    def upload(self, path: Path, folder: str, name: str) -> UploadedFile:
        """Upload a file privately. Resending returns the same file: HubSpot finds the
        identical one already in the folder (RETURN_EXISTING)."""
        options = {"access": "PRIVATE", "duplicateValidationStrategy": "RETURN_EXISTING",
                   "duplicateValidationScope": "EXACT_FOLDER"}
        uploaded = self._call(self._files.upload, file=str(path), folder_path=folder,
                              file_name=name, options=json.dumps(options),
                              timeout=(self.timeout[0], max(self.timeout[1], 120.0)))
        return UploadedFile(id=str(uploaded.id), name=name, size=int(uploaded.size or 0),
                            access=str(uploaded.access))


def _contact(found: Any) -> Contact:
    p = found.properties or {}
    return Contact(id=str(found.id), **{k: (p.get(k) or "") for k in CONTACT_PROPERTIES})


def _ticket(found: Any) -> Ticket:
    p = dict(found.properties or {})
    return Ticket(
        id=str(found.id),
        subject=p.get("subject") or "",
        pipeline=p.get("hs_pipeline") or "",
        stage=p.get("hs_pipeline_stage") or "",
        priority=p.get("hs_ticket_priority"),
        created_at=parse_time(p.get("createdate")),
        closed_at=parse_time(p.get("closed_date")),
        last_client_update=parse_time(p.get("escalate_last_client_update")),
        policy=p.get("escalate_policy"),
        escalate_id=p.get("escalate_id"),
        properties=p,
    )


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]

