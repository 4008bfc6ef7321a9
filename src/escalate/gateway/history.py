"""HubSpot calls for history and bulk changes: property history, batch updates (a mixin of
`Gateway`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from ..domain.history import TicketHistory, with_history
from ..domain.moments import epoch_ms, parse_time
from . import paths
from .limits import HISTORY_BATCH, NOTE_TO_TICKET, OBJECT_BATCH
from .pipeline import at_once, chunks, in_flight_chunks
from .shapes import inline_association, ticket_from_json

# History reads in flight beside the search: HubSpot takes 50 ids per history read (half a
# plain batch read), so twice as many requests cover the same tickets; the rate limit, not
# this number, bounds how fast they go (benchmarks/report_bench.py).
HISTORY_READS_IN_FLIGHT = 6


class HistoryCalls:
    """Property history and batch writes. Methods use `self._raw` (JSON through the shared
    client) of `Gateway`."""

    _raw: Callable[..., Any]
    changed_tickets: Callable[[Iterable[str]], None]
    associated_ids: Callable[..., dict[str, list[str]]]

    def tickets_with_history(self, ids: Iterable[str], properties: Sequence[str],
                             history: Sequence[str], *,
                             in_flight: int = HISTORY_READS_IN_FLIGHT,
                             ) -> Iterator[list[TicketHistory]]:
        """Tickets with the history of some properties, 50 per request (HubSpot's limit for
        history reads), a list per request, in the order of `ids`.

        Ids are taken as they come (a stream from `ticket_pages` works) and up to
        `in_flight` reads run at once beside the search. Ids HubSpot does not know are left
        out.
        """
        def read(chunk: list[str]) -> list[TicketHistory]:
            body = {"inputs": [{"id": i} for i in chunk], "properties": list(properties),
                    "propertiesWithHistory": list(history)}
            answer = self._raw("POST", paths.batch("tickets", "read"), body=body)
            return [_with_history(found, history) for found in answer.get("results") or []]

        return in_flight_chunks(ids, read, chunk=HISTORY_BATCH, in_flight=in_flight,
                                thread_name="escalate-history")

    def update_tickets(self, changes_by_id: Sequence[tuple[str, dict[str, str]]]) -> list[str]:
        """Set properties on many tickets, 100 per request, several at once; the ids HubSpot
        updated (one that no longer exists is left out, as its 207 answer says). Safe to
        resend: the same values written again change nothing."""
        self.changed_tickets(ticket_id for ticket_id, _ in changes_by_id)

        def update(chunk: list[tuple[str, dict[str, str]]]) -> list[str]:
            answer = self._raw("POST", paths.batch("tickets", "update"), body={"inputs": [
                {"id": ticket_id, "properties": properties} for ticket_id, properties in chunk]})
            return [str(r.get("id")) for r in answer.get("results") or []]

        return at_once(list(changes_by_id), update)

    def create_ticket_notes(self, notes: Sequence[tuple[str, str]], at: datetime) -> list[str]:
        """One note per (ticket id, HTML body), each associated to its ticket, 100 per
        request, several at once; the ids in the notes' order. Never resent blindly (notes
        have no unique key): a lost answer is an `AmbiguousWrite`."""
        def create(chunk: list[tuple[str, str]]) -> list[str]:
            inputs = [{"properties": {"hs_timestamp": epoch_ms(at), "hs_note_body": body},
                       "associations": [inline_association(ticket_id, NOTE_TO_TICKET)]}
                      for ticket_id, body in chunk]
            answer = self._raw("POST", paths.batch("notes", "create"), idempotent=False,
                               body={"inputs": inputs})
            return [str(r.get("id")) for r in answer.get("results") or []]

        return at_once(list(notes), create)

    def other_notes(self, ticket_ids: Sequence[str], known: set[str]
                    ) -> dict[str, list[tuple[str, str]]]:
        """For each ticket, its notes other than `known` as (id, body): the ticket→note
        links (consistent), then batch reads of those notes."""
        links = self.associated_ids("tickets", "notes", ticket_ids)
        wanted = {note: ticket for ticket, notes in links.items() for note in notes
                  if note not in known}

        def read(chunk: list[str]) -> list[tuple[str, str]]:
            answer = self._raw("POST", paths.batch("notes", "read"), body={
                "inputs": [{"id": i} for i in chunk], "properties": ["hs_note_body"]})
            return [(str(n.get("id")), (n.get("properties") or {}).get("hs_note_body") or "")
                    for n in answer.get("results") or []]

        found: dict[str, list[tuple[str, str]]] = {}
        for note_id, body in at_once(list(wanted), read):
            found.setdefault(wanted[note_id], []).append((note_id, body))
        return found


    def ticket_notes(self, ticket_ids: Sequence[str]) -> dict[str, list[tuple[datetime, str]]]:
        """For each ticket, its notes' times and bodies: association reads, then note batch
        reads of 100."""
        note_ticket = {note: ticket
                       for ticket, notes in self.associated_ids("tickets", "notes",
                                                                ticket_ids).items()
                       for note in notes}
        found: dict[str, list[tuple[datetime, str]]] = {}
        for chunk in chunks(list(note_ticket), OBJECT_BATCH):
            answer = self._raw("POST", paths.batch("notes", "read"), body={
                "inputs": [{"id": i} for i in chunk],
                "properties": ["hs_note_body", "hs_timestamp"]})
            for note in answer.get("results") or []:
                properties = note.get("properties") or {}
                at = parse_time(properties.get("hs_timestamp"))
                if at is not None:
                    found.setdefault(note_ticket[str(note.get("id"))], []).append(
                        (at, properties.get("hs_note_body") or ""))
        return found


def _with_history(found: dict[str, Any], history: Sequence[str]) -> TicketHistory:
    return with_history(ticket_from_json(found), found.get("propertiesWithHistory") or {},
                        history)
