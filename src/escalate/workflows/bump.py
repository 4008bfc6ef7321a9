"""`bump`: raise one level every open ticket that sat at its priority longer than the policy
allows, with a note on each saying why. Idempotent: the time at a level comes from HubSpot's
property history, so a second run at once finds nothing due."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..domain.bump import NEXT_LEVEL, PRIORITY, Raise, due_raise, levels_to_raise
from ..domain.followup import levels_of
from ..domain.moments import epoch_ms
from ..domain.oddities import Odd, Tally
from ..domain.priority import Priority
from ..errors import EscalateError, Refused
from ..gateway import Gateway
from ..gateway.limits import OBJECT_BATCH
from ..gateway.pipeline import WRITES_IN_FLIGHT
from .clock import portal_clock
from .notes import note_html
from .portal import Portal, load_portal
from .ui import Ui

if TYPE_CHECKING:
    from ..domain.policy import Policy
    from ..domain.team import Owner

READ = ["subject", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_priority", "createdate",
        "hubspot_owner_id", "escalate_agent"]


@dataclass
class BumpResult:
    """What a run found (and, unless a dry run, did)."""

    dry_run: bool
    configured: bool = True  # False: the policy raises no level, nothing was read
    checked: int = 0
    raises: list[Raise] = field(default_factory=list)
    note_ids: list[str] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    # Open tickets old enough to be due that cannot rise, and why: no priority, one escalate
    # does not know, a stage deleted since (typed or edited in HubSpot).
    skipped: Tally = field(default_factory=Tally)
    people: dict[str, Owner] = field(default_factory=dict)  # owner id → user

    def person(self, owner_id: str | None) -> Owner | None:
        return self.people.get(owner_id) if owner_id else None

    def as_json(self) -> dict[str, object]:
        def user(owner_id: str | None) -> dict[str, str] | None:
            found = self.person(owner_id)
            return found.as_json() if found is not None else None

        return {"dry_run": self.dry_run, "configured": self.configured,
                "checked": self.checked,
                "raised": [{**r.as_json(), "url": self.urls.get(r.ticket_id),
                            "owner": user(r.owner_id), "agent": user(r.agent_id)}
                           for r in self.raises],
                "notes": self.note_ids, "skipped": self.skipped.as_json()}


def bump(gateway: Gateway, settings: Settings, policy: Policy, *, now: datetime,
         dry_run: bool = False, ui: Ui | None = None, result: BumpResult | None = None,
         progress: Callable[[int, int], None] | None = None) -> BumpResult:
    """Find the tickets due a raise and, unless `dry_run`, raise them and note why: a hundred
    at a time as their history reads come, several writes at once. What is done goes into
    `result` as it is done (a Ctrl-C leaves it saying so): a raise and its note go together,
    never one without the other."""
    levels = levels_to_raise(policy.bump)
    if not levels:
        return BumpResult(dry_run=dry_run, configured=False)
    portal = load_portal(gateway, settings, now=now, warn=ui.warn if ui else None)
    targets = _target_options(portal, levels)
    result = result or BumpResult(dry_run=dry_run)
    found = _due_raises(gateway, settings, portal, policy, levels, now, result, progress)
    if dry_run:
        result.raises = list(found)
    else:
        lock = threading.Lock()
        for _ in gateway.pipelined(found, partial(_raise, gateway, targets, now, result, lock),
                                   chunk=OBJECT_BATCH, in_flight=WRITES_IN_FLIGHT):
            pass
    _cannot_rise(gateway, settings, portal, policy, levels, now, result)
    result.raises.sort(key=lambda r: (-r.hours, r.ticket_id))
    result.urls = {r.ticket_id: portal.account.ticket_url(r.ticket_id) for r in result.raises}
    result.people = _people(gateway, settings, result.raises, now)
    return result


def _raise(gateway: Gateway, targets: dict[Priority, str], now: datetime, result: BumpResult,
           lock: threading.Lock, due: list[Raise]) -> list[None]:
    """Raise these tickets and note each; then, as two runs at once may both have, keep one
    note per raise (`Raise.doubled`)."""
    updated = set(gateway.update_tickets([(r.ticket_id, {PRIORITY: targets[r.level]})
                                          for r in due]))
    # A ticket deleted since it was read is left out by HubSpot (207): no raise, no note.
    raised = [r for r in due if r.ticket_id in updated]
    if not raised:
        return []
    try:
        notes = gateway.create_ticket_notes(
            [(r.ticket_id, note_html(r.note(), reference=r.reference)) for r in raised], now)
    except EscalateError as exc:
        # The raises are done (and a rerun will not repeat them): say which tickets may
        # lack the note that explains theirs.
        shown = ", ".join(r.ticket_id for r in raised[:20])
        more = f" y {len(raised) - 20} más" if len(raised) > 20 else ""
        exc.hint = ((exc.hint + " ") if exc.hint else "") + (
            f"La prioridad ya se subió en {len(raised)} ticket(s) ({shown}{more}); "
            "puede faltarles la nota con el motivo.")
        raise
    mine = dict(zip(notes, raised, strict=False))
    others = gateway.other_notes([r.ticket_id for r in raised], known=set(mine))
    lost = [n for note, r in mine.items()
            for n in r.doubled([(note, r.reference), *others.get(r.ticket_id, [])])]
    if lost:
        gateway.archive("notes", lost)
    with lock:
        result.raises += raised
        result.note_ids += [n for n in notes if n not in lost]
    return []


def _due_raises(gateway: Gateway, settings: Settings, portal: Portal, policy: Policy,
                levels: list[Priority], now: datetime, result: BumpResult,
                progress: Callable[[int, int], None] | None) -> Iterator[Raise]:
    """Search the open tickets at a level that rises, old enough to be due, then read each
    one's priority history (search may lag behind writes; the batch read is what HubSpot
    holds now): the raises due, as the reads come."""
    present = _rising_options(portal, levels)
    if not present:
        return
    clock = portal_clock(portal, settings, policy.followup)
    # A business hour is never shorter than an hour: the wall-clock bound finds a superset.
    shortest = min(h for p in levels for h in [policy.bump.after(p)] if h is not None)
    filters: list[dict[str, Any]] = [
        {"propertyName": "hs_pipeline", "operator": "EQ", "value": portal.pipeline.id},
        {"propertyName": "hs_pipeline_stage", "operator": "IN", "values": portal.open_stage_ids},
        {"propertyName": "hs_ticket_priority", "operator": "IN", "values": present},
        {"propertyName": "createdate", "operator": "LT",
         "value": epoch_ms(now - timedelta(hours=shortest))},
    ]
    total = [0]

    def ids() -> Iterator[str]:
        for page in gateway.ticket_pages([{"filters": filters}], properties=["createdate"]):
            total[0] = page.total
            yield from (t.id for t in page.items)

    for chunk in gateway.tickets_with_history(ids(), READ, [PRIORITY]):
        for item in chunk:
            result.checked += 1
            found = due_raise(item, clock, policy.bump, now)
            if found is not None:
                yield found
        if progress is not None:
            progress(result.checked, max(total[0], result.checked))


def _cannot_rise(gateway: Gateway, settings: Settings, portal: Portal, policy: Policy,
                 levels: list[Priority], now: datetime, result: BumpResult) -> None:
    """Count the open tickets old enough to be due that no level of escalate's can raise:
    no priority, an option of the portal's own, or a level that rises but a stage the
    pipeline no longer has (one search, its pages only as long as there are such tickets).
    A stage the cached portal does not know may be new: the portal is read again, and only
    the stages still unknown are counted."""
    shortest = min(h for p in levels for h in [policy.bump.after(p)] if h is not None)
    known = list(levels_of(portal.priority_options))
    rising = _rising_options(portal, levels)
    common: list[dict[str, Any]] = [
        {"propertyName": "hs_pipeline", "operator": "EQ", "value": portal.pipeline.id},
        {"propertyName": "createdate", "operator": "LT",
         "value": epoch_ms(now - timedelta(hours=shortest))}]
    not_closed = portal.not_closed_filter()
    groups = [{"filters": [*common, not_closed,
                           {"propertyName": PRIORITY, "operator": "NOT_HAS_PROPERTY"}]}]
    if known:
        groups.append({"filters": [*common, not_closed, {
            "propertyName": PRIORITY, "operator": "NOT_IN", "values": known}]})
    if rising:
        groups.append({"filters": [
            *common, {"propertyName": PRIORITY, "operator": "IN", "values": rising},
            portal.gone_stage_filter()]})
    found = {t.id: t for page in gateway.ticket_pages(
        groups, properties=["hs_pipeline", "hs_pipeline_stage", PRIORITY]) for t in page.items}
    clock = portal_clock(portal, settings, policy.followup)
    if any(clock.unknown_stage(t) for t in found.values()):
        portal = load_portal(gateway, settings, now=now, refresh=True)
        clock = portal_clock(portal, settings, policy.followup)
    for ticket in found.values():
        if clock.unknown_stage(ticket):
            result.skipped.add(Odd.UNKNOWN_STAGE, ticket.id)
        elif ticket.stage in clock.open_stages and clock.priority(ticket) is None:
            result.skipped.add(Odd.UNKNOWN_PRIORITY if ticket.priority else Odd.NO_PRIORITY,
                               ticket.id)


def _rising_options(portal: Portal, levels: list[Priority]) -> list[str]:
    """The portal's options of the levels the policy raises."""
    return [o for p in levels for o in [p.portal_option(portal.priority_options)] if o]


def _people(gateway: Gateway, settings: Settings, raises: list[Raise],
            now: datetime) -> dict[str, Owner]:
    """The owners and agents of the tickets raised (the owners cache, else one listing;
    without the owners scope or HubSpot's answer, none: the raises are done by now, and
    the names are not worth failing the bump's report for)."""
    from .team import owners_by_id

    ids = {i for r in raises for i in (r.owner_id, r.agent_id) if i}
    try:
        return owners_by_id(gateway, settings, ids, now=now) if ids else {}
    except EscalateError:
        return {}


def _target_options(portal: Portal, levels: list[Priority]) -> dict[Priority, str]:
    """The portal's option for each level a raise goes to; a missing one is refused (exit 3)
    naming it, never skipped."""
    targets: dict[Priority, str] = {}
    missing = []
    for level in levels:
        to = NEXT_LEVEL[level]
        option = to.portal_option(portal.priority_options)
        if option is None:
            missing.append(f"{to.value} ({to.hubspot_value})")
        else:
            targets[level] = option
    if missing:
        shown = ", ".join(label for _, label in portal.priority_options) or "ninguna"
        raise Refused(
            "El portal no tiene la opción de prioridad " + " ni ".join(missing)
            + f" a la que subirían los tickets (opciones del portal: {shown}).",
            hint="Un administrador debe añadir esa opción a «Priority» en HubSpot, o quite "
                 "del archivo de políticas ([bump] after_hours) el nivel que subiría a ella.")
    return targets
