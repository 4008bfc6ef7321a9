"""The screenshot scan (`escalate[ocr]`) on synthetic captures: time, leaks, error lines.

    python benchmarks/screenshots.py [--count 30] [--seed 2026]

Draws the captures with tests/screens.py (web and app screens, light and dark, five fonts,
each with a client's card, CURP, RFC, name, email or phone beside harmless numbers and an
error line), blacks them out with escalate.workflows.screenshots, then checks each copy
twice: by pixels (is the ink of every secret the generator drew now black?) and by a
second OCR read (does the text read back still hold a secret?). Prints time per image,
leaks left (0 expected), error lines kept (≥ 90 % expected), harmless values covered, and
the installed size of the extra.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.screens import check, make_screens  # noqa: E402

from escalate.workflows import screenshots  # noqa: E402


def installed_size(root: str) -> tuple[int, dict[str, int]]:
    """Bytes on disk of a distribution and everything it requires (the extra's footprint)."""
    seen: dict[str, int] = {}
    pending = [root]
    while pending:
        name = pending.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        size = 0
        for file in dist.files or []:
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                size += path.stat().st_size
        seen[key] = size
        for requirement in dist.requires or []:
            if "extra ==" in requirement:
                continue
            pending.append(requirement.split(";")[0].split("[")[0].split(" ")[0]
                           .split(">")[0].split("<")[0].split("=")[0].split("!")[0].strip())
    return sum(seen.values()), seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    started = time.perf_counter()
    screenshots.engine()
    load = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        screens = make_screens(work / "capturas", args.count, args.seed)
        (work / "tapadas").mkdir()
        redact_times, read_times, leaks, kept, harmless, covered = [], [], [], 0, 0, 0
        for screen in screens:
            output = work / "tapadas" / screen.path.name
            began = time.perf_counter()
            result = screenshots.redact(screen.path, output, screen.known)
            redact_times.append(time.perf_counter() - began)
            began = time.perf_counter()
            read_back = [line.text for line in screenshots.read(output)]
            read_times.append(time.perf_counter() - began)
            verdict = check(screen, output, read_back)
            leaks += [f"{screen.path.name}: {leak}" for leak in verdict.leaks]
            kept += verdict.error_kept
            harmless += len(verdict.harmless_covered)
            covered += len(result.covered)
    secrets = sum(len(s.secrets) for s in screens)
    print(f"{len(screens)} synthetic screenshots, {secrets} secrets drawn "
          f"(cards, CURP, RFC, names, emails, phones), {covered} words covered")
    print(f"engine load            {load:6.2f} s (once per process)")
    print(f"time per image, scan   {statistics.mean(redact_times):6.2f} s mean, "
          f"{max(redact_times):.2f} s max")
    print(f"time per image, reread {statistics.mean(read_times):6.2f} s mean (the check)")
    print(f"leaks left             {len(leaks):6d} (0 expected)")
    for leak in leaks:
        print(f"  {leak}")
    print(f"error lines kept       {kept:6d}/{len(screens)} = {kept / len(screens):.0%} "
          "(≥ 90 % expected)")
    print(f"harmless values covered {harmless:5d} (policy, date, amount)")
    total, parts = installed_size("rapidocr-onnxruntime")
    biggest = sorted(parts.items(), key=lambda p: -p[1])[:6]
    print(f"installed size of escalate[ocr]: {total / 2**20:.0f} MB ("
          + ", ".join(f"{name} {size / 2**20:.0f} MB" for name, size in biggest) + ")")


if __name__ == "__main__":
    main()
