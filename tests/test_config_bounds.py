"""Bounded configuration (issue 20, part 4): the policy file and the caches are size- and
depth-limited before any parser reads them, every problem is placed in one pass, and
ESCALATE_POLICY_PATTERN is refused at load when its matching time could explode."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from escalate import policy_file
from escalate.config import pattern_risk

from .conftest import ANA, Cli, Sandbox, with_option

# A child whose memory is capped: a parser that grows without bound fails there instead of
# taking the machine (the old code used 24 GB on the deep key below).
CAPPED = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30));"
          "from escalate.cli.app import main; sys.argv[0] = 'escalate'; main()")


def run_capped(cli: Cli, *args: str, environ: dict[str, str]) -> tuple[int, str]:
    import os
    import subprocess

    done = subprocess.run([sys.executable, "-c", CAPPED, *args], cwd=cli.cwd, text=True,
                          capture_output=True, timeout=120,
                          env={"PATH": os.environ.get("PATH", ""), **cli.environ, **environ})
    return done.returncode, done.stderr


@pytest.mark.parametrize(("shape", "text"), [
    ("a key 100,000 levels deep (200 KB)",
     "[plantillas]\n" + ".".join(["a"] * 100_000) + " = 1\n"),
    ("arrays 500 deep (1 KB)", "[matrix]\nALTA = " + "[" * 500 + "]" * 500 + "\n"),
    ("inline tables 500 deep", "[bump]\nafter_hours = " + "{a=" * 500 + "1" + "}" * 500 + "\n"),
])
def test_a_policy_file_nested_past_any_real_one_exits_2_naming_its_line(
        cli: Cli, sandbox: Sandbox, shape: str, text: str):
    (cli.cwd / "escalate.toml").write_text(text, encoding="utf-8")
    code, err = run_capped(cli, "policy", environ={})
    assert code == 2, (shape, err[-500:])
    assert "escalate.toml, línea" in err and "anida más de 12 niveles" in err
    assert "Traceback" not in err


def test_a_policy_file_larger_than_any_real_one_is_refused_before_it_is_read(
        cli: Cli, sandbox: Sandbox):
    (cli.cwd / "escalate.toml").write_text("# relleno\n" * 60_000, encoding="utf-8")
    result = cli("policy")
    assert result.code == 2 and "pesa más de 512 KB" in result.err


def test_5000_bad_rules_are_all_reported_with_their_lines_from_one_index(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    built: list[int] = []

    class Counted(policy_file.Places):
        def __init__(self, text: str) -> None:
            built.append(1)
            super().__init__(text)

    monkeypatch.setattr(policy_file, "Places", Counted)
    text = "".join(f'[[matrix.rules]]\nwhere_contains = ["app{i}"]\nowner = "mal-{i}"\n'
                   for i in range(5_000))
    path = tmp_path / "escalate.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(Exception) as caught:
        policy_file.read(path)
    problems = caught.value.problems  # type: ignore[attr-defined]
    assert len(problems) == 5_000 and built == [1]  # placed from one index of the file
    assert [int(re.search(r"línea (\d+)", p).group(1)) for p in problems[:3]] == [3, 6, 9]
    assert "línea 15000" in problems[-1] and "«mal-4999»" in problems[-1]


@pytest.mark.parametrize(("pattern", "why"), [
    (r"^(A+)+$", "repite algo que ya se repite"), (r"^(a|aa)*$", "repite una alternativa"),
    (r"^(\w)\1+$", "referencia a un grupo"), (r"^A*B*C*D*E*$", "repite 5 partes"),
    ("^" + "A" * 250 + "$", "más de 200 caracteres")])
def test_a_policy_pattern_that_can_explode_is_refused_at_load(cli: Cli, sandbox: Sandbox,
                                                             pattern: str, why: str):
    result = cli.subprocess("create", *ANA, environ={"ESCALATE_POLICY_PATTERN": pattern},
                            timeout=60)
    assert result.returncode == 2 and why in result.stderr, result.stderr
    assert "ESCALATE_POLICY_PATTERN" in result.stderr
    assert sandbox.requests() == []


@pytest.mark.parametrize("pattern", [
    r"^[A-Z0-9][A-Z0-9/-]{2,39}$", r"^(POL|GMM)-\d{4,8}$", r"^[A-Z]{3}-\d+(/\d+)?$",
    r"^(?:AB){2}\d{3}$", r"^[A-Z]+-\d+$"])
def test_patterns_teams_write_are_accepted(pattern: str):
    assert pattern_risk(pattern) is None


def test_a_policy_number_longer_than_60_is_refused_before_any_pattern_runs(
        cli: Cli, sandbox: Sandbox):
    long = "A" * 61
    result = cli.subprocess("create", *with_option(ANA, "--poliza", long),
                            environ={"ESCALATE_POLICY_PATTERN": r"^A*A*A*A*$"}, timeout=60)
    assert result.returncode == 2 and "demasiado largo" in result.stderr
    assert sandbox.requests() == []


def test_the_parser_the_pattern_check_reads_has_the_shape_it_relies_on():
    from escalate.config import _regex_parser

    parser = _regex_parser()
    parsed = parser.parse(r"(a+)+|\1")
    assert isinstance(parsed, parser.SubPattern) and parser.MAXREPEAT is not None
    names = {str(op) for op, _ in parsed}
    assert "BRANCH" in names


@pytest.mark.parametrize("damage", ["nested", "huge"])
def test_a_cache_nested_or_huge_is_ignored_read_again_and_the_escalation_made(
        cli: Cli, sandbox: Sandbox, home: Path, damage: str):
    assert cli("create", *with_option(ANA, "--poliza", "POL-1"), "--sin-preguntas").code == 0
    [portal] = (home / "cache").glob("portal-*.json")
    portal.write_text("[" * 200_000 if damage == "nested" else
                      '{"version": 1, "portal": "' + "x" * (17 * 1024 * 1024) + '"}')
    sandbox.forget_requests()
    result = cli("create", *ANA, "--sin-preguntas")
    assert result.code == 0, result.err
    assert "caché dañada" in result.err
    assert sorted(t.properties["escalate_policy"] for t in sandbox.tickets()) == [
        "POL-1", "POL-1001"]
    assert any(r["path"] == "/crm/pipelines/2026-09/tickets" for r in sandbox.requests())
    assert portal.stat().st_size < 100_000  # written again, whole
