"""Print a pip constraints file that pins each runtime dependency to the lowest version
its range in pyproject.toml allows, for CI's lowest-versions job:

    python tools/lowest_constraints.py > lowest.txt
    python -m pip install -c lowest.txt ".[test,ocr]"

Each `name>=X` of the dependencies and of the `keyring` and `ocr` extras (the OCR's word
boxes and detection size are RapidOCR's own) becomes `name==X`, without
its marker: a constraint on a package pip does not install is ignored, and one the tests
install on every platform (keyring) is pinned too. A dependency with no lower bound is an
error: its range does not say which versions were tested.
"""

from __future__ import annotations

import sys
from pathlib import Path

from packaging.requirements import Requirement

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def lowest(requirement: str) -> str:
    """`name==lower bound; marker` for one requirement of the project."""
    parsed = Requirement(requirement)
    bounds = [s.version for s in parsed.specifier if s.operator in (">=", "==", "~=")]
    if not bounds:
        raise SystemExit(f"{parsed.name}: sin cota inferior en pyproject.toml")
    return f"{parsed.name}=={bounds[0]}"


def main() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    wanted = [*project["dependencies"], *extras["keyring"], *extras["ocr"]]
    for line in dict.fromkeys(lowest(requirement) for requirement in wanted):
        sys.stdout.write(line + "\n")


if __name__ == "__main__":
    main()
