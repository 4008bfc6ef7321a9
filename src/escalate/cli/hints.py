"""Command lines to copy, written at the edge from the steps the core names.

A workflow says what the agent can do next ("send the outbox", "resume entry X": an
`errors.Next`); only this module spells it, the way this agent runs escalate: the program
name, `--sandbox` in sandbox mode, the command's words and the entry's short id. Options of
the command just run (accept the contact, name the client by email) are spelled as the
agent typed the command: its Spanish option names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import Next
from ..short_ids import short_id

if TYPE_CHECKING:
    from .env import Env

PROGRAM = "escalate"

# Each action the core may name, as the words after the program name ({id}: the target's
# short id), with the commands' Spanish names (cli/names.py). Options of the running
# command have no program name (`option`).
WORDS: dict[str, str] = {
    "outbox": "bandeja",
    "outbox_send": "bandeja enviar",
    "resume": "crear --borrador {id}",
    "drop": "bandeja descartar {id}",
    "setup": "configurar",
    "doctor": "diagnostico",
    "templates": "plantillas",
    "attach": "adjuntar {ticket} ARCHIVO...",
    "incident_join": "incidentes unir {ticket}",
}
OPTIONS: dict[str, str] = {
    "accept_contact": "--aceptar-contacto",
    "by_email": "--correo",
}


def command_line(env: Env, step: Next | str) -> str:
    """The command to copy for `step` (or for the words `step`, e.g. "bandeja enviar")."""
    if isinstance(step, Next) and step.action in OPTIONS:
        return OPTIONS[step.action]
    words = WORDS[step.action] if isinstance(step, Next) else step
    target = step.target if isinstance(step, Next) else None
    if "{id}" in words:
        words = words.replace("{id}", short_id(target) if target else "ID")
    words = words.replace("{ticket}", target or "TICKET")
    sandbox = "--sandbox " if env.in_sandbox else ""
    return f"{PROGRAM} {sandbox}{words}"


def sentence(env: Env, step: Next) -> str:
    """The step as the agent reads it: its lead, then the command in «»."""
    return f"{step.lead} «{command_line(env, step)}»."


def choices(env: Env, steps: tuple[Next, ...]) -> str:
    """Several commands that each settle the same thing: «a» o «b»."""
    return " o ".join(f"«{command_line(env, s)}»" for s in steps)


def interrupted(env: Env, steps: tuple[Next, ...]) -> None:
    """The one message of a Ctrl-C: where the work waits and how to send it, when the core
    said so (then the Ctrl-C guard says nothing more)."""
    if not steps:
        env.err.print("Interrumpido.")
        return
    env.err.print("Interrumpido. " + " ".join(sentence(env, s) for s in steps))
    env.interrupt_told = True
