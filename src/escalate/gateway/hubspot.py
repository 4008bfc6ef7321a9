"""The one place that talks to HubSpot, through the official `hubspot-api-client`.

`hubspot` is imported when a gateway is built; every request is JSON on a dated path of
`paths`, sent through the `ApiClient` of one small generated package (the client's typed
methods call the legacy paths HubSpot retires). HubSpot's errors are recognised by their
attributes, so no API package is imported just for its exception class.
"""

from __future__ import annotations

import json
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

from .. import __version__
from ..domain.moments import epoch_ms, parse_time
from ..domain.records import (
    Account,
    Association,
    AssociationLabel,
    Contact,
    Pipeline,
    PortalRules,
    PropertyInfo,
    Stage,
    Ticket,
    UploadedFile,
)
from ..errors import (
    AmbiguousWrite,
    AuthProblem,
    Conflict,
    EscalateError,
    InvalidProperty,
    NotFound,
    Refused,
    UniqueConflict,
)
from . import limits, paths
from .errors import is_api_error, translate
from .history import HistoryCalls
from .limits import ASSOCIATION_BATCH, NOTE_TO_CONTACT, NOTE_TO_TICKET, OBJECT_BATCH
from .pipeline import chunks, in_flight_chunks
from .shapes import (
    CONTACT_PROPERTIES,
    association_from_json,
    association_type,
    contact_from_json,
    inline_association,
    json_answer,
    label_from_json,
    next_after,
    portal_rules_from_json,
    property_info,
    ticket_from_json,
)
from .team import TeamCalls
from .transport import PacedPoolManager, RequestLogger, RetryPolicy

if TYPE_CHECKING:
    from concurrent.futures import Future

T = TypeVar("T")
R = TypeVar("R")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")

PAGES_AHEAD = 2  # search pages fetched ahead of their consumer
READS_IN_FLIGHT = 4  # association + contact batch reads running beside the search
TICKET_PROPERTIES = ["subject", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_priority",
                     "createdate", "closed_date", "escalate_policy", "escalate_id",
                     "escalate_last_client_update"]
BY_CREATE_DATE = [{"propertyName": "createdate", "direction": "ASCENDING"}]


class Gateway(TeamCalls, HistoryCalls):
    """HubSpot as the workflows need it: plain values in and out, the tool's errors."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0,
                 retry: RetryPolicy | None = None,
                 on_request: RequestLogger | None = None) -> None:
        self.base_url = base_url
        self.retry = retry or RetryPolicy()
        self.timeout = (min(10.0, timeout), timeout)
        self.pool = PacedPoolManager(on_request=on_request, num_pools=4, maxsize=10,
                                     retries=False)
        self._token = token
        from hubspot import HubSpot  # ≈0.1 s: only commands that reach HubSpot pay it

        self._client = HubSpot(access_token=token, host=base_url,
                               api_factory=self._api_factory)

    def _api_factory(self, package: Any, api_name: str, config: dict[str, Any]) -> Any:
        from importlib import metadata

        configuration = package.Configuration()
        configuration.host = config["host"]
        configuration.access_token = config["access_token"]
        configuration.retries = False
        api_client = package.ApiClient(configuration=configuration)
        api_client.user_agent = (f"escalate/{__version__} hubspot-api-client/"
                                 f"{metadata.version('hubspot-api-client')}")
        api_client.rest_client.pool_manager = self.pool  # one pool for every API
        return getattr(package, api_name)(api_client=api_client)

    def _call(self, fn: Callable[..., T], *args: Any, idempotent: bool = True,
              timeout: tuple[float, float] | None = None, **kwargs: Any) -> T:
        kwargs["_request_timeout"] = timeout or self.timeout
        try:
            return self.retry.run(lambda: fn(*args, **kwargs), idempotent=idempotent,
                                  is_api_error=is_api_error, translate=translate)
        except (EscalateError, KeyboardInterrupt):
            raise
        except Exception as exc:
            self._redacted(exc)
            raise

    def _redacted(self, exc: Exception) -> None:
        """Raise a redacted copy of an exception that carries the token (http.client and
        urllib3 put header values, escaped or not, into some messages); return when the
        exception carries none of it."""
        text = f"{exc!s} {exc!r}"
        forms = _token_forms(self._token)
        if not any(f in text for f in forms) and "Bearer" not in text:
            return
        shown = str(exc)
        for form in sorted(forms, key=len, reverse=True):
            shown = shown.replace(form, "***")
        shown = re.sub(r"(Bearer\s*)[^\s'\"]+", r"\1***", shown)
        if isinstance(exc, ValueError) and "header" in shown.lower():
            raise AuthProblem("El token (HUBSPOT_ACCESS_TOKEN) contiene caracteres que no "
                              "pueden ir en un encabezado HTTP.",
                              hint="Cópielo de nuevo, sin espacios ni saltos de línea.") from None
        raise EscalateError(f"{type(exc).__name__}: {shown}") from None

    # -- concurrency ----------------------------------------------------------------------

    @overload
    def together(self, a: Callable[[], A], b: Callable[[], B], /) -> tuple[A, B]: ...

    @overload
    def together(self, a: Callable[[], A], b: Callable[[], B], c: Callable[[], C],
                 /) -> tuple[A, B, C]: ...

    @overload
    def together(self, a: Callable[[], A], b: Callable[[], B], c: Callable[[], C],
                 d: Callable[[], D], /) -> tuple[A, B, C, D]: ...

    @overload
    def together(self, *calls: Callable[[], Any]) -> tuple[Any, ...]: ...

    def together(self, *calls: Callable[[], Any]) -> tuple[Any, ...]:
        """Run independent calls at once on the shared connection pool; their answers in
        order. The first runs in this thread. Every call finishes before this returns; then
        the first failure, in argument order, is raised."""
        if len(calls) <= 1:
            return tuple(call() for call in calls)
        from concurrent.futures import Future, ThreadPoolExecutor

        with ThreadPoolExecutor(len(calls) - 1, thread_name_prefix="escalate") as pool:
            futures: list[Future[Any]] = [pool.submit(call) for call in calls[1:]]
            first: Future[Any] = Future()
            try:
                first.set_result(calls[0]())
            except Exception as exc:  # re-raised below, after the others have finished
                first.set_exception(exc)
            outcomes = [first, *futures]
            for future in outcomes:
                failure = future.exception()
                if failure is not None:
                    raise failure
            return tuple(f.result() for f in outcomes)

    # -- JSON calls through one small API package ----------------------------------------

    @cached_property
    def _raw_client(self) -> Any:
        """The official client's ApiClient (auth, the shared pool) of its smallest API
        package: the JSON calls below go through it, so a command imports one generated
        package (≈35 ms) instead of one per API it touches, and skips the model objects."""
        return self._client.crm.owners.owners_api.api_client

    def _raw(self, method: str, path: str, *, body: Any = None,
             query: list[tuple[str, str]] | None = None,
             path_params: dict[str, str] | None = None, idempotent: bool = True,
             timeout: tuple[float, float] | None = None,
             form: list[tuple[str, str]] | None = None,
             files: dict[str, str] | None = None) -> dict[str, Any]:
        """HubSpot's JSON answer to one request on a path of `paths` (retried, errors typed,
        as `_call`). `form` and `files` (field -> file path) send it as multipart instead."""
        content_type = "multipart/form-data" if files else "application/json"

        def send(_request_timeout: Any) -> dict[str, Any]:
            response = self._raw_client.call_api(
                path, method, path_params=path_params, query_params=query or [],
                header_params={"Accept": "application/json", "Content-Type": content_type},
                body=body, post_params=form or [], files=files or {},
                auth_settings=["oauth2"], _preload_content=False,
                _request_timeout=_request_timeout)
            return json_answer(response)

        return self._call(send, idempotent=idempotent, timeout=timeout)

    def _raw_maybe(self, method: str, path: str, **kwargs: Any) -> dict[str, Any] | None:
        """The answer, or None where HubSpot says 404."""
        try:
            return self._raw(method, path, **kwargs)
        except NotFound:
            return None

    # -- portal -------------------------------------------------------------------------

    def account(self) -> Account:
        details = self._raw("GET", paths.account_details())
        return Account(portal_id=str(details["portalId"]),
                       ui_domain=str(details.get("uiDomain") or "app.hubspot.com"),
                       time_zone=details.get("timeZone"))

    def ticket_pipelines(self) -> list[Pipeline]:
        answer = self._raw("GET", paths.pipelines("tickets"))
        return [
            Pipeline(
                id=str(p["id"]), label=str(p.get("label") or ""),
                stages=tuple(
                    Stage(id=str(s["id"]), label=str(s.get("label") or ""),
                          closed=str((s.get("metadata") or {}).get("ticketState") or "")
                          .upper() == "CLOSED")
                    for s in sorted(p.get("stages") or [],
                                    key=lambda s: s.get("displayOrder") or 0)),
            )
            for p in answer.get("results") or [] if not p.get("archived")
        ]

    def ticket_properties(self) -> dict[str, PropertyInfo]:
        answer = self._raw("GET", paths.properties("tickets"))
        return {str(p["name"]): property_info(p) for p in answer.get("results") or []}

    def ticket_rules(self) -> PortalRules:
        """The validation rules an admin set on ticket properties, and the properties an
        admin made required (the property validations API; HubSpot enforces both on writes
        from API version 2026-09)."""
        return portal_rules_from_json(self._raw("GET", paths.property_validations()))

    def create_property_group(self, name: str, label: str) -> bool:
        """Create a ticket property group; False when it already exists."""
        return self._create_once(paths.property_groups("tickets"),
                                 {"name": name, "label": label})

    def create_ticket_property(self, definition: dict[str, Any]) -> bool:
        """Create a ticket property; False when it already exists."""
        return self._create_once(paths.properties("tickets"), definition)

    def _create_once(self, path: str, body: dict[str, Any]) -> bool:
        """Create a named definition; False when HubSpot says it exists (409), so sending it
        again after a lost answer is safe."""
        try:
            self._raw("POST", path, body=body)
        except Conflict:
            return False
        return True

    def probe(self, what: str) -> None:
        """One cheap read that needs a scope (`tickets`, `contacts` or `files`): raises the
        tool's error when it is refused."""
        path = paths.files_search() if what == "files" else paths.objects(what)
        self._raw("GET", path, query=[("limit", "1")])

    # -- contacts -----------------------------------------------------------------------

    def contact_by_email(self, email: str) -> Contact | None:
        found = self._raw_maybe("GET", paths.object_("contacts"),
                                path_params={"key": email},
                                query=[("idProperty", "email"),
                                       ("properties", ",".join(CONTACT_PROPERTIES))])
        return contact_from_json(found) if found is not None else None

    def contacts_by_phone(self, national: str, e164: str) -> list[Contact]:
        """Contacts whose phone or mobile is this number, however it was typed in HubSpot.

        A search finds them; a batch read of what it found keeps those that still have the
        number (search lags writes: a contact whose phone changed a second ago is still
        found by the old one)."""
        matches = _phone_matches(national, e164)
        groups = [{"filters": [{"propertyName": name, "operator": "IN", "values": list(values)}]}
                  for name, values in matches]
        answer = self._raw("POST", paths.search("contacts"), body={
            "filterGroups": groups, "properties": CONTACT_PROPERTIES, "limit": 20})
        ids = [str(c.get("id")) for c in answer.get("results") or []]
        if not ids:
            return []
        fresh = self._raw("POST", paths.batch("contacts", "read"), body={
            "inputs": [{"id": i} for i in ids],
            "properties": [*CONTACT_PROPERTIES, *(name for name, _ in matches)]})
        by_id = {str(c.get("id")): c for c in fresh.get("results") or []}
        return [contact_from_json(by_id[i]) for i in ids if i in by_id
                and any((by_id[i].get("properties") or {}).get(name) in values
                        for name, values in matches)]

    def contacts(self, ids: Iterable[str]) -> dict[str, Contact]:
        """Contacts by id, 100 per request."""
        found: dict[str, Contact] = {}
        for chunk in chunks(sorted(set(ids)), OBJECT_BATCH):
            answer = self._raw("POST", paths.batch("contacts", "read"), body={
                "inputs": [{"id": i} for i in chunk], "properties": CONTACT_PROPERTIES})
            found.update({str(c["id"]): contact_from_json(c)
                          for c in answer.get("results") or []})
        return found

    # -- tickets ------------------------------------------------------------------------

    def create_ticket(self, properties: dict[str, str], contact_id: str, *,
                      maybe_sent: bool = False) -> Ticket:
        """Create a ticket associated to its contact in the same request; never two.

        `escalate_id` is unique. When an earlier attempt may have been carried out
        (`maybe_sent`: a lost answer, a killed process, an outbox resend), the ticket is
        first read by `idProperty=escalate_id`. An answer lost in this call is followed by
        that read before any resend, and a conflict on `escalate_id` (409, or a 400 naming
        it) means the ticket exists: it is read and returned. Each costs one read, only on
        the failure path; get is consistent, unlike search.
        """
        escalate_id = properties["escalate_id"]
        if maybe_sent:
            existing = self.ticket_by_escalate_id(escalate_id)
            if existing is not None:
                return existing
        body = {"properties": properties,
                "associations": [inline_association(contact_id, limits.TICKET_TO_CONTACT)]}
        attempt = 0
        while True:
            try:
                created = self._raw("POST", paths.objects("tickets"), body=body,
                                    idempotent=False)
            except AmbiguousWrite as lost:
                existing = self.ticket_by_escalate_id(escalate_id)
                if existing is not None:
                    return existing
                # Not carried out after all: resend, or say what HubSpot answered.
                self.retry.pause(attempt, self.retry.busy_seconds, lost.failure or lost)
                attempt += 1
                continue
            except (UniqueConflict, InvalidProperty) as refused:
                if not _names_escalate_id(refused):
                    raise
                existing = self.ticket_by_escalate_id(escalate_id)
                if existing is None:
                    raise
                return existing
            return ticket_from_json(created)

    def ticket_by_escalate_id(self, escalate_id: str) -> Ticket | None:
        found = self._raw_maybe("GET", paths.object_("tickets"),
                                path_params={"key": escalate_id},
                                query=[("idProperty", "escalate_id"),
                                       ("properties", ",".join(TICKET_PROPERTIES))])
        return ticket_from_json(found) if found is not None else None

    def ticket(self, ticket_id: str) -> tuple[Ticket, list[str]] | None:
        """A ticket and the ids of its contacts, or None when it does not exist."""
        found = self._raw_maybe("GET", paths.object_("tickets"),
                                path_params={"key": ticket_id},
                                query=[("properties", ",".join(TICKET_PROPERTIES)),
                                       ("associations", "contacts")])
        if found is None:
            return None
        contacts = (found.get("associations") or {}).get("contacts") or {}
        ids = [str(a["id"]) for a in contacts.get("results") or []]
        return ticket_from_json(found), ids

    def ticket_archived(self, ticket_id: str) -> bool:
        """Whether a ticket HubSpot no longer answers for was archived (deleted in its
        screens): `archived=true` reads those."""
        return self._raw_maybe("GET", paths.object_("tickets"), path_params={"key": ticket_id},
                               query=[("archived", "true"),
                                      ("properties", "hs_object_id")]) is not None

    def update_ticket(self, ticket_id: str, properties: dict[str, str]) -> Ticket:
        updated = self._raw("PATCH", paths.object_("tickets"),
                            path_params={"key": ticket_id}, body={"properties": properties})
        return ticket_from_json(updated)

    def search_tickets(self, filter_groups: list[dict[str, Any]], *,
                       sorts: list[dict[str, str]] | None = None,
                       properties: list[str] | None = None) -> Iterator[tuple[Ticket, int]]:
        """Every ticket matching, page by page (200 each), with the first query's total.

        Sorted by create date unless `sorts` says otherwise; then past HubSpot's 10,000
        results the query restarts after the last create date seen (keyset paging), and
        the tickets already seen at that very date are dropped."""
        for page, total in self._search_pages(filter_groups, sorts, properties):
            for ticket in page:
                yield ticket, total

    def ticket_pages(self, filter_groups: list[dict[str, Any]], *,
                     sorts: list[dict[str, str]] | None = None,
                     properties: list[str] | None = None,
                     ahead: int = PAGES_AHEAD) -> Iterator[tuple[list[Ticket], int]]:
        """Like `search_tickets`, a page (list of tickets) at a time, with the searches
        running in a background thread up to `ahead` pages before their consumer: the
        consumer's own requests (batch reads) go out while the search still pages.
        Closing the iterator early stops the searching."""
        pages: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=max(1, ahead))
        stop = threading.Event()

        def produce() -> None:
            try:
                for item in self._search_pages(filter_groups, sorts, properties):
                    while not stop.is_set():
                        try:
                            pages.put(("page", item), timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
                outcome: tuple[str, Any] = ("end", None)
            except BaseException as exc:  # handed to the consumer's thread
                outcome = ("error", exc)
            while not stop.is_set():
                try:
                    pages.put(outcome, timeout=0.1)
                    return
                except queue.Full:
                    continue

        worker = threading.Thread(target=produce, name="escalate-search", daemon=True)
        worker.start()
        try:
            while True:
                kind, value = pages.get()
                if kind == "page":
                    yield value
                elif kind == "error":
                    raise value
                else:
                    return
        finally:
            stop.set()

    def _search_pages(self, filter_groups: list[dict[str, Any]],
                      sorts: list[dict[str, str]] | None,
                      properties: list[str] | None) -> Iterator[tuple[list[Ticket], int]]:
        order = BY_CREATE_DATE if sorts is None else sorts
        keyset = order == BY_CREATE_DATE
        total: int | None = None
        floor: int | None = None  # restart point: the create date (ms) of the last seen
        last_ms: int | None = None
        at_last: set[str] = set()  # ids seen at exactly `last_ms`
        after: str | None = None
        while True:
            groups = filter_groups if floor is None else _from_date(filter_groups, floor)
            request: dict[str, Any] = {"filterGroups": groups,
                                       "properties": properties or TICKET_PROPERTIES,
                                       "limit": limits.SEARCH_PAGE, "sorts": order}
            if after:
                request["after"] = after
            data = self._raw("POST", paths.search("tickets"), body=request)
            if total is None:
                total = int(data.get("total") or 0)
            page: list[Ticket] = []
            for found in data.get("results") or []:
                ticket = ticket_from_json(found)
                created = _ms(ticket.properties.get("createdate"))
                if floor is not None and created == floor and ticket.id in at_last:
                    continue  # seen before the restart
                if created != last_ms:
                    last_ms, at_last = created, set()
                at_last.add(ticket.id)
                page.append(ticket)
            yield page, total
            after = next_after(data)
            if not after:
                return
            if int(after) + limits.SEARCH_PAGE > limits.SEARCH_RESULTS_CAP:
                if not keyset or last_ms is None:
                    return
                if last_ms == floor and not page:
                    cap = f"{limits.SEARCH_RESULTS_CAP:,}".replace(",", ".")
                    raise Refused(f"Más de {cap} tickets con la misma fecha de creación: "
                                  "HubSpot no permite recorrerlos.")
                floor, after = last_ms, None

    def pipelined(self, items: Iterable[T], work: Callable[[list[T]], list[R]], *,
                  chunk: int = OBJECT_BATCH,
                  in_flight: int = READS_IN_FLIGHT) -> Iterator[R]:
        """`work` on every `chunk` items as they come, up to `in_flight` chunks at once on
        the shared pool; its results in the items' order.

        With a stream such as `ticket_pages`, each chunk's requests (batch reads) go out
        while the search is still paging; nothing waits for the whole list."""
        for results in in_flight_chunks(items, work, chunk=chunk, in_flight=in_flight,
                                        thread_name="escalate-reads"):
            yield from results

    def with_contacts(self, items: Iterable[T], ticket_id: Callable[[T], str], *,
                      chunk: int = ASSOCIATION_BATCH, in_flight: int = READS_IN_FLIGHT,
                      ) -> Iterator[tuple[T, Contact | None, int]]:
        """Each item with its ticket's first contact and how many contacts it has, in the
        order given: per `chunk` items (up to 1,000) one association batch read, then the
        contacts not read before, 100 per read; pipelined (see `pipelined`), so few requests
        count against the account's limit."""
        known: dict[str, Contact | None] = {}
        lock = threading.Lock()

        def resolve(batch: list[T]) -> list[tuple[T, Contact | None, int]]:
            links = self.ticket_contact_ids((ticket_id(i) for i in batch), chunk=chunk)
            firsts = {t: ids[0] for t, ids in links.items() if ids}
            with lock:
                wanted = {c for c in firsts.values() if c not in known}
            found = self.contacts(wanted) if wanted else {}
            with lock:
                known.update({c: found.get(c) for c in wanted})
                return [(i, known.get(firsts.get(ticket_id(i), "")),
                         len(links.get(ticket_id(i)) or [])) for i in batch]

        return self.pipelined(items, resolve, chunk=chunk, in_flight=in_flight)

    def ticket_contact_ids(self, ticket_ids: Iterable[str], *,
                           chunk: int = OBJECT_BATCH) -> dict[str, list[str]]:
        """For each ticket, its contacts' ids: association batch reads of `chunk` (at most
        1,000)."""
        return self.associated_ids("tickets", "contacts", ticket_ids, chunk=chunk)

    def ticket_note_ids(self, ticket_id: str) -> list[str]:
        return self.associated_ids("tickets", "notes", [ticket_id]).get(ticket_id, [])

    # -- associations -------------------------------------------------------------------

    def associated_ids(self, from_type: str, to_type: str, ids: Iterable[str], *,
                       chunk: int = ASSOCIATION_BATCH) -> dict[str, list[str]]:
        """For each object, the ids of its associated `to_type` objects."""
        return {from_id: [a.to_id for a in found]
                for from_id, found in self.associations(from_type, to_type, ids,
                                                        chunk=chunk).items()}

    def associations(self, from_type: str, to_type: str, ids: Iterable[str], *,
                     chunk: int = ASSOCIATION_BATCH) -> dict[str, list[Association]]:
        """For each object, its associations to `to_type` objects with their labels: batch
        reads of `chunk` ids (at most 1,000); an object with more associations than one
        answer holds is asked again from its own `after`, as HubSpot pages each input."""
        found: dict[str, list[Association]] = {}
        path = paths.associations(from_type, to_type, "read")
        for ids_chunk in chunks(list(dict.fromkeys(ids)), min(chunk, ASSOCIATION_BATCH)):
            inputs: list[dict[str, str]] = [{"id": i} for i in ids_chunk]
            while inputs:
                answer = self._raw("POST", path, body={"inputs": inputs})
                inputs = []
                for result in answer.get("results") or []:
                    from_id = str((result.get("from") or {}).get("id"))
                    found.setdefault(from_id, []).extend(
                        association_from_json(t) for t in result.get("to") or [])
                    after = next_after(result)
                    if after:
                        inputs.append({"id": from_id, "after": after})
        return found

    def association_labels(self, from_type: str, to_type: str) -> list[AssociationLabel]:
        """The association types between two object types, HubSpot's and the portal's own
        (USER_DEFINED, with their labels)."""
        answer = self._raw("GET", paths.association_labels(from_type, to_type))
        return [label_from_json(found) for found in answer.get("results") or []]

    def create_association_label(self, from_type: str, to_type: str, label: str, name: str,
                                 inverse_label: str | None = None) -> list[AssociationLabel]:
        """A USER_DEFINED association label (and its inverse, when given): the types made."""
        body: dict[str, Any] = {"label": label, "name": name}
        if inverse_label:
            body["inverseLabel"] = inverse_label
        answer = self._raw("POST", paths.association_labels(from_type, to_type), body=body)
        return [label_from_json(found) for found in answer.get("results") or []]

    def associate(self, from_type: str, from_id: str, to_type: str, to_id: str,
                  types: Iterable[AssociationLabel]) -> None:
        """Associate two objects with these types (labels). Sending it again changes
        nothing: an association exists once per type."""
        self._raw("PUT", paths.association(from_type, to_type),
                  path_params={"key": from_id, "to_key": to_id},
                  body=[association_type(t.type_id, t.category) for t in types])

    def merge_tickets(self, primary_id: str, merged_id: str) -> Ticket:
        """Merge a ticket into another: HubSpot keeps the primary, and the merged ticket's
        id answers with it from then on. Never resent blindly (a lost answer is an
        `AmbiguousWrite`): a get of the merged id tells whether it was carried out."""
        merged = self._raw("POST", paths.merge("tickets"), idempotent=False,
                           body={"primaryObjectId": primary_id, "objectIdToMerge": merged_id})
        return ticket_from_json(merged)

    # -- notes and files ----------------------------------------------------------------

    def notes(self, ids: list[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for chunk in chunks(ids, OBJECT_BATCH):
            answer = self._raw("POST", paths.batch("notes", "read"), body={
                "inputs": [{"id": i} for i in chunk],
                "properties": ["hs_note_body", "hs_attachment_ids", "hs_timestamp"]})
            found += [{"id": str(n["id"]), **(n.get("properties") or {})}
                      for n in answer.get("results") or []]
        return found

    def create_note(self, body_html: str, timestamp: datetime, ticket_id: str,
                    contact_ids: Iterable[str] = (), attachment_ids: Iterable[str] = (),
                    owner_id: str | None = None) -> str:
        """A note on the ticket (and its contacts). Never resent blindly: no unique key."""
        associations = [inline_association(ticket_id, NOTE_TO_TICKET)]
        associations += [inline_association(c, NOTE_TO_CONTACT) for c in contact_ids]
        properties = {"hs_timestamp": epoch_ms(timestamp), "hs_note_body": body_html}
        files = ";".join(attachment_ids)
        if files:
            properties["hs_attachment_ids"] = files
        if owner_id:  # the agent who wrote it (ESCALATE_AGENT)
            properties["hubspot_owner_id"] = owner_id
        created = self._raw("POST", paths.objects("notes"), idempotent=False,
                            body={"properties": properties, "associations": associations})
        return str(created["id"])

    def upload(self, path: Path, folder: str, name: str) -> UploadedFile:
        """Upload a file privately. Resending returns the same file: HubSpot finds the
        identical one already in the folder (RETURN_EXISTING)."""
        options = {"access": "PRIVATE", "duplicateValidationStrategy": "RETURN_EXISTING",
                   "duplicateValidationScope": "EXACT_FOLDER"}
        uploaded = self._raw("POST", paths.files(), files={"file": str(path)},
                             form=[("folderPath", folder), ("fileName", name),
                                   ("options", json.dumps(options))],
                             timeout=(self.timeout[0], max(self.timeout[1], 120.0)))
        return UploadedFile(id=str(uploaded.get("id")), name=name,
                            size=int(uploaded.get("size") or 0),
                            access=str(uploaded.get("access")))


def _phone_matches(national: str, e164: str) -> list[tuple[str, tuple[str, ...]]]:
    """Where a contact's number may be, and as what: HubSpot's searchable digits of phone
    and mobile (the national number), or the number as typed (hubspot-facts.md)."""
    return [("hs_searchable_calculated_phone_number", (national,)),
            ("hs_searchable_calculated_mobile_number", (national,)),
            ("phone", (e164, national)), ("mobilephone", (e164, national))]


def _token_forms(token: str) -> set[str]:
    """The token as it may appear in an exception's text: as is, escaped as in a repr of
    str or bytes, and each piece of it between control characters or spaces."""
    forms = {token, token.encode("unicode_escape").decode("ascii"),
             repr(token)[1:-1], repr(token.encode("utf-8", "replace"))[2:-1]}
    forms |= {piece for piece in re.split(r"[\s\x00-\x1f\x7f]+", token) if len(piece) >= 6}
    return {f for f in forms if len(f) >= 4}


def _names_escalate_id(refused: EscalateError) -> bool:
    """Whether a refused create says `escalate_id` already has the value (409, or a 400
    naming it for anything but a missing property: the value sent is always valid)."""
    if isinstance(refused, UniqueConflict):
        return refused.property_name in (None, "escalate_id")
    if isinstance(refused, InvalidProperty):
        return (refused.has("escalate_id")
                and not refused.has("escalate_id", "PROPERTY_DOESNT_EXIST"))
    return False


def _from_date(groups: list[dict[str, Any]], floor: int) -> list[dict[str, Any]]:
    """The same filter groups, each also requiring a create date at or after `floor`."""
    since = {"propertyName": "createdate", "operator": "GTE", "value": str(floor)}
    if not groups:
        return [{"filters": [since]}]
    return [{**g, "filters": [*(g.get("filters") or []), since]} for g in groups]


def _ms(value: str | None) -> int | None:
    moment = parse_time(value)
    return int(epoch_ms(moment)) if moment is not None else None
