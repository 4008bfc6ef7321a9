"""`escalate report` (`informe`): the escalation history of a window, as tables, CSV, JSON or
one HTML file."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InvalidInput
from .env import Env

if TYPE_CHECKING:
    from ..domain.report import Report, Waiting
    from ..workflows.report import ReportResult

Table = tuple[list[str], list[list[Any]]]


def report(
    ctx: typer.Context,
    since: Annotated[str, typer.Option(
        "--desde", "--since", metavar="FECHA",
        help="Desde esta fecha de creación (AAAA-MM-DD o ISO 8601; sin zona: la del portal).")],
    until: Annotated[str | None, typer.Option(
        "--hasta", "--until", metavar="FECHA",
        help="Hasta esta fecha, incluida si es solo un día (por omisión: ahora).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="El informe en JSON por stdout.")]
    = False,
    csv_dir: Annotated[Path | None, typer.Option(
        "--csv", metavar="CARPETA", help="Escribir un CSV por tabla en esta carpeta.")] = None,
    html_file: Annotated[Path | None, typer.Option(
        "--html", metavar="ARCHIVO", help="Escribir el informe en un solo archivo HTML "
        "(abre sin conexión).")] = None,
) -> None:
    """Informe de las escalaciones creadas en un periodo: por agente, prioridad, canal y
    DÓNDE; tiempos de resolución; promesa al cliente; problemas recurrentes; subidas.

    Ejemplo: escalate informe --desde 2026-11-01 --hasta 2026-11-30 --html informe.html
    """
    env: Env = ctx.ensure_object(Env)
    from ..domain.text import spreadsheet_cell
    from ..workflows.report import report as run_report
    from .prompts import TerminalUi
    from .when import reading_zone

    problems = _check_outputs(csv_dir, html_file)
    texts = {"--desde": since, "--hasta": until}
    for flag, text in texts.items():
        if text is not None and _read(text, timezone.utc, end=False) is None:
            problems.append(f"{flag}: «{text[:40]}» no es una fecha; use AAAA-MM-DD o "
                            "AAAA-MM-DDTHH:MM (ISO 8601).")
    if problems:
        raise InvalidInput(problems, hint="No se consultó HubSpot.")
    now = env.now()
    # Before any request: the checks that hold whatever the portal's time zone.
    _check_window(_read(since, timezone.utc), _read(until, timezone.utc, end=True)
                  if until else now, now, slack=timedelta(hours=14))
    settings = env.settings
    gateway = env.gateway()
    from ..workflows.portal import load_portal

    portal = load_portal(gateway, settings, now=env.now(), warn=env.warn)
    local = reading_zone(env, portal)
    start = _read(since, local)
    end = _read(until, local, end=True) if until else now
    assert start is not None and end is not None
    _check_window(start, end, now)
    # Both ends in the portal's zone, so every output (JSON too) states them alike.
    start, end = start.astimezone(local), min(end, now).astimezone(local)
    from .progress import bar

    with bar(env, "Leyendo tickets") as advance:
        result = run_report(gateway, settings, env.policy.policy, since=start, until=end,
                            now=now, ui=TerminalUi(env, False),
                            progress=lambda done, total: advance(done, total, gateway.eta(
                                results_left=total - done, reads_per_result=1 / 50)))
    tables = report_tables(result)
    written = []
    if csv_dir is not None:
        for name, (header, rows) in tables.items():
            with (csv_dir / f"{name}.csv").open("w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(header)
                writer.writerows([spreadsheet_cell(v) for v in row] for row in rows)
        written.append(f"{len(tables)} archivos CSV, uno por tabla, en {csv_dir.absolute()} "
                       "(se abren con una hoja de cálculo).")
    if html_file is not None:
        from ..report_html import render

        html_file.write_text(render(result.report, result.url, now.astimezone(local)),
                             encoding="utf-8")
        page = html_file.absolute()
        written.append(f"Informe HTML en {page}: ábralo con un navegador ({page.as_uri()}); "
                       "no necesita conexión.")
    if as_json:
        for line in written:
            env.notice(line)
        env.out_json(report_json(result))
    elif written:
        # Who asks for a file reads the report there: the terminal says what was written.
        env.out(f"Informe de escalaciones {_headline(result.report, local)}")
        for line in written:
            env.out(line)
    else:
        _show(env, result.report, tables, local)


# -- input ---------------------------------------------------------------------------

def _read(text: str | None, local: tzinfo, *, end: bool = False) -> datetime | None:
    """A moment typed by the user: ISO 8601, read in `local` without an offset; a bare day
    as `--hasta` means the end of that day."""
    from ..domain.moments import parse_iso

    if text is None:
        return None
    moment = parse_iso(text.strip().replace(" ", "T", 1), local)
    if moment is not None and end and len(text.strip()) == 10:
        moment += timedelta(days=1)
    return moment


def _check_window(start: datetime | None, end: datetime | None, now: datetime,
                  slack: timedelta = timedelta(0)) -> None:
    if start is None or end is None:
        return
    problems = []
    if start >= end + slack:
        problems.append("--desde debe ser anterior a --hasta.")
    if start > now + slack:
        problems.append("--desde está en el futuro: no hay escalaciones que contar.")
    if problems:
        raise InvalidInput(problems, hint="No se consultó HubSpot.")


def _check_outputs(csv_dir: Path | None, html_file: Path | None) -> list[str]:
    """Where the files go must take them before anything is asked of HubSpot: each place is
    tried for real (a file created there and removed), since permissions alone do not say
    (root, a read-only disk, /proc)."""
    problems = []
    if html_file is not None:
        folder = html_file.parent if str(html_file.parent) else Path(".")
        if html_file.is_dir():
            problems.append(f"--html: {html_file} es una carpeta; indique un archivo.")
        elif not folder.is_dir():
            problems.append(f"--html: la carpeta {folder} no existe.")
        else:
            problems += _unwritable("--html", folder, html_file)
    if csv_dir is not None:
        if csv_dir.exists() and not csv_dir.is_dir():
            problems.append(f"--csv: {csv_dir} es un archivo; indique una carpeta.")
        elif not csv_dir.exists() and not csv_dir.parent.is_dir():
            problems.append(f"--csv: la carpeta {csv_dir.parent} no existe.")
        else:
            try:
                csv_dir.mkdir(exist_ok=True)
            except OSError as exc:
                problems.append(f"--csv: no se puede crear {csv_dir}: {_reason(exc)}.")
            else:
                problems += _unwritable("--csv", csv_dir, None)
    return problems


def _unwritable(flag: str, folder: Path, target: Path | None) -> list[str]:
    """The problem writing in `folder` (and to `target`, when it exists), or none."""
    import tempfile

    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".escalate-", suffix=".tmp"):
            pass
    except OSError as exc:
        return [f"{flag}: no se pueden crear archivos en la carpeta {folder} "
                f"({_reason(exc)})."]
    try:
        if target is not None and target.exists():
            with target.open("r+b"):  # no truncation: only whether it can be written
                pass
    except OSError as exc:
        return [f"{flag}: no se puede escribir en {target} ({_reason(exc)})."]
    return []


def _reason(exc: OSError) -> str:
    from ..os_errors import reason

    return reason(exc)


# -- output --------------------------------------------------------------------------

def report_tables(result: ReportResult) -> dict[str, Table]:
    """Every table of the report, named as its CSV file."""
    from ..domain.report import BREAKDOWNS, QUALITY_BANDS

    r = result.report
    tables: dict[str, Table] = {}
    for key in BREAKDOWNS:
        rows = r.breakdowns.get(key, [])
        tables[f"por_{key}"] = ([key, "escalaciones", "de", "porcentaje"],
                                [[k, n, r.tickets, _share(n, r.tickets)] for k, n in rows])
    tables["agentes"] = (list(AGENT_COLUMNS), [
        [a.agent, a.escalations, a.resolved, a.median_resolution_hours, a.kept, a.late_or_never,
         a.promise_base, _share(a.kept, a.promise_base), a.waited_past, a.recurring,
         a.top_problem or ""] for a in r.agents])
    tables["resolucion"] = (["prioridad", "resueltos", "mediana_horas", "p90_horas"],
                            [[x.priority, x.resolved, x.median_hours, x.p90_hours]
                             for x in r.resolution])
    p = r.promise
    tables["promesa"] = (["medida", "tickets", "de", "porcentaje"], [
        ["esperaron_mas_del_intervalo", p.waited_past, p.tickets, p.waited_share],
        ["resueltos_aviso_a_tiempo", p.call_on_time, p.resolved, _share(p.call_on_time,
                                                                        p.resolved)],
        ["resueltos_aviso_tarde", p.call_late, p.resolved, _share(p.call_late, p.resolved)],
        ["resueltos_sin_aviso", p.call_never, p.resolved, _share(p.call_never, p.resolved)],
        ["resueltos_aviso_pendiente", p.call_pending, p.resolved,
         _share(p.call_pending, p.resolved)],
        ["resueltos_tarde_o_sin_aviso", p.call_late + p.call_never,
         p.resolved - p.call_pending, p.late_or_never_share]])
    tables["recurrentes"] = (["posicion", "problema", "tickets", "ids", "incidente",
                              "enlaces"], [
        [n, x.what, x.count, " ".join(x.ticket_ids), x.incident,
         " ".join(result.url(i) for i in x.ticket_ids[:10])]
        for n, x in enumerate(r.recurring, 1)])
    tables["incidentes"] = (["incidente", "problema", "clientes", "horas_hasta_resolver",
                             "enlace"],
                            [[i.id, i.subject, i.affected, i.hours_to_resolve, result.url(i.id)]
                             for i in r.incidents])
    tables["subidas"] = (["subida", "tickets_subidos", "resueltos_subidos",
                          "mediana_horas_tras_subir", "comparables_sin_subir",
                          "mediana_horas_tras_umbral", "ahorro_horas"],
                         [[b.transition, b.bumped, b.resolved_bumped, b.median_after_bump,
                           b.compared, b.median_after_threshold, b.saved_hours]
                          for b in r.bumps])
    bands = [name for name, _, _ in QUALITY_BANDS]
    tables["calidad_agentes"] = (["agente", "calificadas", "mediana_calidad", *bands,
                                  "sin_calificacion"], [
        [a.agent, a.scored, a.median_score, *(a.bands[b] for b in bands), a.unscored]
        for a in r.quality_agents])
    tables["calidad_resolucion"] = (["calificacion", "tickets", "resueltos", "mediana_horas"],
                                    [[b.band, b.tickets, b.resolved, b.median_hours]
                                     for b in r.quality_bands])
    counted = "horas_habiles" if r.business_hours else "horas"
    for name, found in (("esperaron", r.waited), ("sin_aviso", r.never_called)):
        tables[name] = (["ticket", "agente", counted, "horas_calendario", "enlace"], [
            [w.ticket_id, w.agent, round(w.hours, 2), round(w.calendar_hours, 2),
             result.url(w.ticket_id)] for w in found])
    tables["no_leidos"] = (["motivo", "tickets", "ids"],
                           [[odd.value, r.unread.count(odd), " ".join(r.unread.ids[odd])]
                            for odd in r.unread.reasons()])
    return tables


def report_json(result: ReportResult) -> dict[str, Any]:
    from ..domain.report import window_label

    r = result.report
    p = r.promise

    def waits(found: list[Waiting]) -> list[dict[str, Any]]:
        return [{"ticket_id": w.ticket_id, "url": result.url(w.ticket_id), "agent": w.agent,
                 "name": r.agent_label(w.agent), "hours": round(w.hours, 2),
                 "calendar_hours": round(w.calendar_hours, 2)} for w in found]

    return {
        "since": r.since.isoformat(), "until": r.until.isoformat(),
        "window": window_label(r.since, r.until), "tickets": r.tickets,
        "business_hours": r.business_hours,
        "by_agent": [{"key": k, "name": r.agent_label(k), "count": n}
                     for k, n in r.breakdowns["agente"]],
        **{f"by_{name}": [{"key": k, "count": n} for k, n in r.breakdowns[key]]
           for key, name in (("prioridad", "priority"),
                             ("canal", "channel"), ("medio", "medium"),
                             ("pantalla", "screen"))},
        "resolution": [{"priority": x.priority, "resolved": x.resolved,
                        "median_hours": x.median_hours, "p90_hours": x.p90_hours}
                       for x in r.resolution],
        "promise": {"tickets": p.tickets, "waited_past_interval": p.waited_past,
                    "waited_share": p.waited_share, "resolved": p.resolved,
                    "call_on_time": p.call_on_time, "call_late": p.call_late,
                    "call_never": p.call_never, "call_pending": p.call_pending,
                    "late_or_never": p.call_late + p.call_never,
                    "late_or_never_base": p.resolved - p.call_pending,
                    "late_or_never_share": p.late_or_never_share},
        "agents": [{"key": a.agent, "name": r.agent_label(a.agent),
                    "escalations": a.escalations, "resolved": a.resolved,
                    "median_resolution_hours": a.median_resolution_hours,
                    "promise": {"kept": a.kept, "late": a.late, "never": a.never,
                                "pending": a.pending, "base": a.promise_base,
                                "kept_share": _share(a.kept, a.promise_base)},
                    "waited_past_interval": a.waited_past, "recurring": a.recurring,
                    "top_problem": a.top_problem} for a in r.agents],
        "waited_past": waits(r.waited),
        "never_called": waits(r.never_called),
        "recurring": [{"what": x.what, "count": x.count, "ticket_ids": x.ticket_ids,
                       "incident": x.incident,
                       "urls": [result.url(i) for i in x.ticket_ids]} for x in r.recurring],
        "quality": {
            "by_agent": [{"key": a.agent, "name": r.agent_label(a.agent), "scored": a.scored,
                          "median": a.median_score, "bands": a.bands, "unscored": a.unscored}
                         for a in r.quality_agents],
            "by_band": [{"band": b.band, "tickets": b.tickets, "resolved": b.resolved,
                         "median_hours": b.median_hours} for b in r.quality_bands]},
        "incidents": [{"id": i.id, "subject": i.subject, "affected": i.affected,
                       "created_at": i.created.isoformat(),
                       "resolved_at": i.resolved_at.isoformat() if i.resolved_at else None,
                       "hours_to_resolve": i.hours_to_resolve, "url": result.url(i.id)}
                      for i in r.incidents],
        "bumps": [{"transition": b.transition, "bumped": b.bumped,
                   "resolved_bumped": b.resolved_bumped,
                   "median_hours_after_bump": b.median_after_bump,
                   "compared": b.compared,
                   "median_hours_after_threshold": b.median_after_threshold,
                   "saved_hours": b.saved_hours} for b in r.bumps],
        "unread": r.unread.as_json(),
    }


# What a supervisor reads in the terminal; the CSV and JSON keep the identifiers.
AGENT_COLUMNS = ("agente", "escalaciones", "resueltos", "mediana_resolucion_horas",
                 "aviso_a_tiempo", "aviso_tarde_o_nunca", "de_resueltos", "cumplida",
                 "esperaron", "recurrentes", "problema_principal")
TITLES = {"agentes": "Por agente: resolución y promesa al cliente",
          "esperaron": "Clientes que esperaron más del intervalo sin aviso",
          "sin_aviso": "Resueltos sin aviso al cliente",
          "por_agente": "Por agente", "por_prioridad": "Por prioridad",
          "por_canal": "Por canal", "por_medio": "Por medio (DÓNDE)",
          "por_pantalla": "Por pantalla (DÓNDE)",
          "resolucion": "Tiempo hasta la resolución (horas de calendario)",
          "promesa": "Promesa al cliente", "recurrentes": "Problemas recurrentes",
          "incidentes": "Incidentes del periodo",
          "subidas": "Subidas automáticas (bump)",
          "no_leidos": "Datos que escalate no pudo leer (tickets hechos o editados en HubSpot)",
          "calidad_agentes": "Calidad de las escalaciones por agente (0-100)",
          "calidad_resolucion": "Tiempo hasta la resolución por calificación de calidad"}
HEADERS = {"agente": "Agente", "prioridad": "Prioridad", "canal": "Canal", "medio": "Medio",
           "pantalla": "Pantalla", "escalaciones": "Escalaciones", "porcentaje": "%",
           "resueltos": "Resueltos", "mediana_horas": "Mediana (h)", "p90_horas": "P90 (h)",
           "medida": "Medida", "tickets": "Tickets", "de": "De", "posicion": "Posición",
           "problema": "Problema", "ids": "Tickets (ids)", "subida": "Subida",
           "incidente": "Incidente", "clientes": "Clientes",
           "horas_hasta_resolver": "Horas hasta resolver",
           "tickets_subidos": "Subidos", "resueltos_subidos": "Resueltos",
           "mediana_horas_tras_subir": "Mediana tras subir (h)",
           "calificadas": "Calificadas", "mediana_calidad": "Mediana",
           "sin_calificacion": "Sin calificación", "calificacion": "Calificación",
           "mediana_resolucion_horas": "Resolución, mediana (h)",
           "aviso_a_tiempo": "Avisados a tiempo", "aviso_tarde_o_nunca": "Tarde o nunca",
           "de_resueltos": "De", "cumplida": "Cumplida", "esperaron": "Esperaron",
           "recurrentes": "En recurrentes", "problema_principal": "Problema principal",
           "ticket": "Ticket", "horas_habiles": "Espera (h hábiles)", "horas": "Espera",
           "horas_calendario": "Calendario",
           "comparables_sin_subir": "Sin subir", "mediana_horas_tras_umbral":
           "Mediana sin subir (h)", "ahorro_horas": "Ahorro (h)", "motivo": "Motivo"}
MEASURES = {"esperaron_mas_del_intervalo": "Esperaron más del intervalo sin aviso",
            "resueltos_aviso_a_tiempo": "Resueltos avisados a tiempo",
            "resueltos_aviso_tarde": "Resueltos avisados tarde",
            "resueltos_sin_aviso": "Resueltos sin aviso",
            "resueltos_aviso_pendiente": "Resueltos, aviso aún a tiempo",
            "resueltos_tarde_o_sin_aviso": "Resueltos avisados tarde o nunca"}
TEXT_COLUMNS = frozenset({"agente", "canal", "pantalla", "problema", "ids", "medida",
                          "problema_principal", "motivo", "incidente"})
PERCENT_COLUMNS = frozenset({"porcentaje", "cumplida"})
LISTED = 20  # rows of a table the terminal shows (all of them in --csv and --json)
LEFT = frozenset({"prioridad", "medio", "subida", "calificacion"})


def _show(env: Env, report: Report, tables: dict[str, Table], local: tzinfo) -> None:
    from rich.console import Console

    console = Console(file=env.stdout, highlight=False)
    console.print(f"[bold]Informe de escalaciones[/] {_headline(report, local)}")
    if not report.tickets:
        console.print("No hay escalaciones creadas en ese periodo.")
        return
    if report.business_hours:
        console.print("Las esperas se cuentan en horas hábiles (archivo de políticas), con "
                      "su tiempo de calendario al lado; la resolución, en horas de calendario.")
    for name, (header, rows) in tables.items():
        title = TITLES.get(name, name)
        if not rows and name in EMPTY:
            console.print(f"[bold]{title}[/]\n{EMPTY[name]}")
            continue
        if not rows and name in ("no_leidos", "incidentes"):
            continue  # every ticket read whole, or no incident: nothing to say
        _print_table(console, report, name, title, header, rows)


def _headline(report: Report, local: tzinfo) -> str:
    """What the report counts, after «Informe de escalaciones»: its window, in the portal's
    zone, and how many tickets were created in it."""
    from ..domain.report import window_label

    window = window_label(report.since.astimezone(local), report.until.astimezone(local))
    return f"creadas {window}: {report.tickets} ticket(s)."


# What the terminal says instead of an empty table.
EMPTY = {"recurrentes": "Sin problemas recurrentes en esta ventana.",
         "esperaron": "Ningún cliente esperó más del intervalo sin aviso.",
         "sin_aviso": "Todos los resueltos fueron avisados (o aún están a tiempo)."}
# Columns the CSV and JSON keep, the terminal not.
HIDDEN = {"recurrentes": ("enlaces",), "esperaron": ("enlace",),
          "sin_aviso": ("enlace",), "incidentes": ("enlace",)}


def _print_table(console: Any, report: Report, name: str, title: str, header: list[str],
                 rows: list[list[Any]]) -> None:
    from .columns import Column, parts

    shown = [c for c in header if c not in HIDDEN.get(name, ())]
    body = [_cells(report, name, dict(zip(header, row, strict=True)), shown)
            for row in rows[:LISTED]]
    columns = [Column(HEADERS.get(c, c.replace("_", " ")), [r[n] for r in body],
                      text=c in TEXT_COLUMNS) for n, c in enumerate(shown)]
    groups = [[shown.index(c) for c in group if c in shown] for group in GROUPS.get(name, ())]
    cut = parts(columns, console.width, groups)
    for n, indexes in enumerate(cut, 1):
        _print_part(console, f"{title} ({n} de {len(cut)})" if len(cut) > 1 else title,
                    [shown[i] for i in indexes], [columns[i] for i in indexes],
                    [[cells[i] for i in indexes] for cells in body])
    if len(rows) > LISTED:
        console.print(f"… y {len(rows) - LISTED} más (todas en --csv o --json).")


# Columns a reader compares together, kept in one table when a terminal is too narrow for
# the whole (each part repeats the row's first column); columns in no group go last.
GROUPS = {"agentes": (("escalaciones", "resueltos", "mediana_resolucion_horas"),
                      ("aviso_a_tiempo", "aviso_tarde_o_nunca", "de_resueltos", "cumplida",
                       "esperaron"),
                      ("recurrentes", "problema_principal")),
          "calidad_agentes": (("calificadas", "mediana_calidad", "sin_calificacion"),)}


def _print_part(console: Any, title: str, keys: list[str], columns: list[Any],
                body: list[list[str]]) -> None:
    from rich.table import Table as RichTable

    from .columns import fit, safe

    # Above the table rather than its title, which rich wraps to the table's width.
    console.print(title, style="italic", markup=False, highlight=False)
    table = RichTable(header_style="bold")
    for key, column, width in zip(keys, columns, fit(columns, console.width), strict=True):
        table.add_column(column.header, width=width, overflow="fold",
                         justify="left" if column.text or key in LEFT else "right")
    for cells in body:
        table.add_row(*(safe(c) for c in cells))
    console.print(table)


def _cells(report: Report, name: str, row: dict[str, Any], shown: list[str]) -> list[str]:
    """One row as the terminal shows it: agents by name, measures in words, waits in days."""
    from ..domain.followup import span

    cells = {c: _cell(row[c], c) for c in shown}
    if "agente" in cells:
        cells["agente"] = report.agent_label(str(row["agente"]))
    if name == "promesa":
        cells["medida"] = MEASURES.get(cells["medida"], cells["medida"])
    if name == "no_leidos":
        from ..domain.oddities import Odd

        cells["motivo"] = Odd(row["motivo"]).words
    if "horas_calendario" in cells:
        counted = "horas_habiles" if "horas_habiles" in cells else "horas"
        cells[counted] = (f"{row[counted]:.0f} h" if report.business_hours
                          else span(row[counted]))
        cells["horas_calendario"] = span(row["horas_calendario"])
    return [cells[c] for c in shown]


def _cell(value: Any, column: str = "") -> str:
    if value is None:
        return "—"
    if column in PERCENT_COLUMNS and isinstance(value, float):
        return f"{value * 100:.0f} %"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole > 0 else None
