"""The policy file's problems reported, and hostile files refused: time and peak memory.

Prints, for policy files with N bad matrix rules, the time to report every problem with its
line, with this tree's `policy_file` and with main's (read from git, when it differs and
the repository is there), side by side; then the time and memory to refuse a key nested
100,000 deep and arrays 500 deep, each in a child process capped at 2 GB of memory (main's
code is only measured up to a depth it survives).

    python benchmarks/config_bounds.py
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def old_policy_file() -> ModuleType | None:
    """main's `escalate/policy_file.py` as a module of the installed package (None when
    there is no git, no main, or it is this tree's)."""
    try:
        source = subprocess.run(["git", "show", "main:src/escalate/policy_file.py"], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    if source == (ROOT / "src/escalate/policy_file.py").read_text(encoding="utf-8"):
        return None
    spec = importlib.util.spec_from_loader("escalate.policy_file_main", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "escalate"
    sys.modules[spec.name] = module  # its dataclasses look their module up
    exec(compile(source, "main:policy_file.py", "exec"), module.__dict__)
    return module


def bad_rules(count: int) -> str:
    return "".join(f'[[matrix.rules]]\nwhere_contains = ["app{i}"]\nowner = "mal-{i}"\n'
                   for i in range(count))


def report_time(module: ModuleType, path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    try:
        module.read(path)
    except Exception as exc:  # the InvalidInput listing every problem
        return time.perf_counter() - started, len(getattr(exc, "problems", []))
    return time.perf_counter() - started, 0


CHILD = """
import resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from pathlib import Path
from escalate import policy_file
started = time.perf_counter()
try:
    policy_file.read(Path(sys.argv[1]))
    said = "accepted"
except MemoryError:
    said = "MemoryError"
except RecursionError:
    said = "RecursionError (exit 1)"
except Exception as exc:
    said = type(exc).__name__ + " (exit 2)"
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{time.perf_counter() - started:.2f} s, peak {peak:.0f} MB, {said}")
"""


def main() -> None:
    from escalate import policy_file

    old = old_policy_file()
    with tempfile.TemporaryDirectory() as folder:
        print("bad rules | problems | this tree (s) | main (s) | main / this")
        for count in (500, 1_000, 2_000, 5_000):
            path = Path(folder) / f"rules-{count}.toml"
            path.write_text(bad_rules(count), encoding="utf-8")
            now, found = report_time(policy_file, path)
            then = report_time(old, path)[0] if old is not None and count <= 2_000 else None
            shown = f"{then:.2f}" if then is not None else "—"
            ratio = f"×{then / now:.0f}" if then is not None else "—"
            print(f"{count:>9,} | {found:>8,} | {now:>13.2f} | {shown:>8} | {ratio}")
        print()
        for name, text in (("key nested 100,000 deep",
                            "[plantillas]\n" + ".".join(["a"] * 100_000) + " = 1\n"),
                           ("key nested 10,000 deep",
                            "[plantillas]\n" + ".".join(["a"] * 10_000) + " = 1\n"),
                           ("arrays 500 deep", "x = " + "[" * 500 + "]" * 500 + "\n")):
            path = Path(folder) / "hostile.toml"
            path.write_text(text, encoding="utf-8")
            done = subprocess.run([sys.executable, "-c", CHILD, str(path)], text=True,
                                  capture_output=True, timeout=300)
            print(f"{name} ({len(text) // 1024} KB): {done.stdout.strip() or done.stderr[-200:]}")


if __name__ == "__main__":
    main()
