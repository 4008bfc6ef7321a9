"""Column widths for the terminal tables: words are never broken, long text wraps.

Rich narrows an overfull table by cutting columns mid-word ("resuelto|s", "BAJA→MED|IA") or
cropping the last one; here each column gets at least its longest word (header or cell) and
the room left is shared out in proportion to what each column would like. A table whose
narrowest widths still overflow the terminal is cut into parts of whole columns (`parts`), each
repeating the row's key, rather than squeezed until rich folds its headers letter by letter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    header: str
    cells: Sequence[str]
    text: bool = False  # free text (a problem, a subject): may wrap and, if needed, fold

    @property
    def natural(self) -> int:
        """The width that shows the header and every cell on one line."""
        return max([len(self.header), *(len(c) for c in self.cells)])

    @property
    def least(self) -> int:
        """The narrowest width that breaks no header word and no short cell."""
        words = max(len(w) for w in self.header.split() or [""])
        if self.text:
            return min(self.natural, max(words, 12))
        return max([words, *(len(c) for c in self.cells)])


def safe(text: str) -> str:
    """A table cell's text from HubSpot or the agent, for rich markup: inert on a terminal
    (`domain.text.printable`) and its brackets escaped. Cheap enough to call per cell."""
    from rich.markup import escape

    from ..domain.text import printable

    return escape(printable(text))


def fits(columns: Sequence[Column], total: int) -> bool:
    """Whether `columns` fit a bordered table `total` characters wide without a broken word."""
    return sum(c.least for c in columns) <= _room(len(columns), total)


def parts(columns: Sequence[Column], total: int,
          groups: Sequence[Sequence[int]] = ()) -> list[list[int]]:
    """The columns (by index) of each table to print so that none overflows `total`: all of
    them when they fit; else one table per group of `groups` (related columns: a reader
    compares within a group), each after the key column 0; a group still too wide, or
    columns in no group, are packed in order into as few tables as fit."""
    every = list(range(len(columns)))
    if fits(columns, total) or len(columns) < 3:
        return [every]
    grouped = [[i for i in g if 0 < i < len(columns)] for g in groups]
    rest = [i for i in every[1:] if not any(i in g for g in grouped)]
    found: list[list[int]] = []
    for group in [g for g in grouped if g] + ([rest] if rest else []):
        found += _packed(columns, total, group)
    return found


def _packed(columns: Sequence[Column], total: int, group: list[int]) -> list[list[int]]:
    """`group`'s columns in order, as few tables as fit, each led by the key column 0."""
    found: list[list[int]] = []
    current = [0]
    for i in group:
        if len(current) > 1 and not fits([columns[n] for n in [*current, i]], total):
            found.append(current)
            current = [0]
        current.append(i)
    return [*found, current]


def _room(count: int, total: int) -> int:
    return total - (3 * count + 1)  # a border and a space either side per column


def fit(columns: Sequence[Column], total: int) -> list[int]:
    """Widths for `columns` in a bordered table `total` characters wide."""
    room = _room(len(columns), total)
    widths = [c.least for c in columns]
    wanted = [c.natural - w for c, w in zip(columns, widths, strict=True)]
    spare, more = room - sum(widths), sum(wanted)
    if spare > 0 and more:
        if spare >= more:
            return [c.natural for c in columns]
        share = [spare * w // more for w in wanted]
        widths = [w + s for w, s in zip(widths, share, strict=True)]
    return widths
