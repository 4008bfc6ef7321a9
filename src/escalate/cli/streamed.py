"""Results written as their rows come, so a long listing starts at once and holds no page of
output it has already written: a JSON list, CSV, and a bordered table printed a page at a
time. Every cell shown on a terminal or in a spreadsheet passes through a `Cell` function
(the identity here; a sanitizer can take its place)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

Cell = Callable[[str], str]


def as_is(text: str) -> str:
    return text


def json_list(out: IO[str], batches: Iterable[Sequence[dict[str, Any]]]) -> None:
    """The items as one JSON list, written as they come: the same text as `json.dumps(items,
    ensure_ascii=False, indent=2)`."""
    first = True
    for batch in batches:
        for item in batch:
            text = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            out.write(("[\n  " if first else ",\n  ") + text)
            first = False
        out.flush()
    out.write("[]\n" if first else "\n]\n")
    out.flush()


def csv_rows(out: IO[str], fields: list[str], batches: Iterable[Sequence[dict[str, Any]]],
             cell: Cell = as_is) -> None:
    """A header, then each row as it comes (text cells through `cell`; a yes/no as
    `true`/`false`, as the JSON says it, not Python's `True`)."""
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for batch in batches:
        writer.writerows({k: cell(v) if isinstance(v, str) else _plain(v)
                          for k, v in row.items()} for row in batch)
        out.flush()


def _plain(value: Any) -> Any:
    return ("true" if value else "false") if isinstance(value, bool) else value


@dataclass(frozen=True)
class Column:
    """A column of a paged table: its header and how its cells behave at its width."""

    header: str
    width: int
    overflow: Literal["fold", "ellipsis"] = "fold"  # wrap, breaking long words; or cut with …
    no_wrap: bool = False


class PagedTable:
    """A bordered table printed a page of rows at a time, as one table: the widths are fixed
    once (no cell is measured), the header is printed once, and each page's top border
    becomes the line between rows. Cells are `rich.text.Text`: no markup is parsed."""

    def __init__(self, console: Console, columns: list[Column]) -> None:
        self.console = console
        self.columns = columns
        self._pages = 0
        self._bottom: str | None = None

    def add(self, rows: Sequence[Sequence[Text]]) -> None:
        """Print these rows now."""
        if not rows:
            return
        from rich.table import Table

        table = Table(show_header=self._pages == 0, header_style="bold", show_lines=True)
        for column in self.columns:
            table.add_column(column.header, width=column.width, overflow=column.overflow,
                             no_wrap=column.no_wrap)
        for row in rows:
            table.add_row(*row)
        with self.console.capture() as capture:
            self.console.print(table)
        lines = capture.get().rstrip("\n").split("\n")
        if self._pages:
            lines[0] = self._between(table)
        self._bottom = lines.pop()
        self._pages += 1
        self.console.file.write("\n".join(lines) + "\n")
        self.console.file.flush()

    def close(self) -> None:
        """The table's bottom border, once its last row is printed."""
        if self._bottom is not None:
            self.console.file.write(self._bottom + "\n")
            self.console.file.flush()
            self._bottom = None

    def _between(self, table: Any) -> str:
        """The line between two rows, drawn as the table draws its own."""
        widths = [c.width + 2 for c in self.columns]  # each cell's padding, either side
        line: str = table.box.get_row(widths, "row", edge=True)
        return line
