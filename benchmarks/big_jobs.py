"""The big jobs of issue 21, each beside the floor HubSpot's limits impose. Prints numbers.

    python benchmarks/big_jobs.py [--src PATH] [--quick]
                                  [--jobs rt250,latency,bump,tasks,followup,report]

- `report`: `report` over 50,000 tickets on a portal limited to 100 requests per 10 s, with
  the default retry settings (it must pass); floor: the requests it needs at that limit.
- `tasks`: `followup --tareas --todos` over 10,000 owed calls at 0 and 150 ms of latency;
  floor: the searches at HubSpot's 5 per second (ticket pages and one task page), plus two
  round trips.
- `bump`: `bump` over 1,000 due tickets at 150 ms; floor: its searches at 5 per second plus
  three round trips (the last history read, the update, the note).
- `followup`: `followup` over 10,500 and 50,000 owed calls in each output form (table,
  `--json`, `--csv`): wall time, peak RSS, time to the first row; floor: the search pages
  at 5 per second.
- `latency`: `followup` and `report` over 10,500 at 150 ms; floor: the search pages at 5 per
  second (or one round trip each, if longer), plus two round trips.
- `rt250`: `followup` over 250 owed calls at 150 ms: the round trips on the critical path,
  read from the sandbox's log (the longest chain of requests each sent after the one before
  was answered); floor: 4.

`--src PATH` runs another checkout's escalate (its `src`), e.g. the code before a change;
the sandbox is always this checkout's. `--quick` runs 10,500 where the job says 50,000.
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import harness
import report_bench

SEARCH_PER_SECOND = 5
PEAK_WRAPPER = report_bench.PEAK_WRAPPER
ROW_MARKERS = {"table": "POL-", "json": '"id"', "csv": "\n"}


class Lab:
    def __init__(self, root: Path, src: str | None) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.sandbox = harness.start_sandbox(root)
        (root / "work").mkdir(exist_ok=True)
        (root / "work" / "escalate.toml").write_text(report_bench.POLICY, encoding="utf-8")
        extra = {"PYTHONPATH": src} if src else {}
        self.env = harness.escalate_env(self.sandbox.url, root / "home", COLUMNS="100",
                                        **extra)

    def control(self, method: str, path: str, body: Any = None) -> Any:
        return harness.control(self.sandbox.url, method, path, body, timeout=900)

    def reset(self) -> None:
        self.control("POST", "/_sandbox/reset", {})

    def rtt(self) -> float:
        return harness.rtt(self.sandbox.url)

    def run(self, *args: str, marker: str | None = None) -> dict[str, Any]:
        """One `escalate` process: wall time, time to the first `marker` on stdout, peak
        RSS, the sandbox's log of what it sent, its exit code and stdout."""
        time.sleep(1.1)  # the search limit's second: no run pays for the one before it
        self.control("DELETE", "/_sandbox/requests")
        peak = self.root / "peak.txt"
        peak.unlink(missing_ok=True)
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", PEAK_WRAPPER, *args],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   cwd=self.root / "work",
                                   env={**self.env, "BENCH_PEAK_FILE": str(peak)})
        first, out, err = _drain(process, marker, started)
        code = process.wait()
        wall = time.perf_counter() - started
        log = self.control("GET", "/_sandbox/requests")
        return {"wall": wall, "first": first, "code": code, "out": out, "err": err,
                "log": log, "peak": int(peak.read_text()) // 1024 if peak.exists() else 0}


def _drain(process: subprocess.Popen[bytes], marker: str | None,
           started: float) -> tuple[float | None, str, str]:
    """Read stdout and stderr as they come; when `marker` first shows on stdout."""
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}
    first: float | None = None
    selector = selectors.DefaultSelector()
    assert process.stdout is not None and process.stderr is not None
    selector.register(process.stdout, selectors.EVENT_READ, "out")
    selector.register(process.stderr, selectors.EVENT_READ, "err")
    seen = b""
    while selector.get_map():
        for key, _ in selector.select():
            data = os.read(key.fileobj.fileno(), 65536)  # type: ignore[union-attr]
            if not data:
                selector.unregister(key.fileobj)
                continue
            chunks[key.data].append(data)
            if key.data == "out" and marker is not None and first is None:
                seen = (seen + data)[-200_000:]
                if _has_row(seen, marker):
                    first = time.perf_counter() - started
    return (first, b"".join(chunks["out"]).decode(errors="replace"),
            b"".join(chunks["err"]).decode(errors="replace"))


def _has_row(seen: bytes, marker: str) -> bool:
    if marker == "\n":  # CSV: a line after the header
        return seen.count(b"\n") >= 2
    return marker.encode() in seen


def round_trips(log: list[dict[str, Any]]) -> int:
    """The longest chain of requests, each sent after the one before it was answered."""
    spans = sorted((r["started_at"], r["finished_at"]) for r in log)
    best: list[tuple[float, int]] = []  # (finished, chain length ending there)
    longest = 0
    for start, end in spans:
        depth = 1 + max((n for finished, n in best if finished <= start), default=0)
        best.append((end, depth))
        longest = max(longest, depth)
    return longest


def limited(log: list[dict[str, Any]]) -> int:
    return sum(1 for r in log if r["status"] == 429)


def line(job: str, result: dict[str, Any], floor: float, note: str = "") -> None:
    status = "ok" if result["code"] == 0 else f"FAILED (exit {result['code']})"
    first = f"first row {result['first']:.2f} s, " if result.get("first") is not None else ""
    print(f"{job:<34} {result['wall']:7.1f} s  floor {floor:6.1f} s  "
          f"×{result['wall'] / floor:4.2f}  {first}{len(result['log'])} req, "
          f"{limited(result['log'])}×429, peak {result['peak']} MiB  {status}{note}",
          flush=True)
    if result["code"]:
        print("    " + result["err"].strip().splitlines()[-1][:160] if result["err"].strip()
              else "    (no message)", flush=True)


def report_job(lab: Lab, count: int) -> None:
    import random

    lab.reset()
    now_ms = int(time.time() * 1000)
    records = report_bench.escalations(count, now_ms, random.Random(count))
    for start in range(0, len(records), 5_000):
        lab.control("POST", "/_sandbox/history",
                    {"object": "tickets", "records": records[start:start + 5_000]})
    lab.control("POST", "/_sandbox/rate_limit", {"per_10s": 100})
    since = datetime.fromtimestamp(now_ms / 1000 - 31 * 86_400, tz=timezone.utc)
    result = lab.run("report", "--desde", since.isoformat(), "--json")
    lab.control("POST", "/_sandbox/rate_limit", {"per_10s": 0})
    # What the report needs: its search pages, a history read per 50 tickets, the owners.
    needed = -(-count // 200) + -(-count // 50) + 1
    line(f"report {count:,} at 100/10 s", result, needed / 100 * 10,
         f" (floor: {needed} requests at 100 per 10 s)")


def tasks_job(lab: Lab, count: int, latency: int) -> None:
    lab.reset()
    harness.seed_overdue(lab.sandbox.url, count, subject=lambda i: f"POL-{i} - Cliente",
                         extra=lambda i: {"escalate_agent": "9002" if i % 2 else "9003"})
    lab.control("POST", "/_sandbox/latency", {"delay_ms": latency})
    rtt = lab.rtt()
    result = lab.run("followup", "--tareas", "--todos", "--json")
    lab.control("POST", "/_sandbox/latency", {"delay_ms": 0})
    made = json.loads(result["out"])["created"] if result["code"] == 0 else 0
    searches = -(-count // 200) + 1
    line(f"--tareas {count:,} at {latency} ms", result,
         searches / SEARCH_PER_SECOND + 2 * rtt, f", {made:,} tasks made")


def bump_job(lab: Lab, count: int, latency: int) -> None:
    lab.reset()
    now_ms = int(time.time() * 1000)
    lab.control("POST", "/_sandbox/history", {"object": "tickets", "records": [
        {"properties": {"subject": f"POL-{n} - Cliente", "hs_pipeline": "0",
                        "hs_pipeline_stage": "2", "hs_ticket_priority": "MEDIUM"},
         "created_at": str(now_ms - 60 * 3_600_000 - n * 1000)} for n in range(count)]})
    lab.control("POST", "/_sandbox/latency", {"delay_ms": latency})
    rtt = lab.rtt()
    result = lab.run("bump", "--json")
    lab.control("POST", "/_sandbox/latency", {"delay_ms": 0})
    raised = len(json.loads(result["out"])["raised"]) if result["code"] == 0 else 0
    pages = -(-count // 200)
    line(f"bump {count:,} at {latency} ms", result,
         max(pages / SEARCH_PER_SECOND, pages * rtt) + 3 * rtt, f", {raised:,} raised")


def followup_job(lab: Lab, count: int) -> None:
    lab.reset()
    harness.seed_overdue(lab.sandbox.url, count, subject=lambda i: f"POL-{i} - Cliente")
    pages = -(-count // 200)
    floor = pages / SEARCH_PER_SECOND
    for form, args in (("csv", ["--csv"]), ("json", ["--json"]), ("table", [])):
        result = lab.run("followup", "--todos", *args, marker=ROW_MARKERS[form])
        line(f"followup {count:,} {form}", result, floor)


def latency_job(lab: Lab, count: int, latency: int) -> None:
    """`followup` and `report` over `count` tickets at a latency: the search-bound jobs."""
    import random

    lab.reset()
    harness.seed_overdue(lab.sandbox.url, count, subject=lambda i: f"POL-{i} - Cliente")
    pages = -(-count // 200)
    lab.control("POST", "/_sandbox/latency", {"delay_ms": latency})
    rtt = lab.rtt()
    floor = max(pages / SEARCH_PER_SECOND, pages * rtt) + 2 * rtt
    line(f"followup {count:,} at {latency} ms", lab.run("followup", "--todos", "--json"), floor)
    lab.control("POST", "/_sandbox/latency", {"delay_ms": 0})
    lab.reset()
    now_ms = int(time.time() * 1000)
    lab.control("POST", "/_sandbox/history", {"object": "tickets", "records":
                report_bench.escalations(count, now_ms, random.Random(count))})
    lab.control("POST", "/_sandbox/latency", {"delay_ms": latency})
    since = datetime.fromtimestamp(now_ms / 1000 - 31 * 86_400, tz=timezone.utc)
    line(f"report {count:,} at {latency} ms",
         lab.run("report", "--desde", since.isoformat(), "--json"), floor)
    lab.control("POST", "/_sandbox/latency", {"delay_ms": 0})


def rt250_job(lab: Lab) -> None:
    lab.reset()
    harness.seed_overdue(lab.sandbox.url, 250, subject=lambda i: f"POL-{i} - Cliente")
    lab.run("followup", "--json")  # the portal cached
    lab.control("POST", "/_sandbox/latency", {"delay_ms": 150})
    rtt = lab.rtt()
    result = lab.run("followup", "--todos", "--json")
    lab.control("POST", "/_sandbox/latency", {"delay_ms": 0})
    trips = round_trips(result["log"])
    line("followup 250 at 150 ms", result, 4 * rtt,
         f", {trips} round trips on the critical path (floor 4)")


JOBS: dict[str, Callable[[Lab, bool], None]] = {
    "rt250": lambda lab, quick: rt250_job(lab),
    "latency": lambda lab, quick: latency_job(lab, 10_500, 150),
    "bump": lambda lab, quick: bump_job(lab, 1_000, 150),
    "tasks": lambda lab, quick: (tasks_job(lab, 10_000, 0), tasks_job(lab, 10_000, 150)),
    "followup": lambda lab, quick: (followup_job(lab, 10_500),
                                    None if quick else followup_job(lab, 50_000)),
    "report": lambda lab, quick: report_job(lab, 10_500 if quick else 50_000),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default=None)
    parser.add_argument("--jobs", default=",".join(JOBS))
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args()
    print(f"escalate from {options.src or 'this checkout'}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        lab = Lab(Path(folder), options.src)
        try:
            for name in options.jobs.split(","):
                JOBS[name](lab, options.quick)
        finally:
            lab.sandbox.stop()


if __name__ == "__main__":
    main()
