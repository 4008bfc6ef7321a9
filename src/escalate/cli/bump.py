"""`escalate bump` (`subir`): raise one level the tickets that sat too long at theirs."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .env import Env


def bump(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option(
        "--simular", "--dry-run", help="Mostrar qué tickets subirían, sin cambiar nada.")]
    = False,
    as_json: Annotated[bool, typer.Option("--json", help="Resultado en JSON por stdout.")]
    = False,
) -> None:
    """Subir un nivel la prioridad de los tickets abiertos que llevan demasiado en la suya.

    Las horas por nivel están en el archivo de políticas (sección bump, after_hours).
    Cada ticket subido recibe una nota con el motivo; volver a ejecutarlo no cambia nada más.

    Ejemplo: escalate subir --simular
    """
    env: Env = ctx.ensure_object(Env)
    from ..domain.bump import levels_to_raise
    from ..workflows.bump import BumpResult
    from .skipped import say

    loaded = env.policy
    if not levels_to_raise(loaded.policy.bump):  # nothing to read: no token or portal needed
        result = BumpResult(dry_run=dry_run, configured=False)
    else:
        result = _run(env, loaded.policy, dry_run=dry_run)
    say(env, "No pueden subir", result.skipped)
    if as_json:
        env.out_json(result.as_json())
        return
    if not result.configured:
        if loaded.path is None:
            env.out("Nada que hacer: no hay archivo de políticas (escalate.toml), así que "
                    "ninguna prioridad sube sola.")
        else:
            env.out(f"Nada que hacer: el archivo de políticas {loaded.path} no tiene "
                    "[bump] after_hours, así que ninguna prioridad sube sola.")
        return
    if not result.raises:
        # `checked`: the open tickets old enough to be due, whose histories were read
        looked = (f"de los {result.checked} ticket(s) abiertos con edad para subir, ninguno"
                  if result.checked else "ningún ticket abierto")
        env.out(f"Nada que subir: {looked} lleva en su prioridad más horas de las que indica "
                "la política.")
        return
    _show_table(env, result)
    if result.dry_run:
        env.out(f"Simulación: {len(result.raises)} ticket(s) subirían de prioridad; "
                "no se cambió nada.")
    else:
        env.out(f"{len(result.raises)} ticket(s) subidos de prioridad, cada uno con su nota.")


def _run(env: Env, policy: Any, *, dry_run: bool) -> Any:
    """The bump with a progress bar meanwhile; a Ctrl-C says how many tickets were raised
    (each with its note: a raise and its note go together) and that a rerun finishes."""
    import typer

    from ..workflows.bump import BumpResult
    from ..workflows.bump import bump as run_bump
    from .progress import bar
    from .prompts import TerminalUi

    gateway = env.gateway()
    result = BumpResult(dry_run=dry_run)
    try:
        with bar(env, "Revisando prioridades") as advance:
            run_bump(gateway, env.settings, policy, now=env.now(), dry_run=dry_run,
                     ui=TerminalUi(env, False), result=result,
                     progress=lambda read, total: advance(read, total, gateway.eta(
                         results_left=total - read, reads_per_result=HISTORY_READS)))
    except KeyboardInterrupt:
        env.err.print(f"Interrumpido: {len(result.raises)} ticket(s) subidos de prioridad, "
                      "cada uno con su nota, hasta ahora; nada quedó a medias. Vuelva a "
                      "ejecutar el mismo comando para terminar.")
        env.interrupt_told = True
        raise typer.Exit(130) from None
    return result


HISTORY_READS = 1 / 50  # a history read per 50 tickets (HubSpot's limit for them)


def _show_table(env: Env, result: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    from .columns import Column, fit, safe

    def name(owner_id: str | None) -> str:
        found = result.person(owner_id)
        return found.name if found is not None else (owner_id or "—")

    console = Console(file=env.stdout, highlight=False)
    raises = result.raises
    people = [f"{name(i.owner_id)} / {name(i.agent_id)}" for i in raises]
    columns = [Column("Ticket", [str(i.ticket_id) for i in raises]),
               Column("Asunto", [str(i.subject) for i in raises], text=True),
               Column("Dueño / agente", people, text=True),
               Column("De", [i.level.value for i in raises]),
               Column("A", [i.to.value for i in raises]),
               Column("En su nivel", [i.at_level() for i in raises], text=True)]
    widths = fit(columns, console.width)
    table = Table(header_style="bold")
    for column, width in zip(columns, widths, strict=True):
        # The subject wraps between words (a word wider than the column folds); the short
        # columns are at least as wide as their longest word, so they never break.
        table.add_column(column.header, width=width, overflow="fold")
    for item, who in zip(raises, people, strict=True):
        table.add_row(safe(str(item.ticket_id)), f"[dim]{safe(item.subject)}[/]", safe(who),
                      f"[{item.level.colour}]{item.level.value}[/]",
                      f"[{item.to.colour}]{item.to.value}[/]", safe(item.at_level()))
    console.print(table)
    if any(i.business for i in raises):
        console.print("Horas en su nivel: hábiles, según el archivo de políticas.")
