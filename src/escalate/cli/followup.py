"""`escalate followup` and `escalate contacted`: the calls owed, and recording one made."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from ..errors import InvalidInput
from .env import Env
from .fields import CHANNEL_NAMES
from .prompts import TerminalUi
from .skipped import say

V = TypeVar("V")

CSV_FIELDS = ["id", "subject", "priority", "reason", "hours_waiting", "created_at",
              "last_client_update", "url", "contact_id", "contact_name", "contact_phone",
              "contact_email", "agent_id", "agent_email", "contacts", "flags"]


def followup(
    ctx: typer.Context,
    hours: Annotated[float | None, typer.Option(
        "--horas", "--hours", help="Horas sin resolución ni aviso al cliente, para toda "
        "prioridad (por omisión: el intervalo por prioridad del archivo de políticas; si no, "
        "ESCALATE_FOLLOWUP_HOURS).")] = None,
    priority: Annotated[str | None, typer.Option("--prioridad", "--priority",
                                                 help="Solo esta prioridad.")] = None,
    mine: Annotated[bool, typer.Option(
        "--mias", "--mine", help="Solo los tickets que escaló usted (ESCALATE_AGENT); es lo "
        "que se muestra si ESCALATE_AGENT está definido.")] = False,
    everyone: Annotated[bool, typer.Option(
        "--todos", "--all", help="Los tickets de todo el equipo.")] = False,
    agent: Annotated[str | None, typer.Option(
        "--agente", "--agent", metavar="CORREO",
        help="Solo los tickets que escaló este agente (su correo de HubSpot).")] = None,
    tasks: Annotated[bool, typer.Option(
        "--tareas", "--tasks", help="Crear en HubSpot una tarea de llamada por cada cliente "
        "que espera, para el agente que escaló; completa las que ya no se deben. Se puede "
        "repetir sin duplicar.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Resultado en JSON por stdout.")]
    = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Lista en CSV por stdout.")] = False,
    no_input: Annotated[bool, typer.Option(
        "--sin-preguntas", "--no-input", help="Nunca preguntar (followup no pregunta nada; "
        "se acepta para las tareas programadas).")] = False,
) -> None:
    """Listar los tickets cuyo cliente espera una llamada, el más atrasado primero.

    Con --tareas, cada llamada pendiente queda como tarea de HubSpot del agente que escaló.

    Ejemplo: escalate followup --tareas --todos --sin-preguntas
    """
    env: Env = ctx.ensure_object(Env)
    from ..domain.priority import Priority

    problems = _clashes(hours=hours, mine=mine, everyone=everyone, agent=agent, tasks=tasks,
                        as_json=as_json, as_csv=as_csv)
    agent_email = _agent_option(agent, problems)
    only = _parsed_option(Priority.parse, priority, "--prioridad", problems)
    if problems:
        raise InvalidInput(problems)
    settings = env.settings
    if mine:
        from ..workflows.team import require_agent

        require_agent(settings, "--mias")
    policy = env.policy.policy.followup
    gateway = env.gateway()
    whose = _whose(env, gateway, agent_email, mine or (settings.agent is not None
                                                       and not everyone and not agent_email))
    ui = TerminalUi(env, False)
    if tasks:
        from ..workflows.tasks import sync_call_tasks

        done = sync_call_tasks(gateway, settings, hours=hours, now=env.now(), only=only, ui=ui,
                               policy=policy, whose=whose)
        if as_json:
            env.out(json.dumps(done.as_json(), ensure_ascii=False, indent=2))
        else:
            env.out(f"Tareas de llamada: {done.count('created')} creada(s), "
                    f"{done.count('completed')} completada(s), "
                    f"{done.count('unchanged')} sin cambios.")
        say(env, "Llamadas sin tarea", done.skipped)
        say(env, "Tareas sin dueño", done.unassigned)
        return
    from ..workflows.followup import followup as run_followup

    report = run_followup(gateway, settings, hours=hours, now=env.now(), only=only, ui=ui,
                          policy=policy, whose=whose)
    rows = [row.as_json() for row in report.rows]
    if as_json:
        env.out(json.dumps(rows, ensure_ascii=False, indent=2))
    elif as_csv:
        _write_csv(env, rows)
    else:
        _show_table(env, report, team=whose.agent is None)
    say(env, "No se listan", report.skipped)


def _clashes(*, hours: float | None, mine: bool, everyone: bool, agent: str | None,
             tasks: bool, as_json: bool, as_csv: bool) -> list[str]:
    """Options that cannot go together, or a value no option takes, each said once."""
    problems = []
    if as_json and as_csv:
        problems.append("use --json o --csv, no ambos.")
    if tasks and as_csv:
        problems.append("--tareas no produce CSV: use --json o nada.")
    if hours is not None and hours <= 0:
        problems.append("--horas debe ser un número mayor que 0.")
    if mine and agent:
        problems.append("use --mias o --agente, no ambos.")
    if everyone and (mine or agent):
        problems.append("--todos muestra al equipo: no lo combine con --mias ni --agente.")
    return problems


def _parsed_option(parse: Callable[[str], V], value: str | None, flag: str,
                   problems: list[str]) -> V | None:
    """`parse(value)` when the option was given; what it rejects goes into `problems`, under
    the option's name."""
    if not value:
        return None
    try:
        return parse(value)
    except ValueError as exc:
        problems.append(f"{flag}: {exc}")
        return None


def _agent_option(agent: str | None, problems: list[str]) -> str | None:
    if agent is None:
        return None
    from ..domain.addresses import user_email

    email = user_email(agent)
    if email is None:
        problems.append(f"--agente: «{agent[:60]}» no es un correo válido.")
    return email


def _whose(env: Env, gateway: Any, agent_email: str | None, mine: bool) -> Any:
    """Whose tickets to list: the agent named, this agent, or the team."""
    from ..workflows.followup import Whose
    from ..workflows.team import agent_owner, owner_of

    if agent_email:
        return Whose(owner_of(gateway, env.settings, agent_email, now=env.now()))
    if mine:
        return Whose(agent_owner(gateway, env.settings, now=env.now()))
    return Whose()


def _write_csv(env: Env, rows: list[dict[str, Any]]) -> None:
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        contact = row.pop("contact") or {}
        agent = row.pop("agent") or {}
        writer.writerow({**row, "flags": ";".join(row["flags"]),
                         **{f"contact_{k}": v for k, v in contact.items()},
                         **{f"agent_{k}": v for k, v in agent.items()}})
    env.out(buffer.getvalue().rstrip("\n"))


def _show_table(env: Env, report: Any, *, team: bool) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from ..domain.followup import waited

    ahead = f"{report.look_ahead.total_seconds() / 3600:g} h"
    if not report.rows:
        env.out("Nadie espera una llamada: todos los clientes están al día. 🎉")
        if report.due_soon:
            env.out(f"{report.due_soon} ticket(s) vencerán en las próximas {ahead}.")
        return
    # Fits 80 columns: only the client column gives way (it folds); the phone stays whole.
    table = Table(show_lines=True, header_style="bold")
    # The ticket id is the link: the column never wraps (a long name is cut with …), so
    # terminals keep the link whole and clickable.
    table.add_column("Ticket", no_wrap=True, overflow="ellipsis", max_width=14)
    table.add_column("Prioridad", no_wrap=True)
    table.add_column("Espera", min_width=11, ratio=1)
    table.add_column("Cliente", overflow="fold", min_width=8, ratio=2)
    table.add_column("Teléfono", no_wrap=True, min_width=16)
    for row in report.rows:
        priority = row.priority
        shown = (f"[{priority.colour}]{priority.icon} {priority.value}[/]" if priority
                 else f"— [dim]({escape(row.priority_label)})[/]" if row.priority_label
                 else "—")
        contact = row.contact
        client = "[yellow]sin contacto: revisar en HubSpot[/]"
        if contact is not None:
            client = escape(contact.name) + (f"\n{escape(contact.email)}" if contact.email else "")
            if row.contacts > 1:
                client += f"\n[dim]y {row.contacts - 1} contacto(s) más[/]"
        who = f"\n[dim]{escape(row.agent.name)}[/]" if team and row.agent else ""
        cells = [f"[link={row.url}]{escape(row.owed.ticket.id)}[/link]\n"
                 f"[dim]{escape(row.owed.ticket.subject)}[/]{who}", shown,
                 f"{row.owed.reason.label}\n{waited(row.owed.hours_waiting)}", client,
                 escape(contact.best_phone) if contact and contact.best_phone else "—"]
        table.add_row(*cells)
    console = Console(file=env.stdout, highlight=False)
    console.print(table)
    console.print(f"{report.count('sin_resolver')} sin resolver · "
                  f"{report.count('resuelto_sin_avisar')} resueltos sin avisar · "
                  f"{report.due_soon} vencen en las próximas {ahead}")
    flagged = report.flagged()
    if flagged:
        console.print("Revisar en HubSpot: " + escape("; ".join(flagged.phrases())) + ".")


def contacted(
    ctx: typer.Context,
    ticket_id: Annotated[str, typer.Argument(metavar="TICKET_ID", help="Id del ticket.")],
    note: Annotated[str | None, typer.Option("--nota", "--note",
                                             help="Qué se le dijo al cliente (obligatorio).")]
    = None,
    channel: Annotated[str | None, typer.Option(
        "--canal", "--channel", help=f"{CHANNEL_NAMES}.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Resultado en JSON por stdout.")]
    = False,
) -> None:
    """Registrar que se dio seguimiento al cliente: nota, reinicio del reloj de seguimiento y
    la tarea de llamada completada.

    Ejemplo: escalate contacted 1234 --nota "Se informó el avance" --canal telefono
    """
    env: Env = ctx.ensure_object(Env)
    from ..domain.escalation import Channel
    from ..domain.text import clean
    from ..workflows.attach import check_ticket_id
    from ..workflows.contacted import contacted_entry
    from ..workflows.delivery import keep_and_send
    from ..workflows.notes import note_text_problem

    problems = []
    text = clean(note or "", multiline=True)
    if not text:
        problems.append("--nota: indique qué se le informó al cliente.")
    elif note_text_problem(text):
        problems.append(f"--nota: {note_text_problem(text)}")
    chosen = _parsed_option(Channel.parse, channel, "--canal", problems)
    ticket = check_ticket_id(ticket_id)
    if problems:
        raise InvalidInput(problems)
    env.load_settings()  # settings problems are reported before anything is kept
    entry = contacted_entry(ticket, text, chosen.value if chosen else None, env.now())
    sent = keep_and_send(entry, env, ui=TerminalUi(env, False))
    result: dict[str, Any] = sent if isinstance(sent, dict) else {}
    if as_json:
        env.out(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        tasks = result.get("completed_tasks") or []
        env.out(f"Seguimiento registrado en el ticket {result.get('ticket_id')} "
                f"(nota {result.get('note_id')}); el reloj de seguimiento vuelve a empezar"
                + (" y su tarea de llamada quedó completada." if tasks else "."))
