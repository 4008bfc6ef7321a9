"""What the benchmark scripts share: a local sandbox, its control endpoints, an environment
that points `escalate` at it, one timed `escalate` process and a batch of overdue tickets.

The scripts run as `python benchmarks/x.py`, so this folder is on `sys.path` and they
`import harness`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

TOKEN = "sandbox"


def start_sandbox(root: Path, per_10s: int = 0) -> Any:
    """A sandbox serving from `root / "hubspot"` (imported here: it is heavy)."""
    import escalate_sandbox

    return escalate_sandbox.start(root / "hubspot", per_10s=per_10s)


def escalate_env(url: str, home: Path | None = None, **extra: str) -> dict[str, str]:
    """PATH, the sandbox's address and token, ESCALATE_HOME when given, then `extra`."""
    env = {"PATH": os.environ.get("PATH", "")}
    if home is not None:
        env["ESCALATE_HOME"] = str(home)
    env.update({"HUBSPOT_BASE_URL": url, "HUBSPOT_ACCESS_TOKEN": TOKEN})
    env.update(extra)
    return env


def control(url: str, method: str, path: str, body: Any = None, timeout: float = 120) -> Any:
    """One JSON request to the sandbox (an API or a `/_sandbox/...` control path)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{url}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.loads(answer.read() or b"null")


def rtt(url: str) -> float:
    """One plain API request's round trip at the sandbox's current latency (median of 5)."""
    times = []
    for _ in range(5):
        started = time.perf_counter()
        control(url, "GET", "/account-info/v3/details")
        times.append(time.perf_counter() - started)
    return sorted(times)[2]


def run_escalate(args: tuple[str, ...], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    """Wall time and stdout of one `python -m escalate ARGS`; a failure ends the benchmark."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "escalate", *args], text=True,
                          capture_output=True, cwd=cwd, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"escalate {' '.join(args)} failed: {done.stderr}")
    return elapsed, done.stdout


def seed_overdue(url: str, count: int, subject: Callable[[int], str] = lambda i: f"T{i}",
                 extra: Callable[[int], dict[str, str]] = lambda i: {}) -> None:
    """`count` open HIGH tickets created 72 h ago (a second apart), each with a contact, so
    that a follow-up is owed on every one."""
    base = int((time.time() - 72 * 3600) * 1000)
    for start in range(0, count, 100):
        control(url, "POST", "/crm/v3/objects/tickets/batch/create", {"inputs": [{
            "properties": {"subject": subject(i), "hs_pipeline": "0", "hs_pipeline_stage": "2",
                           "hs_ticket_priority": "HIGH", "createdate": str(base - i * 1000),
                           **extra(i)},
            "associations": [{"to": {"id": str(1001 + i % 6)}, "types": [{
                "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 16}]}],
        } for i in range(start, min(count, start + 100))]})
