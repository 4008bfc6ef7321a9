"""What a workflow may ask of the person at the terminal; the CLI provides it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from ..domain.records import Contact, Ticket


class Ui(Protocol):
    """Questions and notices; a non-interactive Ui answers None to every question."""

    def warn(self, text: str) -> None: ...

    def choose_contact(self, candidates: list[Contact]) -> Contact | None: ...

    def confirm_duplicates(self, duplicates: list[Ticket]) -> bool | None: ...

    def confirm_partial(self, uploaded: int, failed: list[str]) -> bool | None: ...

    def progress(self, total: int) -> AbstractContextManager[Callable[[str], None]]: ...
