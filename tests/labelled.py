"""The labelled set of the quality score (tests/data/quality_cases.toml), read once.

Shared by tests/test_quality.py and benchmarks/quality.py, which puts the project's root
on sys.path to import it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from escalate.domain.quality import ITEMS, Capture

CASES = Path(__file__).parent / "data" / "quality_cases.toml"
# Written after the rules were settled, never used to change them: the honest measure.
HOLDOUT = Path(__file__).parent / "data" / "quality_holdout.toml"
AMBITS = ("endosos", "cobros", "emision", "app", "portal")
LEVELS = ("buena", "mediocre", "mala")


@dataclass(frozen=True)
class Case:
    """One labelled escalation: its fields and the verdict a person gave each item."""

    id: str
    ambit: str
    level: str
    capture: Capture
    expected: dict[str, bool]
    disagreements: dict[str, str]  # item → why the rule is known to disagree


@lru_cache(maxsize=2)
def cases(path: Path = CASES) -> tuple[Case, ...]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    found = []
    for raw in data["caso"]:
        changes = tuple(tuple(c.split("=", 1)) for c in raw.get("cambios", []))
        capture = Capture(what=raw["que"], how=raw["como"], where=raw["donde"],
                          when=raw.get("cuando"), changes=changes,  # type: ignore[arg-type]
                          attachments=raw.get("adjuntos", 0), channel=raw.get("canal"))
        expected = raw["esperado"]
        assert set(expected) == {key for key, _, _ in ITEMS}, raw["id"]
        assert raw["ambito"] in AMBITS and raw["nivel"] in LEVELS, raw["id"]
        found.append(Case(raw["id"], raw["ambito"], raw["nivel"], capture, dict(expected),
                          dict(raw.get("desacuerdos", {}))))
    return tuple(found)
