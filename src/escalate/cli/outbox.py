"""`escalate outbox`: what waits to reach HubSpot, and sending it."""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

import typer

from ..errors import EscalateError, ExitCode, InvalidInput
from .env import Env
from .prompts import TerminalUi
from .spanish import SpanishCommand, SpanishGroup

app = typer.Typer(cls=SpanishGroup, invoke_without_command=True,
                  help="Bandeja de salida: lo que no pudo llegar a HubSpot.")


def _describe(entry: Any) -> str:
    payload = entry.payload
    if entry.kind == "create":
        esc = payload.get("escalation") or {}
        return f"{esc.get('policy', '?')} - {esc.get('client_name', '?')}"
    if entry.kind == "draft":
        raw = payload.get("input") or {}
        return f"borrador: {raw.get('policy') or '?'} - {raw.get('client') or '?'}"
    if entry.kind == "attach":
        return f"adjuntos al ticket {payload.get('ticket_id')} ({len(payload.get('files', []))})"
    if entry.kind == "contacted":
        return f"seguimiento del ticket {payload.get('ticket_id')}"
    return str(entry.kind)


def _age(created_at: float) -> str:
    minutes = int((time.time() - created_at) / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if hours < 48 else f"{hours // 24} d"


def _readable_entries(env: Env) -> list[Any]:
    """The pending entries; each damaged one is reported and left out."""
    entries, damaged = env.outbox.entries()
    for bad in damaged:
        env.warn(f"Entrada {bad.id[:8]} dañada: {bad.problem}; se omite.")
    return entries


@app.callback()
def outbox(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Lista en JSON por stdout.")] = False,
) -> None:
    """Listar las escalaciones, adjuntos y seguimientos pendientes de enviar."""
    if ctx.invoked_subcommand is not None:
        return
    env: Env = ctx.ensure_object(Env)
    entries = _readable_entries(env)
    if as_json:
        env.out(json.dumps([{
            "id": e.id, "kind": e.kind, "description": _describe(e),
            "created_at": e.created_at, "attempts": e.attempts, "last_error": e.last_error,
        } for e in entries], ensure_ascii=False, indent=2))
        return
    if not entries:
        env.out("La bandeja de salida está vacía: todo llegó a HubSpot.")
        return
    for e in entries:
        error = f" · último error: {e.last_error}" if e.last_error else ""
        env.out(f"{e.id[:8]}  {_describe(e)} · hace {_age(e.created_at)}{error}")
    env.out(f"{len(entries)} pendiente(s). Envíelas con «escalate outbox send».")


@app.command("send", cls=SpanishCommand)
def send(ctx: typer.Context) -> None:
    """Enviar, en orden, todo lo pendiente; lo que falle se queda con su error."""
    env: Env = ctx.ensure_object(Env)
    from .sending import run_entry

    entries = _readable_entries(env)
    if not entries:
        env.out("Nada que enviar.")
        return
    worst = ExitCode.OK
    sent = 0
    for entry in entries:
        if not env.outbox.claim(entry.id):
            env.out(f"{entry.id[:8]}  {_describe(entry)}: otro proceso la está enviando.")
            continue
        try:
            result = run_entry(env, entry, ui=TerminalUi(env, False), fresh=False)
        except EscalateError as exc:
            env.out(f"{entry.id[:8]}  {_describe(entry)}: no se envió — {env.redact(exc.message)}")
            worst = max(worst, exc.exit_code)
            continue
        sent += 1
        ticket = getattr(result, "ticket", None)
        done = f"ticket {ticket.id}" if ticket is not None else "enviada"
        env.out(f"{entry.id[:8]}  {_describe(entry)}: {done}")
    env.out(f"{sent} de {len(entries)} enviada(s).")
    if worst:
        raise typer.Exit(int(worst))


@app.command("drop", cls=SpanishCommand)
def drop(ctx: typer.Context,
         entry_id: Annotated[str, typer.Argument(metavar="ID",
                                                 help="Id (o su inicio) de la entrada.")]) -> None:
    """Descartar una entrada de la bandeja de salida sin enviarla."""
    env: Env = ctx.ensure_object(Env)
    entries, _ = env.outbox.entries()
    matches = [e for e in entries if e.id.startswith(entry_id.strip().lower())]
    if len(matches) != 1:
        raise InvalidInput([f"«{entry_id}» no identifica una sola entrada "
                            f"({len(matches)} coinciden)."])
    env.outbox.done(matches[0].id)
    env.out(f"Descartada: {_describe(matches[0])}")
