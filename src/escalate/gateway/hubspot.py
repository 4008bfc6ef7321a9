"""The one place that talks to HubSpot, through the official `hubspot-api-client`.

`hubspot` is imported when a gateway is built; every request is JSON on a dated path of
`paths`, sent through the `ApiClient` of one small generated package (the client's typed
methods call the legacy paths HubSpot retires). HubSpot's errors are recognised by their
attributes, so no API package is imported just for its exception class.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, TypeVar, overload

from .. import __version__
from ..domain.moments import epoch_ms, parse_time
from ..domain.records import (
    INCIDENT_COUNT,
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
    UniqueConflict,
)
from ..redaction import redact
from . import limits, paths
from .errors import is_api_error, translate
from .history import HistoryCalls
from .limits import ASSOCIATION_BATCH, NOTE_TO_CONTACT, NOTE_TO_TICKET, OBJECT_BATCH
from .pipeline import at_once, chunks, in_flight_chunks
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
from .windows import Page, WindowedSearch

if TYPE_CHECKING:
    from concurrent.futures import Future

T = TypeVar("T")
R = TypeVar("R")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")

READS_IN_FLIGHT = 4  # association + contact batch reads running beside the search
TICKET_PROPERTIES = ["subject", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_priority",
                     "createdate", "closed_date", "escalate_policy", "escalate_id",
                     "escalate_last_client_update", INCIDENT_COUNT]


class Gateway(TeamCalls, HistoryCalls):
    """HubSpot as the workflows need it: plain values in and out, the tool's errors."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0,
                 retry: RetryPolicy | None = None,
                 on_request: RequestLogger | None = None) -> None:
        self.base_url = base_url
        self.retry = retry or RetryPolicy()
        self.timeout = (min(10.0, timeout), timeout)
        # Connections kept per host: the search windows and the reads beside them at once.
        self.pool = PacedPoolManager(on_request=on_request, num_pools=4, maxsize=24,
                                     retries=False)
        self._token = token
        # The tickets this gateway created (→ their policy), updated, merged or archived
        # (→ None): what a list that follows this command must read by id (search lags
        # writes; workflows/recent.py).
        self.written_tickets: dict[str, str | None] = {}
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
                                  is_api_error=is_api_error,
                                  translate=partial(translate, secrets=(self._token,)))
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
        if redact(text, [self._token]) == text:
            return
        shown = redact(str(exc), [self._token])
        if isinstance(exc, ValueError) and "header" in shown.lower():
            raise AuthProblem("El token (HUBSPOT_ACCESS_TOKEN) contiene caracteres que no "
                              "pueden ir en un encabezado HTTP.",
                              hint="Cópielo de nuevo, sin espacios ni saltos de línea.") from None
        raise EscalateError(f"Fallo inesperado al hablar con HubSpot ({type(exc).__name__}); "
                            "su texto no se muestra porque llevaba el token.") from None

    # -- concurrency ----------------------------------------------------------------------

    def eta(self, *, results_left: int, reads_per_result: float = 0.0) -> float:
        """Seconds the rest of a search-bound job takes at HubSpot's pace: its search pages
        at the search limit, and every request (pages and the reads per result) at the
        account's, once HubSpot said it."""
        searches = -(-max(0, results_left) // limits.SEARCH_PAGE)
        per_second, requests_per_second = self.pool.pace()
        seconds = searches / per_second
        if requests_per_second:
            requests = searches + results_left * reads_per_result
            seconds = max(seconds, requests / requests_per_second)
        return seconds

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
                try:
                    first.set_result(calls[0]())
                except Exception as exc:  # re-raised below, after the others have finished
                    first.set_exception(exc)
                outcomes = [first, *futures]
                for future in outcomes:
                    failure = future.exception()
                    if failure is not None:
                        raise failure
            except KeyboardInterrupt:
                # The others are waited for as the pool closes: their retries give up now,
                # or Ctrl-C against an unreachable HubSpot took what was left of the budget.
                self.retry.stop()
                raise
            return tuple(f.result() for f in outcomes)

    def changed_tickets(self, ticket_ids: Iterable[str]) -> None:
        """Tickets this command updates, merges or archives (not makes: `create_ticket` keeps
        their policy too), noted before the request (an answer lost may still be a write):
        a list that follows reads them by id (`written_tickets`, workflows/recent.py)."""
        for ticket_id in ticket_ids:
            self.written_tickets.setdefault(ticket_id, None)

    def reading_ahead(self, within: float | None = None) -> Gateway:
        """This gateway for reads that may fail without harm (made while the agent types, or
        by a dry run): the same connections, pacing and caches, but a HubSpot out of reach or
        busy (429, 5xx) fails a read at once instead of retrying (`offline_seconds` and
        `busy_seconds` 0), and with `within` each request gets at most that many seconds.
        The command's own gateway and retry policy stay as they are: a read that needs its
        answer is made again through it."""
        import copy

        view = copy.copy(self)
        view.retry = replace(self.retry, offline_seconds=0, busy_seconds=0)
        if within is not None:
            view.timeout = (min(within, self.timeout[0]), min(within, self.timeout[1]))
        return view

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
             form: list[tuple[str, Any]] | None = None) -> dict[str, Any]:
        """HubSpot's JSON answer to one request on a path of `paths` (retried, errors typed,
        as `_call`). `form` sends it as multipart instead: text fields, and files as
        (field, (name, bytes, type)), the bytes given (the client never opens a path)."""
        content_type = "multipart/form-data" if form else "application/json"

        def send(_request_timeout: Any) -> dict[str, Any]:
            response = self._raw_client.call_api(
                path, method, path_params=path_params, query_params=query or [],
                header_params={"Accept": "application/json", "Content-Type": content_type},
                body=body, post_params=form or [], files={},
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
        """Contacts by id, 100 per request, several at once."""
        def read(chunk: list[str]) -> list[Contact]:
            answer = self._raw("POST", paths.batch("contacts", "read"), body={
                "inputs": [{"id": i} for i in chunk], "properties": CONTACT_PROPERTIES})
            return [contact_from_json(c) for c in answer.get("results") or []]

        return {c.id: c for c in at_once(sorted(set(ids)), read)}

    # -- tickets ------------------------------------------------------------------------

    def create_ticket(self, properties: dict[str, str], contact_id: str | None, *,
                      maybe_sent: bool = False) -> Ticket:
        """Create a ticket associated to its contact (None: an incident's, which has none)
        in the same request; never two.

        `escalate_id` is unique. When an earlier attempt may have been carried out
        (`maybe_sent`: a lost answer, a killed process, an outbox resend), the ticket is
        first read by `idProperty=escalate_id`. An answer lost in this call is followed by
        that read before any resend, and a conflict on `escalate_id` (409, or a 400 naming
        it) means the ticket exists: it is read and returned. Each costs one read, only on
        the failure path; get is consistent, unlike search. Whichever way it is found or
        made, the ticket is one this home wrote (`written_tickets`, with its policy): a
        lost answer is when search lags most.
        """
        escalate_id = properties["escalate_id"]

        def written(ticket: Ticket) -> Ticket:
            self.written_tickets[ticket.id] = properties.get("escalate_policy")
            return ticket

        if maybe_sent:
            existing = self.ticket_by_escalate_id(escalate_id)
            if existing is not None:
                return written(existing)
        body = {"properties": properties,
                "associations": [inline_association(contact_id, limits.TICKET_TO_CONTACT)]
                if contact_id is not None else []}
        attempt = 0
        while True:
            try:
                created = self._raw("POST", paths.objects("tickets"), body=body,
                                    idempotent=False)
            except AmbiguousWrite as lost:
                existing = self.ticket_by_escalate_id(escalate_id)
                if existing is not None:
                    return written(existing)
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
                return written(existing)
            return written(ticket_from_json(created))

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
        self.changed_tickets([ticket_id])
        updated = self._raw("PATCH", paths.object_("tickets"),
                            path_params={"key": ticket_id}, body={"properties": properties})
        return ticket_from_json(updated)

    def search_tickets(self, filter_groups: list[dict[str, Any]], *,
                       properties: list[str] | None = None) -> Iterator[tuple[Ticket, int]]:
        """Every ticket matching, in create-date order, with the first query's total."""
        for page in self.ticket_pages(filter_groups, properties=properties):
            for ticket in page.items:
                yield ticket, page.total

    def ticket_pages(self, filter_groups: list[dict[str, Any]], *,
                     properties: list[str] | None = None, since_ms: int | None = None,
                     until_ms: int | None = None) -> Iterator[Page[Ticket]]:
        """Every ticket matching (created in [since_ms, until_ms) when given), a page at a
        time as the searches answer, each page with the floor of the create dates still to
        come (`windows.Page`). The searches run in background threads, by create-date
        windows at once (`windows.WindowedSearch`), so the consumer's own requests (batch
        reads) go out while the search still pages; past HubSpot's 10,000 results a window
        restarts after the last create date seen. Closing the iterator stops the searching."""
        search = WindowedSearch(
            lambda body: self._raw("POST", paths.search("tickets"), body=body), filter_groups,
            key="createdate", key_of=_created_ms, properties=properties or TICKET_PROPERTIES,
            lo=since_ms, hi=until_ms)
        pages = search.pages()
        try:
            for page in pages:
                yield Page([ticket_from_json(t) for t in page.items], page.total, page.floor)
        finally:
            pages.close()

    def pipelined(self, items: Iterable[T], work: Callable[[list[T]], list[R]], *,
                  chunk: int = OBJECT_BATCH, in_flight: int = READS_IN_FLIGHT,
                  stop: threading.Event | None = None) -> Iterator[R]:
        """`work` on every `chunk` items as they come, up to `in_flight` chunks at once on
        the shared pool; its results in the items' order.

        With a stream such as `ticket_pages`, each chunk's requests (batch reads) go out
        while the search is still paging; nothing waits for the whole list."""
        for results in in_flight_chunks(items, work, chunk=chunk, in_flight=in_flight,
                                        thread_name="escalate-reads", stop=stop,
                                        on_interrupt=self.retry.stop):
            yield from results

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

    def dissociate(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        """Remove every association between two objects, both ways (removing none is no
        error: sending it again changes nothing)."""
        self._raw_maybe("DELETE", paths.association(from_type, to_type),
                        path_params={"key": from_id, "to_key": to_id})

    def archive(self, kind: str, ids: Iterable[str]) -> None:
        """Archive objects of a type by id, 100 per request, several at once (archiving one
        twice changes nothing)."""
        unique = list(dict.fromkeys(ids))
        if kind == "tickets":
            self.changed_tickets(unique)

        def archive(chunk: list[str]) -> list[None]:
            self._raw("POST", paths.batch(kind, "archive"),
                      body={"inputs": [{"id": i} for i in chunk]})
            return []

        at_once(unique, archive)

    def merge_tickets(self, primary_id: str, merged_id: str) -> Ticket:
        """Merge a ticket into another: HubSpot keeps the primary, and the merged ticket's
        id answers with it from then on. Never resent blindly (a lost answer is an
        `AmbiguousWrite`): a get of the merged id tells whether it was carried out."""
        self.changed_tickets([primary_id, merged_id])
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

    def upload(self, content: bytes, folder: str, name: str,
               mime: str = "application/octet-stream") -> UploadedFile:
        """Upload these bytes privately as a file. Resending returns the same file: HubSpot
        finds the identical one already in the folder (RETURN_EXISTING)."""
        options = {"access": "PRIVATE", "duplicateValidationStrategy": "RETURN_EXISTING",
                   "duplicateValidationScope": "EXACT_FOLDER"}
        uploaded = self._raw("POST", paths.files(),
                             form=[("folderPath", folder), ("fileName", name),
                                   ("options", json.dumps(options)),
                                   ("file", (name, content, mime))],
                             timeout=(self.timeout[0], max(self.timeout[1], 120.0)))
        return UploadedFile(id=str(uploaded.get("id")), name=name,
                            size=int(uploaded.get("size") or 0),
                            access=str(uploaded.get("access")))

    def remove_file(self, file_id: str) -> None:
        """Delete an uploaded file for good (one already gone is fine)."""
        self._raw_maybe("DELETE", paths.file_removal(file_id))


def _phone_matches(national: str, e164: str) -> list[tuple[str, tuple[str, ...]]]:
    """Where a contact's number may be, and as what: HubSpot's searchable digits of phone
    and mobile (the national number), or the number as typed (hubspot-facts.md)."""
    return [("hs_searchable_calculated_phone_number", (national,)),
            ("hs_searchable_calculated_mobile_number", (national,)),
            ("phone", (e164, national)), ("mobilephone", (e164, national))]


def _names_escalate_id(refused: EscalateError) -> bool:
    """Whether a refused create says `escalate_id` already has the value (409, or a 400
    naming it for anything but a missing property: the value sent is always valid)."""
    if isinstance(refused, UniqueConflict):
        return refused.property_name in (None, "escalate_id")
    if isinstance(refused, InvalidProperty):
        return (refused.has("escalate_id")
                and not refused.has("escalate_id", "PROPERTY_DOESNT_EXIST"))
    return False


def _created_ms(found: dict[str, Any]) -> int | None:
    """A search result's create date, in epoch milliseconds (the windows' key)."""
    moment = parse_time((found.get("properties") or {}).get("createdate"))
    return int(epoch_ms(moment)) if moment is not None else None
