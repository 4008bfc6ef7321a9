"""The report as one self-contained HTML file: inline CSS and SVG charts drawn here, no
script and nothing fetched, so it opens offline in any browser and can be mailed as is."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape as html_escape

from .domain.followup import counted
from .domain.moments import moment_label
from .domain.priority import Priority
from .domain.report import BREAKDOWNS, Report, Resolution, Waiting, window_label
from .domain.text import printable

COLOURS = {p.value: p.html_colour for p in Priority}
BAR = "#1565c0"
# Resolution-time buckets (hours): the distribution per priority.
BUCKETS: tuple[tuple[float, float, str], ...] = (
    (0, 4, "<4 h"), (4, 8, "4–8 h"), (8, 24, "8–24 h"), (24, 48, "1–2 d"),
    (48, 72, "2–3 d"), (72, 168, "3–7 d"), (168, float("inf"), ">7 d"))
MAX_BARS = 15
MAX_LISTED = 50  # rows of a list of clients the page shows (all of them in --csv, --json)


def escape(text: str) -> str:
    """Text from HubSpot or the agent as HTML: escaped, and with its controls and bidi
    overrides shown inert (`printable`), so nothing reorders what a supervisor reads."""
    return html_escape(printable(text, lines=True))

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f5f6f8;
color:#1f2933}
header{background:#12355b;color:#fff;padding:20px 32px}
header h1{margin:0 0 4px;font-size:24px}
main{padding:16px 32px;display:grid;
grid-template-columns:repeat(auto-fill,minmax(min(460px,100%),1fr));gap:16px}
section{background:#fff;border-radius:8px;padding:16px;box-shadow:0 1px 3px rgba(0,0,0,.12);
min-width:0}
section.wide{grid-column:1/-1}
h2{font-size:16px;margin:0 0 12px}
.cards{display:flex;gap:16px;flex-wrap:wrap}
.card{flex:1;min-width:150px;background:#eef3fa;border-radius:6px;padding:12px}
.card b{display:block;font-size:26px}
.card .base{display:block;font-size:12px;color:#52606d}
.table{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e4e7eb;vertical-align:top;
overflow-wrap:break-word}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.n{white-space:nowrap}
svg.chart{max-width:100%;height:auto}
svg text{font-size:12px;fill:#1f2933}
a{color:#1565c0}
.empty{color:#616e7c;font-style:italic}
.note{color:#616e7c;font-size:13px}
"""


def render(report: Report, url: Callable[[str], str], generated: datetime) -> str:
    """The whole report as an HTML document."""
    parts = [_summary(report),
             _section("Por agente: resolución y promesa al cliente", _agents(report),
                      wide=True),
             _section("Clientes que esperaron más del intervalo sin aviso",
                      _waiting(report, report.waited, url), wide=True),
             _section("Resueltos sin aviso al cliente",
                      _waiting(report, report.never_called, url), wide=True)]
    for key, title in BREAKDOWNS.items():
        rows = report.breakdowns.get(key, [])
        if key == "agente":  # the name a supervisor knows, else the email, in full
            rows = [(report.agent_label(agent), count) for agent, count in rows]
        parts.append(_section(title, _bars(rows)))
    parts.append(_section("Tiempo hasta la resolución por prioridad (horas de calendario)",
                          _resolution_table(report.resolution)
                          + _distribution(report.resolution), wide=True))
    parts.append(_section("Calidad de las escalaciones (0-100) por agente, y la resolución "
                          "por calificación", _quality(report), wide=True))
    parts.append(_section("Promesa al cliente", _promise(report)))
    parts.append(_section("Subidas automáticas de prioridad (bump)", _bumps(report)))
    parts.append(_section("Problemas recurrentes (QUÉ parecidos, 10 principales)",
                          _recurring(report, url), wide=True))
    parts.append(_section("Datos que escalate no pudo leer", _unread(report, url), wide=True))
    if report.incidents:
        parts.append(_section("Incidentes del periodo", _incidents(report, url), wide=True))
    zone = generated.tzinfo
    window = window_label(report.since.astimezone(zone), report.until.astimezone(zone))
    hours = ("<div>Las esperas se cuentan en horas hábiles (archivo de políticas), con su "
             "tiempo de calendario al lado; la resolución, en horas de calendario.</div>"
             if report.business_hours else "")
    return (
        "<!DOCTYPE html>\n<html lang=\"es\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        f"<title>Informe de escalaciones {escape(window)}</title><style>{STYLE}</style>"
        "</head><body><header><h1>Informe de escalaciones</h1>"
        f"<div>Tickets creados {escape(window)} · generado el "
        f"{escape(moment_label(generated))}</div>{hours}</header>"
        f"<main>{''.join(parts)}</main></body></html>\n")


def _section(title: str, body: str, *, wide: bool = False) -> str:
    kind = ' class="wide"' if wide else ""
    return f"<section{kind}><h2>{escape(title)}</h2>{body}</section>"





def _summary(report: Report) -> str:
    """The headline cards, each percentage with its base («23 de 54»): the same base as
    the table below it."""
    promise = report.promise
    bumped = sum(b.bumped for b in report.bumps)
    untold = promise.call_late + promise.call_never
    settled = promise.resolved - promise.call_pending
    cards = [("Escalaciones", _thousands(report.tickets), ""),
             ("Esperaron más del intervalo", _pct(promise.waited_share),
              _of(promise.waited_past, promise.tickets, "escalaciones")),
             ("Resueltos avisados tarde o nunca", _pct(promise.late_or_never_share),
              _of(untold, settled, "resueltos con el plazo cumplido")),
             ("Subidas por bump", str(bumped), "")]
    inner = "".join(f'<div class="card">{escape(label)}<b>{escape(value)}</b>'
                    f'<span class="base">{escape(base)}</span></div>'
                    for label, value, base in cards)
    return f'<section class="wide"><div class="cards">{inner}</div></section>'


def _of(part: int, whole: int, what: str) -> str:
    return f"{_thousands(part)} de {_thousands(whole)} {what}"


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _agents(report: Report) -> str:
    """Per agent: escalations, median resolution, the promise kept (with its base), the
    clients who waited too long, and the recurring problems their escalations fall in."""
    if not report.agents:
        return '<p class="empty">Sin escalaciones en esta ventana.</p>'
    rows = "".join(
        f"<tr><td>{escape(report.agent_label(a.agent))}</td><td class=n>{a.escalations}</td>"
        f"<td class=n>{a.resolved}</td><td class=n>{_h(a.median_resolution_hours)}</td>"
        f"<td class=n>{a.kept} de {a.promise_base}"
        f" ({_pct(a.kept / a.promise_base if a.promise_base else None)})</td>"
        f"<td class=n>{a.late_or_never}</td><td class=n>{a.waited_past} de {a.escalations}</td>"
        f"<td class=n>{a.recurring}</td><td>{escape(a.top_problem or '—')}</td></tr>"
        for a in report.agents)
    return ('<div class="table"><table><tr><th>Agente</th><th class=n>Escalaciones</th>'
            "<th class=n>Resueltos</th><th class=n>Resolución (mediana)</th>"
            "<th class=n>Avisados a tiempo</th><th class=n>Tarde o nunca</th>"
            "<th class=n>Esperaron más del intervalo</th><th class=n>En recurrentes</th>"
            f"<th>Problema recurrente principal</th></tr>{rows}</table></div>"
            "<p class=note>Avisados a tiempo: de los resueltos cuyo plazo de aviso ya se "
            "cumplió (los que aún están a tiempo no cuentan).</p>")


def _waiting(report: Report, found: Sequence[Waiting], url: Callable[[str], str]) -> str:
    """A list of clients: the ticket (linked), its agent, and how long."""
    if not found:
        return '<p class="empty">Ninguno en esta ventana.</p>'
    rows = "".join(
        f'<tr><td><a href="{escape(url(w.ticket_id))}">{escape(w.ticket_id)}</a></td>'
        f"<td>{escape(report.agent_label(w.agent))}</td>"
        f"<td>{escape(counted(w.hours, w.calendar_hours, report.business_hours))}</td></tr>"
        for w in found[:MAX_LISTED])
    more = (f'<p class="note">… y {len(found) - MAX_LISTED} más (todos en --csv o --json).</p>'
            if len(found) > MAX_LISTED else "")
    return ('<div class="table"><table><tr><th>Ticket</th><th>Agente</th><th>Cuánto</th>'
            f"</tr>{rows}</table></div>{more}")


def _bars(rows: Sequence[tuple[str, int]], colours: dict[str, str] | None = None) -> str:
    """A horizontal bar chart: a label, a bar and the count per row (largest rows first)."""
    if not rows:
        return '<p class="empty">Sin datos en esta ventana.</p>'
    shown = list(rows[:MAX_BARS])
    rest = sum(count for _, count in rows[MAX_BARS:])
    if rest:
        shown.append(("(otros)", rest))
    width, label_w, line_h = 460, 180, 14
    top = max(count for _, count in shown) or 1
    labels = [_lines(label, 26, 3) for label, _ in shown]
    heights = [max(24, line_h * len(lines) + 10) for lines in labels]
    height = sum(heights) + 8
    out = [f'<svg class="chart" role="img" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">']
    y = 4
    for (label, count), lines, row_h in zip(shown, labels, heights, strict=True):
        length = max(2.0, (width - label_w - 50) * count / top)
        colour = (colours or COLOURS).get(label, BAR)
        middle = y + row_h / 2 + 4  # the baseline of a line centred in the row
        first = middle - line_h * (len(lines) - 1) / 2
        spans = "".join(f'<tspan x="{label_w - 6}" y="{first + n * line_h:.0f}">'
                        f'{escape(line)}</tspan>' for n, line in enumerate(lines))
        out.append(f'<text text-anchor="end">{spans}</text>'
                   f'<rect class="bar" x="{label_w}" y="{y + row_h / 2 - 9:.0f}" '
                   f'width="{length:.1f}" height="18" rx="3" fill="{colour}"><title>'
                   f'{escape(label)}: {count}</title></rect>'
                   f'<text x="{label_w + length + 6:.1f}" y="{middle:.0f}">{count}</text>')
        y += row_h
    out.append("</svg>")
    return "".join(out)


def _quality(report: Report) -> str:
    """Per agent, the score's bands and median; per band, the time to resolution."""
    from .domain.report import QUALITY_BANDS

    if not report.quality_agents:
        return '<p class="empty">Sin escalaciones en esta ventana.</p>'
    bands = [name for name, _, _ in QUALITY_BANDS]
    agents = "".join(
        f"<tr><td>{escape(report.agent_label(a.agent))}</td><td class=n>{a.scored}</td>"
        f"<td class=n>{'—' if a.median_score is None else f'{a.median_score:g}'}</td>"
        + "".join(f"<td class=n>{a.bands[b]}</td>" for b in bands)
        + f"<td class=n>{a.unscored}</td></tr>" for a in report.quality_agents)
    by_band = "".join(
        f"<tr><td>{escape(b.band)}</td><td class=n>{b.tickets}</td><td class=n>{b.resolved}"
        f"</td><td class=n>{_h(b.median_hours)}</td></tr>" for b in report.quality_bands)
    return ('<div class="table"><table><tr><th>Agente</th><th class=n>Calificadas</th>'
            "<th class=n>Mediana</th>" + "".join(f"<th class=n>{b}</th>" for b in bands)
            + f"<th class=n>Sin calificación</th></tr>{agents}</table></div>"
            '<div class="table"><table><tr><th>Calificación</th><th class=n>Tickets</th>'
            "<th class=n>Resueltos</th><th class=n>Resolución (mediana)</th></tr>"
            f"{by_band}</table></div>")


def _resolution_table(rows: Sequence[Resolution]) -> str:
    body = "".join(
        f"<tr><td>{escape(r.priority)}</td><td class=n>{r.resolved}</td>"
        f"<td class=n>{_h(r.median_hours)}</td><td class=n>{_h(r.p90_hours)}</td></tr>"
        for r in rows)
    return ('<div class="table"><table><tr><th>Prioridad</th><th class=n>Resueltos</th>'
            "<th class=n>Mediana</th><th class=n>Percentil 90</th></tr>"
            f"{body}</table></div>")


def _distribution(rows: Sequence[Resolution]) -> str:
    """Small multiples: per priority, how many tickets were resolved within each bucket."""
    charts = []
    for row in rows:
        counts = [sum(1 for h in row.hours if low <= h < high) for low, high, _ in BUCKETS]
        width, height, base = 300, 150, 120
        top = max(counts) or 1
        step = (width - 20) / len(BUCKETS)
        out = [f'<svg class="chart distribution" role="img" width="{width}" '
               f'height="{height}" viewBox="0 0 {width} {height}" '
               f'xmlns="http://www.w3.org/2000/svg"><text x="10" y="14">'
               f'{escape(row.priority)} ({row.resolved})</text>']
        for n, ((_, _, label), count) in enumerate(zip(BUCKETS, counts, strict=True)):
            bar_h = (base - 30) * count / top
            x = 10 + n * step
            out.append(f'<rect class="bar" x="{x + 3:.1f}" y="{base - bar_h:.1f}" '
                       f'width="{step - 6:.1f}" height="{bar_h:.1f}" '
                       f'fill="{COLOURS.get(row.priority, BAR)}"><title>{escape(label)}: '
                       f'{count}</title></rect>'
                       f'<text x="{x + step / 2:.1f}" y="{base + 14}" text-anchor="middle">'
                       f'{escape(label)}</text>')
            if count:
                out.append(f'<text x="{x + step / 2:.1f}" y="{base - bar_h - 3:.1f}" '
                           f'text-anchor="middle">{count}</text>')
        out.append(f'<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" '
                   'stroke="#9aa5b1"/></svg>')
        charts.append("".join(out))
    return f'<div style="display:flex;flex-wrap:wrap;gap:8px">{"".join(charts)}</div>'


def _promise(report: Report) -> str:
    p = report.promise
    rows = [("Esperaron más del intervalo sin aviso", p.waited_past, p.tickets),
            ("Resueltos avisados a tiempo", p.call_on_time, p.resolved),
            ("Resueltos avisados tarde", p.call_late, p.resolved),
            ("Resueltos sin aviso", p.call_never, p.resolved),
            ("Resueltos, aviso aún a tiempo", p.call_pending, p.resolved),
            ("Resueltos avisados tarde o nunca", p.call_late + p.call_never,
             p.resolved - p.call_pending)]
    table = "".join(f"<tr><td>{escape(label)}</td><td class=n>{n}</td><td class=n>{whole}</td>"
                    f"<td class=n>{_pct(n / whole if whole else None)}</td></tr>"
                    for label, n, whole in rows)
    chart = _bars([("a tiempo", p.call_on_time), ("tarde", p.call_late),
                   ("sin aviso", p.call_never), ("pendiente", p.call_pending)],
                  {"a tiempo": "#2e7d32", "tarde": "#ef6c00", "sin aviso": "#c62828",
                   "pendiente": "#9aa5b1"})
    return ('<div class="table"><table><tr><th></th><th class=n>Tickets</th>'
            f"<th class=n>De</th><th class=n>%</th></tr>{table}</table></div>"
            f"<p>Aviso al cliente tras la resolución:</p>{chart}")


def _unread(report: Report, url: Callable[[str], str]) -> str:
    """The tickets typed or edited in HubSpot whose values escalate could not read: how they
    were counted, with a link to each (the first ten per reason)."""
    unread = report.unread
    if not unread:
        return '<p class="empty">Todos los tickets se leyeron completos.</p>'
    rows = "".join(
        f"<tr><td>{escape(odd.words)}</td><td class=n>{unread.count(odd)}</td>"
        f"<td>{escape(odd.advice)}</td><td>"
        + " ".join(f'<a href="{escape(url(i))}">{escape(i)}</a>' for i in unread.ids[odd][:10])
        + "</td></tr>" for odd in unread.reasons())
    return ('<div class="table"><table><tr><th>Tickets</th><th class=n>Cuántos</th>'
            f"<th>Qué pasa</th><th>Ejemplos</th></tr>{rows}</table></div>")


def _bumps(report: Report) -> str:
    body = "".join(
        f"<tr><td>{escape(b.transition.replace('→', ' → '))}</td><td class=n>{b.bumped}</td>"
        f"<td class=n>{_h(b.median_after_bump)}</td><td class=n>{b.compared}</td>"
        f"<td class=n>{_h(b.median_after_threshold)}</td><td class=n>{_h(b.saved_hours)}</td>"
        "</tr>" for b in report.bumps)
    return ('<div class="table"><table><tr><th>Subida</th><th class=n>Subidos</th>'
            "<th class=n>Mediana tras subir</th><th class=n>Sin subir</th>"
            "<th class=n>Mediana sin subir</th><th class=n>Ahorro</th></tr>"
            f"{body}</table></div><p class=note>Sin subir: tickets resueltos que no se "
            "subieron aunque pasaron el mismo umbral. Medianas en horas desde la subida (o "
            "desde el umbral) hasta la resolución; ahorro = la diferencia.</p>")


def _recurring(report: Report, url: Callable[[str], str]) -> str:
    if not report.recurring:
        return '<p class="empty">Ningún problema se repite en esta ventana.</p>'
    rows = []
    for n, problem in enumerate(report.recurring, 1):
        links = ", ".join(f'<a href="{escape(url(i))}">{escape(i)}</a>'
                          for i in problem.ticket_ids[:8])
        more = len(problem.ticket_ids) - 8
        if more > 0:
            links += f" y {more} más"
        if problem.incident:
            links = (f'incidente <a href="{escape(url(problem.incident))}">'
                     f"{escape(problem.incident)}</a>: {links}")
        rows.append(f"<tr><td class=n>{n}</td><td>{escape(problem.what)}</td>"
                    f"<td class=n>{problem.count}</td><td>{links}</td></tr>")
    chart = _bars([(p.what, p.count) for p in report.recurring])
    return (f'{chart}<div class="table"><table><tr><th class=n>#</th><th>Problema (QUÉ)</th>'
            "<th class=n>Tickets</th>"
            f"<th>Tickets en HubSpot</th></tr>{''.join(rows)}</table></div>")


def _incidents(report: Report, url: Callable[[str], str]) -> str:
    rows = "".join(
        f'<tr><td><a href="{escape(url(i.id))}">{escape(i.id)}</a></td>'
        f"<td>{escape(i.subject)}</td><td class=n>{i.affected}</td>"
        f"<td class=n>{_h(i.hours_to_resolve)}</td></tr>" for i in report.incidents)
    return ('<div class="table"><table><tr><th>Incidente</th><th>Problema</th>'
            "<th class=n>Clientes</th><th class=n>Hasta resolver</th></tr>"
            f"{rows}</table></div>")


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f} %"


def _h(hours: float | None) -> str:
    return "—" if hours is None else f"{hours:.1f} h"


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[:size - 1] + "…"


def _lines(text: str, size: int, most: int) -> list[str]:
    """A chart label in lines of at most `size` characters, broken after spaces and `@`
    (an email breaks into its user and domain), at most `most` lines (the last one
    shortened with an ellipsis only if the text is longer still)."""
    pieces = [p for p in re.split(r"(?<=[ @])", text) if p]
    lines: list[str] = []
    for piece in pieces:
        while len(piece) > size:  # a word longer than a line: cut it
            lines.append(piece[:size])
            piece = piece[size:]
        if lines and len(lines[-1]) + len(piece) <= size:
            lines[-1] += piece
        else:
            lines.append(piece)
    lines = [line.strip() for line in lines if line.strip()]
    if len(lines) > most:
        lines = [*lines[:most - 1], _short(" ".join(lines[most - 1:]), size)]
    return lines or [""]
