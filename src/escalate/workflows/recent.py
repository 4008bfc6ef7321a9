"""Read-your-writes: the tickets this home wrote in the last minutes, so that a list that
follows an agent's own change shows it at once.

HubSpot's search lags writes: a new ticket is absent for seconds and an updated one is found
with its old values for up to about a minute (hubspot-facts.md, 2026-12, S). A batch read by
id sees every write at once. So every command remembers, as it ends, the tickets its gateway
created, updated, merged or archived (`Gateway.written_tickets`, saved by the CLI's
`Env.close`), and a list reads those of the last minutes — the file's and its own command's
so far — by id, beside its search (`fresh_writes`: a batch read per 100, only when there
are any), and merges them into what search found (`with_own_writes`): the agent's own
writes show with their new values, nothing twice, and nothing that is gone (archived,
merged away, moved out of the list) is invented from a stale search.

Other agents' writes still wait for search: each home knows only its own. Two commands of
one home ending at the same moment may keep only one's ids (the cache is rewritten whole):
the other's show when search catches up, as before this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime

from ..config import Settings
from ..domain.records import Ticket
from ..gateway import Gateway
from ..gateway.limits import OBJECT_BATCH
from .json_cache import JsonCache

# Search serves an updated object stale for up to about a minute (connector docs advise
# waiting 60 s after an update): three minutes leave a margin for a slow index.
WINDOW_SECONDS = 180
VERSION = 1
# The most ids kept: a `subir` or `seguimiento --tareas` writes hundreds in one go, all
# with one timestamp, and a list after it must see each. Reading them all is at most ten
# batch reads, several at once, for the three minutes after such a run (docs/architecture.md).
KEPT = 10 * OBJECT_BATCH


class RecentWrites:
    """`cache/recent-writes-{portal}.json`: ticket id → [when this home last wrote it (epoch
    seconds), the policy of a ticket it created (else null)], only the last
    `WINDOW_SECONDS`, at most `KEPT` (the newest)."""

    def __init__(self, settings: Settings) -> None:
        self._cache = JsonCache(settings, "recent-writes", VERSION)

    def remember(self, written: Mapping[str, str | None], now: datetime) -> None:
        """`written`: ticket id → the policy of one created (None: updated, archived)."""
        if not written:
            return
        at = now.timestamp()
        kept = self._current(at)
        for ticket_id, policy in written.items():
            kept[ticket_id] = (at, policy or kept.get(ticket_id, (at, None))[1])
        newest = sorted(kept.items(), key=lambda item: -item[1][0])[:KEPT]
        self._cache.write({i: list(entry) for i, entry in newest})

    def ids(self, now: datetime, *, policy: str | None = None) -> list[str]:
        """The tickets written in the last `WINDOW_SECONDS`, the newest first; with `policy`,
        only those this home created with it."""
        kept = self._current(now.timestamp())
        return [i for i, (_at, made) in sorted(kept.items(), key=lambda item: -item[1][0])
                if policy is None or made == policy]

    def _current(self, now: float) -> dict[str, tuple[float, str | None]]:
        raw = self._cache.read()
        if not isinstance(raw, dict):
            return {}
        kept: dict[str, tuple[float, str | None]] = {}
        for ticket_id, entry in raw.items():
            match entry:
                case [int() | float() as at, str() | None as policy] if (
                        now - WINDOW_SECONDS <= at <= now + 60):
                    kept[str(ticket_id)] = (float(at), policy)
        return kept


# The ids this home wrote lately and those tickets as read now; None: it wrote none.
OwnWrites = tuple[set[str], list[Ticket]] | None


def fresh_writes(gateway: Gateway, settings: Settings, properties: list[str], *,
                 now: datetime, policy: str | None = None) -> OwnWrites:
    """The ids this home wrote in the last minutes (with `policy`: created with it) and those
    tickets as batch reads show them now (one that is gone is absent, each once); None,
    with no request, when there are none.

    This command's own writes count too: they reach the file only as it ends, and
    `bandeja enviar` sends a create after another. A merged-away id answers with the ticket
    kept, whose id is counted as written: a list skips search's copy of it as well."""
    this_run = dict(gateway.written_tickets)  # a copy: threads of the command add to it
    ids = list(dict.fromkeys([
        *(i for i, made in reversed(this_run.items()) if policy is None or made == policy),
        *RecentWrites(settings).ids(now, policy=policy)]))[:KEPT]
    if not ids:
        return None
    fresh = {t.id: t for t in gateway.tickets_by_id(ids, properties)}
    return set(ids) | set(fresh), list(fresh.values())


def with_own_writes(searched: Iterable[Ticket], written: OwnWrites,
                    listed: Callable[[Ticket], bool] | None = None) -> Iterator[Ticket]:
    """The tickets this home wrote in the last minutes as HubSpot holds them now (`written`,
    from `fresh_writes`, read beside the search) that `listed` (the search's filters, judged
    here; None: all) keeps, then what search found but those: each written ticket once,
    with its new values, and none that is gone or no longer listed though search still has
    it, and a ticket search hands on twice (two windows) once. Lazy: `searched` may be pages
    still coming."""
    ids, fresh = written if written is not None else (set(), [])
    seen = set(ids)
    yield from (t for t in fresh if listed is None or listed(t))
    for ticket in searched:
        if ticket.id not in seen:
            seen.add(ticket.id)
            yield ticket
