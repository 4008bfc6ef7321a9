"""Column widths for the terminal tables: words are never broken, long text wraps.

Rich narrows an overfull table by cutting columns mid-word ("resuelto|s", "BAJA→MED|IA") or
cropping the last one; here each column gets at least its longest word (header or cell) and
the room left is shared out in proportion to what each column would like.
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


def fit(columns: Sequence[Column], total: int) -> list[int]:
    """Widths for `columns` in a bordered table `total` characters wide."""
    room = total - (3 * len(columns) + 1)  # a border and a space either side per column
    widths = [c.least for c in columns]
    wanted = [c.natural - w for c, w in zip(columns, widths, strict=True)]
    spare, more = room - sum(widths), sum(wanted)
    if spare > 0 and more:
        if spare >= more:
            return [c.natural for c in columns]
        share = [spare * w // more for w in wanted]
        widths = [w + s for w, s in zip(widths, share, strict=True)]
    return widths
