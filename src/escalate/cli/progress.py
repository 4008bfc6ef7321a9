"""Progress bars of the long jobs, on stderr and only on a terminal: what is done of what
HubSpot announced, and how long the rest takes at the pace HubSpot allows (the searches'
5 a second, the account's requests per 10 s), not a guess from the speed so far."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from .env import Env

T = TypeVar("T")
Advance = Callable[[int, int, float | None], None]  # (done, total, seconds left or None)


@contextmanager
def bar(env: Env, label: str, *, show: bool = True) -> Iterator[Advance]:
    """A bar while the block runs (transient: gone when it ends); `advance(done, total,
    seconds_left)` moves it. Nothing is drawn unless stderr is a terminal and `show`."""
    if not (show and env.err.is_terminal and not env.verbose):
        yield lambda done, total, left: None
        return
    env.show_pending()  # what loading found (the sandbox notice, warnings) before the bar
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[left]}"), console=env.err,
                  transient=True) as progress:
        task = progress.add_task(label, total=None, left="")

        def advance(done: int, total: int, left: float | None) -> None:
            progress.update(task, completed=done, total=max(total, done),
                            left=_left(left))

        yield advance


def _left(seconds: float | None) -> str:
    if seconds is None or seconds < 1:
        return ""
    minutes, rest = divmod(round(seconds), 60)
    return f"· quedan ~{minutes} min {rest} s" if minutes else f"· quedan ~{rest} s"


@contextmanager
def progress_of(env: Env, label: str, batches: Iterator[T], counts: Callable[[], tuple[int, int]],
                eta: Callable[[int, int], float | None], *, show: bool = True
                ) -> Iterator[Iterator[T]]:
    """`batches` as they come, the bar moved after each by `counts()` (done, total) and
    `eta(done, total)`."""
    with bar(env, label, show=show) as advance:
        def moved() -> Iterator[T]:
            for batch in batches:
                done, total = counts()
                advance(done, total, eta(done, total))
                yield batch

        yield moved()
