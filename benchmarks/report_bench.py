"""Requests, time and peak memory of `report` over 10,500 and 50,000 seeded tickets, and of
`bump` over 1,000 due tickets, each as its own `escalate` process against a local sandbox.

    python benchmarks/report_bench.py            # no rate limit, then 50,000 at 100 per 10 s
    python benchmarks/report_bench.py --quick    # bump and 10,500 (short and long texts) only

Seeded tickets carry a description with every section, a past (stage changes, client
updates, priority changes) and QUÉ texts from a few hundred problems typed in many ways
plus one-off texts, so the history reads and the grouping do real work.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import harness

HOUR_MS = 3_600_000
WORDS = re.findall(r"\S+", """
    endoso placa pago póliza app portal recibo factura correo renovación cobro tarjeta asegurado
    vehículo siniestro cotización descarga pantalla error guardar carga sesión contraseña
    beneficiario domicilio deducible cobertura taller grúa ajustador folio reembolso vigencia
    prima cancelación cambio RFC constancia carátula""")
WHERE = ["Portal web de agentes, pantalla de endosos", "App móvil, pagos", "Portal web, recibos",
         "App móvil, siniestros", "Portal web, pantalla de cotización", "Correo de renovación"]
CHANNELS = ["Teléfono", "Correo", "WhatsApp", "Chat", "No indicado"]
OPTIONS = ["LOW", "MEDIUM", "HIGH", "URGENT"]
POLICY = ("[followup]\nhours = { URGENTE = 4, ALTA = 24 }\n"
          "[bump]\nafter_hours = { BAJA = 72, MEDIA = 48, ALTA = 24 }\n")


# `python -m escalate ARGS`, then the process's peak resident memory (KiB) into a file.
PEAK_WRAPPER = """
import os, re, sys
from escalate.cli.app import run
code = run(sys.argv[1:])
status = open("/proc/self/status").read()
with open(os.environ["BENCH_PEAK_FILE"], "w") as out:
    out.write(re.search(r"VmHWM:\\s+(\\d+)", status).group(1))
sys.exit(code)
"""


class Bench:
    def __init__(self, root: Path, per_10s: int = 0) -> None:
        self.root = root
        self.sandbox = harness.start_sandbox(root, per_10s=per_10s)
        self.cpu = 0.0
        (root / "work").mkdir()
        (root / "work" / "escalate.toml").write_text(POLICY, encoding="utf-8")
        self.env = harness.escalate_env(self.sandbox.url, root / "home",
                                        ESCALATE_RETRY_SECONDS="120")

    def control(self, method: str, path: str, body: Any = None) -> Any:
        return harness.control(self.sandbox.url, method, path, body, timeout=600)

    def seed(self, records: list[dict[str, Any]]) -> None:
        for start in range(0, len(records), 5_000):
            self.control("POST", "/_sandbox/history",
                         {"object": "tickets", "records": records[start:start + 5_000]})

    def run(self, *args: str) -> tuple[float, int, int, str]:
        """Wall time, requests, peak RSS (MiB) and stdout of one `escalate` process (its CPU
        time goes into `self.cpu`).

        The peak is the child's own VmHWM, read as it exits: `ru_maxrss` would count the
        pages it shared with this (large) process between fork and exec."""
        self.control("DELETE", "/_sandbox/requests")
        out_path, err_path = self.root / "out.txt", self.root / "err.txt"
        peak_path = self.root / "peak.txt"
        started = time.perf_counter()
        with out_path.open("w") as out, err_path.open("w") as err:
            process = subprocess.Popen([sys.executable, "-c", PEAK_WRAPPER, *args], stdout=out,
                                       stderr=err, cwd=self.root / "work",
                                       env={**self.env, "BENCH_PEAK_FILE": str(peak_path)})
            _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"escalate {' '.join(args)} failed: "
                             f"{err_path.read_text()[-2000:]}")
        requests = len(self.control("GET", "/_sandbox/requests"))
        self.cpu = usage.ru_utime + usage.ru_stime
        return elapsed, requests, int(peak_path.read_text()) // 1024, out_path.read_text()

    def stop(self) -> None:
        self.sandbox.stop()


def escalations(count: int, now_ms: int, rng: random.Random,
                how: str = "Al guardar aparece un error") -> list[dict[str, Any]]:
    """Tickets created over the last 30 days with a past."""
    problems = [" ".join(rng.sample(WORDS, 6)) for _ in range(300)]
    records = []
    for n in range(count):
        if rng.random() < 0.6:
            words = rng.choice(problems).split()
            rng.shuffle(words)
            what = " ".join(words[:rng.randint(4, 6)]) + rng.choice(["", " otra vez", "!"])
        else:
            what = " ".join(rng.sample(WORDS, 7)) + f" folio {n}"
        created = now_ms - rng.randint(60, 30 * 24) * HOUR_MS
        changes: list[dict[str, Any]] = []
        moment = created
        for _ in range(rng.randint(0, 3)):
            moment += rng.randint(1, 72) * HOUR_MS
            if moment < now_ms:
                changes.append({"at": str(moment),
                                "properties": {"escalate_last_client_update": str(moment)}})
        if rng.random() < 0.6:
            closed = created + rng.randint(2, 200) * HOUR_MS
            if closed < now_ms:
                changes.append({"at": str(closed), "properties": {"hs_pipeline_stage": "4"}})
        priority = rng.choice(OPTIONS)
        content = (f"QUÉ:\n{what}\n\nCÓMO:\n{how}\n\nDÓNDE:\n"
                   f"{rng.choice(WHERE)}\n\nCUÁNDO:\nNo indicado\n\nCAMBIOS SOLICITADOS:\n"
                   f"Ninguno\n\nCANAL:\n{rng.choice(CHANNELS)}")
        records.append({"properties": {"subject": f"POL-{n} - Cliente", "hs_pipeline": "0",
                                       "hs_pipeline_stage": "2", "hs_ticket_priority": priority,
                                       "content": content},
                        "created_at": str(created),
                        "changes": sorted(changes, key=lambda c: int(c["at"]))})
    return records


def report_case(count: int, per_10s: int = 0, how_chars: int = 0) -> None:
    with tempfile.TemporaryDirectory() as folder:
        bench = Bench(Path(folder), per_10s=0)
        now_ms = int(time.time() * 1000)
        started = time.perf_counter()
        how = ("Pasos: abrir, editar, guardar. " * (how_chars // 30 + 1))[:how_chars] or (
            "Al guardar aparece un error")
        bench.seed(escalations(count, now_ms, random.Random(count), how))
        seeded = time.perf_counter() - started
        if per_10s:
            bench.control("POST", "/_sandbox/rate_limit", {"per_10s": per_10s})
        since = datetime.fromtimestamp(now_ms / 1000 - 31 * 86_400, tz=timezone.utc)
        seconds, requests, peak, out = bench.run("report", "--desde", since.isoformat(),
                                                 "--json")
        got = json.loads(out)["tickets"]
        limit = f"{per_10s} per 10 s" if per_10s else "no rate limit"
        if how_chars:
            limit += f", {how_chars:,}-character descriptions"
        floor = f"; the limit alone imposes {requests / per_10s * 10:.0f} s" if per_10s else ""
        print(f"report, {count:,} tickets ({limit}): {got:,} counted, {requests} requests, "
              f"{seconds:.1f} s ({bench.cpu:.1f} s CPU in escalate), peak RSS {peak} MiB{floor}  "
              f"(seeding took {seeded:.0f} s)")
        bench.stop()


def bump_case(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        bench = Bench(Path(folder))
        now_ms = int(time.time() * 1000)
        bench.seed([{"properties": {"subject": f"POL-{n} - Cliente", "hs_pipeline": "0",
                                    "hs_pipeline_stage": "2", "hs_ticket_priority": "MEDIUM"},
                     "created_at": str(now_ms - 60 * HOUR_MS - n * 1000)}
                    for n in range(count)])
        seconds, requests, peak, out = bench.run("bump", "--json")
        raised = len(json.loads(out)["raised"])
        print(f"bump, {count:,} due tickets: {raised:,} raised with a note each, {requests} "
              f"requests, {seconds:.1f} s ({bench.cpu:.1f} s CPU in escalate), peak RSS {peak} MiB")
        seconds, requests, _peak, out = bench.run("bump", "--json")
        print(f"bump again at once: {len(json.loads(out)['raised'])} raised, {requests} "
              f"requests, {seconds:.1f} s")
        bench.stop()


def main() -> None:
    quick = "--quick" in sys.argv
    bump_case(1_000)
    report_case(10_500)
    report_case(10_500, how_chars=6_000)  # memory follows tickets, not their text
    if not quick:
        report_case(50_000)
        report_case(50_000, per_10s=100)


if __name__ == "__main__":
    main()
