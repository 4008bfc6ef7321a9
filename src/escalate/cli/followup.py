"""`escalate followup` and `escalate contacted`: the calls owed, and recording one made."""

from __future__ import annotations

import csv
import json
from typing import Annotated, Any

import typer

from ..errors import InvalidInput
from .env import Env
from .prompts import TerminalUi
from .sending import run_entry

CSV_FIELDS = ["id", "subject", "priority", "reason", "hours_waiting", "created_at",
              "last_client_update", "url", "contact_id", "contact_name", "contact_phone",
              "contact_email"]
COLOURS = {"BAJA": "green", "MEDIA": "yellow", "ALTA": "dark_orange", "URGENTE": "red"}


def followup(
    ctx: typer.Context,
    hours: Annotated[float | None, typer.Option(
        "--hours", "--horas", help="Horas sin resolución ni aviso al cliente (por omisión "
        "ESCALATE_FOLLOWUP_HOURS, 48).")] = None,
    priority: Annotated[str | None, typer.Option("--priority", "--prioridad",
                                                 help="Solo esta prioridad.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Lista en JSON por stdout.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Lista en CSV por stdout.")] = False,
) -> None:
    """Listar los tickets cuyo cliente espera una llamada, el más atrasado primero.

    Ejemplo: escalate followup --horas 24 --prioridad URGENTE
    """
    env: Env = ctx.ensure_object(Env)
    from ..domain.priority import Priority
    from ..workflows.followup import followup as run_followup

    if as_json and as_csv:
        raise InvalidInput(["use --json o --csv, no ambos."])
    if hours is not None and hours <= 0:
        raise InvalidInput(["--horas debe ser un número mayor que 0."])
    only = None
    if priority:
        try:
            only = Priority.parse(priority)
        except ValueError as exc:
            raise InvalidInput([f"--prioridad: {exc}"]) from None
    settings = env.settings
    report = run_followup(env.gateway(), settings, hours=hours, now=env.now(), only=only,
                          ui=TerminalUi(env, False), policy=env.policy.policy.followup)
    rows = [row.as_json() for row in report.rows]
    if as_json:
        env.out(json.dumps(rows, ensure_ascii=False, indent=2))
    elif as_csv:
        _write_csv(env, rows)
    else:
        _show_table(env, report)


def _write_csv(env: Env, rows: list[dict[str, Any]]) -> None:
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        contact = row.pop("contact") or {}
        writer.writerow({**row, **{f"contact_{k}": v for k, v in contact.items()}})
    env.out(buffer.getvalue().rstrip("\n"))


def _show_table(env: Env, report: Any) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from ..domain.followup import waited

    if not report.rows:
        env.out("Nadie espera una llamada: todos los clientes están al día. 🎉")
        if report.due_soon:
            env.out(f"{report.due_soon} ticket(s) vencerán en las próximas 24 h.")
        return
    table = Table(show_lines=True, header_style="bold")
    table.add_column("Ticket", overflow="fold", ratio=3)
    table.add_column("Prioridad", no_wrap=True)
    table.add_column("Espera", min_width=12, ratio=1)
    table.add_column("Cliente", overflow="fold", min_width=12, ratio=2)
    table.add_column("Teléfono", no_wrap=True)
    for row in report.rows:
        priority = row.priority
        shown = (f"[{COLOURS[priority.value]}]{priority.icon} {priority.value}[/]"
                 if priority else "—")
        contact = row.contact
        client = "—"
        if contact is not None:
            client = escape(contact.name) + (f"\n{escape(contact.email)}" if contact.email else "")
        table.add_row(f"{row.owed.ticket.id}\n[dim]{escape(row.owed.ticket.subject)}[/]\n"
                      f"[link={row.url}]{escape(row.url)}[/link]", shown,
                      f"{row.owed.reason.label}\n{waited(row.owed.hours_waiting)}", client,
                      escape(contact.best_phone) if contact and contact.best_phone else "—")
    console = Console(file=env.stdout, highlight=False)
    console.print(table)
    console.print(f"{report.count('sin_resolver')} sin resolver · "
                  f"{report.count('resuelto_sin_avisar')} resueltos sin avisar · "
                  f"{report.due_soon} vencen en las próximas 24 h")


def contacted(
    ctx: typer.Context,
    ticket_id: Annotated[str, typer.Argument(metavar="TICKET_ID", help="Id del ticket.")],
    note: Annotated[str | None, typer.Option("--note", "--nota",
                                             help="Qué se le dijo al cliente (obligatorio).")]
    = None,
    channel: Annotated[str | None, typer.Option(
        "--channel", "--canal", help="telefono, correo, chat, whatsapp, redes o web.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Resultado en JSON por stdout.")]
    = False,
) -> None:
    """Registrar que se dio seguimiento al cliente: nota y reinicio del reloj de 48 h.

    Ejemplo: escalate contacted 1234 --nota "Se informó el avance" --canal telefono
    """
    env: Env = ctx.ensure_object(Env)
    from ..domain.escalation import Channel
    from ..domain.text import clean
    from ..workflows.attach import check_ticket_id
    from ..workflows.followup import contacted_entry
    from ..workflows.notes import note_text_problem

    problems = []
    text = clean(note or "", multiline=True)
    if not text:
        problems.append("--nota: indique qué se le informó al cliente.")
    elif note_text_problem(text):
        problems.append(str(note_text_problem(text)))
    chosen = None
    if channel:
        try:
            chosen = Channel.parse(channel)
        except ValueError as exc:
            problems.append(f"--canal: {exc}")
    ticket = check_ticket_id(ticket_id)
    if problems:
        raise InvalidInput(problems)
    env.settings  # noqa: B018 - settings problems are reported before anything is kept
    entry = contacted_entry(ticket, text, chosen.value if chosen else None, env.now())
    env.outbox.put(entry)
    result = run_entry(env, entry, ui=TerminalUi(env, False), fresh=True)
    if as_json:
        env.out(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        env.out(f"Seguimiento registrado en el ticket {result['ticket_id']} "
                f"(nota {result['note_id']}); el reloj de seguimiento vuelve a empezar.")
