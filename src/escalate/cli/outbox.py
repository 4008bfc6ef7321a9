"""`escalate outbox`: what waits to reach HubSpot, and sending it.

Parses, calls the delivery workflow, renders its outcomes; what an entry holds and
whether it is kept or dropped is decided in `workflows.delivery`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import ExitCode
from ..short_ids import short_id
from .env import Env
from .hints import choices, command_line
from .spanish import SpanishCommand, SpanishGroup

if TYPE_CHECKING:
    from ..outbox import Entry
    from ..workflows.entries import Listed, Listing

app = typer.Typer(cls=SpanishGroup, invoke_without_command=True,
                  help="Bandeja de salida: lo que no pudo llegar a HubSpot, y los borradores.")


def _age(env: Env, created_at: float) -> str:
    """How long the entry has waited, in the same Spanish as the follow-up table."""
    from ..domain.followup import waited

    return waited(max(0.0, env.now().timestamp() - created_at) / 3600)


def _readable(env: Env) -> list[Entry]:
    """The entries that can be read; each damaged one is reported and left out."""
    entries, damaged = env.outbox.entries()
    for bad in damaged:
        env.warn(f"Entrada {short_id(bad.id)} dañada: {bad.problem}; se omite.")
    return entries


def _listing(env: Env) -> Listing:
    from ..workflows.entries import listing

    found = listing(_readable(env))
    for item in found.damaged:
        env.warn(f"Entrada {short_id(item.entry.id)} ({item.description}) dañada: "
                 f"{item.why}; se omite. Descártela con «{command_line(env, item.fix[0])}».")
    return found


def _line(env: Env, item: Listed) -> str:
    entry = item.entry
    where = " · guardada en la carpeta temporal" if entry.aside else ""
    error = (f" · último error: {env.redact(item.why)}"
             if item.why and item.status == "pendiente" else "")
    return f"{short_id(entry.id)}  {item.description} · {_age(env, entry.created_at)}{where}{error}"


@app.callback()
def outbox(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Lista en JSON por stdout.")] = False,
) -> None:
    """Listar lo pendiente de enviar, lo que requiere acción y los borradores."""
    if ctx.invoked_subcommand is not None:
        return
    env: Env = ctx.ensure_object(Env)
    found = _listing(env)
    if as_json:
        env.out_json([_as_json(env, item) for item in
                      (*found.pending, *found.needs_action, *found.drafts, *found.damaged)])
        return
    if found.empty:
        env.out("La bandeja de salida está vacía: todo llegó a HubSpot.")
        return
    if found.pending:
        for item in found.pending:
            env.out(_line(env, item))
        env.out(f"{len(found.pending)} pendiente(s). Envíelas con "
                f"«{command_line(env, 'outbox send')}».")
    if found.needs_action:
        if found.pending:
            env.out("")
        env.out("Requiere acción (reintentar no lo resuelve):")
        for item in found.needs_action:
            env.out(_line(env, item))
            env.out(f"    {env.redact(item.why or '')}")
            env.out("    " + " · ".join(f"«{command_line(env, c)}»" for c in item.fix))
    if found.drafts:
        if found.pending or found.needs_action:
            env.out("")
        env.out("Borradores (no se envían hasta completarlos):")
        for item in found.drafts:
            env.out(_line(env, item))
            env.out("    " + " · ".join(f"«{command_line(env, c)}»" for c in item.fix))


def _as_json(env: Env, item: Listed) -> dict[str, Any]:
    entry = item.entry
    return {"id": entry.id, "kind": entry.kind, "status": item.status,
            "description": item.description, "created_at": entry.created_at,
            "attempts": entry.attempts,
            "last_error": env.redact(entry.last_error) if entry.last_error else None,
            "why": env.redact(item.why) if item.why else None,
            "fix": [command_line(env, c) for c in item.fix]}


@app.command("send", cls=SpanishCommand)
def send(ctx: typer.Context) -> None:
    """Enviar, en orden, todo lo pendiente; lo que falle se queda con su motivo.

    Los borradores no se envían; lo que requiere acción se muestra con la orden que lo
    resuelve. Una entrada que falla no detiene las demás.
    """
    from ..workflows.delivery import Delivered, Dropped, Kept, NeedsAction, deliver
    from .prompts import TerminalUi

    env: Env = ctx.ensure_object(Env)
    found = _listing(env)
    worst = ExitCode.OK
    for item in found.needs_action:
        env.out(f"{short_id(item.entry.id)}  {item.description}: requiere acción — "
                f"{env.redact(item.why or '')} ({choices(env, item.fix)})")
        worst = max(worst, ExitCode.REFUSED)
    if found.drafts:
        env.notice(f"{len(found.drafts)} borrador(es) sin enviar: complételos con "
                   f"«{command_line(env, 'create --borrador ID')}» (véalos con "
                   f"«{command_line(env, 'outbox')}»).")
    if not found.pending:
        env.out("Nada que enviar.")
        if worst:
            raise typer.Exit(int(worst))
        return
    sent = 0
    for item in found.pending:
        entry, shown = item.entry, f"{short_id(item.entry.id)}  {item.description}"
        if entry.aside:
            env.out(f"{shown}: sigue en la carpeta temporal; se enviará cuando la carpeta de "
                    "datos de escalate se pueda usar.")
            worst = max(worst, ExitCode.USAGE)
            continue
        outcome = deliver(entry, env, ui=TerminalUi(env, False), fresh=False)
        if isinstance(outcome, Delivered):
            sent += 1
            ticket = getattr(outcome.result, "ticket", None)
            env.out(f"{shown}: {f'ticket {ticket.id}' if ticket is not None else 'enviada'}")
        elif isinstance(outcome, NeedsAction):
            env.out(f"{shown}: requiere acción — {env.redact(outcome.why)} "
                    f"({choices(env, outcome.fix)})")
        elif isinstance(outcome, Dropped):
            env.out(f"{shown}: descartada — {env.redact(outcome.why)}")
        elif isinstance(outcome, Kept) and outcome.exit_code == ExitCode.OK:
            env.out(f"{shown}: {env.redact(outcome.why)}.")
        else:
            env.out(f"{shown}: no se envió — {env.redact(outcome.why)}")
        worst = max(worst, outcome.exit_code)
    env.out(f"{sent} de {len(found.pending)} enviada(s).")
    if worst:
        raise typer.Exit(int(worst))


@app.command("drop", cls=SpanishCommand)
def drop(ctx: typer.Context,
         entry_id: Annotated[str, typer.Argument(
             metavar="ID", help="Id (o sus primeros 8 caracteres o más) de la entrada.")]) -> None:
    """Descartar una entrada de la bandeja de salida sin enviarla."""
    from ..workflows.entries import describe

    env: Env = ctx.ensure_object(Env)
    entry = env.outbox.get(entry_id)
    env.outbox.done(entry.id)
    env.out(f"Descartada: {describe(entry)}")
