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
    sandbox.control("POST", "scopes", {"scopes": ["tickets", "crm.objects.contacts.read",
                                                  "crm.objects.owners.read"]})
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
    from escalate.workflows import lookup

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(lookup, "lookup_contact", broken)
    result = cli("create", *ANA)
    assert result.code == 1
    assert "Error inesperado" in result.err and "Repórtelo" in result.err
    assert "Traceback" not in result.err


# -- every command, found in the command tree (new commands are covered automatically) -----


def _commands() -> list[tuple[list[str], object]]:
    import typer

    from escalate.cli.app import app

    found: list[tuple[list[str], object]] = []

    def walk(path: list[str], command: object) -> None:
        found.append((path, command))
        for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
            walk([*path, name], sub)

    walk([], typer.main.get_command(app))
    return found


def _wrong_call(command: object) -> list[str]:
    """Arguments that make a usage error: a required argument left out, else an option
    without its value, else an argument too many."""
    params = [p for p in getattr(command, "params", []) if getattr(p, "expose_value", True)]
    if getattr(command, "commands", None):
        return ["no-existe"]
    if any(p.param_type_name == "argument" and p.required for p in params):
        return [o for p in params if p.param_type_name == "option" and p.required
                for o in [*p.opts[:1], "x"]]
    valued = [p for p in params if p.param_type_name == "option" and not p.is_flag
              and p.opts and p.opts[0].startswith("--")]
    if valued:
        return [valued[0].opts[0]]
    return ["sobra"]


ENGLISH = ("Usage:", "Show this message", "<str>", "<int>", "<bool>", "<float>", "list[",
           "requires an argument", "Did you mean", "Missing argument", "Input should",
           "No such", "Got unexpected", "Traceback")


def test_every_command_has_spanish_help_and_spanish_usage_errors(cli: Cli, sandbox: Sandbox):
    commands = _commands()
    assert len(commands) > 10
    for path, command in commands:
        shown = cli(*path, "--help")
        assert shown.code == 0, (path, shown.err)
        assert "Uso:" in shown.out, path
        assert not [w for w in ENGLISH if w in shown.out + shown.err], (path, shown.out)
        wrong = cli(*path, *_wrong_call(command))
        assert wrong.code == 2, (path, wrong.out, wrong.err)
        assert "Error:" in wrong.err, path
        assert not [w for w in ENGLISH if w in wrong.out + wrong.err], (path, wrong.err)
    assert sandbox.requests() == []


def test_the_reported_tracebacks_are_spanish_usage_errors(cli: Cli):
    for args, missing in ((["attach", "1007"], "ARCHIVO"), (["contacted", "--nota", "x"],
                                                            "TICKET_ID"),
                          (["outbox", "drop"], "ID")):
        result = cli(*args)
        assert result.code == 2 and f"falta el argumento {missing}" in result.err, result.err
        assert "Traceback" not in result.err


def test_usage_errors_suggest_in_spanish(cli: Cli):
    assert "¿Quiso decir «create»?" in cli("creat").err
    assert "falta el valor de --poliza" in cli("create", "--poliza").err


def test_a_usage_error_points_to_the_commands_own_help(cli: Cli, sandbox: Sandbox):
    for args, shown in ((["create", "--poliza"], "escalate create --help"),
                        (["--sandbox", "create", "--prioridad"], "escalate create --help"),
                        (["attach", "1007", "--nada"], "escalate attach --help"),
                        (["outbox", "drop"], "escalate outbox drop --help"),
                        (["creat"], "escalate --help")):
        result = cli(*args)
        assert result.code == 2 and f"Use «{shown}» para ver las opciones." in result.err, (
            args, result.err)
    assert sandbox.requests() == []


def test_sandbox_serve_refuses_a_bad_port_or_host_in_spanish_with_exit_2(cli: Cli):
    import socket

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        for args, words in ((["--port", "99999"], "entre 1 y 65535"),
                            (["--puerto", str(taken.getsockname()[1])], "ya está en uso"),
                            (["--host", "no-existe.invalid"], "no es una dirección")):
            result = cli("sandbox", "serve", *args)
            assert result.code == 2 and words in result.err, (args, result.err)
            assert "Error inesperado" not in result.err
    finally:
        taken.close()


def test_a_bad_number_is_named_in_spanish(cli: Cli):
    result = cli("followup", "--horas", "muchas")
    assert result.code == 2 and "no es un número" in result.err
    assert "Input should" not in result.err


def test_an_os_error_is_a_spanish_message_with_exit_2(cli: Cli, sandbox: Sandbox, monkeypatch):
    from escalate.workflows import files

    def denied(paths: list[str], max_bytes: int, cwd: object = None,
               notice: object = None) -> list[object]:
        raise PermissionError(13, "Permission denied", "/srv/capturas/pantalla.png")

    monkeypatch.setattr(files, "check_files", denied)
    result = cli("create", *ANA)
    assert result.code == 2
    assert "/srv/capturas/pantalla.png: no hay permiso" in result.err
    assert "Permission denied" not in result.err and "Error inesperado" not in result.err
    assert sandbox.requests() == []
