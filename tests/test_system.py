"""The OS module: every branch run on this Linux machine, the Windows and macOS ones by
handing `system` those platforms' facts. What Windows itself does (the sharing violation,
Notepad, the launcher's argv[0]) is only read, in CPython's and the libraries' docs."""

from __future__ import annotations

import io
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from escalate import system
from escalate.system import Platform

from .test_interactive import term  # noqa: F401 (a fixture)

WINDOWS = Platform(windows=True, home=r"C:\Users\Ana", uid=None,
                   which=lambda name: rf"C:\Windows\{name}.exe")
DATA = Path(__file__).parent / "data"


def posix(environ: dict[str, str] | None = None, which: Any = None) -> Platform:
    return Platform(environ=environ or {}, home="/home/ana", uid=1000,
                    which=which or (lambda name: None))


# -- processes ----------------------------------------------------------------------------


def test_a_running_process_is_alive_and_a_finished_one_is_not():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: its pid names no process now
    assert system.process_alive(os.getpid()) is True
    assert system.process_alive(child.pid) is False


def claim_here(home: Path, pid: int) -> None:
    """The outbox's one entry claimed just now by process `pid` of this machine."""
    with sqlite3.connect(home / "outbox.sqlite3") as db:
        db.execute("UPDATE entries SET holder = ?, owner_pid = ?, owner_host = ?, "
                   "renewed_at = ?", (f"{socket.gethostname()}:{pid}:abcd", pid,
                                      socket.gethostname(), time.time()))


def test_an_outbox_claim_of_a_dead_process_here_is_taken_over_at_once_and_a_live_ones_is_not(
        home: Path):
    from escalate.outbox import Entry, Outbox

    box = Outbox(home)
    box.put(Entry(id="e" * 32, kind="draft", payload={"version": 1, "input": {}}), claim=False)
    box.close()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        claim_here(home, sleeper.pid)
        box = Outbox(home)
        assert box.claim("e" * 32) is False  # its holder still runs
        box.close()
    finally:
        sleeper.kill()
        sleeper.wait()
    box = Outbox(home)
    assert box.claim("e" * 32) is True  # the same claim, its process gone: free at once
    box.close()


# -- the program --------------------------------------------------------------------------


@pytest.mark.parametrize(("argv0", "platform", "expected"), [
    ("escalate", posix(), True),
    ("/home/ana/.local/bin/escalate", posix(), True),
    ("/usr/lib/python3/site-packages/escalate/__main__.py", posix(), True),
    ("escalate.exe", posix(), False),
    ("/usr/bin/pytest", posix(), False),
    (r"C:\Users\Ana\pipx\venvs\escalate\Scripts\escalate.exe", WINDOWS, True),
    (r"C:\Users\Ana\.local\bin\ESCALATE.EXE", WINDOWS, True),
    (r"C:\Python312\Scripts\escalate-script.py", WINDOWS, True),
    (r"C:\Python312\Lib\site-packages\escalate\__main__.py", WINDOWS, True),
    (r"C:\Python312\python.exe", WINDOWS, False),
])
def test_the_ctrl_c_guard_knows_the_program_under_each_launcher(argv0: str, platform: Platform,
                                                                 expected: bool):
    assert system.is_program(argv0, platform) is expected


# -- private folders and files ------------------------------------------------------------


def test_a_private_folder_is_0700_on_posix_even_when_it_existed_open(tmp_path: Path):
    folder = tmp_path / "abierta"
    folder.mkdir(mode=0o755)
    system.private_dir(folder, posix())
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_on_windows_a_private_folder_is_made_without_chmod(tmp_path: Path):
    folder = tmp_path / "perfil" / "escalate"
    folder.parent.mkdir(mode=0o755)
    os.chmod(folder.parent, 0o755)
    system.private_dir(folder, WINDOWS)
    assert folder.is_dir()
    # chmod there only toggles the read-only flag: the folder keeps what it inherits
    assert stat.S_IMODE(folder.stat().st_mode) != 0o700


def test_a_key_file_readable_by_others_is_named_with_both_fixes_on_posix(tmp_path: Path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("HUBSPOT_ACCESS_TOKEN=x\n")
    os.chmod(dotenv, 0o644)
    warning = system.exposed_secret(dotenv, posix())
    assert warning is not None and "chmod 600" in warning and "escalate acceder" in warning
    os.chmod(dotenv, 0o600)
    assert system.exposed_secret(dotenv, posix()) is None


@pytest.mark.parametrize(("path", "exposed"), [
    (r"C:\Users\Ana\Documents\escalate\.env", False),
    ("c:/users/ana/escalate/.env", False),  # any case, either slash
    (r"C:\escalate\.env", True),
    (r"D:\compartida\.env", True),
    (r"C:\Users\Anabel\.env", True),  # another profile that starts alike
])
def test_on_windows_a_key_file_outside_the_profile_is_named_and_chmod_never_advised(
        tmp_path: Path, path: str, exposed: bool):
    warning = system.exposed_secret(Path(path), WINDOWS)
    assert (warning is not None) is exposed
    if warning:
        assert "chmod" not in warning and "escalate acceder" in warning
        assert "Administrador de credenciales" in warning


class Locked(PermissionError):
    """What os.replace raises on Windows while another process holds the target open."""

    def __init__(self, winerror: int = 32) -> None:
        super().__init__(13, "El proceso no tiene acceso al archivo")
        self.winerror = winerror


def flaky_rename(failures: int, error: Any = Locked) -> Any:
    calls: list[Any] = []

    def rename(source: Any, target: Any) -> None:
        calls.append((source, target))
        if len(calls) <= failures:
            raise error()
        os.replace(source, target)

    rename.calls = calls  # type: ignore[attr-defined]
    return rename


def test_on_windows_a_replace_refused_while_the_file_is_open_is_retried_until_it_goes(
        tmp_path: Path):
    target = tmp_path / "cache.json"
    target.write_text("viejo")
    rename, waits = flaky_rename(2), []
    system.write_private(target, "nuevo", WINDOWS, rename=rename, sleep=waits.append)
    assert target.read_text() == "nuevo"
    assert len(rename.calls) == 3 and waits == [0.01, 0.02]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache.json"]  # no temp file left


def test_on_windows_the_retry_is_bounded_and_nothing_is_half_written(tmp_path: Path):
    target = tmp_path / "cache.json"
    target.write_text("viejo")
    rename, waits = flaky_rename(100), []
    with pytest.raises(PermissionError):
        system.write_private(target, "nuevo", WINDOWS, rename=rename, sleep=waits.append)
    assert len(rename.calls) == system.REPLACE_TRIES
    assert sum(waits) < 3
    assert target.read_text() == "viejo"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache.json"]


@pytest.mark.parametrize(("platform", "error"), [
    (posix(), Locked),  # on POSIX a PermissionError is a real permission problem
    (WINDOWS, lambda: Locked(winerror=1920)),  # not a sharing violation
])
def test_other_permission_errors_are_not_retried(tmp_path: Path, platform: Platform,
                                                  error: Any):
    rename, waits = flaky_rename(1, error), []
    with pytest.raises(PermissionError):
        system.replace(tmp_path / "a", tmp_path / "b", platform, rename=rename,
                       sleep=waits.append)
    assert len(rename.calls) == 1 and waits == []


def test_on_windows_a_file_still_open_after_the_retries_is_said_in_use_not_no_permission(
        tmp_path: Path):
    from escalate import os_errors

    rename = flaky_rename(100)
    with pytest.raises(system.FileInUse) as raised:
        system.replace(tmp_path / "a", tmp_path / "b", WINDOWS, rename=rename,
                       sleep=lambda _: None)
    assert os_errors.reason(raised.value) == "otro proceso la tiene bloqueada"
    denied = flaky_rename(100, lambda: Locked(winerror=5))  # may be a real denial: kept so
    with pytest.raises(PermissionError) as raised:
        system.replace(tmp_path / "a", tmp_path / "b", WINDOWS, rename=denied,
                       sleep=lambda _: None)
    assert os_errors.reason(raised.value) == "no hay permiso"


def windows_rename(source: Any, target: Any) -> None:
    """os.rename as Windows does it: an existing target is FileExistsError, never replaced
    (on this machine os.rename would replace it)."""
    if os.path.lexists(target):
        raise FileExistsError(17, "Ya existe el archivo", str(target))
    os.rename(source, target)


def built(folder: Path, text: str) -> Path:
    made = folder / f".nuevo-{text}"
    made.write_text(text)
    return made


@pytest.mark.parametrize("platform", [posix(), WINDOWS], ids=["posix", "windows"])
def test_a_file_two_processes_create_at_once_is_the_first_ones_and_never_replaced(
        tmp_path: Path, platform: Platform):
    target = tmp_path / "outbox.sqlite3"
    first, second = built(tmp_path, "primero"), built(tmp_path, "segundo")
    assert system.place_new(first, target, platform, rename=windows_rename)
    assert not system.place_new(second, target, platform, rename=windows_rename)
    assert target.read_text() == "primero"
    assert not first.exists() and second.read_text() == "segundo"  # left to its caller


@pytest.mark.parametrize("errno_name", ["EPERM", "ENOTSUP"])
def test_where_hard_links_cannot_be_made_a_new_file_is_still_placed_once(
        tmp_path: Path, errno_name: str):
    import errno

    def no_links(_: Any, __: Any) -> None:
        raise OSError(getattr(errno, errno_name), "no hard links here")

    target = tmp_path / "outbox.sqlite3"
    assert system.place_new(built(tmp_path, "primero"), target, posix(), link=no_links)
    assert not system.place_new(built(tmp_path, "segundo"), target, posix(), link=no_links)
    assert target.read_text() == "primero"


def test_a_real_error_placing_a_new_file_is_raised_as_it_is(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        system.place_new(tmp_path / "no-existe", tmp_path / "outbox.sqlite3", posix())


def test_a_private_file_is_0600_in_a_0700_folder(tmp_path: Path):
    path = tmp_path / "nueva" / "claves.json"
    system.write_private(path, "{}", posix())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


# -- the temporary folder -----------------------------------------------------------------


def test_the_temp_folder_is_per_user_and_windows_keeps_the_name_earlier_versions_used(
        private_temp: Path):
    assert system.temp_folder(posix()) == private_temp / "escalate-1000"
    assert system.temp_folder(WINDOWS) == private_temp / "escalate-0"


# -- the editor ---------------------------------------------------------------------------


@pytest.mark.parametrize(("platform", "expected"), [
    (posix({"VISUAL": "code --wait", "EDITOR": "vim"}), ["code", "--wait"]),
    (posix({"EDITOR": "nano -R"}, which=lambda n: "/usr/bin/nano"), ["nano", "-R"]),
    (posix({}, which=lambda n: "/usr/bin/nano" if n == "nano" else "/usr/bin/vi"),
     ["/usr/bin/nano"]),
    (posix({}, which=lambda n: "/usr/bin/vi" if n == "vi" else None), None),  # never vi
    (Platform(windows=True, environ={}, which=lambda n: r"C:\nano.exe"), ["notepad.exe"]),
    (Platform(windows=True, environ={
        "EDITOR": r'"C:\Program Files\Notepad++\notepad++.exe" -multiInst'}),
     [r"C:\Program Files\Notepad++\notepad++.exe", "-multiInst"]),
    (Platform(macos=True, environ={"EDITOR": "  "}, which=lambda n: "/usr/bin/nano"),
     ["/usr/bin/nano"]),
])
def test_the_editor_is_the_agents_choice_else_notepad_or_nano_and_never_vi_by_surprise(
        platform: Platform, expected: list[str] | None):
    assert system.editor(platform) == expected


# -- text files from Windows --------------------------------------------------------------


@pytest.mark.parametrize(("data", "text"), [
    (b"a = 1\r\nb = \"\xc3\xb1\"\r\n", 'a = 1\nb = "ñ"\n'),
    (b"\xef\xbb\xbfa = 1\r\n", "a = 1\n"),
    ("a = 1\r\nb = \"ñ\"\r\n".encode("utf-16"), 'a = 1\nb = "ñ"\n'),  # LE with BOM
    (b"\xfe\xff" + "a = \"ñ\"\n".encode("utf-16-be"), 'a = "ñ"\n'),
])
def test_text_is_read_as_windows_editors_save_it(data: bytes, text: str):
    assert system.decode_text(data) == text


@pytest.mark.parametrize(("data", "named"), [
    ("a = 1\r\n".encode("utf-16-le"), "UTF-16 LE sin BOM"),
    ("a = 1\r\n".encode("utf-16-be"), "UTF-16 BE sin BOM"),
    ("configuración = 1\n".encode("latin-1"), "Latin-1 o Windows-1252 (ANSI)"),
    ("a = 1\n".encode("utf-32"), "UTF-32 LE"),
    ("a = 1\n".encode("utf-32-le"), "UTF-32 sin BOM"),
    (b"\xff\xfe" + b"a\x00\x00\xd8", "UTF-16 dañado"),
    (b"ab\x00\xffcdefgh" * 10, "binario (no es texto)"),
])
def test_any_other_encoding_is_refused_naming_it(data: bytes, named: str):
    with pytest.raises(system.UnreadableText) as refused:
        system.decode_text(data)
    assert refused.value.encoding == named


# -- the console --------------------------------------------------------------------------


def test_a_console_in_the_ansi_code_page_writes_what_it_can_instead_of_failing():
    raw = io.BytesIO()
    ansi = io.TextIOWrapper(raw, encoding="cp1252")
    system.fit_console(ansi)
    ansi.write("✓ Ticket 1007 · 🟠 ALTA · póliza\n")
    ansi.flush()
    assert raw.getvalue() == "? Ticket 1007 · ? ALTA · póliza\n".encode("cp1252")


def test_a_utf8_console_is_left_as_it_is():
    utf8 = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    system.fit_console(utf8)
    assert utf8.errors == "strict"


# -- text files from Windows, end to end --------------------------------------------------


@pytest.mark.parametrize("name", ["politica-bloc-de-notas.toml", "politica-powershell5.toml"])
def test_a_policy_file_saved_by_notepad_or_powershell_5_is_read(cli: Any, name: str):
    (cli.cwd / "escalate.toml").write_bytes((DATA / name).read_bytes())
    shown = cli("politica", "--json")
    assert shown.code == 0, shown.err
    policy = shown.json()
    assert policy["matrix"]["priorities"]["URGENTE"] == "guardia@aseguradora.example"


@pytest.mark.parametrize(("name", "named"), [
    ("politica-utf16-sin-bom.toml", "UTF-16 LE sin BOM"),
    ("politica-latin1.toml", "Latin-1 o Windows-1252 (ANSI)"),
])
def test_a_policy_file_in_another_encoding_exits_2_naming_it_and_sends_nothing(
        cli: Any, sandbox: Any, name: str, named: str):
    (cli.cwd / "escalate.toml").write_bytes((DATA / name).read_bytes())
    result = cli("followup", "--tareas")
    assert result.code == 2, result.err
    assert named in result.err and "UTF-8" in result.err and "Traceback" not in result.err
    assert sandbox.requests() == []


@pytest.mark.parametrize("name", ["env-bloc-de-notas.env", "env-powershell5.env"])
def test_a_dotenv_saved_by_notepad_or_powershell_5_gives_its_token(cli: Any, name: str):
    (cli.cwd / ".env").write_bytes((DATA / name).read_bytes())
    os.chmod(cli.cwd / ".env", 0o600)
    result = cli("doctor", "--json", environ={"HUBSPOT_ACCESS_TOKEN": ""})
    checks = {c["check"]: c for c in result.json()}
    assert checks["Token"]["ok"] is True and checks["Token"]["token_source"] == "dotenv"
    assert "Aviso" not in result.err, result.err  # every line read, nothing garbled


def test_a_dotenv_in_latin_1_exits_2_naming_it_before_anything_is_sent(cli: Any,
                                                                       sandbox: Any):
    (cli.cwd / ".env").write_bytes((DATA / "env-latin1.env").read_bytes())
    result = cli("doctor", environ={"HUBSPOT_ACCESS_TOKEN": ""})
    assert result.code == 2
    assert "Latin-1 o Windows-1252 (ANSI)" in result.err and "UTF-8" in result.err
    assert sandbox.requests() == []


# -- the editor, at a real terminal -------------------------------------------------------


def test_with_no_editor_configured_ctrl_x_ctrl_e_says_how_to_set_one_and_never_opens_vi(
        term: Any, sandbox: Any, tmp_path: Path):  # noqa: F811 (the fixture)
    from tests.test_interactive import answer_rest, sent_ticket

    bin_dir = tmp_path / "bin"  # a PATH with vi and no nano: vi must not open
    bin_dir.mkdir()
    opened = tmp_path / "vi-abierto"
    for name in ("vi", "vim", "editor"):
        (bin_dir / name).write_text(f"#!/bin/sh\ntouch {opened}\n")
        (bin_dir / name).chmod(0o755)
    t = term("--poliza", "POL-81", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--prioridad", "baja",
             extra={"EDITOR": "", "VISUAL": "", "PATH": str(bin_dir)})
    t.answer("QUÉ pasa", "La app se cierra\x18\x05")  # Ctrl-X Ctrl-E
    t.answer("No hay un editor configurado", "\r\r")
    t.answer("CÓMO pasó", "Abrir\r\r")
    answer_rest(t, "Web", where_prompt=r"DÓNDE \(web")
    ticket = sent_ticket(t, sandbox)
    assert "QUÉ:\nLa app se cierra\n" in ticket.properties["content"]
    assert not opened.exists()


def test_an_editor_that_is_not_there_is_said_and_the_typed_text_stays(
        term: Any, sandbox: Any):  # noqa: F811 (the fixture)
    from tests.test_interactive import answer_rest, sent_ticket

    t = term("--poliza", "POL-82", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--prioridad", "baja",
             extra={"EDITOR": "/no/existe/editor"})
    t.answer("QUÉ pasa", "La app se cierra\x18\x05")
    t.answer("No se pudo usar el editor «/no/existe/editor»", " al pagar\r\r")
    t.answer("CÓMO pasó", "Abrir\r\r")
    answer_rest(t, "Web", where_prompt=r"DÓNDE \(web")
    ticket = sent_ticket(t, sandbox)
    assert "QUÉ:\nLa app se cierra al pagar\n" in ticket.properties["content"]
