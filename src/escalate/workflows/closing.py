"""Work once, close all (issue 25): when engineers close an incident, every client's ticket
of it still open is closed too, with the note «Resuelto con el incidente N», in batches;
`followup --tareas` runs it on the closed incidents its search already finds, and makes
each client's call task in the same run. A rerun, or a run after a kill, finishes the job
without a second note; two runs at once keep one."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..domain import incidents
from ..domain.records import Ticket
from ..gateway import Gateway
from ..gateway.limits import OBJECT_BATCH
from .incidents import READ, id_order, labels, members_of
from .portal import Portal


@dataclass
class Settled:
    """What closing the members of closed incidents did."""

    incidents: list[str] = field(default_factory=list)  # closed incidents looked at
    closed: list[str] = field(default_factory=list)  # members moved to the closed stage
    members: list[Ticket] = field(default_factory=list)  # every member, as read after


def settle_closed(gateway: Gateway, portal: Portal, searched: Sequence[Ticket], *,
                  now: datetime, stop: Callable[[], bool] = lambda: False) -> Settled:
    """Every member of these incidents (as search found them closed; `followup --tareas`
    finds them among the recently closed tickets it already searches) that is still open:
    given the note «Resuelto con el incidente N» once, then moved to the incident's stage,
    100 at a time. Each batch reads its members' notes first (consistent), so a rerun, or a
    run after a kill between the notes and the stage change, writes no second note."""
    settled = Settled()
    wanted = [t.id for t in searched if t.is_incident and t.stage in portal.closed_stage_ids]
    if not wanted:
        return settled
    found_labels = labels(gateway)
    closed = [t for t in gateway.tickets_by_id(wanted, READ)  # search lags: read again
              if t.is_incident and t.stage in portal.closed_stage_ids]
    for incident in closed:
        settled.incidents.append(incident.id)
        members = members_of(gateway, found_labels, [incident.id]).get(incident.id, [])
        for start in range(0, len(members), OBJECT_BATCH):
            if stop():
                return settled
            _close_batch(gateway, portal, incident, members[start:start + OBJECT_BATCH],
                         now, settled)
    return settled


def _close_batch(gateway: Gateway, portal: Portal, incident: Ticket, member_ids: list[str],
                 now: datetime, settled: Settled) -> None:
    from .notes import note_html

    note = incidents.closing_note(incident.id)
    tickets = [t for t in gateway.tickets_by_id(member_ids, READ) if not t.is_incident]
    still_open = [t for t in tickets if t.stage in portal.open_stage_ids]
    if still_open:
        notes = gateway.ticket_notes([t.id for t in still_open])
        lacking = [t.id for t in still_open
                   if not any(html.escape(note) in body for _at, body in notes.get(t.id, []))]
        if lacking:
            made = gateway.create_ticket_notes(
                [(t, note_html(note, reference=f"incidente {incident.id}")) for t in lacking], now)
            _keep_one_note(gateway, dict(zip(made, lacking, strict=False)), html.escape(note))
        gateway.update_tickets([(t.id, {"hs_pipeline_stage": incident.stage})
                                for t in still_open])
        settled.closed += [t.id for t in still_open]
    settled.members += gateway.tickets_by_id(member_ids, READ) if still_open else tickets



def _keep_one_note(gateway: Gateway, made: dict[str, str], text: str) -> None:
    """After writing closing notes, read the members' notes again (consistent): another run
    at the same moment may have written the same one. Every run keeps the note with the
    lowest id and archives its own others; of two runs at once the later to finish sees
    both."""
    others = gateway.other_notes(list(dict.fromkeys(made.values())), known=set(made))
    lost = [note for note, ticket in made.items()
            if any(text in body and id_order(other) < id_order(note)
                   for other, body in others.get(ticket, []))]
    if lost:
        gateway.archive("notes", lost)
