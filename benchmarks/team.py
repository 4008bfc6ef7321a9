"""Request counts and times of the team's jobs against a local sandbox. Prints numbers.

    python benchmarks/team.py

- `followup --tareas --todos` over 250 owed calls in a warm home (budget: 12 requests), then
  again with nothing changed (budget: 6 requests, 0 writes);
- a warm `create` with ESCALATE_AGENT and a policy file (budget: 3 requests).
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

ESCALATION = ["--poliza", "POL-1001", "--cliente", "Ana López", "--correo",
              "ana.lopez@example.com", "--prioridad", "ALTA", "--que", "El endoso no guarda",
              "--como", "Endosos > Guardar", "--donde", "Portal web", "--no-input"]
POLICY = '[matrix]\nALTA = "tech-lead@aseguradora.example"\n'
WRITES = ("POST", "PATCH", "PUT", "DELETE")


class Bench:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.sandbox = escalate_sandbox.start(root / "hubspot", per_10s=0)
        (root / "escalate.toml").write_text(POLICY, encoding="utf-8")
        self.env = {"PATH": os.environ.get("PATH", ""), "ESCALATE_HOME": str(root / "home"),
                    "HUBSPOT_BASE_URL": self.sandbox.url, "HUBSPOT_ACCESS_TOKEN": "sandbox",
                    "ESCALATE_POLICY_FILE": str(root / "escalate.toml")}

    def control(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.sandbox.url}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": "Bearer sandbox"})
        with urllib.request.urlopen(request, timeout=120) as answer:
            return json.loads(answer.read() or b"null")

    def run(self, *args: str, env: dict[str, str] | None = None
            ) -> tuple[float, list[dict[str, Any]], str]:
        """Wall time, the requests sent and stdout of one `escalate` process."""
        self.control("DELETE", "/_sandbox/requests")
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "escalate", *args], text=True,
                              capture_output=True, cwd=self.root, env={**self.env, **(env or {})})
        elapsed = time.perf_counter() - started
        if done.returncode:
            raise SystemExit(f"escalate {' '.join(args)} failed: {done.stderr}")
        return elapsed, list(self.control("GET", "/_sandbox/requests")), done.stdout

    def overdue(self, count: int) -> None:
        base = int((time.time() - 72 * 3600) * 1000)
        for start in range(0, count, 100):
            self.control("POST", "/crm/v3/objects/tickets/batch/create", {"inputs": [{
                "properties": {"subject": f"POL-{i} - Cliente", "hs_pipeline": "0",
                               "hs_pipeline_stage": "2", "hs_ticket_priority": "HIGH",
                               "createdate": str(base - i * 1000),
                               "escalate_agent": "9002" if i % 2 else "9003"},
                "associations": [{"to": {"id": str(1001 + i % 6)}, "types": [{
                    "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 16}]}],
            } for i in range(start, min(count, start + 100))]})


def _writes(log: list[dict[str, Any]]) -> int:
    return sum(1 for r in log if r["method"] in WRITES
               and not r["path"].endswith(("/search", "/batch/read")))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        bench = Bench(Path(folder))
        bench.overdue(250)
        bench.run("followup", "--json")  # a warm home: the portal is cached
        for label in ("first run", "again, nothing changed"):
            seconds, log, out = bench.run("followup", "--tareas", "--todos", "--json")
            summary = json.loads(out)
            print(f"followup --tareas over 250 owed calls, {label}: {len(log)} requests "
                  f"({_writes(log)} writes; {sum(1 for r in log if r['status'] == 429)} "
                  f"answered 429), created {summary['created']}, unchanged "
                  f"{summary['unchanged']}; {seconds:.2f} s for the whole process")
            time.sleep(1.1)  # the search limit is per second: runs are minutes apart in use
        agent = {"ESCALATE_AGENT": "ana.agente@aseguradora.example"}
        bench.run("create", *ESCALATION, env=agent)
        seconds, log, _ = bench.run("create", *ESCALATION[:1], "POL-1002", *ESCALATION[2:],
                                    env=agent)
        print(f"create, warm, with ESCALATE_AGENT and a policy file: {len(log)} requests, "
              f"{seconds:.2f} s")
        bench.sandbox.stop()


if __name__ == "__main__":
    main()
