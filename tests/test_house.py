"""The house: the checkable claims of docs/architecture.md about imports and layers.

The import graph is grimp's (import-linter's engine), built from the source: every
`import`, at the top of a module, inside a function or under TYPE_CHECKING, is an arrow.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

PACKAGES = ("escalate", "escalate_sandbox")


@cache
def graph() -> Any:
    import grimp

    return grimp.build_graph(*PACKAGES, include_external_packages=True)


def arrows(module: str) -> set[str]:
    """The modules of the project `module` imports (directly)."""
    return {m for m in graph().find_modules_directly_imported_by(module)
            if m.split(".")[0] in PACKAGES}


def modules() -> list[str]:
    return sorted(m for m in graph().modules if m.split(".")[0] in PACKAGES)


def circles() -> list[list[str]]:
    """Every group of modules that import each other, directly or round a loop (Tarjan's
    strongly connected components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in arrows(module):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                other = stack.pop()
                group.append(other)
                if other == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in modules():
        if module not in index:
            visit(module)
    return sorted(found)


# Circles another branch removes (issue 18: the gateway's mixins and the sandbox's
# associations and records). This list only shrinks: the lead empties it at that merge.
KNOWN = [
    ["escalate.gateway.history", "escalate.gateway.hubspot", "escalate.gateway.team"],
    ["escalate_sandbox.associations", "escalate_sandbox.records"],
]


def test_no_two_files_import_each_other():
    found = circles()
    new = [c for c in found if c not in KNOWN]
    assert new == [], "import circles: " + "; ".join(" ↔ ".join(c) for c in new)
    gone = [c for c in KNOWN if c not in found]
    assert gone == [], f"circles fixed meanwhile, remove them from KNOWN: {gone}"


def test_the_circle_finder_finds_a_circle(monkeypatch: pytest.MonkeyPatch):
    """The finder itself can fail: one arrow added back (delivery → create) is a circle."""
    real = arrows

    def with_a_loop(module: str) -> set[str]:
        extra = {"escalate.workflows.create"} if module == "escalate.workflows.delivery" else set()
        return real(module) | extra

    monkeypatch.setitem(globals(), "arrows", with_a_loop)
    assert ["escalate.workflows.create", "escalate.workflows.delivery"] in circles()


# What each room may import from the project (docs/architecture.md, "One direction of
# dependency"): a room not listed here may import any of them.
MAY_IMPORT = {
    "escalate.domain": {"escalate.domain", "escalate.errors"},
    "escalate.errors": set(),
    "escalate.config": {"escalate.domain", "escalate.errors"},
    "escalate.policy_file": {"escalate.domain", "escalate.errors"},
    "escalate.outbox": {"escalate.config", "escalate.errors"},
    "escalate.gateway": {"escalate", "escalate.gateway", "escalate.domain", "escalate.errors"},
    "escalate.workflows": {"escalate.workflows", "escalate.domain", "escalate.gateway",
                           "escalate.outbox", "escalate.config", "escalate.policy_file",
                           "escalate.errors"},
    "escalate_sandbox": {"escalate_sandbox"},
}
# The domain is pure: no files, processes, sockets or clocks of its own.
NO_IO = {"os", "io", "pathlib", "tempfile", "shutil", "sqlite3", "socket", "subprocess",
         "threading", "time", "urllib", "urllib3", "hubspot"}


def room(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "escalate_sandbox":
        return "escalate_sandbox"
    return ".".join(parts[:2]) if len(parts) > 1 else module


@pytest.mark.parametrize("layer", sorted(MAY_IMPORT))
def test_each_layer_imports_only_the_layers_below_it(layer: str):
    wrong = sorted(f"{m} → {t}" for m in modules() if room(m) == layer
                   for t in arrows(m) if room(t) not in MAY_IMPORT[layer])
    assert wrong == []


def test_only_the_gateway_imports_hubspot():
    importers = graph().find_modules_that_directly_import("hubspot")
    assert importers and all(m.startswith("escalate.gateway.") for m in importers)


def test_the_domain_does_no_io():
    wrong = sorted(f"{m} → {t}" for m in modules() if room(m) == "escalate.domain"
                   for t in graph().find_modules_directly_imported_by(m)
                   if t.split(".")[0] in NO_IO)
    assert wrong == []


def test_the_layer_check_can_fail(monkeypatch: pytest.MonkeyPatch):
    """A domain module importing the gateway is caught."""
    real = arrows
    monkeypatch.setitem(globals(), "arrows", lambda m: real(m) | (
        {"escalate.gateway.hubspot"} if m == "escalate.domain.escalation" else set()))
    with pytest.raises(AssertionError):
        test_each_layer_imports_only_the_layers_below_it("escalate.domain")
