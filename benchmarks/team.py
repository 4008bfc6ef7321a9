"""Request counts and times of the team's jobs against a local sandbox. Prints numbers.

    python benchmarks/team.py

- `followup --tareas --todos` over 250 owed calls in a warm home (budget: 12 requests), then
  again with nothing changed (budget: 6 requests, 0 writes);
- a warm `create` with ESCALATE_AGENT and a policy file (budget: 3 requests).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import harness

ESCALATION = ["--poliza", "POL-1001", "--cliente", "Ana López", "--correo",
              "ana.lopez@example.com", "--prioridad", "ALTA", "--que", "El endoso no guarda",
              "--como", "Endosos > Guardar", "--donde", "Portal web", "--no-input"]
POLICY = '[matrix]\nALTA = "tech-lead@aseguradora.example"\n'
WRITES = ("POST", "PATCH", "PUT", "DELETE")


class Bench:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.sandbox = harness.start_sandbox(root)
        (root / "escalate.toml").write_text(POLICY, encoding="utf-8")
        self.env = harness.escalate_env(self.sandbox.url, root / "home",
                                        ESCALATE_POLICY_FILE=str(root / "escalate.toml"))

    def control(self, method: str, path: str, body: Any = None) -> Any:
        return harness.control(self.sandbox.url, method, path, body)

    def run(self, *args: str, env: dict[str, str] | None = None
            ) -> tuple[float, list[dict[str, Any]], str]:
        """Wall time, the requests sent and stdout of one `escalate` process."""
        self.control("DELETE", "/_sandbox/requests")
        elapsed, out = harness.run_escalate(args, {**self.env, **(env or {})}, self.root)
        return elapsed, list(self.control("GET", "/_sandbox/requests")), out

    def overdue(self, count: int) -> None:
        harness.seed_overdue(self.sandbox.url, count, subject=lambda i: f"POL-{i} - Cliente",
                             extra=lambda i: {"escalate_agent": "9002" if i % 2 else "9003"})


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
