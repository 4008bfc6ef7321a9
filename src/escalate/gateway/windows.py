"""Searches paged by disjoint windows of a sortable key, several at once under the pacer.

HubSpot answers one search page at a time and at most 5 searches a second per account: a
query paged one page after another waits a round trip per page, so at 150 ms it runs well
below the limit, and the gap grows with latency. Here the first page (sorted by the key:
a ticket's create date, a task's id) tells how many results there are and how densely they
sit on the key; the rest is cut into windows of about equal counts, paged at once by as
many threads as the latency needs to keep 5 searches a second going. A window that
finishes takes half of what the busiest one still has to page (cut where the key says that
half ends), so the threads stay busy to the end.

Each page is handed on with a floor: every result not yet handed on sorts at or after it.
A consumer that wants the results in the key's order (the follow-up, most overdue first)
can hand on everything below the floor at once.

Past HubSpot's 10,000 results of one query, a window restarts from the last key it saw
(keyset paging); the results already seen at that very key are dropped.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ..errors import Refused
from . import limits

T = TypeVar("T")
Search = Callable[[dict[str, Any]], dict[str, Any]]  # a search request body -> its answer

MAX_WORKERS = 4  # windows paged at once, at most: enough for 5 searches a second at 600 ms
PAGES_AHEAD = 4  # pages fetched before the consumer takes them


@dataclass(frozen=True)
class Page(Generic[T]):
    """Results of one search page, the whole query's total as first answered, and the floor:
    every result not handed on yet sorts at or after it (`math.inf`: none is left)."""

    items: list[T]
    total: int
    floor: float


@dataclass
class Window:
    """Results whose key is in [lo, hi) (None: unbounded), paged in the key's order."""

    lo: int | None
    hi: int | None
    position: int | None = None  # the key of the last result handed on
    at_position: set[str] = field(default_factory=set)  # ids handed on at exactly `position`
    after: str | None = None  # HubSpot's cursor within the current query
    total: int | None = None  # the current query's total (its first page says)
    seen: int = 0  # results the current query has answered so far
    first_key: int | None = None
    handed: int = 0  # results handed on since the window started
    restart: bool = False  # the query changed: the next page starts over from `position`
    restarted_at: int | None = None  # `position` at the last restart past HubSpot's cap
    query_lo: int | None = None  # the current query's lower bound, when it restarted
    done: bool = False

    @property
    def start(self) -> float:
        """Where what it has still to hand on begins."""
        if self.position is not None:
            return self.position
        return self.lo if self.lo is not None else -math.inf

    def remaining(self) -> int:
        return 0 if self.done or self.total is None else max(0, self.total - self.seen)

    def request(self, groups: list[dict[str, Any]], key: str, properties: list[str]
                ) -> dict[str, Any]:
        """The next page's search body."""
        if self.restart:  # a new query, from the last key handed on
            self.after, self.total, self.seen, self.restart = None, None, 0, False
            self.query_lo = self.position
        lo = self.query_lo if self.query_lo is not None else self.lo
        body: dict[str, Any] = {"filterGroups": bounded(groups, key, lo, self.hi),
                                "properties": properties, "limit": limits.SEARCH_PAGE,
                                "sorts": [{"propertyName": key, "direction": "ASCENDING"}]}
        if self.after:
            body["after"] = self.after
        return body

    def take(self, answer: dict[str, Any], key_of: Callable[[dict[str, Any]], int | None]
             ) -> list[dict[str, Any]]:
        """The answer's results that are this window's and new; the bookkeeping for the next
        page (HubSpot's cursor, or a restart past its 10,000 results)."""
        if self.total is None:
            self.total = int(answer.get("total") or 0)
        fresh: list[dict[str, Any]] = []
        results = answer.get("results") or []
        cut = False
        for found in results:
            value = key_of(found)
            if value is not None and self.hi is not None and value >= self.hi:
                cut = True  # cut off while this page was on its way: another window's now
                break
            found_id = str(found.get("id"))
            if value is not None and value == self.position and found_id in self.at_position:
                continue  # seen before a restart
            if value != self.position:
                self.position, self.at_position = value, set()
            self.at_position.add(found_id)
            fresh.append(found)
        if self.first_key is None and fresh:
            self.first_key = key_of(fresh[0])
        self.seen += len(results)
        self.handed += len(fresh)
        self._next(answer, cut=cut)
        return fresh

    def _next(self, answer: dict[str, Any], *, cut: bool) -> None:
        after = ((answer.get("paging") or {}).get("next") or {}).get("after")
        if cut or not after or self.position is None:
            self.done = True  # the rest is past `hi`, or there is no rest
        elif int(after) + limits.SEARCH_PAGE > limits.SEARCH_RESULTS_CAP:
            if self.position == self.restarted_at:
                cap = f"{limits.SEARCH_RESULTS_CAP:,}".replace(",", ".")
                raise Refused(f"Más de {cap} resultados con el mismo valor de orden: HubSpot "
                              "no permite recorrerlos.")
            self.restarted_at, self.restart = self.position, True
        else:
            self.after = str(after)

    def split(self) -> Window | None:
        """Cut off the upper half of what is left (by the count the key's density says) as a
        new window; None when too little is left to be worth a second query."""
        left = self.remaining()
        if self.done or left < 2 * limits.SEARCH_PAGE or self.position is None \
                or self.first_key is None or self.handed < 2:
            return None
        spread = max(1, self.position - self.first_key)
        per_result = spread / max(1, self.handed - 1)
        cut = self.position + max(1, math.ceil(per_result * left / 2))
        if self.hi is not None and cut >= self.hi:
            return None
        upper = Window(lo=cut, hi=self.hi)
        self.hi, self.restart = cut, True
        return upper


def bounded(groups: list[dict[str, Any]], key: str, lo: int | None,
            hi: int | None) -> list[dict[str, Any]]:
    """The same filter groups, each also keeping the key in [lo, hi): a bound the group
    already has on the key is tightened instead of repeated, so no group grows past the
    filters it had plus two (HubSpot caps filters per group)."""
    if lo is None and hi is None:
        return groups
    out = []
    for group in groups or [{"filters": []}]:
        filters = []
        low, high = lo, hi
        for f in group.get("filters") or []:
            operator, value = f.get("operator"), f.get("value")
            if f.get("propertyName") == key and operator in ("GTE", "LT") and value is not None:
                if operator == "GTE":
                    low = int(value) if low is None else max(low, int(value))
                else:
                    high = int(value) if high is None else min(high, int(value))
                continue
            filters.append(f)
        if low is not None:
            filters.append({"propertyName": key, "operator": "GTE", "value": str(low)})
        if high is not None:
            filters.append({"propertyName": key, "operator": "LT", "value": str(high)})
        out.append({**group, "filters": filters})
    return out


class WindowedSearch:
    """One query paged by windows at once (see the module's docstring)."""

    def __init__(self, search: Search, groups: list[dict[str, Any]], *, key: str,
                 key_of: Callable[[dict[str, Any]], int | None], properties: list[str],
                 lo: int | None = None, hi: int | None = None,
                 max_workers: int = MAX_WORKERS) -> None:
        self.search = search
        self.groups = groups
        self.key = key
        self.key_of = key_of
        self.properties = properties
        self.lo, self.hi = lo, hi
        self.max_workers = max_workers
        self._lock = threading.Lock()
        self._windows: list[Window] = []
        self._claimed: set[int] = set()  # ids of the windows a thread is paging
        self._pages: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._room = threading.Semaphore(PAGES_AHEAD)
        self._stop = threading.Event()
        self.total = 0

    def pages(self) -> Generator[Page[dict[str, Any]], None, None]:
        """Every result, a page at a time, with the floor of what is still to come.
        Closing the iterator early stops the searching."""
        first = Window(self.lo, self.hi)
        started = time.monotonic()
        items = first.take(self.search(first.request(self.groups, self.key, self.properties)),
                           self.key_of)
        self.total = first.total or 0
        self._windows = [first]
        if first.done:
            yield Page(items, self.total, math.inf)
            return
        yield Page(items, self.total, first.start)
        # Enough windows at once to keep HubSpot's 5 searches a second going at this latency.
        workers = max(1, min(self.max_workers, math.ceil(
            limits.SEARCHES_PER_SECOND * (time.monotonic() - started) * 1.2)))
        threads = [threading.Thread(target=self._work, name="escalate-search", daemon=True)
                   for _ in range(workers)]
        for thread in threads:
            thread.start()
        try:
            yield from self._handed_on(len(threads))
        finally:
            self._stop.set()
            for _ in threads:
                self._room.release()

    def _handed_on(self, workers: int) -> Iterator[Page[dict[str, Any]]]:
        ended = 0
        while ended < workers:
            kind, value = self._pages.get()
            if kind == "page":
                self._room.release()
                yield value
            elif kind == "error":
                raise value
            else:
                ended += 1

    def _work(self) -> None:
        try:
            while not self._stop.is_set():
                window = self._claim()
                if window is None:
                    break
                try:
                    self._page_through(window)
                finally:
                    with self._lock:
                        self._claimed.discard(id(window))
        except BaseException as exc:  # handed to the consumer's thread
            self._stop.set()
            self._pages.put(("error", exc))
        self._pages.put(("end", None))

    def _claim(self) -> Window | None:
        """A window nobody pages: one waiting, else the upper half of the busiest one."""
        with self._lock:
            for window in self._windows:
                if not window.done and id(window) not in self._claimed:
                    self._claimed.add(id(window))
                    return window
            busiest = max((w for w in self._windows if not w.done), key=Window.remaining,
                          default=None)
            upper = busiest.split() if busiest is not None else None
            if upper is None:
                return None
            self._windows.append(upper)
            self._claimed.add(id(upper))
            return upper

    def _page_through(self, window: Window) -> None:
        while not window.done and not self._stop.is_set():
            self._room.acquire()
            if self._stop.is_set():
                return
            with self._lock:
                body = window.request(self.groups, self.key, self.properties)
            answer = self.search(body)
            with self._lock:  # the floor and the hand-over in one step: pages stay in order
                items = window.take(answer, self.key_of)
                live = [w.start for w in self._windows if not w.done]
                self._pages.put(("page", Page(items, self.total, min(live, default=math.inf))))
