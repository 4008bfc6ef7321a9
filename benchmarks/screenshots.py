"""The screenshot scan (`escalate[ocr]`) on synthetic captures: time, leaks, error lines.

    python benchmarks/screenshots.py [--count 30] [--seed 2026] [--threads 1] [--after-only]

Draws the captures with tests/screens.py (30 web and app screens, light and dark, five
fonts, each with a client's card, CURP, RFC, name, email or phone beside harmless numbers
and an error line; then seven strips cut around an error, one line or two, from 432 × 26 to
900 × 60, most with a card, CURP or RFC beside it, and two phones' own 1290 × 2796 captures),
blacks them out with escalate.workflows.screenshots, then checks each copy twice: by pixels
(is the ink of every secret the generator drew now black?) and by a second OCR read (does
the text read back still hold a secret?). Each capture is scanned twice, side by side:
"before" with RapidOCR's own detection size (the short side enlarged to 736 px, as the tool
did until 2026-12), "after" as it scans now (`screenshots.DETECTION`). Prints
CPU seconds per image (on one thread by default: the work itself, which a loaded machine's
wall clock hides; `--threads 0` is ONNX Runtime's default pool, as the tool runs), leaks
left (0 expected), error lines kept (≥ 90 % expected), harmless values covered, and the
installed size of the extra.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.screens import Screen, check, make_screens, make_short_captures  # noqa: E402

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


@dataclass
class Run:
    """One way of scanning, over every capture: seconds per image and the checks' verdicts."""

    label: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    kept: int = 0
    harmless: int = 0
    covered: int = 0


@contextmanager
def scanning_with(ocr: Any) -> Iterator[None]:
    """`screenshots` scans with `ocr` instead of the engine it loads itself."""
    product = screenshots._engine
    screenshots._engine = lambda: ocr  # type: ignore[assignment]
    try:
        yield
    finally:
        screenshots._engine = product  # type: ignore[assignment]


def scan(run: Run, ocr: Any, screens: list[Screen], folder: Path) -> None:
    """Cover every capture with `ocr`; judge each copy by its pixels and by the tool's own
    read of it (the same judge for every run)."""
    folder.mkdir()
    for screen in screens:
        output = folder / screen.path.name
        with scanning_with(ocr):
            began, cpu = time.perf_counter(), time.process_time()
            result = screenshots.redact(screen.path, output, screen.known)
            run.wall.append(time.perf_counter() - began)
            run.cpu.append(time.process_time() - cpu)
        verdict = check(screen, output, [line.text for line in screenshots.read(output)])
        run.leaks += [f"{screen.path.name}: {leak}" for leak in verdict.leaks]
        run.kept += verdict.error_kept
        run.harmless += len(verdict.harmless_covered)
        run.covered += len(result.covered)


def image_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--threads", type=int, default=1,
                        help="ONNX Runtime's threads per engine (0: its default, a pool)")
    parser.add_argument("--after-only", action="store_true",
                        help="scan only as the tool does now (half the time)")
    args = parser.parse_args()
    from rapidocr_onnxruntime import RapidOCR

    threads = {"intra_op_num_threads": args.threads or -1,
               "inter_op_num_threads": args.threads or -1}
    started = time.perf_counter()
    after = RapidOCR(print_verbose=False, **threads, **screenshots.DETECTION)  # as engine()
    load = time.perf_counter() - started
    runs = [Run("after")]
    if not args.after_only:
        runs.insert(0, Run("before"))
        before = RapidOCR(print_verbose=False, **threads)  # its own size: the short side 736
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        screens = make_screens(work / "capturas", args.count, args.seed)
        screens += make_short_captures(work / "recortes", args.seed)
        for run in runs:
            scan(run, before if run.label == "before" else after, screens,
                 work / f"tapadas-{run.label}")
        sizes = [image_size(s.path) for s in screens]
    strips = sum(s.path.name.startswith("recorte") for s in screens)
    print(f"{len(screens)} synthetic captures ({args.count} screens, {strips} strips, "
          f"{len(screens) - args.count - strips} phones' own), "
          f"{sum(len(s.secrets) for s in screens)} secrets drawn "
          "(cards, CURP, RFC, names, emails, phones)")
    print(f"engine load {load:.2f} s (once per process); OCR threads: "
          f"{args.threads or 'ONNX Runtime default'}\n")
    header = "".join(f"{run.label + ', CPU s':>16}" for run in runs)
    print(f"{'image':<24}{'size':>11}{header}" + ("   after/before" if len(runs) > 1 else ""))
    for n, (screen, (width, height)) in enumerate(zip(screens, sizes, strict=True)):
        cells = "".join(f"{run.cpu[n]:16.2f}" for run in runs)
        ratio = f"{runs[-1].cpu[n] / runs[0].cpu[n]:14.2f}×" if len(runs) > 1 else ""
        print(f"{screen.path.name:<24}{f'{width}×{height}':>11}{cells}{ratio}")
    groups = (("screens", "captura"), ("strips", "recorte"), ("phones' own", "telefono"))
    for part, prefix in groups:
        chosen = [n for n, s in enumerate(screens) if s.path.name.startswith(prefix)]
        means = [statistics.mean(run.cpu[n] for n in chosen) for run in runs]
        ratio = f"{means[-1] / means[0]:14.2f}×" if len(runs) > 1 else ""
        print(f"{'mean, ' + part:<35}" + "".join(f"{m:16.2f}" for m in means) + ratio)
    print(f"{'wall clock, all':<35}" + "".join(f"{sum(run.wall):16.1f}" for run in runs))
    for run in runs:
        print(f"\n{run.label}: {run.covered} words covered")
        print(f"  leaks left             {len(run.leaks):6d} (0 expected)")
        for leak in run.leaks:
            print(f"    {leak}")
        print(f"  error lines kept       {run.kept:6d}/{len(screens)} = "
              f"{run.kept / len(screens):.0%} (≥ 90 % expected)")
        print(f"  harmless values covered {run.harmless:5d} (policy, date, amount)")
    total, parts = installed_size("rapidocr-onnxruntime")
    biggest = sorted(parts.items(), key=lambda p: -p[1])[:6]
    print(f"\ninstalled size of escalate[ocr]: {total / 2**20:.0f} MB ("
          + ", ".join(f"{name} {size / 2**20:.0f} MB" for name, size in biggest) + ")")


if __name__ == "__main__":
    main()
