"""Batch work run a few chunks at a time on a thread pool, beside whatever produces the items
(a search paging through results, typically)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

T = TypeVar("T")
R = TypeVar("R")
# Batch requests of one job at once (writes, and reads that are not beside a search): the
# pacer, not this number, keeps them within the account's limit.
WRITES_IN_FLIGHT = 6


def in_flight_chunks(items: Iterable[T], work: Callable[[list[T]], list[R]], *, chunk: int,
                     in_flight: int, thread_name: str,
                     stop: threading.Event | None = None) -> Iterator[list[R]]:
    """`work` on every `chunk` items as they come, up to `in_flight` chunks at once; each
    chunk's results as a list, in the items' order.

    A result is handed on as soon as it and every one before it are done, so nothing waits
    for the whole of `items`. On Ctrl-C or a failure no chunk starts any more, `stop` is set
    (the chunks under way can see it before their next write), and those end first."""
    from concurrent.futures import ThreadPoolExecutor

    pending: deque[Future[list[R]]] = deque()
    with ThreadPoolExecutor(max(1, in_flight), thread_name_prefix=thread_name) as pool:
        try:
            batch: list[T] = []
            for item in items:
                batch.append(item)
                if len(batch) == chunk:
                    pending.append(pool.submit(work, batch))
                    batch = []
                    while len(pending) > in_flight or (pending and pending[0].done()):
                        yield pending.popleft().result()
            if batch:
                pending.append(pool.submit(work, batch))
            while pending:
                yield pending.popleft().result()
        except BaseException:  # Ctrl-C, a failure, or the consumer gone: nothing more starts
            if stop is not None:
                stop.set()
            for future in pending:
                future.cancel()
            raise


def chunks(items: list[T], size: int) -> Iterator[list[T]]:
    """`items` in consecutive lists of at most `size` (a batch request's inputs)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def at_once(items: list[T], work: Callable[[list[T]], list[R]], *, chunk: int = 100,
            in_flight: int = WRITES_IN_FLIGHT, stop: threading.Event | None = None) -> list[R]:
    """`work` on every `chunk` items (a batch request's inputs), up to `in_flight` requests
    at once, none started once `stop` is set; the results in the items' order."""
    def unless_stopped(batch: list[T]) -> list[R]:
        return [] if stop is not None and stop.is_set() else work(batch)

    if len(items) <= chunk:
        return unless_stopped(items) if items else []
    return [r for done in in_flight_chunks(items, unless_stopped, chunk=chunk,
                                           in_flight=in_flight, thread_name="escalate-batch")
            for r in done]
