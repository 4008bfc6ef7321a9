"""`report`: the escalation history of a window, read in few requests and counted.

Tickets created in the window are searched by create date (the gateway pages past HubSpot's
10,000 results by create-date windows), then read 100 at a time with the history of their
stage, priority and last client update, those reads running beside the search. Each ticket
is reduced at once to the facts the report needs; its text is not kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ..config import Settings
from ..domain.moments import epoch_ms
from ..domain.oddities import Odd, Tally
from ..domain.records import Account
from ..domain.report import (
    HISTORY,
    NO_AGENT,
    PROPERTIES,
    Incident,
    Report,
    build,
    confirm_bumps,
    escalated,
    incident_of,
    link_incidents,
)
from ..errors import AuthProblem
from ..gateway import Gateway
from .clock import portal_clock
from .portal import load_portal
from .ui import Ui

if TYPE_CHECKING:
    from ..domain.policy import Policy
    from ..domain.report import Escalated
    from ..domain.team import Owner

Progress = Callable[[int, int], None]  # (tickets read, tickets in the window)
GONE = "ya no es usuario de HubSpot"  # after an agent's name: the user was deactivated


@dataclass
class ReportResult:
    report: Report
    account: Account

    def url(self, ticket_id: str) -> str:
        return self.account.ticket_url(ticket_id)


def report(gateway: Gateway, settings: Settings, policy: Policy, *, since: datetime,
           until: datetime, now: datetime, ui: Ui | None = None,
           progress: Progress | None = None) -> ReportResult:
    """The report over the tickets of the escalation pipeline created in [since, until).

    The pipeline is read afresh (one round trip among hundreds): a stage added since the
    portal was cached would otherwise read as one deleted."""
    portal = load_portal(gateway, settings, now=now, refresh=True,
                         warn=ui.warn if ui else None)
    clock = portal_clock(portal, settings, policy.followup)
    filters = [
        {"propertyName": "hs_pipeline", "operator": "EQ", "value": portal.pipeline.id},
        {"propertyName": "createdate", "operator": "GTE", "value": epoch_ms(since)},
        {"propertyName": "createdate", "operator": "LT", "value": epoch_ms(until)},
    ]
    total = [0]

    def ids() -> Iterator[str]:
        for page in gateway.ticket_pages([{"filters": filters}], properties=["createdate"],
                                         since_ms=int(epoch_ms(since)),
                                         until_ms=int(epoch_ms(until))):
            total[0] = page.total
            for ticket in page.items:
                yield ticket.id

    items: list[Escalated] = []
    uncounted = Tally()
    opened: list[Incident] = []  # incidents are no client's escalation: counted apart
    for chunk in gateway.tickets_with_history(ids(), PROPERTIES, HISTORY):
        for read in chunk:
            found = escalated(read, clock)
            incident = incident_of(read, found) if found is not None else None
            if incident is not None:
                opened.append(incident)
            elif found is not None:
                items.append(found)
            else:
                uncounted.add(Odd.NO_CREATE_DATE, read.ticket.id)
        if progress is not None:
            progress(len(items), max(total[0], len(items)))
    raised = [i for i in items if i.raises]
    if raised:
        notes = gateway.ticket_notes([i.id for i in raised])
        for item in raised:
            confirm_bumps(item, (body for _at, body in notes.get(item.id, [])))
    owners, gone = _agent_owners(gateway, items, ui)
    names = {o.email: o.name for o in owners} | {o.email: f"{o.name} ({GONE})" for o in gone}
    built = build(items, clock, policy.bump, since=since, until=until, now=now,
                  agents={o.id: o.email for o in [*owners, *gone]}, agent_names=names,
                  uncounted=uncounted)
    built.incidents = sorted(opened, key=lambda i: (-i.affected, i.created))
    _link_incidents(gateway, built)
    return ReportResult(built, portal.account)


def _link_incidents(gateway: Gateway, built: Report) -> None:
    """The recurring problems named with their incident: the members of the period's
    incidents (one association read), when the portal has the incident labels."""
    from .incidents import find_labels, members_of

    if not built.incidents or not built.recurring:
        return
    labels = find_labels(gateway)
    if labels is None:
        return
    members = members_of(gateway, labels, [i.id for i in built.incidents])
    link_incidents(built.recurring, {m: i for i, ids in members.items() for m in ids})


def _agent_owners(gateway: Gateway, items: list[Escalated],
                  ui: Ui | None) -> tuple[list[Owner], list[Owner]]:
    """The owners, read once, to count agents by email and show their names, and the owners
    of users deactivated since, read only when some agent is not among the active ones;
    without the owners scope the ids are shown as they are."""
    agents = {i.agent for i in items if i.agent != NO_AGENT}
    if not agents:
        return [], []
    try:
        owners = list(gateway.owners())
        missing = agents - {o.id for o in owners}
        gone = [o for o in gateway.owners(archived=True) if o.id in missing] if missing else []
    except AuthProblem as exc:
        if ui is not None:
            ui.warn(f"No se pudieron leer los usuarios de HubSpot ({exc.message}); los agentes "
                    "se muestran por su id.")
        return [], []
    return owners, gone
