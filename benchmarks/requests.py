"""Request counts and times of the main jobs, against a local sandbox. Prints numbers.

    python benchmarks/requests.py [--big]    # --big adds followup over 10,500 tickets
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import escalate_sandbox

ANA = ["--poliza", "POL-1001", "--cliente", "Ana López", "--correo", "ana.lopez@example.com",
       "--prioridad", "ALTA", "--que", "El endoso no guarda", "--como", "Endosos > Guardar",
       "--donde", "Portal web"]
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c"
                    "4944415408d763f8cfc0f0000004010100c4d6b8a30000000049454e44ae426082")


class Bench:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.sandbox = escalate_sandbox.start(root / "hubspot", per_10s=0)
        self.env = {"PATH": os.environ.get("PATH", ""), "ESCALATE_HOME": str(root / "home"),
                    "HUBSPOT_BASE_URL": self.sandbox.url, "HUBSPOT_ACCESS_TOKEN": "sandbox"}

    def control(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.sandbox.url}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": "Bearer sandbox"})
        with urllib.request.urlopen(request, timeout=120) as answer:
            return json.loads(answer.read() or b"null")

    def run(self, *args: str, env: dict[str, str] | None = None) -> tuple[float, int, str]:
        """Wall time, requests sent and stdout of one `escalate` process."""
        self.control("DELETE", "/_sandbox/requests")
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "escalate", *args], text=True,
                              capture_output=True, cwd=self.root, env={**self.env, **(env or {})})
        elapsed = time.perf_counter() - started
        if done.returncode:
            raise SystemExit(f"escalate {' '.join(args)} failed: {done.stderr}")
        return elapsed, len(self.control("GET", "/_sandbox/requests")), done.stdout

    def overdue(self, count: int) -> None:
        base = int((time.time() - 72 * 3600) * 1000)
        for start in range(0, count, 100):
            self.control("POST", "/crm/v3/objects/tickets/batch/create", {"inputs": [{
                "properties": {"subject": f"T{i}", "hs_pipeline": "0", "hs_pipeline_stage": "2",
                               "hs_ticket_priority": "HIGH", "createdate": str(base - i * 1000)},
                "associations": [{"to": {"id": str(1001 + i % 6)}, "types": [{
                    "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 16}]}],
            } for i in range(start, min(count, start + 100))]})


def main() -> None:
    big = "--big" in sys.argv
    with tempfile.TemporaryDirectory() as folder:
        bench = Bench(Path(folder))
        seconds, count, out = bench.run("create", *ANA, "--json")
        print(f"create, first in this ESCALATE_HOME: {count} requests, {seconds:.2f} s")
        ticket = json.loads(out)["id"]
        seconds, count, _ = bench.run("create", *ANA, "--no-input")
        print(f"create, second (portal cached):     {count} requests, {seconds:.2f} s")

        sandbox_home = {"ESCALATE_HOME": str(Path(folder) / "sandbox-home"),
                        "HUBSPOT_BASE_URL": "", "HUBSPOT_ACCESS_TOKEN": ""}
        bench.run("--sandbox", "create", *ANA, env=sandbox_home)
        seconds, _, _ = bench.run("--sandbox", "create", *ANA, "--no-input", env=sandbox_home)
        print(f"escalate --sandbox create (whole process, embedded sandbox): {seconds:.2f} s")

        files = []
        for i in range(5):
            path = Path(folder) / f"captura{i}.png"
            path.write_bytes(PNG + bytes([i]))
            files.append(str(path))
        bench.control("POST", "/_sandbox/latency", {"delay_ms": 300})
        started = time.perf_counter()
        bench.run("attach", ticket, *files)
        seconds = time.perf_counter() - started
        log = bench.control("GET", "/_sandbox/requests")
        uploads = [r for r in log if r["path"] == "/files/v3/files"]
        in_flight = max(sum(1 for u in uploads if u["started_at"] <= r["started_at"]
                            < u["finished_at"]) for r in uploads)
        span = max(r["finished_at"] for r in log) - min(r["started_at"] for r in log)
        print(f"attach 5 files at 300 ms latency: {len(log)} requests over {span:.2f} s "
              f"(6 sequential requests: {6 * 0.3:.2f} s), up to {in_flight} uploads in flight; "
              f"{seconds:.2f} s for the whole process")
        bench.control("POST", "/_sandbox/latency", {"delay_ms": 0})

        for count in (250, 10_500) if big else (250,):
            bench.control("POST", "/_sandbox/reset", {})
            bench.overdue(count)
            seconds, requests, out = bench.run("followup", "--json")
            print(f"followup over {count} overdue tickets: {len(json.loads(out))} listed, "
                  f"{requests} requests, {seconds:.2f} s")
        bench.sandbox.stop()


if __name__ == "__main__":
    main()
