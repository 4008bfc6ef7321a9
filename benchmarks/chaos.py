"""The fault matrix of issue 11, rerun: counts of lost and duplicated escalations.

    python benchmarks/chaos.py            # every scenario at full size
    python benchmarks/chaos.py --quick    # smaller: 30 kills, 24 creates, 30 s of load
    python benchmarks/chaos.py --only load --src /path/to/other/src   # another checkout

Ends with one table: per scenario, lost, duplicated, the account's budget used and the
time per create (p50/p95) where the scenario creates tickets.

1. Kills: creates killed at a random moment (0-1.5 s after start), half with SIGKILL,
   half with SIGINT; then `outbox send` until nothing is pending. An escalation is lost
   when it is neither a ticket, nor waiting in the outbox (pending or draft). A SIGKILL
   before the outbox held anything cannot be kept by anyone: counted apart ("never held").
2. Agents: creates from 8 agent processes under a 20-per-10-s rate limit with faults
   injected (429, 502, 503, and 502 after the write was carried out), every fourth one
   with a screenshot; then 3 `outbox send` at once. Counted: tickets per escalation,
   files and notes per ticket.
3. Jobs (issue 20): 3 `followup --tareas` at once over the same owed calls, then 2 `bump`
   at once over the same due tickets, at 250 ms of latency and a 2-second search lag; then
   one more `followup --tareas`. Counted: open tasks per owed call (one expected) and bump
   notes per raise (one expected), after the concurrent runs and after the next run.
4. Load (issue 20): 20 agents, each its own process and home, creating one escalation after
   another for a while under the account's 100 requests per 10 s and 5 searches per second,
   twice: with the search 429 carrying the account's rate-limit headers and without them
   (HubSpot's is unverified). Counted: the budget used (requests the sandbox admitted over
   what the limit allows in the time they ran), creates per minute, time per create, 429s.
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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import harness

BASE = ["--cliente", "Ana López", "--correo", "ana.lopez@example.com", "--prioridad", "ALTA",
        "--que", "El endoso no guarda", "--como", "Endosos > Guardar", "--donde", "Portal web",
        "--sin-preguntas"]
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c"
                    "4944415408d763f8cfc0f0000004010100c4d6b8a30000000049454e44ae426082")


SRC: str | None = None  # --src: another checkout's escalate


class Lab:
    def __init__(self, root: Path, per_10s: int, **extra: str) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.sandbox = harness.start_sandbox(root, per_10s=per_10s)
        (root / "tmp").mkdir()
        self.env = harness.escalate_env(self.sandbox.url, root / "home", TMPDIR=str(root / "tmp"),
                                        ESCALATE_RETRY_SECONDS="30",
                                        ESCALATE_OFFLINE_RETRY_SECONDS="5",
                                        **({"PYTHONPATH": SRC} if SRC else {}), **extra)

    def control(self, method: str, path: str, body: Any = None) -> Any:
        return harness.control(self.sandbox.url, method, path, body)

    def escalate(self, *args: str, timeout: float = 600,
                 home: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = self.env if home is None else {**self.env, "ESCALATE_HOME": str(home)}
        return subprocess.run([sys.executable, "-m", "escalate", *args], env=env, cwd=self.root,
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


def linked(lab: Lab, kind: str, ids: list[str], to: str) -> dict[str, list[str]]:
    """For each object, its associated `to` ids (the sandbox's own association read)."""
    found: dict[str, list[str]] = {}
    for start in range(0, len(ids), 1000):
        answer = lab.control("POST", f"/crm/v4/associations/{kind}/{to}/batch/read",
                             {"inputs": [{"id": i} for i in ids[start:start + 1000]]})
        for result in answer.get("results") or []:
            found[str(result["from"]["id"])] = [str(t["toObjectId"]) for t in result["to"]]
    return found


def read(lab: Lab, kind: str, ids: list[str], properties: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 100):
        answer = lab.control("POST", f"/crm/v3/objects/{kind}/batch/read", {
            "inputs": [{"id": i} for i in ids[start:start + 100]], "properties": properties})
        found.update({str(r["id"]): r["properties"] for r in answer.get("results") or []})
    return found


def task_counts(lab: Lab, ticket_ids: list[str]) -> Counter[str]:
    """Owed calls by how many open tasks each has: "one", "none", "duplicated"; and tasks
    completed as duplicates."""
    links = linked(lab, "tickets", ticket_ids, "tasks")
    tasks = read(lab, "tasks", [t for ids in links.values() for t in ids],
                 ["hs_task_status", "hs_task_body"])
    counts: Counter[str] = Counter()
    for ticket in ticket_ids:
        mine = [tasks[t] for t in links.get(ticket, []) if t in tasks]
        open_ = sum(1 for t in mine if t["hs_task_status"] != "COMPLETED")
        counts["one" if open_ == 1 else "none" if open_ == 0 else "duplicated"] += 1
        counts["completed or removed as duplicates"] += max(0, len(mine) - 1)
    return counts


def note_counts(lab: Lab, ticket_ids: list[str]) -> Counter[str]:
    """Raised tickets by how many bump notes each has."""
    links = linked(lab, "tickets", ticket_ids, "notes")
    notes = read(lab, "notes", [n for ids in links.values() for n in ids], ["hs_note_body"])
    counts: Counter[str] = Counter()
    for ticket in ticket_ids:
        bumps = sum(1 for n in links.get(ticket, [])
                    if "Prioridad subida" in (notes.get(n) or {}).get("hs_note_body", ""))
        counts["one note" if bumps == 1 else "no note" if bumps == 0 else "notes twice"] += 1
    return counts


def jobs(lab: Lab, calls: int, due: int) -> dict[str, Any]:
    """Concurrent `followup --tareas` and `bump` at 250 ms and a 2-second search lag."""
    policy = lab.root / "escalate.toml"
    policy.write_text("[bump]\nafter_hours = { MEDIA = 48 }\n", encoding="utf-8")
    lab.env["ESCALATE_POLICY_FILE"] = str(policy)
    harness.seed_overdue(lab.sandbox.url, calls, subject=lambda i: f"POL-{i} - Cliente",
                         extra=lambda i: {"escalate_agent": "9002" if i % 2 else "9003"})
    now_ms = int(time.time() * 1000)
    raised = lab.control("POST", "/_sandbox/history", {"object": "tickets", "records": [
        {"properties": {"subject": f"BUMP-{n} - Cliente", "hs_pipeline": "0",
                        "hs_pipeline_stage": "2", "hs_ticket_priority": "MEDIUM"},
         "created_at": str(now_ms - 60 * 3_600_000 - n * 1000)} for n in range(due)]})["ids"]
    owed = [str(t["id"]) for t in lab.tickets() if str(t["id"]) not in set(map(str, raised))]
    time.sleep(2.1)  # the tickets were there before the jobs: past the lag set below
    lab.control("POST", "/_sandbox/latency", {"delay_ms": 250})
    lab.control("POST", "/_sandbox/search_lag", {"ms": 2000})
    homes = [lab.root / f"home-{n}" for n in range(3)]

    def tasks(home: Path) -> int:
        return lab.escalate("followup", "--tareas", "--todos", "--json", home=home).returncode

    with ThreadPoolExecutor(3) as pool:
        codes = list(pool.map(tasks, homes))
    with ThreadPoolExecutor(2) as pool:
        codes += list(pool.map(lambda h: lab.escalate("bump", "--json", home=h).returncode,
                               homes[:2]))
    lab.control("POST", "/_sandbox/latency", {"delay_ms": 0})
    after_concurrent = task_counts(lab, owed)
    notes = note_counts(lab, [str(i) for i in raised])
    time.sleep(2.1)  # the next run, as the job's next quarter hour: past the search lag
    codes.append(tasks(homes[0]))
    after_next = task_counts(lab, owed)
    return {"exit codes": dict(Counter(codes)),
            "tasks after 3 at once": dict(after_concurrent),
            "bump notes after 2 at once": dict(notes),
            "tasks after the next run": dict(after_next),
            "lost": after_next["none"] + notes["no note"],
            "duplicated": after_next["duplicated"] + notes["notes twice"]}


def load(lab: Lab, agents: int, seconds: float, shape: str) -> dict[str, Any]:
    """`agents` processes creating one escalation after another for `seconds`."""
    lab.control("POST", "/_sandbox/rate_limit", {"per_10s": 0})
    homes = [lab.root / f"{shape}-agent-{a}" for a in range(agents)]
    for a, home in enumerate(homes):  # each agent's home warm: the portal cached
        lab.escalate("create", "--poliza", f"W-{shape}-{a}", *BASE, home=home)
    lab.control("POST", "/_sandbox/rate_limit", {"per_10s": 100, "search_per_s": 5,
                                                  "search_429_headers": shape})
    lab.control("DELETE", "/_sandbox/requests")
    started = time.monotonic()
    times: list[float] = []
    policies: list[str] = []

    def agent(a: int) -> None:
        n = 0
        while time.monotonic() - started < seconds:
            policy = f"L-{shape}-{a}-{n}"
            begun = time.monotonic()
            lab.escalate("create", "--poliza", policy, *BASE, home=homes[a])
            times.append(time.monotonic() - begun)
            policies.append(policy)
            n += 1

    with ThreadPoolExecutor(agents) as pool:
        list(pool.map(agent, range(agents)))
    log = lab.control("GET", "/_sandbox/requests")
    lab.control("POST", "/_sandbox/rate_limit", {"per_10s": 0})
    admitted = [r for r in log if r["status"] != 429]
    span = max(r["finished_at"] for r in log) - min(r["started_at"] for r in log)
    per_policy = Counter(t["properties"]["escalate_policy"] for t in lab.tickets())
    waiting = {e["description"].split(" - ")[0]
               for home in homes for e in json.loads(
                   lab.escalate("outbox", "--json", home=home).stdout or "[]")}
    times.sort()
    return {"creates": len(policies), "per minute": round(len(policies) / span * 60, 1),
            "budget used": f"{len(admitted) / (100 * span / 10):.0%}",
            "429 (10 s)": sum(1 for r in log if r["status"] == 429
                              and not r["path"].endswith("/search")),
            "429 (search)": sum(1 for r in log if r["status"] == 429
                                and r["path"].endswith("/search")),
            "p50": f"{times[len(times) // 2]:.1f} s",
            "p95": f"{times[int(len(times) * 0.95)]:.1f} s",
            "lost": sum(1 for p in policies if not per_policy[p.upper()]
                        and p.upper() not in waiting),
            "duplicated": sum(1 for p in policies if per_policy[p.upper()] > 1)}


TABLE: list[tuple[str, dict[str, Any]]] = []


def main() -> None:
    global SRC
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--only", choices=["kills", "agents", "jobs", "load"])
    parser.add_argument("--src", default=None)
    options = parser.parse_args()
    SRC = options.src
    kill_count, create_count, faults = (30, 24, 20) if options.quick else (140, 80, 60)
    with tempfile.TemporaryDirectory() as folder:
        if options.only in (None, "kills"):
            run_kills(Path(folder), kill_count, options.seed)
        if options.only in (None, "agents"):
            run_agents(Path(folder), create_count, faults, options.seed)
        if options.only in (None, "jobs"):
            run_jobs(Path(folder), 60 if options.quick else 200, 40 if options.quick else 150)
        if options.only in (None, "load"):
            run_load(Path(folder), 30 if options.quick else 90)
    print(f"\n{'scenario':<44} {'lost':>5} {'dup':>5} {'budget':>7} {'p50':>7} {'p95':>7}")
    for name, row in TABLE:
        print(f"{name:<44} {row.get('lost', 0):>5} {row.get('duplicated', 0):>5} "
              f"{row.get('budget used', '—'):>7} {row.get('p50', '—'):>7} "
              f"{row.get('p95', '—'):>7}")


def scenario(folder: Path, said: str, row: str, run: Callable[[Lab], dict[str, Any]]) -> None:
    """One scenario in its own sandbox: its counts printed in full and kept for the table."""
    lab = Lab(folder, per_10s=0)
    started = time.monotonic()
    try:
        counts = run(lab)
    finally:
        lab.stop()
    print(f"{said}:", json.dumps(counts, ensure_ascii=False),
          f"{time.monotonic() - started:.0f} s", flush=True)
    TABLE.append((row, counts))


def run_jobs(folder: Path, calls: int, due: int) -> None:
    scenario(folder / "jobs", f"jobs (3 --tareas over {calls} calls, 2 bump over {due}, "
             "250 ms, 2 s lag)", f"3 --tareas ({calls} calls) + 2 bump ({due})",
             lambda lab: jobs(lab, calls, due))


def run_load(folder: Path, seconds: float) -> None:
    for shape in ("window", "none"):
        scenario(folder / f"load-{shape}",
                 f"load (20 agents, {seconds:.0f} s, 100 per 10 s, search 429 headers: {shape})",
                 f"20 agents, 100/10 s (search 429: {shape})",
                 lambda lab, shape=shape: load(lab, 20, seconds, shape))


def run_kills(folder: Path, kill_count: int, seed: int) -> None:
    lab = Lab(folder / "kills", per_10s=0)
    started = time.monotonic()
    try:
        counts = kills(lab, kill_count, 4, seed)
    finally:
        lab.stop()
    print(f"kills ({kill_count}):", json.dumps(counts, ensure_ascii=False),
          f"{time.monotonic() - started:.0f} s", flush=True)
    TABLE.append((f"{kill_count} creates killed", counts))


def run_agents(folder: Path, create_count: int, faults: int, seed: int) -> None:
    lab = Lab(folder / "agents", per_10s=20)
    started = time.monotonic()
    try:
        counts = agents(lab, create_count, faults, seed)
    finally:
        lab.stop()
    print(f"agents (8, {create_count} creates, {faults} faults, 20 per 10 s):",
          json.dumps(counts, ensure_ascii=False), f"{time.monotonic() - started:.0f} s",
          flush=True)
    TABLE.append((f"8 agents, {create_count} creates, faults", {
        **counts, "duplicated": counts["duplicated tickets"] + counts["duplicated notes"]
        + counts["duplicated files"]}))


if __name__ == "__main__":
    main()
