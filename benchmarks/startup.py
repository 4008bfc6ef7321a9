"""How fast `escalate --help` starts: the median of several runs, in seconds.

    python benchmarks/startup.py [RUNS]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    beside = Path(sys.executable).with_name("escalate")
    command = [str(beside) if beside.exists() else shutil.which("escalate") or "escalate",
               "--help"]
    subprocess.run(command, capture_output=True, check=True)  # warm the file cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    print(f"escalate --help: median {statistics.median(times):.3f} s, "
          f"min {min(times):.3f} s, max {max(times):.3f} s over {runs} runs (target < 0.25 s)")
    heavy = subprocess.run(
        [sys.executable, "-c", "import sys, escalate.cli.app; "
         "print(sorted(m for m in ('hubspot', 'escalate_sandbox', 'rich.table', 'werkzeug') "
         "if m in sys.modules))"], capture_output=True, text=True, check=True).stdout.strip()
    print(f"heavy modules imported by the CLI module itself: {heavy}")


if __name__ == "__main__":
    main()
