"""The fault matrix of issue 11, rerun: counts of lost and duplicated escalations.

    python benchmarks/chaos.py            # 140 killed creates; 80 creates from 8 agents
    python benchmarks/chaos.py --quick    # 30 killed creates; 24 creates from 8 agents

1. Kills: creates killed at a random moment (0-1.5 s after start), half with SIGKILL,
   half with SIGINT; then `outbox send` until nothing is pending. An escalation is lost
   when it is neither a ticket, nor waiting in the outbox (pending or draft). A SIGKILL
   before the outbox held anything cannot be kept by anyone: counted apart ("never held").
2. Agents: creates from 8 agent processes under a 20-per-10-s rate limit with faults
   injected (429, 502, 503, and 502 after the write was carried out), every fourth one
   with a screenshot; then 3 `outbox send` at once. Counted: tickets per escalation,
   files and notes per ticket.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import harness

BASE = ["--cliente", "Ana López", "--correo", "ana.lopez@example.com", "--prioridad", "ALTA",
        "--que", "El endoso no guarda", "--como", "Endosos > Guardar", "--donde", "Portal web",
        "--sin-preguntas"]
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c"
                    "4944415408d763f8cfc0f0000004010100c4d6b8a30000000049454e44ae426082")


class Lab:
    def __init__(self, root: Path, per_10s: int) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.sandbox = harness.start_sandbox(root, per_10s=per_10s)
        (root / "tmp").mkdir()
        self.env = harness.escalate_env(self.sandbox.url, root / "home", TMPDIR=str(root / "tmp"),
                                        ESCALATE_RETRY_SECONDS="30",
                                        ESCALATE_OFFLINE_RETRY_SECONDS="5")

    def control(self, method: str, path: str, body: Any = None) -> Any:
        return harness.control(self.sandbox.url, method, path, body)

    def escalate(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "escalate", *args], env=self.env,
                              text=True, capture_output=True, timeout=timeout)

    def tickets(self) -> list[dict[str, Any]]:
        found, after = [], None
        while True:
            body: dict[str, Any] = {"filterGroups": [], "limit": 100,
                                    "properties": ["escalate_policy", "escalate_id"]}
            if after:
                body["after"] = after
            page = self.control("POST", "/crm/v3/objects/tickets/search", body)
            found += page["results"]
            after = (page.get("paging") or {}).get("next", {}).get("after")
            if not after:
                return found

    def outbox(self) -> list[dict[str, Any]]:
        listing = self.escalate("outbox", "--json")
        return list(json.loads(listing.stdout or "[]"))

    def drain(self, senders: int = 1, rounds: int = 4) -> None:
        for _ in range(rounds):
            with ThreadPoolExecutor(senders) as pool:
                list(pool.map(lambda _: self.escalate("outbox", "send"), range(senders)))
            if not [e for e in self.outbox() if e.get("status") == "pendiente"]:
                return

    def stop(self) -> None:
        self.sandbox.stop()


def kills(lab: Lab, count: int, parallel: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)

    delays = [rng.uniform(0.0, 3.0) for _ in range(count)]

    def one(i: int) -> tuple[str, str, str]:
        policy = f"K-{i:03d}"
        how = "KILL" if i % 2 == 0 else "INT"
        process = subprocess.Popen([sys.executable, "-m", "escalate", "create", "--poliza",
                                    policy, *BASE], env=lab.env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        time.sleep(delays[i])
        process.send_signal(signal.SIGKILL if how == "KILL" else signal.SIGINT)
        _, err = process.communicate(timeout=120)
        return policy, how, err

    with ThreadPoolExecutor(parallel) as pool:
        sent = list(pool.map(one, range(count)))
    lab.drain()
    tickets = Counter(t["properties"]["escalate_policy"] for t in lab.tickets())
    waiting = Counter()
    for entry in lab.outbox():
        for word in entry["description"].split():
            waiting[word] += 1
    result = Counter()
    for policy, how, err in sent:
        if tickets[policy] > 1:
            result["duplicated"] += 1
        if tickets[policy]:
            result["delivered"] += 1
        elif waiting[policy]:
            result["kept (draft or pending)"] += 1
        elif how == "KILL":
            result["never held (SIGKILL before the outbox)"] += 1
        elif "Traceback" in err and "rescue.py" not in err and "cli/app.py" not in err:
            result["SIGINT before the guard (interpreter start)"] += 1
        else:
            result["lost"] += 1
    result.setdefault("lost", 0)
    result.setdefault("duplicated", 0)
    return dict(result)


def agents(lab: Lab, count: int, faults: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    kinds = [(429, False), (502, False), (503, False), (502, True)]
    paths = ["/crm/objects/2026-09/tickets", "/crm/objects/2026-09/contacts/search",
             "/files/2026-03/files", "/crm/objects/2026-09/notes",
             "/crm/objects/2026-09/tickets/search"]
    for _ in range(faults):
        status, after = rng.choice(kinds)
        lab.control("POST", "/_sandbox/faults", {
            "method": "POST", "path_prefix": rng.choice(paths), "times": 1,
            "status": status, "after_commit": after})
    picture = lab.root / "captura.png"
    picture.write_bytes(PNG)

    def agent(a: int) -> list[str]:
        mine = []
        for i in range(a, count, 8):
            policy = f"A-{i:03d}"
            extra = ["--adjunto", str(picture)] if i % 4 == 0 else []
            lab.escalate("create", "--poliza", policy, *BASE, *extra)
            mine.append(policy)
        return mine

    with ThreadPoolExecutor(8) as pool:
        policies = [p for batch in pool.map(agent, range(8)) for p in batch]
    lab.drain(senders=3)
    lab.control("POST", "/_sandbox/rate_limit", {"per_10s": 0})  # counting is not the test
    tickets = lab.tickets()
    per_policy = Counter(t["properties"]["escalate_policy"] for t in tickets)
    waiting = {e["description"].split(" - ")[0].removeprefix("borrador: ")
               for e in lab.outbox()}
    notes_twice = files_twice = 0
    for ticket in tickets:
        got = lab.control("GET", f"/crm/v3/objects/tickets/{ticket['id']}?associations=notes")
        links = ((got.get("associations") or {}).get("notes") or {}).get("results") or []
        bodies = []
        for link in links:
            note = lab.control("GET", f"/crm/v3/objects/notes/{link['id']}"
                                      "?properties=hs_attachment_ids")
            bodies.append((note.get("properties") or {}).get("hs_attachment_ids") or "")
        with_files = [b for b in bodies if b]
        notes_twice += max(0, len(with_files) - 1)
        files_twice += sum(max(0, len(b.split(";")) - 1) for b in with_files)
    return {"creates": len(policies), "tickets": len(tickets),
            "lost": sum(1 for p in policies if not per_policy[p] and p not in waiting),
            "waiting in the outbox": sum(1 for p in policies if not per_policy[p]
                                         and p in waiting),
            "duplicated tickets": sum(1 for p in policies if per_policy[p] > 1),
            "duplicated notes": notes_twice, "duplicated files": files_twice}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--only", choices=["kills", "agents"])
    options = parser.parse_args()
    kill_count, create_count, faults = (30, 24, 20) if options.quick else (140, 80, 60)
    with tempfile.TemporaryDirectory() as folder:
        if options.only != "agents":
            run_kills(Path(folder), kill_count, options.seed)
        if options.only != "kills":
            run_agents(Path(folder), create_count, faults, options.seed)


def run_kills(folder: Path, kill_count: int, seed: int) -> None:
    lab = Lab(folder / "kills", per_10s=0)
    started = time.monotonic()
    try:
        counts = kills(lab, kill_count, 4, seed)
    finally:
        lab.stop()
    print(f"kills ({kill_count}):", json.dumps(counts, ensure_ascii=False),
          f"{time.monotonic() - started:.0f} s", flush=True)


def run_agents(folder: Path, create_count: int, faults: int, seed: int) -> None:
    lab = Lab(folder / "agents", per_10s=20)
    started = time.monotonic()
    try:
        counts = agents(lab, create_count, faults, seed)
    finally:
        lab.stop()
    print(f"agents (8, {create_count} creates, {faults} faults, 20 per 10 s):",
          json.dumps(counts, ensure_ascii=False), f"{time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
