"""`escalate fusionar A B`: two open tickets of the same client merged into A, after showing
both and asking. Parses, calls `workflows.merge`, renders."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .env import Env


def merge(
    ctx: typer.Context,
    primary: Annotated[str, typer.Argument(metavar="TICKET_A", help="El ticket que queda.")],
    merged: Annotated[str, typer.Argument(
        metavar="TICKET_B", help="El duplicado, que se fusiona en el A.")],
    no_input: Annotated[bool, typer.Option(
        "--sin-preguntas", "--no-input", help="No pedir confirmación (para scripts).")]
    = False,
    as_json: Annotated[bool, typer.Option("--json", help="Resultado en JSON por stdout.")]
    = False,
) -> None:
    """Fusionar dos tickets abiertos del mismo cliente sobre el mismo problema: el B se
    fusiona en el A (el número del B lleva desde entonces al A).

    Muestra los dos y pide confirmación; tickets de clientes distintos no se fusionan.

    Ejemplo: escalate fusionar 1007 1012
    """
    env: Env = ctx.ensure_object(Env)
    from ..errors import Declined, InvalidInput
    from ..workflows.attach import check_ticket_id
    from ..workflows.delivery import keep_and_send
    from ..workflows.merge import merge_entry, read_pair
    from .prompts import TerminalUi

    primary_id, merged_id = check_ticket_id(primary), check_ticket_id(merged)
    interactive = env.interactive(no_input)
    if not interactive and not no_input:
        raise InvalidInput(["fusionar pide confirmación y aquí nadie puede darla."],
                           hint="En un script, confirme de antemano con --sin-preguntas.")
    env.load_settings()
    found = read_pair(env.gateway(), env.settings, primary_id, merged_id, now=env.now())
    if found is None:
        if as_json:
            env.out_json({"id": primary_id, "merged": merged_id})
        else:
            env.out(f"El ticket {merged_id} ya está fusionado en el {primary_id}.")
        return
    ui = TerminalUi(env, interactive)
    if interactive:
        _show(env, found)
        if not ui.ask.confirm(f"¿Fusionar el ticket {merged_id} en el {primary_id}?"):
            raise Declined("No se fusionó nada.")
    sent = keep_and_send(merge_entry(primary_id, merged_id), env, ui=ui)
    result: dict[str, Any] = sent if isinstance(sent, dict) else {}
    if as_json:
        env.out_json(result)
    else:
        env.out(f"Ticket {merged_id} fusionado en el {primary_id}: su número lleva ahora al "
                f"{primary_id}.")


def _show(env: Env, found: Any) -> None:
    from ..domain.text import printable
    from .when import shown_moment

    env.show_pending()  # the sandbox notice before the tickets, not after the answer
    for label, ticket in (("A (queda)", found.primary), ("B (se fusiona)", found.merged)):
        created = shown_moment(env, ticket.created_at) if ticket.created_at else "?"
        env.err.print(f"{label}: {ticket.id} · {printable(ticket.subject)} · creado {created}",
                      markup=False)
    policies = [str(t.properties.get("escalate_policy") or "").strip()
                for t in (found.primary, found.merged)]
    if all(policies) and policies[0] != policies[1]:
        # One client's two tickets of two policies are usually two problems: said before the
        # question, not refused (a policy typed wrong the first time is a real case).
        env.err.print(f"⚠ Son de pólizas distintas ({printable(policies[0])} y "
                      f"{printable(policies[1])}): fusione solo si es el mismo problema.",
                      markup=False)
