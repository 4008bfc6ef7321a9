"""`escalate followup` and `escalate contacted`: the calls owed, and recording one made."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from ..config import MAXIMA
from ..domain.text import printable
from ..errors import InvalidInput
from .env import Env
from .fields import CHANNEL_NAMES
from .prompts import TerminalUi
from .skipped import say
from .streamed import Cell, as_is

V = TypeVar("V")

CSV_FIELDS = ["id", "subject", "priority", "reason", "hours_waiting", "calendar_hours_waiting",
              "business_hours", "created_at", "last_client_update", "url", "contact_id",
              "contact_name", "contact_phone", "contact_email", "agent_id", "agent_email",
              "owner_id", "owner_email", "contacts", "flags"]


MAX_HOURS = MAXIMA["ESCALATE_FOLLOWUP_HOURS"]


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

    Ejemplo: escalate seguimiento --tareas --todos --sin-preguntas
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
        _sync_tasks(env, gateway, hours=hours, only=only, ui=ui, policy=policy, whose=whose,
                    as_json=as_json)
        return
    from ..workflows.followup import followup as run_followup

    listing = run_followup(gateway, settings, hours=hours, now=env.now(), only=only, ui=ui,
                           policy=policy, whose=whose)
    env.show_pending()
    if as_json or as_csv:
        _write_data(env, gateway, listing, as_json=as_json, cell=_csv_cell())
    else:
        _show_table(env, listing, team=whose.agent is None, cell=printable)
    say(env, "No se listan", listing.tally.skipped)


def _sync_tasks(env: Env, gateway: Any, *, as_json: bool, **options: Any) -> None:
    """`--tareas`: the tasks made and completed, with a progress bar meanwhile; a Ctrl-C
    says what was done so far (nothing is left half-written: a rerun finishes the job)."""
    import typer

    from ..workflows.tasks import TaskReport, sync_call_tasks
    from .progress import bar

    done = TaskReport()
    try:
        with bar(env, "Revisando llamadas") as advance:
            sync_call_tasks(gateway, env.settings, now=env.now(), report=done,
                            progress=lambda read, total: advance(
                                read, total, gateway.eta(results_left=total - read)),
                            **options)
    except KeyboardInterrupt:
        env.err.print(f"Interrumpido: {_tasks_said(done)} hasta ahora; nada quedó a medias. "
                      "Vuelva a ejecutar el mismo comando para terminar.")
        env.interrupt_told = True
        raise typer.Exit(130) from None
    if as_json:
        env.out_json(done.as_json())
    else:
        env.out(f"Tareas de llamada: {_tasks_said(done)}, "
                f"{done.count('unchanged')} sin cambios.")
        if done.members_closed:  # work once, close all: said, never done silently
            env.out(f"Incidentes cerrados: {len(done.members_closed)} ticket(s) de sus "
                    "clientes cerrados con la nota «Resuelto con el incidente» ("
                    + ", ".join(done.members_closed[:10])
                    + (", …" if len(done.members_closed) > 10 else "") + ").")
    say(env, "Llamadas sin tarea", done.skipped)
    say(env, "Tareas sin dueño", done.unassigned)


def _tasks_said(done: Any) -> str:
    return (f"{done.count('created')} creada(s), {done.count('completed')} completada(s)")


def _clashes(*, hours: float | None, mine: bool, everyone: bool, agent: str | None,
             tasks: bool, as_json: bool, as_csv: bool) -> list[str]:
    """Options that cannot go together, or a value no option takes, each said once."""
    problems = []
    if as_json and as_csv:
        problems.append("use --json o --csv, no ambos.")
    if tasks and as_csv:
        problems.append("--tareas no produce CSV: use --json o nada.")
    if hours is not None and not 0 < hours <= MAX_HOURS:  # nan too: never «Error inesperado»
        problems.append(f"--horas debe ser un número mayor que 0 y de hasta {MAX_HOURS:g} "
                        "(un año).")
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


def _write_data(env: Env, gateway: Any, listing: Any, *, as_json: bool,
                cell: Cell = as_is) -> None:
    """The rows as JSON or CSV, written as they come, with a progress bar on stderr when it
    is a terminal and the rows go elsewhere."""
    from .streamed import csv_rows, json_list

    out = env.stdout or sys.stdout
    with _reading(env, gateway, listing, show=not env.stdout_isatty) as rows:
        as_dicts = ([row.as_json() for row in batch] for batch in rows)
        if as_json:
            json_list(out, as_dicts)
        else:
            csv_rows(out, CSV_FIELDS, ([_flat(row) for row in batch] for batch in as_dicts),
                     cell)


def _csv_cell() -> Cell:
    """A CSV cell no spreadsheet runs as a formula, and nothing that drives a terminal (a
    file written now is often shown on one later, with `cat`), as `Env.out` does."""
    from ..domain.text import spreadsheet_cell

    def shown(text: str) -> str:
        return str(spreadsheet_cell(printable(text)))

    return shown


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    people = {role: row.pop(role) or {} for role in ("contact", "agent", "owner")}
    return {**row, "flags": ";".join(row["flags"]),
            **{f"{role}_{k}": v for role, found in people.items() for k, v in found.items()}}


def _reading(env: Env, gateway: Any, listing: Any, *, show: bool) -> Any:
    """The listing's batches, with an honest progress bar on stderr meanwhile (tickets read
    of those the search announced, and the time the searches left need at HubSpot's pace)
    when stderr is a terminal and `show`."""
    from .progress import progress_of

    return progress_of(env, "Leyendo tickets", listing.rows,
                       lambda: (listing.tally.searched, listing.tally.total),
                       lambda done, total: gateway.eta(results_left=total - done,
                                                       reads_per_result=READS_PER_ROW),
                       show=show)


READS_PER_ROW = 1 / 100 + 1 / 1000  # a confirming read per 100 rows, a link read per 1,000


def _show_table(env: Env, listing: Any, *, team: bool, cell: Cell = as_is) -> None:
    """The rows as a bordered table, most overdue first, a page at a time as they become
    final; the summary after them."""
    from rich.console import Console

    from .streamed import PagedTable

    console = Console(file=env.stdout or sys.stdout, highlight=False)
    apart = console.width >= PHONE_APART
    table = PagedTable(console, _columns(console.width))
    for batch in listing.rows:
        for start in range(0, len(batch), PAGE_ROWS):
            table.add([_cells(row, team, cell, phone_apart=apart)
                       for row in batch[start:start + PAGE_ROWS]])
    table.close()
    tally = listing.tally
    ahead = f"{tally.look_ahead.total_seconds() / 3600:g} h"
    if not sum(tally.listed.values()):
        env.out("Nadie espera una llamada: todos los clientes están al día. 🎉")
        if tally.due_soon:
            env.out(f"{tally.due_soon} ticket(s) vencerán en las próximas {ahead}.")
        return
    resolved, soon = tally.count("resuelto_sin_avisar"), tally.due_soon
    env.out(f"{tally.count('sin_resolver')} sin resolver · "
            f"{resolved} {'resuelto' if resolved == 1 else 'resueltos'} sin avisar · "
            f"{soon} {'vence' if soon == 1 else 'vencen'} en las próximas {ahead}")
    if tally.flagged:
        env.out("Revisar en HubSpot: " + "; ".join(tally.flagged.phrases()) + ".")


PAGE_ROWS = 100  # rows rendered at once: the table's cost stays per row, its memory per page


PHONE_APART = 100  # from this width the phone has a column; narrower, a line under the name


def _columns(width: int) -> list[Any]:
    """Fits the terminal (80 columns at least): only the waiting and client columns share
    what is left; the ticket id (the link) never wraps, and the phone is never cut (an
    international number with its area code in parentheses, «+52 (222) 555 0101», is 18
    characters; a longer one continues on the next line). Under `PHONE_APART` columns the
    phone goes under the client's name, so the client's email is not folded letter by letter
    into what an 18-character phone column leaves."""
    from .streamed import Column

    apart = width >= PHONE_APART
    fixed = {"Ticket": 14, "Prioridad": 10, **({"Teléfono": 18} if apart else {})}
    room = max(20, width - (3 * (len(fixed) + 2) + 1) - sum(fixed.values()))
    wait = max(12, min(15, room // 3))  # «hace 30 d 23 h» on one line when it fits
    # What a client's name and email need is about 30; past that the ticket's subject and
    # agent (cut with «…» at 14) get up to 26 more («POL-DEMO-2 - José Luis Hernández»).
    more = max(0, min(26, room - wait - 30))
    columns = [Column("Ticket", 14 + more, overflow="ellipsis", no_wrap=True),
               Column("Prioridad", 10, no_wrap=True),
               Column("Espera", wait),
               Column("Cliente", max(18, room - wait - more))]
    return [*columns, Column("Teléfono", 18)] if apart else columns


def _cells(row: Any, team: bool, cell: Cell, *, phone_apart: bool = True) -> list[Any]:
    """One row's cells as styled text (no markup parsed); text from HubSpot through `cell`;
    the phone in its own cell, or (not `phone_apart`) in bold under the client's name."""
    from rich.style import Style
    from rich.text import Text

    ticket = row.owed.ticket
    first = Text(cell(ticket.id), style=Style(link=row.url))
    first.append("\n" + cell(ticket.subject), style="dim")
    for role, person in (("agente", row.agent if team else None), ("dueño", row.owner)):
        if person is not None:  # a line each: the narrow column cuts a line, never a name off
            first.append(f"\n{role}: {cell(person.name)}", style="dim")
    priority = row.priority
    shown = (Text(f"{priority.icon} {priority.value}", style=priority.colour)
             if priority else Text("—"))
    if priority is None and row.priority_label:  # the portal's own level, said as it is
        shown.append(f"\n({cell(row.priority_label)})", style="dim")
    contact = row.contact
    phone = cell(contact.best_phone) if contact and contact.best_phone else "—"
    client = Text("sin contacto: revisar en HubSpot", style="yellow")
    if contact is not None:
        client = Text(cell(contact.name))
        if not phone_apart:
            client.append(f"\n{phone}", style="bold")
        if contact.email:
            client.append(f"\n{cell(contact.email)}")
        if row.contacts > 1:
            client.append(f"\ny {row.contacts - 1} contacto(s) más", style="dim")
    waiting = Text(f"{row.owed.reason.label}\n{row.owed.wait_label()}")
    return [first, shown, waiting, client, Text(phone)] if phone_apart else \
        [first, shown, waiting, client]


def contacted(
    ctx: typer.Context,
    ticket_id: Annotated[str, typer.Argument(metavar="TICKET_ID", help="Id del ticket.")],
    note: Annotated[str | None, typer.Option("--nota", "--note",
                                             help="Qué se le dijo al cliente (obligatorio).")]
    = None,
    channel: Annotated[str | None, typer.Option(
        "--canal", "--channel", help=f"{CHANNEL_NAMES}.")] = None,
    keep_sensitive: Annotated[bool, typer.Option(
        "--conservar-datos", "--keep-sensitive", help="Conservar en la nota los datos "
        "sensibles que pueden conservarse (CURP, RFC, salud); tarjetas, contraseñas, NIP y "
        "códigos se ocultan siempre.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Resultado en JSON por stdout.")]
    = False,
) -> None:
    """Registrar que se dio seguimiento al cliente: nota, reinicio del reloj de seguimiento y
    la tarea de llamada completada.

    Ejemplo: escalate contactado 1234 --nota "Se informó el avance" --canal telefono
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
    from .sensitive import note_screened

    text = note_screened(env, text, keep_all=keep_sensitive, interactive=env.interactive())
    entry = contacted_entry(ticket, text, chosen.value if chosen else None, env.now())
    sent = keep_and_send(entry, env, ui=TerminalUi(env, False))
    result: dict[str, Any] = sent if isinstance(sent, dict) else {}
    if as_json:
        env.out_json(result)
    else:
        tasks = result.get("completed_tasks") or []
        env.out(f"Seguimiento registrado en el ticket {result.get('ticket_id')} "
                f"(nota {result.get('note_id')}); el reloj de seguimiento vuelve a empezar"
                + (" y su tarea de llamada quedó completada." if tasks else "."))
