"""HubSpot calls for history and bulk changes: property history, batch updates (a mixin of
`Gateway`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any, TypeVar

from ..domain.history import TicketHistory, changes
from ..domain.moments import epoch_ms
from .pipeline import in_flight_chunks

T = TypeVar("T")

BATCH = 100  # HubSpot's batch endpoints take at most 100 inputs
NOTE_TO_TICKET = 228  # HubSpot-defined association type id (hubspot/crm/association_type.py)


class HistoryCalls:
    """Property history and batch writes. Methods use `self._call` and `self._client`."""

    _client: Any
    _call: Callable[..., Any]

    @cached_property
    def _history_tickets(self) -> Any:
        return self._client.crm.tickets.batch_api

    @cached_property
    def _history_notes(self) -> Any:
        return self._client.crm.objects.notes.batch_api

    def tickets_with_history(self, ids: Iterable[str], properties: Sequence[str],
                             history: Sequence[str], *,
                             in_flight: int = 3) -> Iterator[list[TicketHistory]]:
        """Tickets with the history of some properties, 100 per request, a list per request,
        in the order of `ids`.

        Ids are taken as they come (a stream from `ticket_pages` works) and up to
        `in_flight` reads run at once beside the search. The answer is read as JSON, not as
        the client's models: thousands of tickets with their histories deserialise several
        times faster. Ids HubSpot does not know are left out.
        """
        def read(chunk: list[str]) -> list[TicketHistory]:
            body = {"inputs": [{"id": i} for i in chunk], "properties": list(properties),
                    "propertiesWithHistory": list(history)}
            return [_with_history(found, history)
                    for found in self._call(self._read_raw, body).get("results") or []]

        return in_flight_chunks(ids, read, chunk=BATCH, in_flight=in_flight,
                                thread_name="escalate-history")

    def _read_raw(self, body: dict[str, Any], **kwargs: Any) -> Any:
        from .hubspot import _json_answer

        response = self._history_tickets.read(batch_read_input_simple_public_object_id=body,
                                              _preload_content=False, **kwargs)
        try:
            return _json_answer(response)
        finally:
            response.release_conn()

    def update_tickets(self, changes_by_id: Sequence[tuple[str, dict[str, str]]]) -> list[str]:
        """Set properties on many tickets, 100 per request. Safe to resend: the same values
        written again change nothing."""
        done: list[str] = []
        for start in range(0, len(changes_by_id), BATCH):
            chunk = changes_by_id[start:start + BATCH]
            answer = self._call(self._history_tickets.update,
                                batch_input_simple_public_object_batch_input={"inputs": [
                                    {"id": ticket_id, "properties": properties}
                                    for ticket_id, properties in chunk]})
            done += [str(r.id) for r in answer.results]
        return done

    def create_ticket_notes(self, notes: Sequence[tuple[str, str]], at: datetime) -> list[str]:
        """One note per (ticket id, HTML body), each associated to its ticket, 100 per
        request. Never resent blindly (notes have no unique key): a lost answer is an
        `AmbiguousWrite`."""
        created: list[str] = []
        for start in range(0, len(notes), BATCH):
            inputs = [{"properties": {"hs_timestamp": epoch_ms(at), "hs_note_body": body},
                       "associations": [{"to": {"id": ticket_id}, "types": [{
                           "associationCategory": "HUBSPOT_DEFINED",
                           "associationTypeId": NOTE_TO_TICKET}]}]}
                      for ticket_id, body in notes[start:start + BATCH]]
            answer = self._call(self._history_notes.create, idempotent=False,
                                batch_input_simple_public_object_batch_input_for_create={
                                    "inputs": inputs})
            created += [str(r.id) for r in answer.results]
        return created

    @cached_property
    def _history_associations(self) -> Any:
        return self._client.crm.associations.v4.batch_api

    def ticket_notes(self, ticket_ids: Sequence[str]) -> dict[str, list[tuple[datetime, str]]]:
        """For each ticket, its notes' times and bodies: v4 association reads and note batch
        reads, 100 ids each."""
        from ..domain.moments import parse_time

        note_ticket: dict[str, str] = {}
        for start in range(0, len(ticket_ids), BATCH):
            answer = self._call(
                self._history_associations.get_page, "tickets", "notes",
                batch_input_public_fetch_associations_batch_request={
                    "inputs": [{"id": i} for i in ticket_ids[start:start + BATCH]]})
            for result in answer.results:
                for link in result.to:
                    note_ticket[str(link.to_object_id)] = str(result._from.id)
        found: dict[str, list[tuple[datetime, str]]] = {}
        note_ids = list(note_ticket)
        for start in range(0, len(note_ids), BATCH):
            answer = self._call(self._history_notes.read,
                                batch_read_input_simple_public_object_id={
                                    "inputs": [{"id": i} for i in note_ids[start:start + BATCH]],
                                    "properties": ["hs_note_body", "hs_timestamp"]})
            for note in answer.results:
                properties = note.properties or {}
                at = parse_time(properties.get("hs_timestamp"))
                if at is not None:
                    found.setdefault(note_ticket[str(note.id)], []).append(
                        (at, properties.get("hs_note_body") or ""))
        return found


def _with_history(found: dict[str, Any], history: Sequence[str]) -> TicketHistory:
    from .hubspot import _ticket_from_json

    past = found.get("propertiesWithHistory") or {}
    return TicketHistory(_ticket_from_json(found),
                         {name: changes(past.get(name) or []) for name in history})
