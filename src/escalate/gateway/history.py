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
from .pipeline import chunks, in_flight_chunks
from .shapes import inline_association, ticket_from_json

# History reads in flight beside the search: HubSpot takes 50 ids per history read (half a
# plain batch read), so twice as many requests cover the same tickets; the rate limit, not
# this number, bounds how fast they go (benchmarks/report_bench.py).
HISTORY_READS_IN_FLIGHT = 6


class HistoryCalls:
    """Property history and batch writes. Methods use `self._raw` (JSON through the shared
    client) of `Gateway`."""

    _raw: Callable[..., Any]
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
        """Set properties on many tickets, 100 per request; the ids HubSpot updated (one that
        no longer exists is left out, as its 207 answer says). Safe to resend: the same
        values written again change nothing."""
        done: list[str] = []
        for chunk in chunks(list(changes_by_id), OBJECT_BATCH):
            answer = self._raw("POST", paths.batch("tickets", "update"), body={"inputs": [
                {"id": ticket_id, "properties": properties} for ticket_id, properties in chunk]})
            done += [str(r.get("id")) for r in answer.get("results") or []]
        return done

    def create_ticket_notes(self, notes: Sequence[tuple[str, str]], at: datetime) -> list[str]:
        """One note per (ticket id, HTML body), each associated to its ticket, 100 per
        request. Never resent blindly (notes have no unique key): a lost answer is an
        `AmbiguousWrite`."""
        created: list[str] = []
        for chunk in chunks(list(notes), OBJECT_BATCH):
            inputs = [{"properties": {"hs_timestamp": epoch_ms(at), "hs_note_body": body},
                       "associations": [inline_association(ticket_id, NOTE_TO_TICKET)]}
                      for ticket_id, body in chunk]
            answer = self._raw("POST", paths.batch("notes", "create"), idempotent=False,
                               body={"inputs": inputs})
            created += [str(r.get("id")) for r in answer.get("results") or []]
        return created

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
