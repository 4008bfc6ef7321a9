"""escalate against the naive script (benchmarks/naive.py), job by job, side by side.

    python benchmarks/compare.py [--repeat N] [--quick] [--latency 0,150] [--src PATH]
                                 [--jobs create,attach,followup250,followup10500]

Runs each job (warm create, cold create, attach 5 files, followup 250 owed, followup
10,500 owed) against a local sandbox, naive script and escalate alternating, at 0 and
150 ms of added latency, and prints medians (min–max), request counts, the ratio
escalate/naive and the floor: the fewest round trips on the critical path (for the big
follow-up, the search pages at HubSpot's 5 searches per second). Whole processes are
timed, start-up included. `--src` runs another checkout's escalate (e.g. the code before
a change); the sandbox is always this checkout's. `--quick` skips the 10,500 job.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

import harness  # noqa: E402  (starts this checkout's sandbox, whatever --src says)

SEARCH_PER_SECOND = 5
NAIVE_CREATE = ["create", "POL", "Ana López", "ana.lopez@example.com", "HIGH", "x"]
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c"
                    "4944415408d763f8cfc0f0000004010100c4d6b8a30000000049454e44ae426082")


@dataclass
class Runs:
    seconds: list[float] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)
    limited: int = 0  # 429 answers over every run
    failure: str | None = None

    def shown(self) -> str:
        if self.failure:
            return self.failure
        if not self.seconds:
            return "—"
        median = statistics.median(self.seconds)
        spread = (f" ({min(self.seconds):.2f}–{max(self.seconds):.2f})"
                  if len(self.seconds) > 1 else " (n=1)")
        limited = f", {self.limited}×429" if self.limited else ""
        return f"{median:.2f} s{spread}, {int(statistics.median(self.requests))} req{limited}"


class Bench:
    def __init__(self, root: Path, src: str | None) -> None:
        self.root = root
        self.sandbox = harness.start_sandbox(root)
        self.base_env = harness.escalate_env(self.sandbox.url, ESCALATE_RETRY_SECONDS="60")
        self.escalate_env = dict(self.base_env)
        self.escalate_env["PYTHONPATH"] = src or str(HERE.parent / "src")
        self.counter = 0
        self.limited = 0

    def control(self, method: str, path: str, body: Any = None) -> Any:
        return harness.control(self.sandbox.url, method, path, body, timeout=300)

    def timed(self, command: list[str], env: dict[str, str]) -> tuple[float, int, str, str]:
        """Wall time, requests sent, stdout and error (or "") of one process."""
        time.sleep(1.1)  # the search limit's second: no run pays for the one before it
        self.control("DELETE", "/_sandbox/requests")
        started = time.perf_counter()
        done = subprocess.run(command, text=True, capture_output=True, cwd=self.root, env=env)
        elapsed = time.perf_counter() - started
        log = self.control("GET", "/_sandbox/requests")
        count = len(log)
        self.limited += sum(1 for r in log if r.get("status") == 429)
        error = "" if done.returncode == 0 else (done.stderr.strip().splitlines() or ["?"])[-1]
        return elapsed, count, done.stdout, error

    def escalate(self, home: Path, *args: str) -> tuple[float, int, str, str]:
        env = {**self.escalate_env, "ESCALATE_HOME": str(home)}
        return self.timed([sys.executable, "-m", "escalate", *args], env)

    def naive(self, *args: str) -> tuple[float, int, str, str]:
        return self.timed([sys.executable, str(HERE / "naive.py"), *args], self.base_env)

    def rtt(self) -> float:
        return harness.rtt(self.sandbox.url)

    def next_policy(self) -> str:
        self.counter += 1
        return f"BEN-{self.counter:05d}"

    def overdue(self, count: int) -> None:
        self.control("POST", "/_sandbox/reset", {})
        harness.seed_overdue(self.sandbox.url, count)


def create_args(policy: str) -> list[str]:
    return ["create", "--poliza", policy, "--cliente", "Ana López", "--correo",
            "ana.lopez@example.com", "--prioridad", "ALTA", "--que", "El endoso no guarda",
            "--como", "Endosos > Guardar", "--donde", "Portal web", "--no-input", "--json"]


BENCH: Bench | None = None


def alternate(repeat: int, naive: Callable[[], tuple[float, int, str, str]],
              ours: Callable[[], tuple[float, int, str, str]],
              naive_repeat: int | None = None) -> tuple[Runs, Runs]:
    results = (Runs(), Runs())
    plan = [(0, naive), (1, ours)]
    for round_ in range(repeat):
        for which, job in plan if round_ % 2 == 0 else plan[::-1]:
            if which == 0 and naive_repeat is not None and round_ >= naive_repeat:
                continue
            runs = results[which]
            if runs.failure:
                continue
            before = BENCH.limited if BENCH else 0
            seconds, count, _, error = job()
            runs.limited += (BENCH.limited - before) if BENCH else 0
            if error:
                runs.failure = f"fails after {seconds:.1f} s, {count} req: {error[:60]}"
                continue
            runs.seconds.append(seconds)
            runs.requests.append(count)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--latency", default="0,150")
    parser.add_argument("--src", default=None)
    parser.add_argument("--jobs", default="create,attach,followup250,followup10500")
    options = parser.parse_args()
    jobs = set(options.jobs.split(","))
    latencies = [int(x) for x in options.latency.split(",")]
    rows: list[tuple[str, int, Runs, Runs, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        bench = Bench(root, options.src)
        global BENCH
        BENCH = bench
        files = []
        for i in range(5):
            path = root / f"captura{i}.png"
            files.append(str(path))
        warm = root / "warm"
        for latency in latencies:
            bench.control("POST", "/_sandbox/reset", {})
            bench.control("POST", "/_sandbox/latency", {"delay_ms": latency})
            rtt = bench.rtt()

            def floor(trips: int, rtt: float = rtt) -> str:
                return f"{trips} RT = {trips * rtt:.2f} s"

            shutil.rmtree(warm, ignore_errors=True)
            bench.escalate(warm, *create_args(bench.next_policy()))  # caches the portal
            if "create" in jobs:
                a, b = alternate(options.repeat, lambda: bench.naive(*NAIVE_CREATE),
                                 lambda: bench.escalate(warm, *create_args(bench.next_policy())))
                rows.append(("warm create", latency, a, b, floor(2)))

            def cold() -> tuple[float, int, str, str]:
                home = root / f"cold-{bench.next_policy()}"
                return bench.escalate(home, *create_args(bench.next_policy()))

            if "create" in jobs:
                a, b = alternate(options.repeat, lambda: bench.naive(*NAIVE_CREATE), cold)
                rows.append(("cold create", latency, a, b, floor(2)))

            ticket = json.loads(bench.escalate(warm, *create_args(bench.next_policy()))[2])["id"]

            def fresh_files() -> list[str]:
                bench.counter += 1
                for i, path in enumerate(files):
                    Path(path).write_bytes(PNG + f"{bench.counter}-{i}".encode())
                return files

            def naive_attach(t: str = ticket) -> tuple[float, int, str, str]:
                return bench.naive("attach", t, *fresh_files())

            def our_attach(t: str = ticket) -> tuple[float, int, str, str]:
                return bench.escalate(warm, "attach", t, *fresh_files(), "--json")

            if "attach" in jobs:
                a, b = alternate(options.repeat, naive_attach, our_attach)
                rows.append(("attach 5 files", latency, a, b, floor(2)))

            sizes = [n for n in (250, 10_500) if f"followup{n}" in jobs
                     and not (options.quick and n > 10_000)]
            for size in sizes:
                bench.control("POST", "/_sandbox/latency", {"delay_ms": 0})
                bench.overdue(size)
                bench.control("POST", "/_sandbox/latency", {"delay_ms": latency})
                if size <= 10_000:
                    trips = 2 + -(-size // 200)
                    shown_floor = floor(trips)
                else:
                    pages = -(-size // 200)
                    seconds = max(pages / SEARCH_PER_SECOND, pages * rtt) + 2 * rtt
                    shown_floor = f"{pages} searches at {SEARCH_PER_SECOND}/s = {seconds:.1f} s"
                slow = latency > 0 or size > 10_000
                a, b = alternate(1 if size > 10_000 else options.repeat,
                                 lambda: bench.naive("followup", "48"),
                                 lambda: bench.escalate(warm, "followup", "--json"),
                                 naive_repeat=1 if slow else None)
                rows.append((f"followup {size:,} owed", latency, a, b, shown_floor))
                print(f"  … {rows[-1][0]} at {latency} ms done", file=sys.stderr, flush=True)
                if size > 10_000 and latency > 0:  # the account's limit, shared: no 429
                    bench.control("POST", "/_sandbox/rate_limit", {"per_10s": 100})
                    _, b = alternate(1, lambda: (0.0, 0, "", ""),
                                     lambda: bench.escalate(warm, "followup", "--json"),
                                     naive_repeat=0)
                    bench.control("POST", "/_sandbox/rate_limit", {"per_10s": 0})
                    rows.append(("  … at 100 req/10 s", latency, Runs(), b, shown_floor))
        bench.sandbox.stop()

    print(f"\n{'job':<22} {'ms':>4}  {'naive script':<40} {'escalate':<40} {'ratio':>6}  floor")
    for job, latency, naive, ours, shown_floor in rows:
        ratio = (f"{statistics.median(ours.seconds) / statistics.median(naive.seconds):.2f}×"
                 if ours.seconds and naive.seconds and not (ours.failure or naive.failure)
                 else "—")
        print(f"{job:<22} {latency:>4}  {naive.shown():<40} {ours.shown():<40} {ratio:>6}  "
              f"{shown_floor}")


if __name__ == "__main__":
    main()
