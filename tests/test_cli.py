"""The CLI's outside: Spanish help and usage errors, doctor, setup, the served sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from escalate import __version__

from .conftest import ANA, Cli, Sandbox


def test_help_is_in_spanish_with_an_example(cli: Cli):
    result = cli("create", "--help")
    assert result.code == 0
    assert "Ejemplo" in result.out and "--poliza" in result.out and "Opciones" in result.out
    assert "Show this message" not in result.out


def test_version(cli: Cli):
    assert cli("--version").out.strip() == f"escalate {__version__}"


def test_an_unknown_option_is_a_spanish_usage_error_with_exit_2(cli: Cli, sandbox: Sandbox):
    result = cli("create", "--polizza", "X")
    assert result.code == 2
    assert "opción desconocida --polizza" in result.err
    assert sandbox.requests() == []


def test_doctor_on_a_healthy_portal_says_so_and_exits_0(cli: Cli):
    result = cli("doctor")
    assert result.code == 0, result.out
    assert "✗" not in result.out and "Tech Issues" in result.out


def test_doctor_on_a_portal_before_setup_names_setup_and_exits_4(bare_sandbox: Sandbox,
                                                                 home: Path, tmp_path: Path):
    cli = Cli({"HUBSPOT_BASE_URL": bare_sandbox.url, "HUBSPOT_ACCESS_TOKEN": "sandbox",
               "ESCALATE_HOME": str(home)}, tmp_path)
    result = cli("doctor")
    assert result.code == 4
    assert "escalate setup" in result.out


def test_doctor_names_a_missing_scope(cli: Cli, sandbox: Sandbox):
    sandbox.control("POST", "scopes", {"scopes": ["tickets", "crm.objects.contacts.read"]})
    result = cli("doctor", "--json")
    assert result.code == 4
    failed = [c for c in result.json() if not c["ok"]]
    assert [c["check"] for c in failed] == ["Permiso files"]
    assert "«files»" in failed[0]["detail"]


def test_a_missing_scope_on_create_exits_4_naming_it(cli: Cli, sandbox: Sandbox):
    sandbox.control("POST", "scopes", {"scopes": ["crm.objects.contacts.read"]})
    result = cli("create", *ANA)
    assert result.code == 4 and "«tickets»" in result.err


def test_the_served_sandbox_answers_on_the_printed_port(tmp_path: Path, home: Path):
    env = {"PATH": os.environ.get("PATH", ""), "ESCALATE_HOME": str(home)}
    server = subprocess.Popen([sys.executable, "-m", "escalate", "sandbox", "serve", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              env=env)
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        cli = Cli({"HUBSPOT_BASE_URL": url, "HUBSPOT_ACCESS_TOKEN": "sandbox",
                   "ESCALATE_HOME": str(home)}, tmp_path)
        result = cli("create", *ANA, "--json")
        assert result.code == 0, result.err
    finally:
        server.terminate()
        server.wait(timeout=10)
    reset = Cli({"ESCALATE_HOME": str(home)}, tmp_path)("sandbox", "reset")
    assert reset.code == 0


def test_an_unexpected_error_says_where_to_report_it_and_exits_1(cli: Cli, monkeypatch):
    from escalate.workflows import create

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(create, "find_contact", broken)
    result = cli("create", *ANA)
    assert result.code == 1
    assert "Error inesperado" in result.err and "Repórtelo" in result.err
    assert "Traceback" not in result.err
