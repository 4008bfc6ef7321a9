"""What a workflow may ask of the person at the terminal; the CLI provides it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from ..domain.records import Contact, Ticket


class Ui(Protocol):
    """Questions and notices; a non-interactive Ui answers None to every question."""

    def warn(self, text: str) -> None: ...

    def choose_contact(self, candidates: list[Contact]) -> Contact | None: ...

    def confirm_duplicates(self, duplicates: list[Ticket]) -> bool | None: ...

    def confirm_partial(self, uploaded: int, failed: list[str]) -> bool | None: ...

    def progress(self, total: int) -> AbstractContextManager[Callable[[str], None]]: ...


class Silent:
    """A Ui for scripts: never asks, collects warnings."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warn(self, text: str) -> None:
        self.warnings.append(text)

    def choose_contact(self, candidates: list[Contact]) -> Contact | None:
        return None

    def confirm_duplicates(self, duplicates: list[Ticket]) -> bool | None:
        return None

    def confirm_partial(self, uploaded: int, failed: list[str]) -> bool | None:
        return None

    @contextmanager
    def progress(self, total: int) -> Iterator[Callable[[str], None]]:
        yield lambda name: None
