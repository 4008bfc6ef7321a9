"""`escalate report` against a seeded history: every number checked against answers this test
computes on its own from the history it seeded; bad input refused before any request."""

from __future__ import annotations

import csv
import itertools
import json
import math
import random
import re
import statistics
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from .conftest import Cli, Sandbox

HOUR_MS = 3_600_000
POLICY = ("[followup]\nhours = { URGENTE = 4, ALTA = 24 }\n"
          "[bump]\nafter_hours = { BAJA = 72, MEDIA = 48, ALTA = 24 }\n")
LEVELS = ["BAJA", "MEDIA", "ALTA", "URGENTE"]
OPTION = {"BAJA": "LOW", "MEDIA": "MEDIUM", "ALTA": "HIGH", "URGENTE": "URGENT"}
INTERVAL = {"BAJA": 48, "MEDIA": 48, "ALTA": 24, "URGENTE": 4}
BUMP_AFTER = {"BAJA": 72, "MEDIA": 48, "ALTA": 24}
AGENTS = {"9002": "ana.agente@aseguradora.example", "9003": "luis.agente@aseguradora.example"}
CHANNELS = ["Teléfono", "Correo", "WhatsApp", "No indicado"]
WHERE = [("Portal web de agentes, pantalla de endosos", "web", "endosos"),
         ("App móvil, pagos", "app", "pagos"),
         ("Portal web, recibos", "web", "recibos"),
         ("Correo de renovación", "otro", "sin pantalla")]
ENDOSO = ["El endoso no guarda el cambio de placa", "No guarda el endoso del cambio de placa",
          "el endoso NO guarda el cambio de placa!!", "Endoso: no guarda cambio de placa"]
PAGO = ["La app se cierra al pagar la póliza", "la app se cierra al pagar la poliza",
        "Al pagar la póliza la app se cierra"]
ONE_OFF = ["El recibo muestra otra dirección", "No llega el correo de renovación",
           "El asegurado no aparece en la búsqueda", "Duplicado el cobro de diciembre",
           "La constancia fiscal sale en blanco", "No carga el mapa de talleres",
           "Error 500 al descargar la carátula", "El chat se desconecta solo",
           "Tarda mucho el inicio de sesión", "La factura trae el RFC equivocado"]


@dataclass
class Seeded:
    """One ticket's made-up past, in hours before the seed moment (x.5 so that no wait
    ties an interval when measured against now)."""

    level: str
    agent: str | None
    channel: str
    where: tuple[str, str, str]
    what: str
    family: str
    created: float
    updates: list[float] = field(default_factory=list)
    resolved: float | None = None
    raised: tuple[float, str, bool] | None = None  # (when, to, by bump with a note)
    id: str = ""
    quality: int | None = None  # the score it was escalated with


def history(rng: random.Random, count: int) -> list[Seeded]:
    tickets = []
    for n in range(count):
        level = rng.choice(LEVELS)
        family = rng.choice(["endoso", "pago", "uno"])
        what = (rng.choice(ENDOSO) if family == "endoso" else rng.choice(PAGO)
                if family == "pago" else ONE_OFF[n % len(ONE_OFF)] + f" (caso {n})")
        created = rng.randint(30, 470) + 0.5
        item = Seeded(level, rng.choice([*AGENTS, None]), rng.choice(CHANNELS),
                      rng.choice(WHERE), what, family, created)
        moment = created
        while rng.random() < 0.6:
            moment -= rng.randint(1, 60)
            if moment <= 1:
                break
            item.updates.append(moment)
        if rng.random() < 0.6:
            item.resolved = created - rng.randint(2, int(created) - 1)
            if rng.random() < 0.5:
                item.updates.append(item.resolved - rng.randint(0, int(item.resolved) - 1))
        if level in BUMP_AFTER and rng.random() < 0.4:
            at = created - BUMP_AFTER[level] - rng.randint(1, 6)
            end = item.resolved if item.resolved is not None else 0.5
            if at > end:
                item.raised = (at, LEVELS[LEVELS.index(level) + 1], rng.random() < 0.75)
        item.updates = sorted({u for u in item.updates if u > 0}, reverse=True)
        tickets.append(item)
    return tickets


def content(item: Seeded) -> str:
    return (f"QUÉ:\n{item.what}\n\nCÓMO:\nAl guardar\n\nDÓNDE:\n{item.where[0]}\n\nCUÁNDO:\n"
            f"No indicado\n\nCAMBIOS SOLICITADOS:\nNinguno\n\nCANAL:\n{item.channel}")


def seed(sandbox: Sandbox, items: list[Seeded], base_ms: int) -> None:
    def at(hours: float) -> str:
        return str(int(base_ms - hours * HOUR_MS))

    records = []
    for item in items:
        changes: list[tuple[float, dict[str, str]]] = [
            (u, {"escalate_last_client_update": at(u)}) for u in item.updates]
        if item.resolved is not None:
            changes.append((item.resolved, {"hs_pipeline_stage": "4"}))
        if item.raised is not None:
            changes.append((item.raised[0], {"hs_ticket_priority": OPTION[item.raised[1]]}))
        properties = {"subject": "POL-1 - Cliente", "hs_pipeline": "0",
                      "hs_pipeline_stage": "2", "hs_ticket_priority": OPTION[item.level],
                      "content": content(item)}
        if item.agent:
            properties["escalate_agent"] = item.agent
        if item.quality is not None:
            properties["escalate_quality"] = str(item.quality)
        records.append({"properties": properties, "created_at": at(item.created),
                        "associations": {"contacts": ["1001"]},
                        "changes": [{"at": at(h), "properties": p}
                                    for h, p in sorted(changes, key=lambda c: -c[0])]})
    ids = sandbox.control("POST", "history", {"object": "tickets", "records": records})["ids"]
    notes = []
    for item, ticket_id in zip(items, ids, strict=True):
        item.id = str(ticket_id)
        if item.raised is not None and item.raised[2]:
            spent = int(item.created - item.raised[0])
            notes.append({"properties": {
                "hs_timestamp": at(item.raised[0]),
                "hs_note_body": f"<p>Prioridad subida de {item.level} a {item.raised[1]}: "
                                f"{spent} h sin resolver</p>"},
                "associations": [{"to": {"id": item.id}, "types": [{
                    "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 228}]}]})
        elif item.raised is not None:  # an agent's note on a hand-made raise: not a bump
            notes.append({"properties": {"hs_timestamp": at(item.raised[0]),
                                         "hs_note_body": "<p>Subo la prioridad a mano</p>"},
                          "associations": [{"to": {"id": item.id}, "types": [{
                              "associationCategory": "HUBSPOT_DEFINED",
                              "associationTypeId": 228}]}]})
    for start in range(0, len(notes), 100):
        sandbox.client.crm.objects.notes.batch_api.create(
            batch_input_simple_public_object_batch_input_for_create={
                "inputs": notes[start:start + 100]})


# -- the right answers, computed here -----------------------------------------------------

def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def expected(items: list[Seeded]) -> dict[str, Any]:
    def counts(key: Any) -> dict[str, int]:
        found: dict[str, int] = {}
        for item in items:
            found[key(item)] = found.get(key(item), 0) + 1
        return found

    resolution = {}
    for level in LEVELS:
        took = [i.created - i.resolved for i in items
                if i.level == level and i.resolved is not None]
        resolution[level] = (len(took), round(statistics.median(took), 2) if took else None,
                             round(p90(took), 2) if took else None)
    waited = 0
    calls = {"a_tiempo": 0, "tarde": 0, "nunca": 0, "pendiente": 0}
    for item in items:
        limit = INTERVAL[item.level]
        end = item.resolved if item.resolved is not None else 0.0
        marks = [item.created, *[u for u in item.updates if end <= u <= item.created], end]
        if any(a - b > limit for a, b in itertools.pairwise(marks)):
            waited += 1
        if item.resolved is not None:
            after = [u for u in item.updates if u <= item.resolved]
            if not after:
                calls["nunca" if item.resolved > limit else "pendiente"] += 1
            else:
                calls["tarde" if item.resolved - max(after) > limit else "a_tiempo"] += 1
    bumps = {}
    for level, to in itertools.pairwise(LEVELS):
        bumped = [i for i in items if i.level == level and i.raised and i.raised[2]]
        done = [i.raised[0] - i.resolved for i in bumped
                if i.resolved is not None and i.raised is not None]
        other = [(i.created - i.resolved) - BUMP_AFTER[level] for i in items
                 if i.level == level and i.raised is None and i.resolved is not None
                 and i.created - i.resolved > BUMP_AFTER[level]]
        with_bump = round(statistics.median(done), 2) if done else None
        without = round(statistics.median(other), 2) if other else None
        bumps[f"{level}→{to}"] = (len(bumped), len(done), with_bump, len(other), without)
    return {
        "by_priority": counts(lambda i: i.level),
        "by_agent": counts(lambda i: AGENTS.get(i.agent or "", "sin agente")),
        "by_channel": counts(lambda i: "sin canal" if i.channel == "No indicado"
                             else i.channel),
        "by_medium": counts(lambda i: i.where[1]),
        "by_screen": counts(lambda i: i.where[2]),
        "resolution": resolution, "waited": waited, "calls": calls, "bumps": bumps,
        "families": {family: {i.id for i in items if i.family == family}
                     for family in ("endoso", "pago")},
    }


def as_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {r["key"]: r["count"] for r in rows}


@pytest.fixture
def seeded(cli: Cli, sandbox: Sandbox) -> tuple[list[Seeded], str]:
    (cli.cwd / "escalate.toml").write_text(POLICY, encoding="utf-8")
    base_ms = int(time.time() * 1000)
    items = history(random.Random(14), 90)
    outside = [Seeded("ALTA", None, "Correo", WHERE[0], ENDOSO[0], "fuera", 600.5),
               Seeded("BAJA", None, "Correo", WHERE[1], PAGO[0], "fuera", 490.5)]
    seed(sandbox, [*items, *outside], base_ms)
    since = datetime.fromtimestamp(base_ms / 1000 - 480 * 3600, tz=timezone.utc)
    return items, since.isoformat()


def test_report_numbers_match_the_seeded_history(cli: Cli, sandbox: Sandbox,
                                                 seeded: tuple[list[Seeded], str]):
    items, since = seeded
    right = expected(items)
    sandbox.forget_requests()
    result = cli("report", "--desde", since, "--json")
    assert result.code == 0, result.err
    got = result.json()
    assert got["tickets"] == len(items)
    assert as_counts(got["by_priority"]) == right["by_priority"]
    assert as_counts(got["by_agent"]) == right["by_agent"]
    assert as_counts(got["by_channel"]) == right["by_channel"]
    assert as_counts(got["by_medium"]) == right["by_medium"]
    assert as_counts(got["by_screen"]) == right["by_screen"]
    assert {r["priority"]: (r["resolved"], r["median_hours"], r["p90_hours"])
            for r in got["resolution"]} == right["resolution"]
    promise = got["promise"]
    assert promise["waited_past_interval"] == right["waited"]
    assert {k: promise[f"call_{k}"] for k in ("on_time", "late", "never", "pending")} == {
        "on_time": right["calls"]["a_tiempo"], "late": right["calls"]["tarde"],
        "never": right["calls"]["nunca"], "pending": right["calls"]["pendiente"]}
    bumps = {b["transition"]: (b["bumped"], b["resolved_bumped"], b["median_hours_after_bump"],
                               b["compared"], b["median_hours_after_threshold"])
             for b in got["bumps"]}
    assert bumps == right["bumps"]
    assert sum(b[0] for b in bumps.values()) > 0
    top = got["recurring"]
    groups = [set(problem["ticket_ids"]) for problem in top[:2]]
    assert sorted(groups, key=len) == sorted(right["families"].values(), key=len)
    assert all(problem["count"] == len(problem["ticket_ids"]) for problem in top)
    assert all(u.endswith(f"/ticket/{i}") for p in top for i, u in
               zip(p["ticket_ids"], p["urls"], strict=True))
    log = sandbox.requests()
    assert not any(r["method"] == "GET" and "/objects/tickets/" in r["path"] for r in log)
    reads = [r for r in log if r["path"] == "/crm/objects/2026-09/tickets/batch/read"]
    assert len(reads) == math.ceil(len(items) / 50)  # HubSpot's limit for history reads


def test_tables_csv_and_html_come_from_the_same_numbers(cli: Cli, sandbox: Sandbox,
                                                        seeded: tuple[list[Seeded], str],
                                                        tmp_path: Path):
    items, since = seeded
    out = tmp_path / "csv"
    page = tmp_path / "informe.html"
    result = cli("informe", "--desde", since, "--csv", str(out), "--html", str(page))
    assert result.code == 0, result.err
    # Who asks for files reads the report there: the terminal says what was written, where
    # and how to open it, under the report's one-line headline.
    lines = result.out.splitlines()
    assert len(lines) == 3 and lines[0].startswith("Informe de escalaciones creadas desde")
    assert lines[0].endswith(f": {len(items)} ticket(s).")
    assert lines[1] == (f"16 archivos CSV, uno por tabla, en {out} (se abren con una hoja de "
                        "cálculo).")
    assert lines[2] == (f"Informe HTML en {page}: ábralo con un navegador ({page.as_uri()}); "
                        "no necesita conexión.")
    got = cli("informe", "--desde", since, "--csv", str(out), "--html", str(page), "--json")
    assert got.json()["tickets"] == len(items)  # stdout stays the JSON alone
    assert str(page) in got.err and str(out) in got.err
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["por_agente.csv", "por_prioridad.csv", "por_canal.csv",
                            "por_medio.csv", "por_pantalla.csv", "resolucion.csv",
                            "promesa.csv", "recurrentes.csv", "subidas.csv", "agentes.csv",
                            "esperaron.csv", "sin_aviso.csv", "no_leidos.csv",
                            "calidad_agentes.csv", "calidad_resolucion.csv", "incidentes.csv"])
    with (out / "por_prioridad.csv").open(encoding="utf-8") as handle:
        rows = {r["prioridad"]: int(r["escalaciones"]) for r in csv.DictReader(handle)}
    assert rows == expected(items)["by_priority"]
    text = page.read_text(encoding="utf-8")
    assert text.count('<rect class="bar"') >= 5 + 4 and "<script" not in text
    assert "http" not in text.replace("https://app.sandbox.invalid/", "").replace(
        "http://www.w3.org/2000/svg", "")  # nothing fetched from elsewhere



def cells_of(out: str) -> list[str]:
    """The text of every table cell line of rich's output, stripped."""
    return [c.strip() for line in out.splitlines() for c in re.split(r"[│┃]", line)]


def test_terminal_tables_speak_spanish_and_fit_80_columns(cli: Cli, sandbox: Sandbox,
                                                          seeded: tuple[list[Seeded], str],
                                                          tmp_path: Path):
    items, since = seeded
    right = expected(items)
    page = tmp_path / "informe.html"
    written = cli("report", "--desde", since, "--html", str(page))
    assert written.code == 0, written.err
    result = cli("report", "--desde", since)  # not a terminal: 80 columns
    assert result.code == 0, result.err
    out = result.out
    assert max(len(line) for line in out.splitlines()) <= 80
    for identifier in ("esperaron_mas_del_intervalo", "resueltos_tarde_o_sin_aviso",
                       "posicion", "porcentaje", "_horas", "0.67"):
        assert identifier not in out, identifier
    cells = cells_of(out)
    waited = f"{right['waited'] * 100 / len(items):.0f} %"
    row = next(line for line in out.splitlines()
               if "Esperaron más del intervalo sin aviso" in line)
    assert row.split("│")[-2].strip() == waited
    assert "Resueltos avisados tarde o nunca" in out and "Posición" in cells
    assert "Ana Martínez Ruiz" in cells and "Luis Pérez Gómez" in cells  # names, not emails
    # No word broken across lines: each header word and transition is whole in a cell.
    for word in ("Subida", "Subidos", "Resueltos", "Ahorro", "BAJA→MEDIA", "MEDIA→ALTA",
                 "ALTA→URGENTE", "Escalaciones", "Prioridad"):
        assert word in " ".join(cells).split(), word
    # The window in the portal's zone, with its abbreviation and offset, as the HTML says.
    assert " ".join(out.split("Por agente")[0].split()).startswith(written.out.split(":")[0])
    header = written.out.splitlines()[0]
    found = re.search(r"hasta (\d{4}-\d\d-\d\d \d\d:\d\d [A-Z]{3,4}, UTC[+-]\d\d:\d\d)",
                      header)
    assert found is not None, header
    assert f"hasta {found.group(1)} · generado el {found.group(1)}" in page.read_text(
        encoding="utf-8")


def rendered(sandbox: Sandbox, cli: Cli, columns: int, *args: str) -> list[str]:
    """`informe` on a pseudo-terminal `columns` wide, as the supervisor's screen shows it
    (pyte renders what the terminal received, the progress bar's erasures included)."""
    import pyte

    from .test_interactive import Term

    run = Term(sandbox, Path(cli.environ["ESCALATE_HOME"]), *args, columns=columns,
               command="informe",
               extra={"ESCALATE_POLICY_FILE": str(cli.cwd / "escalate.toml")})
    code, _ = run.finish()
    assert code == 0, "".join(run.seen)
    screen = pyte.Screen(columns, 1000)  # the whole report, as if scrolled back
    pyte.Stream(screen).feed("".join(run.raw))
    return [row.rstrip() for row in screen.display if row.strip()]


def headers_on(screen: list[str]) -> list[list[str]]:
    """Each table's column headers as read on `screen`: a header's lines joined by spaces."""
    found: list[list[str]] = []
    lines: list[list[str]] = []
    for row in screen:
        if row.startswith("┏"):
            lines = []
        elif row.startswith("┃"):
            lines.append(row.split("┃")[1:-1])
        elif row.startswith("┡"):
            found.append([" ".join(" ".join(column).split())
                          for column in zip(*lines, strict=True)])
    return found


@pytest.mark.parametrize("columns", [80, 140])
def test_every_table_reads_whole_on_a_laptop_terminal_and_a_wide_one(
        cli: Cli, sandbox: Sandbox, seeded: tuple[list[Seeded], str], columns: int):
    _, since = seeded
    report = cli("informe", "--desde", since, "--json").json()
    screen = rendered(sandbox, cli, columns, "--desde", since)
    # Every header whole, on as many lines as its words need: none folded letter by letter.
    words = {w for label in (*REPORT_HEADERS, "0-39", "40-59", "60-79", "80-100")
             for w in label.split()}
    shown = headers_on(screen)
    assert len(shown) >= 14
    for header in itertools.chain.from_iterable(shown):
        assert header and set(header.split()) <= words, (header, "\n".join(screen))
    # Every number of an agent's row whole on its line, in whichever table holds it.
    agent = next(a for a in report["agents"] if a["name"] == "sin agente")
    cells = [c.strip() for row in screen if row.startswith("│ sin agente ")
             for c in row.split("│")[2:-1]]
    kept = agent["promise"]["kept_share"]
    for number in (agent["escalations"], agent["resolved"], agent["promise"]["kept"],
                   agent["promise"]["late"] + agent["promise"]["never"],
                   agent["promise"]["base"], f"{kept * 100:.0f} %",
                   agent["waited_past_interval"], agent["recurring"]):
        assert str(number) in cells, (number, cells)
    parts = [row for row in screen if row.startswith("Por agente: resolución y promesa")]
    # The agents' table whole where it fits; else a table per group of columns.
    assert len(parts) == (1 if columns == 140 else 3), parts
    assert all(len(row) <= columns for row in screen)


REPORT_HEADERS = ("Agente", "Prioridad", "Canal", "Medio", "Pantalla", "Escalaciones", "De",
                  "%", "Resueltos", "Mediana (h)", "P90 (h)", "Medida", "Tickets", "Posición",
                  "Problema", "Tickets (ids)", "Incidente", "Subida", "Subidos",
                  "Mediana tras subir (h)", "Sin subir", "Mediana sin subir (h)",
                  "Ahorro (h)", "Calificadas", "Mediana", "Sin calificación", "Calificación",
                  "Resolución, mediana (h)", "Avisados a tiempo", "Tarde o nunca", "Cumplida",
                  "Esperaron", "En recurrentes", "Problema principal", "Ticket", "Espera",
                  "Calendario")


def test_a_window_without_repeats_says_so_instead_of_an_empty_table(cli: Cli,
                                                                    sandbox: Sandbox):
    (cli.cwd / "escalate.toml").write_text(POLICY, encoding="utf-8")
    base_ms = int(time.time() * 1000)
    seed(sandbox, [Seeded("ALTA", "9002", "Correo", WHERE[0], ONE_OFF[0], "uno", 40.5),
                   Seeded("BAJA", None, "Teléfono", WHERE[1], ONE_OFF[1], "uno", 30.5)],
         base_ms)
    since = datetime.fromtimestamp(base_ms / 1000 - 48 * 3600, tz=timezone.utc).isoformat()
    result = cli("report", "--desde", since)
    assert result.code == 0, result.err
    assert "2 ticket(s)" in result.out
    assert "Problemas recurrentes\nSin problemas recurrentes en esta ventana." in result.out
    assert "Posición" not in result.out


def test_html_chart_labels_show_agents_in_full_wrapped():
    from escalate.domain.report import Promise, Report
    from escalate.report_html import render

    moment = datetime(2026, 11, 29, 22, 38, tzinfo=timezone.utc)
    email = "maria.fernanda.gutierrez@aseguradora.example"
    report = Report(since=moment - timedelta(days=7), until=moment, tickets=3,
                    breakdowns={"agente": [(email, 2), ("ana.agente@aseguradora.example", 1)]},
                    resolution=[], promise=Promise(3, 0, 0, 0, 0, 0, 0), recurring=[],
                    bumps=[], agent_names={"ana.agente@aseguradora.example": "Ana Martínez"})
    page = render(report, lambda i: f"https://app.sandbox.invalid/ticket/{i}", moment)
    chart = page.split("<h2>Por agente</h2>")[1].split("</svg>")[0]
    lines = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", chart)
    assert lines == ["maria.fernanda.gutierrez@", "aseguradora.example", "Ana Martínez"]
    assert "…" not in chart
    assert "2026-11-29 22:38 UTC" in page


def post_history(sandbox: Sandbox, records: list[dict[str, Any]]) -> None:
    """Seed many records at once (longer than the shared helper's timeout allows)."""
    request = urllib.request.Request(
        f"{sandbox.url}/_sandbox/history", method="POST",
        data=json.dumps({"object": "tickets", "records": records}).encode(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer sandbox"})
    with urllib.request.urlopen(request, timeout=300) as answer:
        assert answer.status == 200


def future(days: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).date().isoformat()


@pytest.mark.parametrize(("args", "words"), [
    (["--desde", "2026-11-20", "--hasta", "2026-11-01"], "anterior a --hasta"),
    (["--desde", "ayer"], "no es una fecha"),
    (["--desde", "2026-02-30"], "no es una fecha"),
    (["--desde", "2026-11-01", "--hasta", "pronto"], "--hasta"),
    (["--desde", future(3)], "en el futuro"),
    (["--desde", "2026-11-01", "--html", "no-existe/informe.html"], "no existe"),
    # Folders that exist but take no file (root may write anywhere else: tried for real).
    (["--desde", "2026-11-01", "--html", "/proc/informe.html"], "no se pueden crear archivos"),
    (["--desde", "2026-11-01", "--html", "/sys/informe.html"], "no se pueden crear archivos"),
    (["--desde", "2026-11-01", "--csv", "/proc/tablas"], "--csv: no se puede crear"),
])
def test_bad_input_exits_2_before_any_request(cli: Cli, sandbox: Sandbox, args: list[str],
                                              words: str):
    sandbox.forget_requests()
    result = cli("report", *args)
    assert result.code == 2, result.err
    assert words in result.err
    assert sandbox.requests() == []


def test_html_into_a_file_used_as_a_folder_exits_2(cli: Cli, sandbox: Sandbox, tmp_path: Path):
    blocker = tmp_path / "archivo.txt"
    blocker.write_text("x")
    result = cli("report", "--desde", "2026-11-01", "--html", str(blocker / "informe.html"))
    assert result.code == 2 and "no existe" in result.err
    assert sandbox.requests() == []
    result = cli("report", "--desde", "2026-11-01", "--html", str(tmp_path))
    assert result.code == 2 and "carpeta" in result.err


def test_more_tickets_than_search_pages_to_are_all_counted(cli: Cli, sandbox: Sandbox,
                                                           low_search_cap: int):
    count = low_search_cap + low_search_cap // 20
    base = int(time.time() * 1000) - 48 * HOUR_MS
    records = [{"properties": {"subject": f"T{i}", "hs_pipeline": "0", "hs_pipeline_stage": "2",
                               "hs_ticket_priority": "MEDIUM",
                               "content": "QUÉ:\nNo guarda\n\nDÓNDE:\nApp móvil, pagos"},
                "created_at": str(base - i * 1000)} for i in range(count)]
    post_history(sandbox, records)
    since = datetime.fromtimestamp(base / 1000 - 86_400, tz=timezone.utc).isoformat()
    sandbox.forget_requests()
    result = cli("report", "--desde", since, "--json")
    assert result.code == 0, result.err
    got = result.json()
    assert got["tickets"] == count and as_counts(got["by_medium"]) == {"app": count}
    log = sandbox.requests()
    assert all(r["status"] == 200 for r in log)
    assert len([r for r in log if r["path"].endswith("/batch/read")]) == -(-count // 50)


# -- what a supervisor acts on: agents, the clients kept waiting, bases, the window ---------

def fates(items: list[Seeded]) -> dict[str, dict[str, Any]]:
    """Per ticket, computed here from the seeded past: the longest wait without an update
    (hours), whether it passed the interval, and how the resolution was told."""
    found = {}
    for item in items:
        limit = INTERVAL[item.level]
        end = item.resolved if item.resolved is not None else 0.0
        marks = [item.created, *[u for u in item.updates if end <= u <= item.created], end]
        longest = max(a - b for a, b in itertools.pairwise(marks))
        told = None
        if item.resolved is not None:
            after = [u for u in item.updates if u <= item.resolved]
            told = (("nunca" if item.resolved > limit else "pendiente") if not after else
                    "tarde" if item.resolved - max(after) > limit else "a_tiempo")
        found[item.id] = {"item": item, "longest": longest, "waited": longest > limit,
                          "told": told}
    return found


def test_the_report_gives_each_agents_figures_and_the_clients_kept_waiting(
        cli: Cli, sandbox: Sandbox, seeded: tuple[list[Seeded], str]):
    items, since = seeded
    fate = fates(items)
    result = cli("informe", "--desde", since, "--json")
    assert result.code == 0, result.err
    got = result.json()
    agents = {a["key"]: a for a in got["agents"]}
    for owner_id in [*AGENTS, None]:
        own = [f for f in fate.values() if f["item"].agent == owner_id]
        key = AGENTS.get(owner_id or "", "sin agente")
        row = agents[key]
        took = [f["item"].created - f["item"].resolved for f in own
                if f["item"].resolved is not None]
        told = [f["told"] for f in own]
        assert row["escalations"] == len(own), key
        assert row["resolved"] == len(took)
        assert row["median_resolution_hours"] == round(statistics.median(took), 2)
        assert row["promise"] == {
            "kept": told.count("a_tiempo"), "late": told.count("tarde"),
            "never": told.count("nunca"), "pending": told.count("pendiente"),
            "base": len(took) - told.count("pendiente"),
            "kept_share": round(told.count("a_tiempo") / (len(took) - told.count("pendiente")),
                                4)}
        assert row["waited_past_interval"] == sum(f["waited"] for f in own)
        in_groups = {i for problem in got["recurring"] for i in problem["ticket_ids"]}
        assert row["recurring"] == sum(f["item"].id in in_groups for f in own)
    assert [a["escalations"] for a in got["agents"]] == sorted(
        (a["escalations"] for a in got["agents"]), reverse=True)
    assert agents["ana.agente@aseguradora.example"]["name"] == "Ana Martínez Ruiz"

    waited = [f for f in fate.values() if f["waited"]]
    listed = got["waited_past"]
    assert {w["ticket_id"] for w in listed} == {f["item"].id for f in waited}
    for row in listed:
        longest = fate[row["ticket_id"]]["longest"]
        assert abs(row["hours"] - longest) < 0.05 and row["hours"] == row["calendar_hours"]
        assert row["url"].endswith(f"/ticket/{row['ticket_id']}")
        assert row["agent"] == AGENTS.get(fate[row["ticket_id"]]["item"].agent or "",
                                          "sin agente")
    assert [w["hours"] for w in listed] == sorted((w["hours"] for w in listed), reverse=True)
    never = got["never_called"]
    assert {w["ticket_id"] for w in never} == {i for i, f in fate.items()
                                               if f["told"] == "nunca"}
    assert all(abs(w["hours"] - fate[w["ticket_id"]]["item"].resolved) < 0.05 for w in never)
    assert got["promise"]["late_or_never"] == len(never) + sum(
        f["told"] == "tarde" for f in fate.values())
    assert got["promise"]["late_or_never_base"] == sum(
        f["told"] in ("a_tiempo", "tarde", "nunca") for f in fate.values())


def test_every_percentage_states_its_base_the_same_in_the_headline_and_the_table(
        cli: Cli, sandbox: Sandbox, seeded: tuple[list[Seeded], str], tmp_path: Path):
    items, since = seeded
    calls = expected(items)["calls"]
    late = calls["tarde"] + calls["nunca"]
    base = late + calls["a_tiempo"]
    page = tmp_path / "informe.html"
    result = cli("informe", "--desde", since, "--html", str(page), environ={"COLUMNS": "110"})
    assert result.code == 0, result.err
    html = page.read_text(encoding="utf-8")
    card = html.split("Resueltos avisados tarde o nunca<b>")[1].split("</div>")[0]
    assert f"{late * 100 / base:.1f} %" in card and f"{late} de {base} resueltos" in card
    row = html.split("<td>Resueltos avisados tarde o nunca</td>")[1].split("</tr>")[0]
    assert re.findall(r"<td class=n>([^<]*)</td>", row) == [str(late), str(base),
                                                            f"{late * 100 / base:.1f} %"]
    assert f"{expected(items)['waited']} de {len(items)} escalaciones" in html
    # In the terminal, the breakdowns carry their base beside each share.
    shown = cli("informe", "--desde", since).out
    row = next(line for line in shown.splitlines() if "Teléfono" in line)
    assert str(len(items)) in [cell.strip() for cell in row.split("│")]


def test_the_window_ends_on_its_last_day_said_as_included(cli: Cli, sandbox: Sandbox):
    today = datetime.now(timezone.utc).date()
    first, last = today - timedelta(days=10), today - timedelta(days=3)
    result = cli("informe", "--desde", first.isoformat(), "--hasta", last.isoformat())
    assert result.code == 0, result.err
    assert f"creadas del {first} al {last}, ambos incluidos" in " ".join(result.out.split())
    got = cli("informe", "--desde", first.isoformat(), "--hasta", last.isoformat(), "--json")
    assert got.json()["window"] == f"del {first} al {last}, ambos incluidos"
    assert got.json()["until"].startswith((last + timedelta(days=1)).isoformat())


BUSINESS = POLICY + ('[followup.business_hours]\ndays = ["lun", "mar", "mié", "jue", "vie"]\n'
                     'start = "09:00"\nend = "18:00"\n')


def test_business_hours_are_labelled_with_calendar_time_beside_them(
        cli: Cli, sandbox: Sandbox, tmp_path: Path):
    (cli.cwd / "escalate.toml").write_text(BUSINESS, encoding="utf-8")
    base_ms = int(time.time() * 1000)
    seed(sandbox, [Seeded("MEDIA", "9002", "Correo", WHERE[0], ONE_OFF[0], "uno",
                          28 * 24 + 0.5)], base_ms)
    since = datetime.fromtimestamp(base_ms / 1000 - 30 * 86_400, tz=timezone.utc).isoformat()
    report = cli("informe", "--desde", since, "--json").json()
    assert report["business_hours"] is True
    [waited] = report["waited_past"]
    # 28 calendar days hold 20 working days of 9 h (give or take today's part).
    assert 170 <= waited["hours"] <= 190 and abs(waited["calendar_hours"] - 672.5) < 0.1
    shown = cli("informe", "--desde", since, environ={"COLUMNS": "120"}).out
    assert "horas hábiles" in shown and "Espera (h hábiles)" in shown and "28 d 0 h" in shown
    # A terminal of 100 columns (rich reads COLUMNS from the process): the waiting column
    # then holds «180 h hábiles» and «hace 28 d 0 h» a line each.
    owed = cli.subprocess("seguimiento", "--todos", environ={"COLUMNS": "100"}).stdout
    assert re.search(r"1[78]\d h hábiles", owed) and "hace 28 d" in owed, owed
    [row] = cli("seguimiento", "--todos", "--json").json()
    assert row["business_hours"] is True and abs(row["calendar_hours_waiting"] - 672.5) < 0.1
    assert row["hours_waiting"] < 200


def test_the_score_is_counted_per_agent_and_resolution_per_score_band(cli: Cli,
                                                                      sandbox: Sandbox):
    (cli.cwd / "escalate.toml").write_text(POLICY, encoding="utf-8")
    base_ms = int(time.time() * 1000)
    ana, luis = "9002", "9003"
    items = [Seeded("ALTA", ana, "Correo", WHERE[0], ENDOSO[0], "a", 40.5, resolved=10.5,
                    quality=30),
             Seeded("ALTA", ana, "Correo", WHERE[0], PAGO[0], "b", 30.5, resolved=28.5,
                    quality=85),
             Seeded("MEDIA", ana, "Correo", WHERE[1], PAGO[1], "c", 20.5, resolved=16.5,
                    quality=90),
             Seeded("MEDIA", luis, "Correo", WHERE[1], ONE_OFF[0], "d", 10.5, quality=55),
             Seeded("BAJA", luis, "Correo", WHERE[2], ONE_OFF[1], "e", 5.5)]
    seed(sandbox, items, base_ms)
    since = datetime.fromtimestamp(base_ms / 1000 - 100 * 3600, tz=timezone.utc).isoformat()
    result = cli("informe", "--desde", since, "--json")
    assert result.code == 0, result.err
    quality = result.json()["quality"]
    by_agent = {a["key"]: a for a in quality["by_agent"]}
    assert by_agent[AGENTS[ana]]["bands"] == {"0-39": 1, "40-59": 0, "60-79": 0, "80-100": 2}
    assert by_agent[AGENTS[ana]]["median"] == 85 and by_agent[AGENTS[ana]]["unscored"] == 0
    assert by_agent[AGENTS[luis]]["bands"]["40-59"] == 1
    assert by_agent[AGENTS[luis]]["unscored"] == 1
    assert {b["band"]: (b["tickets"], b["resolved"], b["median_hours"])
            for b in quality["by_band"]} == {
        "0-39": (1, 1, 30.0), "40-59": (1, 0, None), "80-100": (2, 2, 3.0),
        "sin calificación": (1, 0, None)}
    page = cli.cwd / "calidad.html"
    assert cli("informe", "--desde", since, "--html", str(page)).code == 0
    assert "Calidad de las escalaciones (0-100) por agente" in page.read_text(encoding="utf-8")
    shown = cli("informe", "--desde", since)
    assert "Calidad de las escalaciones por agente" in shown.out
    assert "Tiempo hasta la resolución por calificación" in shown.out
