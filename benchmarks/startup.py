"""How fast `escalate` starts, against the interpreter alone and against importing typer.

    python benchmarks/startup.py [RUNS]

Prints the median (min–max) of each command over RUNS runs (15 by default), measured
alternately in one run so that the machine's load weighs on all alike, and the ratios of
`escalate --help` and `escalate create --help` to `python -c pass` and to
`python -c "import typer"`. Also lists the heavy modules the CLI loads for `--help` and
`create --help` (the goal: none).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def escalate_command() -> list[str]:
    beside = Path(sys.executable).with_name("escalate")
    found = str(beside) if beside.exists() else shutil.which("escalate")
    return [found] if found else [sys.executable, "-m", "escalate"]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    escalate = escalate_command()
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        'python -c "import typer"': [sys.executable, "-c", "import typer"],
        "escalate --help": [*escalate, "--help"],
        "escalate create --help": [*escalate, "create", "--help"],
    }
    for command in commands.values():  # warm the file cache and the bytecode
        subprocess.run(command, capture_output=True, check=True)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True)
            times[name].append(time.perf_counter() - started)
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(f"{name:<28} median {median[name]:.3f} s  ({min(values):.3f}–{max(values):.3f})"
              f"  over {runs} runs")
    bare, typer = median["python -c pass"], median['python -c "import typer"']
    for name in ("escalate --help", "escalate create --help"):
        print(f"{name:<28} {median[name] / bare:.1f}× python -c pass, "
              f"{median[name] / typer:.2f}× import typer")
    for args in (["--help"], ["create", "--help"]):
        print(f"heavy modules loaded by `escalate {' '.join(args)}`: {heavy_modules(args)}")


HEAVY = ("hubspot", "escalate_sandbox", "pydantic", "typer._adapters", "rich.console",
         "rich.markdown", "rich.table", "werkzeug", "email_validator", "phonenumbers",
         "questionary", "rapidfuzz", "urllib3", "sqlite3")


def heavy_modules(args: list[str]) -> str:
    """Which of the heavy modules `escalate ARGS` imports (none is needed for help)."""
    shown = subprocess.run(
        # escalate ends with os._exit after running the atexit handlers: report from one.
        [sys.executable, "-c", f"import atexit, sys, runpy; sys.argv = ['escalate', *{args!r}]\n"
         "atexit.register(lambda: print(sorted(m for m in "
         f"{HEAVY!r} if m in sys.modules), file=sys.stderr))\n"
         "runpy.run_module('escalate', run_name='__main__')"],
        capture_output=True, text=True).stderr.strip().splitlines()
    return shown[-1] if shown else "?"


if __name__ == "__main__":
    main()
