"""Request counts and times of the main jobs, against a local sandbox. Prints numbers.

    python benchmarks/requests.py [--big]    # --big adds followup over 10,500 tickets
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import harness

ANA = ["--poliza", "POL-1001", "--cliente", "Ana López", "--correo", "ana.lopez@example.com",
       "--prioridad", "ALTA", "--que", "El endoso no guarda", "--como", "Endosos > Guardar",
       "--donde", "Portal web"]
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c"
                    "4944415408d763f8cfc0f0000004010100c4d6b8a30000000049454e44ae426082")


class Bench:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.sandbox = harness.start_sandbox(root)
        self.env = harness.escalate_env(self.sandbox.url, root / "home")

    def control(self, method: str, path: str, body: Any = None) -> Any:
        return harness.control(self.sandbox.url, method, path, body)

    def run(self, *args: str, env: dict[str, str] | None = None) -> tuple[float, int, str]:
        """Wall time, requests sent and stdout of one `escalate` process."""
        self.control("DELETE", "/_sandbox/requests")
        elapsed, out = harness.run_escalate(args, {**self.env, **(env or {})}, self.root)
        return elapsed, len(self.control("GET", "/_sandbox/requests")), out

    def overdue(self, count: int) -> None:
        harness.seed_overdue(self.sandbox.url, count)


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
        uploads = [r for r in log if r["path"] == "/files/2026-03/files"]
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
