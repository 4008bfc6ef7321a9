"""Questions at the terminal: missing values, the priority checklist, choices, confirmations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer

from ..domain.priority import CHECKLIST, Priority
from ..domain.records import Contact, Ticket
from .env import Env

QUESTIONS = {
    "policy": "Número de póliza",
    "client": "Nombre completo del cliente",
    "what": "QUÉ pasa (el problema que vio el cliente)",
    "how": "CÓMO pasó (pasos)",
    "where": "DÓNDE (web o app, pantalla)",
}


def ask_missing(env: Env, raw: dict[str, Any]) -> None:
    """Ask for every required value not given, in the guide's order (CUÁNDO too, if asking)."""
    asked = False
    for key in ("policy", "client"):
        if not (raw.get(key) or "").strip():
            raw[key], asked = _ask(QUESTIONS[key]), True
    if not (raw.get("email") or "").strip() and not (raw.get("phone") or "").strip():
        contact, asked = _ask("Correo o teléfono del cliente"), True
        raw["email" if "@" in contact else "phone"] = contact
    if not (raw.get("priority") or "").strip():
        raw["priority"], asked = priority_checklist().value, True
    for key in ("what", "how", "where"):
        if not (raw.get(key) or "").strip():
            raw[key], asked = _ask(QUESTIONS[key]), True
    if asked and not (raw.get("when") or "").strip():
        raw["when"] = typer.prompt("CUÁNDO ocurrió (opcional)", default="", show_default=False,
                                   err=True) or None


def confirm(question: str) -> bool:
    """A yes/no question answered in Spanish (s/sí/n/no; y/yes too); no by default."""
    while True:
        answer = str(typer.prompt(f"{question} [s/N]", default="", show_default=False,
                                  err=True)).strip().lower()
        if answer in ("", "n", "no"):
            return False
        if answer in ("s", "si", "sí", "y", "yes"):
            return True


def priority_checklist() -> Priority:
    """The escalation guide's questions, in order; the first yes decides."""
    for question, priority in CHECKLIST:
        if confirm(question):
            return priority
    return Priority.BAJA


def _ask(question: str) -> str:
    while True:
        answer = str(typer.prompt(question, err=True)).strip()
        if answer:
            return answer


class TerminalUi:
    """The workflows' questions, asked only when a person is at the terminal."""

    def __init__(self, env: Env, interactive: bool, *, progress: bool | None = None) -> None:
        self.env = env
        self.interactive = interactive
        self.show_progress = interactive if progress is None else progress

    def warn(self, text: str) -> None:
        self.env.warn(text)

    def choose_contact(self, candidates: list[Contact]) -> Contact | None:
        if not self.interactive:
            return None
        self.env.err.print("Ese teléfono corresponde a varios contactos:", markup=False)
        for number, contact in enumerate(candidates, 1):
            self.env.err.print(f"  {number}. {contact.name} · {contact.email or 'sin correo'} · "
                               f"{contact.best_phone} (id {contact.id})", markup=False)
        choice = typer.prompt("¿Cuál es el cliente? (número)", type=int, err=True)
        while not 1 <= choice <= len(candidates):
            choice = typer.prompt(f"Elija un número del 1 al {len(candidates)}", type=int,
                                  err=True)
        chosen: Contact = candidates[int(choice) - 1]
        return chosen

    def confirm_duplicates(self, duplicates: list[Ticket]) -> bool | None:
        if not self.interactive:
            return None
        self.env.err.print("Ya hay tickets abiertos con esta póliza:", markup=False)
        for ticket in duplicates:
            self.env.err.print(f"  • {ticket.id}: {ticket.subject}", markup=False)
        return confirm("¿Crear otro ticket de todos modos?")

    def confirm_partial(self, uploaded: int, failed: list[str]) -> bool | None:
        if not self.interactive:
            return None
        self.env.err.print(f"No se pudieron subir: {', '.join(failed)}.", markup=False)
        return confirm(f"¿Crear la nota con los {uploaded} archivos que sí subieron?")

    @contextmanager
    def progress(self, total: int) -> Iterator[Callable[[str], None]]:
        if not self.show_progress:
            yield lambda name: None
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        with Progress(TextColumn("Subiendo"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.description}"), console=self.env.err,
                      transient=True) as bar:
            task = bar.add_task("", total=total)
            yield lambda name: bar.update(task, advance=1, description=name)
