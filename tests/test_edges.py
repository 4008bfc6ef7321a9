"""Nothing lost at the edges (issue 11): a damaged outbox, a stale claim, a full or
read-only disk, a held lock, a bad token, Ctrl-C during start-up, odd files and `.env`s.

Each test reproduces one item of the issue with the real CLI against the sandbox, then
checks what HubSpot holds (tickets by escalate_id, uploads, notes) and what the outbox
still holds.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from escalate.outbox import Entry, Outbox

from .conftest import ANA, Cli, Sandbox, png_bytes, wait_for, with_option

PAGE = 4096


# The fallback folder (the user's temporary folder) belongs to each test only.
pytestmark = pytest.mark.usefixtures("private_temp")


def payload(policy: str, how: str = "Guardar") -> dict[str, Any]:
    from escalate.domain.escalation import Escalation, Rules

    escalation = Escalation.build({
        "policy": policy, "client_name": "Ana López", "email": "ana.lopez@example.com",
        "priority": "ALTA", "what": "No guarda el endoso", "how": how,
        "where": "Portal web"}, Rules(), datetime.now(timezone.utc))
    return {"version": 1, "escalation": escalation.as_json(), "files": []}


def queue(home: Path, count: int, size: int = 1200) -> list[str]:
    """`count` escalations waiting in the outbox, big enough to fill several pages."""
    outbox = Outbox(home)
    policies = []
    for i in range(count):
        policy = f"Q-{i:03d}"
        made = payload(policy, "paso " * (size // 5))  # kept under its escalation's id
        outbox.put(Entry(made["escalation"]["escalate_id"], "create", made,
                         created_at=1000.0 + i), claim=False)
        policies.append(policy)
    outbox.close()
    return policies


def policies_in(sandbox: Sandbox) -> list[str]:
    return sorted(t.properties["escalate_policy"] for t in sandbox.tickets())


def scribble(path: Path, offset: int, size: int) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        handle.write(os.urandom(size))


def fallback_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("escalate-*/*/entry-*.json"))


# -- 1. a damaged outbox never blocks the rest ------------------------------------------


def test_a_damaged_page_salvages_every_readable_entry_and_commands_keep_working(
        cli: Cli, sandbox: Sandbox, home: Path):
    policies = queue(home, 12)
    scribble(home / "outbox.sqlite3", PAGE, PAGE)  # page 2: the entries table's root
    listing = cli("outbox")
    assert listing.code == 0, listing.err
    assert "se recuperaron 12 entrada(s) y 0 no se pudieron leer" in listing.err
    [aside] = home.glob("outbox.damaged-*.sqlite3")
    assert str(aside) in listing.err
    assert cli("create", *ANA, "--sin-preguntas").code == 0
    sent = cli("outbox", "send")
    assert sent.code == 0, sent.out + sent.err
    assert policies_in(sandbox) == sorted([*policies, "POL-1001"])


def test_a_damaged_index_does_not_stall_outbox_send(cli: Cli, sandbox: Sandbox, home: Path):
    policies = queue(home, 3, size=100)
    with sqlite3.connect(home / "outbox.sqlite3") as db:
        [root] = db.execute("SELECT rootpage FROM sqlite_master WHERE type = 'index'").fetchone()
    scribble(home / "outbox.sqlite3", (root - 1) * PAGE, PAGE)
    sent = cli("outbox", "send")
    assert sent.code == 0, sent.out + sent.err
    assert "otro proceso" not in sent.out and "3 de 3" in sent.out
    assert policies_in(sandbox) == policies


@pytest.mark.parametrize("damage", ["header", "truncated"])
def test_header_damage_or_truncation_salvages_what_can_be_read(
        cli: Cli, sandbox: Sandbox, home: Path, damage: str):
    policies = queue(home, 12)
    path = home / "outbox.sqlite3"
    if damage == "header":
        scribble(path, 0, 100)
    else:
        os.truncate(path, path.stat().st_size // 2)
    listing = cli("outbox", "--json")
    assert listing.code == 0, listing.err
    saved = len(listing.json())
    assert f"se recuperaron {saved} entrada(s)" in listing.err
    assert saved == 12 if damage == "header" else 1 <= saved < 12
    assert list(home.glob("outbox.damaged-*.sqlite3"))
    assert cli("outbox", "send").code == 0
    sent = policies_in(sandbox)
    assert len(sent) == saved and set(sent) <= set(policies)  # each at most once


@pytest.mark.parametrize("damage", ["zero bytes", "a folder"])
def test_an_empty_file_or_a_folder_in_its_place_is_said_and_set_aside(
        cli: Cli, sandbox: Sandbox, home: Path, damage: str):
    queue(home, 2)
    path = home / "outbox.sqlite3"
    if damage == "zero bytes":
        os.truncate(path, 0)
    else:
        path.unlink()
        path.mkdir()
    listing = cli("outbox")
    assert listing.code == 0, listing.err
    assert ("vacía (0 bytes)" if damage == "zero bytes" else "carpeta") in listing.err
    assert list(home.glob("outbox.damaged-*"))
    assert cli("create", *ANA, "--sin-preguntas").code == 0
    assert policies_in(sandbox) == ["POL-1001"]


# -- 2. a portal cache that is not an object ----------------------------------------------


@pytest.mark.parametrize("content", ["[]", "null", '"x"', "a folder"])
def test_a_cache_that_is_not_an_object_is_treated_as_no_cache(
        cli: Cli, sandbox: Sandbox, home: Path, content: str):
    assert cli("create", *ANA, "--sin-preguntas").code == 0
    [cache] = (home / "cache").glob("portal-*.json")
    if content == "a folder":
        cache.unlink()
        cache.mkdir()
    else:
        cache.write_text(content)
    again = cli("create", *with_option(ANA, "--poliza", "POL-2"), "--sin-preguntas")
    assert again.code == 0, again.err
    assert policies_in(sandbox) == ["POL-1001", "POL-2"]


# -- 3. claims are leases -----------------------------------------------------------------


def claim_as(home: Path, holder: str, renewed_at: float) -> None:
    with sqlite3.connect(home / "outbox.sqlite3") as db:
        db.execute("UPDATE entries SET holder = ?, owner_pid = 1, owner_host = ?, "
                   "renewed_at = ?", (holder, holder.split(":")[0], renewed_at))


def test_a_stale_claim_from_another_host_is_taken_over(cli: Cli, sandbox: Sandbox,
                                                       home: Path):
    queue(home, 1, size=100)
    claim_as(home, "contenedor-viejo:1:abcd", time.time() - 600)
    sent = cli("outbox", "send")
    assert sent.code == 0 and "1 de 1" in sent.out, sent.out
    assert policies_in(sandbox) == ["Q-000"]


def test_a_live_claim_from_another_host_is_left_alone(cli: Cli, sandbox: Sandbox,
                                                      home: Path):
    queue(home, 1, size=100)
    claim_as(home, "otra-maquina:1:abcd", time.time())
    sent = cli("outbox", "send")
    assert sent.code == 0 and "otro proceso" in sent.out
    assert sandbox.tickets() == []


def test_two_live_holders_never_hold_one_entry(home: Path):
    queue(home, 1, size=100)
    first, second = Outbox(home), Outbox(home)
    [entry], _ = first.entries()
    assert first.claim(entry.id) is True
    assert second.claim(entry.id) is False
    first.failed(entry, "se suelta")
    assert second.claim(entry.id) is True
    first.close()
    second.close()


def test_a_lease_is_renewed_while_its_sender_works_and_lapses_after(
        home: Path, monkeypatch: pytest.MonkeyPatch):
    import escalate.outbox as outbox_module

    monkeypatch.setattr(outbox_module, "RENEW_SECONDS", 0.01)
    queue(home, 1, size=100)
    now = [1000.0]
    first, second = Outbox(home, clock=lambda: now[0]), Outbox(home, clock=lambda: now[0])
    [entry], _ = first.entries()
    assert first.claim(entry.id)
    with first.working_on(entry.id):
        now[0] += 2 * outbox_module.LEASE_SECONDS  # the work outlasts a lease...
        # ...and the background thread renews it
        wait_for(lambda: renewed_at(home) == now[0], "the lease was not renewed")
        assert second.claim(entry.id) is False
    now[0] += outbox_module.LEASE_SECONDS + 1  # no renewal once the work is over
    assert second.claim(entry.id) is True
    first.close()
    second.close()


def renewed_at(home: Path) -> float:
    with sqlite3.connect(home / "outbox.sqlite3") as db:
        return float(db.execute("SELECT renewed_at FROM entries").fetchone()[0])


# -- 4. local trouble is named, and what was typed survives -------------------------------


class SickConnection:
    """A real SQLite connection whose writes fail like a full disk (SQLITE_FULL)."""

    def __init__(self, conn: sqlite3.Connection, fails: Any) -> None:
        self.conn = conn
        self.fails = fails

    def execute(self, sql: str, *args: Any) -> Any:
        if self.fails(sql, args):
            raise sqlite3.OperationalError("database or disk is full")
        return self.conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


def full_disk(monkeypatch: pytest.MonkeyPatch, fails: Any) -> None:
    real = Outbox._connect
    monkeypatch.setattr(Outbox, "_connect",
                        lambda self, path: SickConnection(real(self, path), fails))


def writes(sql: str, args: Any) -> bool:
    return sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))


def test_a_full_disk_keeps_the_escalation_in_the_temp_folder_and_exits_2(
        cli: Cli, sandbox: Sandbox, home: Path, private_temp: Path,
        monkeypatch: pytest.MonkeyPatch):
    assert cli("outbox").code == 0  # the outbox exists before the disk fills up
    full_disk(monkeypatch, writes)
    result = cli("create", *ANA, "--sin-preguntas")
    assert result.code == 2, result.err
    assert "disco está lleno" in result.err and str(home) in result.err
    assert "Error inesperado" not in result.err
    assert len(fallback_files(private_temp)) == 1
    listing = cli("outbox")  # `escalate outbox` works on a full disk
    assert listing.code == 0 and "POL-1001 - Ana López" in listing.out
    assert sandbox.tickets() == []
    monkeypatch.undo()
    monkeypatch.setattr(tempfile, "tempdir", str(private_temp))
    assert cli("outbox", "send").code == 0
    assert policies_in(sandbox) == ["POL-1001"]
    assert fallback_files(private_temp) == []


def test_a_full_disk_once_hubspot_holds_the_ticket_exits_5_and_never_makes_two(
        cli: Cli, sandbox: Sandbox, home: Path, private_temp: Path,
        monkeypatch: pytest.MonkeyPatch):
    full_disk(monkeypatch, lambda sql, args: "SET state" in sql and '"ticket"' in str(args))
    result = cli("create", *ANA, "--sin-preguntas")
    assert result.code == 5, result.err
    assert "disco está lleno" in result.err
    monkeypatch.undo()
    monkeypatch.setattr(tempfile, "tempdir", str(private_temp))
    assert cli("outbox", "send").code == 0
    assert policies_in(sandbox) == ["POL-1001"]


def make_read_only(folder: Path) -> Any:
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
            pytest.skip("chattr no disponible: no se puede hacer una carpeta de solo lectura")
        return lambda: subprocess.run(["chattr", "-i", str(folder)], check=True)
    folder.chmod(0o500)
    return lambda: folder.chmod(0o700)


def test_a_read_only_home_names_the_folder_keeps_the_escalation_and_exits_2(
        cli: Cli, sandbox: Sandbox, home: Path, private_temp: Path):
    undo = make_read_only(home)
    try:
        result = cli("create", *ANA, "--sin-preguntas")
        assert result.code == 2, result.err
        assert str(home) in result.err and "Error inesperado" not in result.err
        assert len(fallback_files(private_temp)) == 1
        assert "POL-1001 - Ana López" in cli("outbox").out
    finally:
        undo()
    assert cli("outbox", "send").code == 0
    assert policies_in(sandbox) == ["POL-1001"]


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_a_home_that_is_a_file_or_cannot_be_created_exits_2_not_a_bug(
        cli: Cli, sandbox: Sandbox, tmp_path: Path, private_temp: Path, where: str):
    blocker = tmp_path / "soy-un-archivo"
    blocker.write_text("x")
    home = blocker if where == "a file" else blocker / "escalate"
    result = cli("create", *ANA, "--sin-preguntas", environ={"ESCALATE_HOME": str(home)})
    assert result.code == 2, result.err
    assert "Error inesperado" not in result.err and str(blocker) in result.err
    assert sandbox.tickets() == []


def test_a_lock_held_by_another_process_is_named_and_the_escalation_kept(
        cli: Cli, sandbox: Sandbox, home: Path, private_temp: Path,
        monkeypatch: pytest.MonkeyPatch):
    import escalate.outbox

    assert cli("outbox").code == 0
    monkeypatch.setattr(escalate.outbox, "LOCK_SECONDS", 0.3)
    holder = sqlite3.connect(home / "outbox.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = cli("create", *ANA, "--sin-preguntas")
        assert result.code == 2, result.err
        assert "bloqueada" in result.err and str(home) in result.err
        assert len(fallback_files(private_temp)) == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert cli("outbox", "send").code == 0
    assert policies_in(sandbox) == ["POL-1001"]


# -- 5. the token --------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["pat-na1-abcd\r\nefgh-1234", "pat-na1-abcd’efgh-1234",
                                   "pat-na1-abcd efgh-1234", "pat-na1-abcd\x07efgh-1234"])
def test_a_token_with_a_line_break_or_odd_characters_exits_4_without_showing_it(
        cli: Cli, sandbox: Sandbox, token: str):
    result = cli("--verbose", "create", *ANA, "--sin-preguntas",
                 environ={"HUBSPOT_ACCESS_TOKEN": token})
    assert result.code == 4, result.err
    for part in ("abcd", "efgh"):
        assert part not in result.out + result.err
    assert sandbox.requests() == []


def test_surrounding_whitespace_around_the_token_is_stripped(cli: Cli, sandbox: Sandbox):
    result = cli("create", *ANA, "--sin-preguntas",
                 environ={"HUBSPOT_ACCESS_TOKEN": "  sandbox\r\n"})
    assert result.code == 0, result.err


def test_redaction_covers_raw_repr_bytes_and_header_encoded_forms():
    import base64
    from urllib.parse import quote

    from escalate.redaction import redact

    token = "pat-na1-ñandú\r\n-1234"
    forms = [token, repr(token), repr(token.encode()), quote(token),
             token.encode().decode("latin-1"), base64.b64encode(token.encode()).decode(),
             f"Bearer {token.strip()}", "pat-na1-ñandú"]
    for form in forms:
        shown = redact(f"error: {form} al enviar", [token])
        assert "ñandú" not in shown and "1234" not in shown and "and" not in shown.split()[1:2]


# -- 6. Ctrl-C during start-up -------------------------------------------------------------


def interrupted_after(module: str, args: list[str], cli: Cli,
                      environ: dict[str, str]) -> tuple[int, str]:
    """Run escalate, press Ctrl-C as soon as it has imported `module` (read from its
    `-X importtime` lines on stderr: the moment is the child's, never a guessed delay),
    and return its exit code and the rest of what it said."""
    process = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "escalate", *args],
                               cwd=cli.cwd, env=environ, stderr=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, text=True)
    assert process.stderr is not None
    said = []
    for line in process.stderr:
        if line.startswith("import time:"):
            if line.rsplit("|", 1)[-1].strip() == module:
                break
        else:
            said.append(line)
    else:
        raise AssertionError(f"escalate ended before importing {module}: {''.join(said)}")
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=60)
    said += [line for line in rest.splitlines(keepends=True)
             if not line.startswith("import time:")]
    return process.returncode, "".join(said)


def test_ctrl_c_during_start_up_keeps_the_options_of_a_create(
        cli: Cli, sandbox: Sandbox, private_temp: Path):
    environ = {"PATH": os.environ.get("PATH", ""), **cli.environ, "TMPDIR": str(private_temp)}
    # while the tool is still importing (the early guard), once the command is being built,
    # and as the gateway is built for the reads
    for n, module in enumerate(("typer", "escalate.cli.escalation", "hubspot.client")):
        policy = f"SIG-{n}"
        code, err = interrupted_after(
            module, ["create", *with_option(ANA, "--poliza", policy), "--sin-preguntas"],
            cli, environ)
        assert "Traceback" not in err, err
        assert code in (0, 130), (code, err)
        if code == 130:
            assert "borrador" in err or "bandeja de salida" in err, err
        kept = cli("outbox", "--json").json()
        found = [e for e in kept if policy in e["description"]]
        sent = [p for p in policies_in(sandbox) if p == policy]
        assert found or sent, (module, err, kept)
        assert len(found) <= 1 and len(sent) <= 1


def test_ctrl_c_during_start_up_of_another_command_says_nothing_needed_keeping(
        cli: Cli, private_temp: Path):
    environ = {"PATH": os.environ.get("PATH", ""), **cli.environ, "TMPDIR": str(private_temp)}
    code, err = interrupted_after("typer", ["outbox", "send"], cli, environ)
    assert "Traceback" not in err, err
    assert code == 130
    assert "No había nada que guardar" in err, err
    assert not list(private_temp.glob("escalate-*/early/argv-*"))


# -- 8. files ------------------------------------------------------------------------------


def test_the_same_file_under_two_paths_is_uploaded_and_listed_once(
        cli: Cli, sandbox: Sandbox, tmp_path: Path):
    ticket = cli("create", *ANA, "--json", "--sin-preguntas").json()["id"]
    picture = cli.cwd / "captura.png"
    picture.write_bytes(png_bytes(5))
    (tmp_path / "enlace.png").symlink_to(picture)
    sandbox.forget_requests()
    result = cli("attach", ticket, str(picture), "./captura.png", str(tmp_path / "enlace.png"),
                 "--json")
    assert result.code == 0, result.err
    assert len(result.json()["files"]) == 1
    assert len([r for r in sandbox.requests() if r["path"] == "/files/2026-03/files"]) == 1
    [note] = [n for n in sandbox.notes_of(ticket) if n.get("hs_attachment_ids")]
    assert len(note["hs_attachment_ids"].split(";")) == 1


def test_a_name_of_only_dots_before_the_extension_keeps_its_extension(
        cli: Cli, sandbox: Sandbox, tmp_path: Path):
    ticket = cli("create", *ANA, "--json", "--sin-preguntas").json()["id"]
    odd = tmp_path / "..png"
    odd.write_bytes(png_bytes(6))
    result = cli("attach", ticket, str(odd), "--json")
    assert result.code == 0, result.err
    assert result.json()["files"][0]["name"].endswith(".png")


# -- 10. garbage .env ----------------------------------------------------------------------


def test_a_dotenv_of_2mb_random_bytes_is_refused_in_one_message_naming_what_it_is(cli: Cli):
    (cli.cwd / ".env").write_bytes(os.urandom(2 * 1024 * 1024))
    result = cli("outbox")
    assert result.code == 2
    assert ".env" in result.err and "binario (no es texto)" in result.err, result.err[:2000]
    assert len(result.err.splitlines()) <= 3
    assert Counter(result.err.splitlines()).most_common(1)[0][1] == 1


def test_a_dotenv_of_2mb_of_garbage_text_gives_one_warning_with_a_count(cli: Cli):
    lines = ("".join(chr(0x21 + (i * 7 + j) % 90) for j in range(40)) for i in range(50_000))
    (cli.cwd / ".env").write_text("\n".join(lines))
    result = cli("outbox")
    warnings = [line for line in result.err.splitlines() if line.startswith("Aviso:")]
    assert len(warnings) == 1, result.err[:2000]
    assert ".env" in warnings[0] and any(ch.isdigit() for ch in warnings[0])
    assert Counter(result.err.splitlines()).most_common(1)[0][1] == 1


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Any:
    """A real 512 KB tmpfs (root only; skipped elsewhere), filled up on demand."""
    mount = tmp_path / "disco"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)],
            capture_output=True).returncode:
        pytest.skip("no se puede montar un tmpfs aquí")

    def fill() -> None:
        with (mount / "relleno").open("wb") as handle:
            try:
                while True:
                    handle.write(b"\0" * 65536)
                    handle.flush()
            except OSError:
                pass

    try:
        yield mount, fill
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_real_full_tmpfs_home_keeps_the_escalation_and_outbox_still_lists(
        cli: Cli, sandbox: Sandbox, private_temp: Path, tiny_disk: Any):
    mount, fill = tiny_disk
    home = {"ESCALATE_HOME": str(mount / "home")}
    assert cli("create", *with_option(ANA, "--poliza", "POL-1"), "--sin-preguntas",
               environ=home).code == 0
    fill()
    result = cli("create", *ANA, "--sin-preguntas", environ=home)
    assert result.code in (0, 2), result.err  # 0: the outbox still had a free page
    if result.code == 2:
        assert "disco está lleno" in result.err and str(mount) in result.err
        assert len(fallback_files(private_temp)) == 1
    assert cli("outbox", environ=home).code == 0
    (mount / "relleno").unlink()
    assert cli("outbox", "send", environ=home).code == 0
    assert policies_in(sandbox) == ["POL-1", "POL-1001"]


def test_the_cli_and_the_outbox_say_an_os_error_in_the_same_words():
    import errno
    import sqlite3

    from escalate.cli.spanish import os_error_message
    from escalate.outbox import describe_os_error

    full = sqlite3.OperationalError("database or disk is full")
    assert describe_os_error(full) == "el disco está lleno"
    assert os_error_message(OSError(errno.ENOSPC, "No space", "/datos")) == (
        "/datos: el disco está lleno")
    assert describe_os_error(PermissionError(errno.EACCES, "x")) == "no hay permiso"
    assert os_error_message(PermissionError(errno.EACCES, "x", "/a")) == "/a: no hay permiso"


# -- caches are only a speed-up (issue 20, part 8) -------------------------------------------


AGENT = {"ESCALATE_AGENT": "ana.agente@aseguradora.example"}


def test_followup_on_a_read_only_home_lists_and_says_once_that_nothing_was_saved(
        cli: Cli, sandbox: Sandbox, home: Path):
    from .test_followup import create_at

    stale = create_at(cli, 72, "POL-20")
    for cache in (home / "cache").glob("*.json"):
        cache.unlink()
    undo = make_read_only(home / "cache")
    try:
        for args in (["followup", "--mias"], ["followup", "--todos", "--json"],
                     ["followup", "--tareas", "--todos"]):
            result = cli(*args, environ=AGENT)
            assert result.code == 0, result.err
            assert result.err.count("No se pudo guardar la caché") == 1, result.err
            assert str(home / "cache") in result.err
        assert stale in cli("followup", "--todos", environ=AGENT).out
    finally:
        undo()
    assert list((home / "cache").glob("*.json")) == []


def test_followup_on_a_full_disk_lists_and_says_once_that_nothing_was_saved(
        cli: Cli, sandbox: Sandbox, tiny_disk: Any):
    from .test_followup import create_at

    mount, fill = tiny_disk
    stale = create_at(cli, 72, "POL-21")
    home = {"ESCALATE_HOME": str(mount / "home"), **AGENT}
    fill()
    result = cli("followup", "--todos", environ=home)
    assert result.code == 0, result.err
    assert stale in result.out
    assert result.err.count("No se pudo guardar la caché") == 1, result.err
    assert "disco está lleno" in result.err


def test_a_date_without_offset_typed_while_hubspot_is_unreachable_is_kept_not_lost(
        cli: Cli, sandbox: Sandbox, home: Path, monkeypatch: pytest.MonkeyPatch):
    """The portal's zone reads such a date; with the portal out of reach and not cached, the
    escalation was lost (exit 5, nothing in the outbox). It is read in this machine's zone,
    said, kept, and sent later at that moment."""
    offline = created_offline_in(cli, monkeypatch, "America/Mexico_City", "2026-11-20T10:00")
    assert offline.code == 5, offline.err
    assert "zona horaria del portal" in offline.err and "UTC-06:00" in offline.err
    assert [e["kind"] for e in cli("bandeja", "--json").json()] == ["create"]
    assert sandbox.requests() == []
    assert cli("bandeja", "enviar").code == 0
    [ticket] = sandbox.tickets()
    assert ticket.properties["createdate"] == "2026-11-20T16:00:00.000Z"


def test_a_date_read_in_this_machines_zone_is_said_at_that_dates_offset(
        cli: Cli, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch):
    """In Madrid a July date is UTC+02:00 whatever today's offset is."""
    offline = created_offline_in(cli, monkeypatch, "Europe/Madrid", "2026-07-15T10:00")
    assert offline.code == 5, offline.err
    assert "(UTC+02:00)" in offline.err
    [entry] = cli("bandeja", "--json").json()
    assert entry["kind"] == "create"


def created_offline_in(cli: Cli, monkeypatch: pytest.MonkeyPatch, zone: str,
                       date: str) -> Any:
    """`crear --fecha DATE` on a machine in `zone`, HubSpot out of reach and its zone not
    cached: the run's result (the machine's zone back as it was after)."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        return cli("create", *ANA, "--fecha", date,
                   environ={"HUBSPOT_BASE_URL": "http://127.0.0.1:9",
                            "ESCALATE_OFFLINE_RETRY_SECONDS": "0"})
    finally:
        monkeypatch.undo()
        time.tzset()
