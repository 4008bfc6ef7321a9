"""Batch work run a few chunks at a time on a thread pool, beside whatever produces the items
(a search paging through results, typically)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
# Batch requests of one job at once (writes, and reads that are not beside a search): the
# pacer, not this number, keeps them within the account's limit.
WRITES_IN_FLIGHT = 6


def in_flight_chunks(items: Iterable[T], work: Callable[[list[T]], list[R]], *, chunk: int,
                     in_flight: int, thread_name: str,
                     stop: threading.Event | None = None,
                     on_interrupt: Callable[[], None] | None = None) -> Iterator[list[R]]:
    """`work` on every `chunk` items as they come, up to `in_flight` chunks at once; each
    chunk's results as a list, in the items' order.

    The items are taken in a thread of their own, so a result is handed on as soon as it and
    every one before it are done, not when the next item comes (a search's next page can be a
    second away). On Ctrl-C or a failure no chunk starts any more, `stop` is set (the chunks
    under way can see it before their next write), and those end first; on Ctrl-C,
    `on_interrupt` first (the retries they wait in give up: `RetryPolicy.stop`)."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max(1, in_flight), thread_name_prefix=thread_name)
    handed: queue.Queue[Any] = queue.Queue(maxsize=max(1, in_flight))
    halt = threading.Event()

    def feed() -> None:
        try:
            batch: list[T] = []
            for item in items:
                batch.append(item)
                if len(batch) == chunk:
                    _hand(handed, pool.submit(work, batch), halt)
                    batch = []
                if halt.is_set():
                    return
            if batch:
                _hand(handed, pool.submit(work, batch), halt)
            _hand(handed, _END, halt)
        except BaseException as exc:  # the items' own failure (a search refused): handed on
            _hand(handed, _Failed(exc), halt)

    threading.Thread(target=feed, name=f"{thread_name}-feed", daemon=True).start()
    try:
        while (got := handed.get()) is not _END:
            if isinstance(got, _Failed):
                raise got.failure
            yield got.result()
    except BaseException as exc:  # Ctrl-C, a failure, or the consumer gone: nothing starts
        if isinstance(exc, KeyboardInterrupt) and on_interrupt is not None:
            on_interrupt()
        halt.set()
        if stop is not None:
            stop.set()
        while not handed.empty():
            left = handed.get_nowait()
            if hasattr(left, "cancel"):
                left.cancel()
        raise
    finally:
        pool.shutdown(wait=True)


class _Failed:
    def __init__(self, failure: BaseException) -> None:
        self.failure = failure


_END = object()


def _hand(handed: queue.Queue[Any], value: Any, halt: threading.Event) -> None:
    """Put `value` in the queue, unless the consumer is gone meanwhile."""
    while not halt.is_set():
        try:
            handed.put(value, timeout=0.1)
            return
        except queue.Full:
            continue
    if hasattr(value, "cancel"):
        value.cancel()


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
