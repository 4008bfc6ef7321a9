"""`escalate acceder` / `salir`: the key checked against the sandbox, kept in a real keyring
backend (tests/keyring_backend.py) or, with no backend, in a private file; then used by
`create` and named by `doctor` with no HUBSPOT_ACCESS_TOKEN anywhere."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail
import pexpect
import pytest

from escalate.keystore import KeyStore

from .conftest import ANA, Cli, Sandbox
from .keyring_backend import FileKeyring, LockedKeyring
from .test_interactive import TIMEOUT, escalate_command

PORTAL = "48151623"  # the sandbox's
ROOT = Path(__file__).resolve().parent.parent
FILE_BACKEND = "keyring:tests.keyring_backend.FileKeyring"


@pytest.fixture
def ring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A keyring backend for this test: FileKeyring, its store in the test's folder."""
    store = tmp_path / "llavero.json"
    monkeypatch.setenv("ESCALATE_TEST_KEYRING", str(store))
    use_backend(monkeypatch, FileKeyring())
    yield store


def use_backend(monkeypatch: pytest.MonkeyPatch, backend: Any) -> None:
    """The backend `keyring.get_keyring()` answers with in this process."""
    monkeypatch.setattr(keyring.core, "_keyring_backend", backend)


@pytest.fixture
def agent(cli: Cli) -> Cli:
    """The agent's shell: no HUBSPOT_ACCESS_TOKEN in the environment."""
    return Cli({**cli.environ, "HUBSPOT_ACCESS_TOKEN": ""}, cli.cwd)


def in_ring(store: Path) -> dict[str, Any]:
    return dict(json.loads(store.read_text())) if store.exists() else {}


def listed(home: Path) -> dict[str, Any]:
    path = home / "claves.json"
    return dict(json.loads(path.read_text())) if path.exists() else {}


def token_source(cli: Cli, *args: str) -> Any:
    result = cli(*args, "doctor", "--json")
    [token] = [c for c in result.json() if c["check"] == "Token"]
    return token


def test_login_keeps_the_key_in_the_keyring_and_create_and_doctor_use_it(
        agent: Cli, sandbox: Sandbox, home: Path, ring: Path):
    stored = agent("acceder", "--con-token", stdin="sandbox\n")
    assert stored.code == 0, stored.err
    assert f"portal {PORTAL}" in stored.out and "FileKeyring" in stored.out
    assert in_ring(ring) == {"escalate": {PORTAL: "sandbox"}}
    assert listed(home)["portals"] == {PORTAL: {"backend": "tests.keyring_backend:FileKeyring",
                                                "domain": "app.sandbox.invalid"}}
    assert "keys" not in listed(home) or listed(home)["keys"] == {}  # never beside the list
    created = agent("create", *ANA, "--json")
    assert created.code == 0, created.err
    assert [t.id for t in sandbox.tickets()] == [created.json()["id"]]
    token = token_source(agent)
    assert token["ok"] is True and token["token_source"] == FILE_BACKEND
    # the key itself is never shown
    assert "sandbox" not in json.dumps(token).replace("app.sandbox.invalid", "")


def test_login_checks_the_key_with_one_request_and_then_one_read_per_scope(
        agent: Cli, sandbox: Sandbox, ring: Path):
    sandbox.forget_requests()
    assert agent("acceder", "--con-token", stdin="sandbox\n").code == 0
    log = sandbox.requests()
    assert "account-info" in log[0]["path"]
    assert len(log) == 5 and {r["method"] for r in log} == {"GET"}  # nothing written


def test_without_a_keyring_the_key_goes_to_a_private_file_and_says_so(
        agent: Cli, sandbox: Sandbox, home: Path, monkeypatch: pytest.MonkeyPatch):
    use_backend(monkeypatch, keyring.backends.fail.Keyring())
    stored = agent("acceder", "--con-token", stdin="sandbox\n")
    assert stored.code == 0, stored.err
    assert "No hay un llavero del sistema" in stored.err and "claves.json" in stored.err
    assert listed(home)["keys"] == {PORTAL: "sandbox"}
    assert stat.S_IMODE((home / "claves.json").stat().st_mode) == 0o600
    assert agent("create", *ANA).code == 0
    assert token_source(agent)["token_source"] == "file"


def test_on_linux_without_the_keyring_extra_the_key_goes_to_the_file_saying_how_to_get_it(
        agent: Cli, sandbox: Sandbox, home: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "keyring", None)  # not installed: import fails
    stored = agent("acceder", "--con-token", stdin="sandbox\n")
    assert stored.code == 0, stored.err
    assert "[keyring]" in stored.err and listed(home)["keys"] == {PORTAL: "sandbox"}
    assert token_source(agent)["token_source"] == "file"


def test_a_real_process_picks_the_backend_as_keyring_does_and_a_second_one_reads_it(
        agent: Cli, sandbox: Sandbox, home: Path, tmp_path: Path):
    environ = {"PYTHON_KEYRING_BACKEND": "tests.keyring_backend.FileKeyring",
               "ESCALATE_TEST_KEYRING": str(tmp_path / "llavero.json"), "PYTHONPATH": str(ROOT)}
    login = subprocess.run([*escalate_command(), "acceder", "--con-token"], input="sandbox\n",
                           capture_output=True, text=True, timeout=60, cwd=agent.cwd,
                           env={"PATH": os.environ.get("PATH", ""), **agent.environ, **environ})
    assert login.returncode == 0, login.stderr
    doctor = agent.subprocess("doctor", "--json", environ=environ)
    [token] = [c for c in json.loads(doctor.stdout) if c["check"] == "Token"]
    assert token["ok"] and token["token_source"] == FILE_BACKEND


def test_an_invalid_key_exits_4_and_nothing_is_stored(agent: Cli, sandbox: Sandbox,
                                                      home: Path, ring: Path):
    result = agent("acceder", "--con-token", stdin="pat-na1-revocada\n")
    assert result.code == 4, result.err
    assert "revocada" not in result.err + result.out
    assert not ring.exists() and listed(home) == {}
    # the key typed is the one named, not a variable the agent never set
    assert "rechazó la clave escrita" in result.err
    assert "HUBSPOT_ACCESS_TOKEN" not in result.err


def test_a_refused_key_of_the_environment_is_named_by_where_it_came_from(cli: Cli):
    result = cli("seguimiento", environ={"HUBSPOT_ACCESS_TOKEN": "pat-na1-revocada"})
    assert result.code == 4, result.err
    assert "La clave usada: de HUBSPOT_ACCESS_TOKEN en el entorno." in result.err


def test_a_key_with_spaces_inside_exits_4_before_any_request(agent: Cli, sandbox: Sandbox,
                                                            home: Path, ring: Path):
    result = agent("acceder", "--con-token", stdin="pat na1\n")
    assert result.code == 4 and "espacio" in result.err
    assert sandbox.requests() == [] and listed(home) == {}


def test_a_key_lacking_scopes_is_stored_naming_each_and_the_commands_that_need_it(
        agent: Cli, sandbox: Sandbox, ring: Path):
    sandbox.control("POST", "scopes", {"scopes": ["tickets", "crm.objects.contacts.read"]})
    result = agent("acceder", "--con-token", stdin="sandbox\n")
    assert result.code == 0, result.err
    assert "«files»" in result.err and "adjuntar" in result.err
    assert "«crm.objects.owners.read»" in result.err and "ESCALATE_AGENT" in result.err
    assert "«tickets»" not in result.err
    assert in_ring(ring) == {"escalate": {PORTAL: "sandbox"}}


def test_a_byte_order_mark_and_crlf_from_powershell_are_not_part_of_the_key(
        agent: Cli, sandbox: Sandbox, ring: Path):
    assert agent("acceder", "--con-token", stdin="\ufeffsandbox\r\n").code == 0
    assert in_ring(ring) == {"escalate": {PORTAL: "sandbox"}}


def test_a_locked_keyring_is_named_exit_4_nothing_stored_and_the_file_is_offered(
        agent: Cli, sandbox: Sandbox, home: Path, ring: Path, monkeypatch: pytest.MonkeyPatch):
    use_backend(monkeypatch, LockedKeyring())
    result = agent("acceder", "--con-token", stdin="sandbox\n")
    assert result.code == 4, result.err
    assert "LockedKeyring" in result.err and "bloqueado" in result.err
    assert "archivo privado" in result.err
    assert listed(home) == {} and not ring.exists()


def spawn(agent: Cli, *args: str, environ: dict[str, str]) -> Any:
    env = {"PATH": os.environ.get("PATH", ""), **agent.environ, "TERM": "xterm",
           "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONPATH": str(ROOT), **environ}
    command = escalate_command()
    return pexpect.spawn(command[0], [*command[1:], *args], env=env, cwd=str(agent.cwd),
                         encoding="utf-8", timeout=TIMEOUT)


def test_at_a_terminal_the_key_is_not_echoed_and_ctrl_c_stores_nothing(
        agent: Cli, sandbox: Sandbox, home: Path, tmp_path: Path):
    ring = tmp_path / "llavero.json"
    environ = {"PYTHON_KEYRING_BACKEND": "tests.keyring_backend.FileKeyring",
               "ESCALATE_TEST_KEYRING": str(ring)}
    child = spawn(agent, "acceder", environ=environ)
    child.expect("no se verá al escribirla")
    child.send("sand")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "sand" not in child.before
    assert not ring.exists() and listed(home) == {} and sandbox.requests() == []
    child = spawn(agent, "acceder", environ=environ)
    child.expect("no se verá al escribirla")
    child.sendline("sandbox")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and "sandbox" not in child.before.replace(
        "app.sandbox.invalid", "")
    assert json.loads(ring.read_text()) == {"escalate": {PORTAL: "sandbox"}}


def test_at_a_terminal_a_locked_keyring_offers_the_private_file(agent: Cli, sandbox: Sandbox,
                                                                 home: Path, tmp_path: Path):
    environ = {"PYTHON_KEYRING_BACKEND": "tests.keyring_backend.LockedKeyring",
               "ESCALATE_TEST_KEYRING": str(tmp_path / "llavero.json")}
    child = spawn(agent, "acceder", environ=environ)
    child.expect("no se verá al escribirla")
    child.sendline("sandbox")
    child.expect("LockedKeyring")
    child.expect(r"archivo que solo su usuario puede leer")
    child.send("s")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert listed(home)["keys"] == {PORTAL: "sandbox"}


def test_the_environment_then_dotenv_win_over_the_stored_key(agent: Cli, sandbox: Sandbox,
                                                             ring: Path):
    assert agent("acceder", "--con-token", stdin="sandbox\n").code == 0
    assert token_source(agent)["token_source"] == FILE_BACKEND
    (agent.cwd / ".env").write_text("HUBSPOT_ACCESS_TOKEN=sandbox\n")
    os.chmod(agent.cwd / ".env", 0o600)
    assert token_source(agent)["token_source"] == "dotenv"
    env_wins = Cli({**agent.environ, "HUBSPOT_ACCESS_TOKEN": "sandbox"}, agent.cwd)
    assert token_source(env_wins)["token_source"] == "env"


def test_login_says_when_a_variable_will_still_win(agent: Cli, sandbox: Sandbox, ring: Path):
    (agent.cwd / ".env").write_text("HUBSPOT_ACCESS_TOKEN=sandbox\n")
    os.chmod(agent.cwd / ".env", 0o600)
    result = agent("acceder", "--con-token", stdin="sandbox\n")
    assert result.code == 0 and "archivo .env) tiene prioridad" in result.err


def test_a_replaced_key_is_used_at_once(agent: Cli, sandbox: Sandbox, home: Path, ring: Path):
    KeyStore(home).save(PORTAL, "pat-na1-revocada", "app.sandbox.invalid")
    assert agent("create", *ANA).code == 4
    assert agent("acceder", "--con-token", stdin="sandbox\n").code == 0
    assert agent("create", *ANA).code == 0
    assert in_ring(ring) == {"escalate": {PORTAL: "sandbox"}}


def test_logout_forgets_the_key_and_then_commands_exit_4_saying_how_to_login(
        agent: Cli, sandbox: Sandbox, home: Path, ring: Path):
    assert agent("acceder", "--con-token", stdin="sandbox\n").code == 0
    out = agent("salir")
    assert out.code == 0 and f"portal {PORTAL}" in out.out
    assert in_ring(ring) == {"escalate": {}} and listed(home)["portals"] == {}
    create = agent("create", *ANA)
    assert create.code == 4 and "escalate acceder" in create.err
    assert sandbox.tickets() == []


def test_logout_with_nothing_stored_says_so_and_exits_0(agent: Cli, ring: Path):
    result = agent("logout")
    assert result.code == 0 and "No había ninguna clave guardada" in result.out


def test_with_two_portals_the_one_named_is_used_and_an_unknown_one_lists_the_stored(
        agent: Cli, sandbox: Sandbox, home: Path, ring: Path):
    assert agent("acceder", "--con-token", stdin="sandbox\n").code == 0
    KeyStore(home).save("99887766", "pat-na1-otra", "app-eu1.hubspot.com", to_file=True)
    both = agent("create", *ANA)
    assert both.code == 4 and "varios portales" in both.err and "--portal" in both.err
    unknown = agent("--portal", "12345", "create", *ANA)
    assert unknown.code == 4
    assert f"{PORTAL} (app.sandbox.invalid)" in unknown.err and "99887766" in unknown.err
    assert sandbox.tickets() == []
    assert agent("--portal", PORTAL, "create", *ANA).code == 0
    chosen = Cli({**agent.environ, "ESCALATE_PORTAL": PORTAL}, agent.cwd)
    assert token_source(chosen)["token_source"] == FILE_BACKEND
    gone = agent("salir", "--portal", "99887766")
    assert gone.code == 0 and "pat-na1-otra" not in json.dumps(listed(home))


def test_login_with_a_portal_the_key_does_not_open_exits_4_storing_nothing(
        agent: Cli, sandbox: Sandbox, home: Path, ring: Path):
    result = agent("acceder", "--portal", "12345", "--con-token", stdin="sandbox\n")
    assert result.code == 4 and f"es del portal {PORTAL}" in result.err
    assert listed(home) == {} and not ring.exists()


@pytest.mark.parametrize(("args", "environ", "said"), [
    (("--sandbox", "acceder", "--con-token"), {}, "sandbox no usa clave"),
    (("acceder",), {}, "Sin una terminal"),
    (("acceder", "--con-token"), {}, "No llegó ninguna clave"),
    (("--portal", "abc", "acceder", "--con-token"), {}, "no es un id de portal"),
])
def test_login_refuses_what_it_cannot_use_with_exit_2(agent: Cli, sandbox: Sandbox, home: Path,
                                                      ring: Path, args: tuple[str, ...],
                                                      environ: dict[str, str], said: str):
    result = agent(*args, stdin="" if "No llegó" in said else "sandbox\n", environ=environ)
    assert result.code == 2 and said in result.err, result.err
    assert listed(home) == {} and sandbox.requests() == []
