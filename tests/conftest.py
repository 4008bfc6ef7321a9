"""Every test runs the real CLI against a real sandbox server on a loopback port."""

from __future__ import annotations

import functools
import importlib
import io
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import escalate_sandbox
from escalate.cli.app import run
from escalate.cli.env import Env
from escalate.gateway.limits import SEARCHES_PER_SECOND


def _temp_in_memory() -> None:
    """Each test's files (homes, outboxes, the sandbox's database) in a RAM folder where the
    machine has one with room: the outbox's and SQLite's syncs to disk, which no test can
    tell from a RAM folder's, took 6 s of the suite's 74 on this machine's disk. Elsewhere
    (Windows, macOS, a container's small /dev/shm), pytest's usual temporary folder."""
    import shutil

    shm = Path("/dev/shm")
    if "PYTEST_DEBUG_TEMPROOT" in os.environ or not shm.is_dir() or not os.access(shm, os.W_OK):
        return
    if shutil.disk_usage(shm).free >= 2 << 30:
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(shm)  # pytest's own root for tmp_path


_temp_in_memory()

# Where PYTHONDONTWRITEBYTECODE is set (this machine sets it), pytest would rewrite the
# asserts of every test module in each of its four workers on every run: ≈4 s of CPU apiece.
# The suite caches them in tests/__pycache__, as pytest does by default.
sys.dont_write_bytecode = False

TICKET_PROPS = ["subject", "content", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_priority",
                "createdate", "escalate_id", "escalate_policy", "escalate_last_client_update",
                "closed_date"]


# The modules that hold the suite's longest scenarios (OCR, processes under injected latency,
# terminals), longest first. pytest-xdist hands tests out in collection order, a few at a
# time (pyproject's --maxschedchunk): in alphabetical order these would come last and leave
# one worker running a ten-second scenario after the others had finished.
STARTED_FIRST = ("test_screenshots.py", "test_screenshot_upload.py", "test_team.py",
                 "test_speed.py", "test_reliability.py", "test_gateway.py", "test_templates.py",
                 "test_windows.py", "test_incidents.py", "test_pasted.py", "test_bump.py",
                 "test_interactive.py", "test_followup.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    first = {name: rank for rank, name in enumerate(STARTED_FIRST)}
    items.sort(key=lambda item: first.get(item.path.name, len(first)))  # stable: in-file order


class Sandbox:
    """A running sandbox, its test endpoints, and its state read back through HubSpot's API."""

    token = escalate_sandbox.DEFAULT_TOKEN  # a served one's, when only its url is known

    def __init__(self, running: escalate_sandbox.RunningSandbox) -> None:
        self.running = running
        self.url = running.url
        self.token = running.app.token
        self._client: Any = None

    # -- test endpoints -----------------------------------------------------------------

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.api(method, f"/_sandbox/{path}", body, timeout=10)

    def file_bytes(self, file_id: str) -> bytes:
        """The bytes the portal holds for a file, as uploaded."""
        return self._fetch("GET", f"/_sandbox/files/{file_id}", timeout=10)

    def requests(self) -> list[dict[str, Any]]:
        return list(self.control("GET", "requests"))

    def forget_requests(self) -> None:
        self.control("DELETE", "requests")

    def drop_option(self, object_type: str, name: str, value: str) -> None:
        """The portal loses one option of a property, as an admin can remove it."""
        self.set_options(object_type, name, [o for o in self.options(object_type, name)
                                             if o["value"] != value])

    def options(self, object_type: str, name: str) -> list[dict[str, Any]]:
        return list(self.api("GET", f"/crm/properties/2026-09/{object_type}/{name}")["options"])

    def set_options(self, object_type: str, name: str, options: list[dict[str, Any]]) -> None:
        self.api("PATCH", f"/crm/properties/2026-09/{object_type}/{name}", {"options": options})

    def api(self, method: str, path: str, body: Any = None, timeout: float = 30) -> Any:
        """One HubSpot API call as an admin or another integration would make it."""
        return json.loads(self._fetch(method, path, body, timeout) or b"null")

    def _fetch(self, method: str, path: str, body: Any = None, timeout: float = 30) -> bytes:
        """What the sandbox answers to one request with this sandbox's token."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return bytes(answer.read())

    def pending_faults(self) -> int:
        """Faults queued and not yet taken by a request (the sandbox runs in this process)."""
        return len(self.running.app.portal.control.faults)

    def writes(self) -> list[dict[str, Any]]:
        """Requests that could change HubSpot (searches and batch reads excluded)."""
        return [r for r in self.requests() if r["method"] in ("POST", "PATCH", "PUT", "DELETE")
                and not r["path"].endswith(("/search", "/batch/read"))]

    def fault(self, **fault: Any) -> None:
        self.control("POST", "faults", fault)

    # -- HubSpot-side state, through the official client --------------------------------

    @property
    def client(self) -> Any:
        if self._client is None:
            from hubspot import HubSpot
            from urllib3 import Retry

            class QuarterSeconds(Retry):
                """urllib3's doubling backoff (0.6 s, then 1.2 s) overshot by seconds the
                moment the sandbox's one-second search window frees a slot."""

                def get_backoff_time(self) -> float:
                    return 0.25

            # The tests' own reads wait out the search limit instead of failing on it.
            retry = QuarterSeconds(total=20, status_forcelist=[429], allowed_methods=None,
                                   respect_retry_after_header=False)
            self._client = HubSpot(access_token=self.token, host=self.url, retry=retry)
        return self._client

    def tickets(self) -> list[Any]:
        """Every live ticket, in id order, through the list endpoint: a consistent read,
        and no search, whose per-second limit the test's own reads would take from the
        command under test (which then waited out a 429 from the test's reads)."""
        found: list[Any] = []
        after = None
        while True:
            page = self.client.crm.tickets.basic_api.get_page(
                limit=100, after=after, properties=TICKET_PROPS, archived=False)
            found += page.results
            if page.paging is None or page.paging.next is None:
                return found
            after = page.paging.next.after

    def ticket(self, ticket_id: str) -> Any:
        return self.client.crm.tickets.basic_api.get_by_id(
            ticket_id, properties=TICKET_PROPS, associations=["contacts", "notes"])

    def notes_of(self, ticket_id: str) -> list[dict[str, Any]]:
        ticket = self.ticket(ticket_id)
        links = (ticket.associations or {}).get("notes")
        ids = [a.id for a in links.results] if links else []
        notes = []
        for note_id in ids:
            note = self.client.crm.objects.notes.basic_api.get_by_id(
                note_id, properties=["hs_note_body", "hs_attachment_ids", "hs_timestamp"],
                associations=["contacts", "tickets"])
            notes.append({"id": note.id, **note.properties,
                          "associations": note.associations or {}})
        return notes

    def file(self, file_id: str) -> Any:
        return self.client.files.files_api.get_by_id(file_id)

    def stored_files(self) -> dict[str, bytes]:
        """Every file the portal holds, by name, with its bytes (the sandbox runs in this
        process: its store is read directly)."""
        store = self.running.app.portal.store
        with store.read() as db:
            rows = db.execute("SELECT id, def FROM files ORDER BY id").fetchall()
        return {json.loads(record)["name"] + "." + json.loads(record)["extension"]:
                store.file_bytes(file_id) for file_id, record in rows}


@pytest.fixture(autouse=True, scope="session")
def _ocr_on_one_thread() -> Iterator[None]:
    """Each test process runs the OCR on one thread. ONNX Runtime's default (a thread per
    core, spinning while it waits) in four workers on two cores spent a third more CPU on
    the same reads, CPU the rest of the suite waits for. The engine is loaded by the
    product's own code, only with the thread counts given; the results are the same."""
    from escalate.workflows import screenshots

    product = screenshots._engine

    @functools.lru_cache(maxsize=1)
    def on_one_thread() -> Any:
        try:
            module = importlib.import_module("rapidocr_onnxruntime")
        except ImportError:
            return product.__wrapped__()  # which says the extra is missing
        load = module.RapidOCR
        module.RapidOCR = functools.partial(load, intra_op_num_threads=1,
                                            inter_op_num_threads=1)
        try:
            return product.__wrapped__()
        finally:
            module.RapidOCR = load

    screenshots._engine = on_one_thread
    yield
    screenshots._engine = product


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """A portal without the account's limits: one agent's commands one after the other are
    not what they are about. The client still paces itself as for HubSpot (5 searches a
    second), but a command's searches no longer meet a 429 for the last command's, which
    kept a third of these tests waiting. Processes at once meet HubSpot's search limit
    (`hubspot_search_limit`); the limits' own tests set theirs."""
    running = escalate_sandbox.start(tmp_path / "hubspot", per_10s=0, search_per_s=0)
    yield Sandbox(running)
    running.stop()


@pytest.fixture
def hubspot_search_limit(sandbox: Sandbox) -> int:
    """HubSpot's search limit (5 a second for the account), shared by processes at once."""
    sandbox.control("POST", "rate_limit", {"search_per_s": SEARCHES_PER_SECOND})
    return SEARCHES_PER_SECOND


@pytest.fixture
def bare_sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    running = escalate_sandbox.start(tmp_path / "hubspot-bare", per_10s=0, bare=True)
    yield Sandbox(running)
    running.stop()


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    """Wait until `condition` holds (read from the sandbox's log or state, never a guess of
    how long another process takes); fail saying `what` did not happen."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def interrupted_once(cli: Cli, sandbox: Sandbox, args: list[str], written: str) -> str:
    """Run `escalate ARGS` as its own process, press Ctrl-C (SIGINT) once HubSpot has answered
    a request whose path ends in `written`, and return what it said on stderr (exit 130)."""
    import signal

    process = subprocess.Popen([sys.executable, "-m", "escalate", *args], cwd=cli.cwd,
                               env={**cli.environ, "PATH": ""}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    wait_for(lambda: any(r["path"].endswith(written) for r in sandbox.requests()),
             f"nothing was written to {written}")
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    return err


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


QUALITY_FLOOR_OFF = "[calidad]\nminimo = 0\n"


def review_defaults_to_send(home: Path) -> None:
    """Keys typed at a review expect «Enviar» first: below the quality minimum (50 by
    default) the review starts at «Editar». Tests about other things type plain answers,
    so a terminal run gets a policy file with minimum 0 unless the test wrote its own."""
    policy = home / "escalate.toml"
    if not policy.exists():
        home.mkdir(parents=True, exist_ok=True)
        policy.write_text(QUALITY_FLOOR_OFF, encoding="utf-8")


class Cli:
    """Runs `escalate` in-process with an isolated environment, as a script or a terminal."""

    def __init__(self, environ: dict[str, str], cwd: Path) -> None:
        self.environ = environ
        self.cwd = cwd

    def __call__(self, *args: str, keys: str | None = None, stdin: str = "",
                 environ: dict[str, str] | None = None) -> Result:
        """`keys`: the command runs as on a terminal, and prompt_toolkit (the asker agents
        get) reads these keys from a pipe, as typed ("\r" is Enter, DOWN an arrow).
        `stdin`: what a command reading standard input itself gets (`acceder --con-token`)."""
        tty = keys is not None
        out, err = io.StringIO(), io.StringIO()
        env = Env(stdin_isatty=tty, stdout_isatty=tty, environ={**self.environ,
                                                                **(environ or {})},
                  stdout=out, stderr=err, cwd=self.cwd)
        saved = sys.stdin, sys.stdout, sys.stderr
        # The working folder, the clock and whether each end is a terminal travel in Env;
        # stdout and stderr are swapped in `sys` too, because click writes help and usage
        # there. Questions read prompt_toolkit's input, never sys.stdin.
        sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
        try:
            code = run(list(args), env) if keys is None else self._typed(args, env, keys)
        finally:
            sys.stdin, sys.stdout, sys.stderr = saved
        return Result(code, out.getvalue(), err.getvalue())

    @staticmethod
    def _typed(args: tuple[str, ...], env: Env, keys: str) -> int:
        review_defaults_to_send(Path(env.environ["ESCALATE_HOME"]))
        from prompt_toolkit.application import create_app_session
        from prompt_toolkit.input import create_pipe_input
        from prompt_toolkit.output import DummyOutput

        with create_pipe_input() as typed, create_app_session(input=typed,
                                                              output=DummyOutput()):
            typed.send_text(keys)
            typed.close()  # a question the keys do not answer ends the run, never waits
            return run(list(args), env)

    def subprocess(self, *args: str, environ: dict[str, str] | None = None,
                   timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "escalate", *args], cwd=self.cwd, text=True,
            capture_output=True, timeout=timeout,
            env={"PATH": os.environ.get("PATH", ""), **self.environ, **(environ or {})})


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.fixture
def cli(sandbox: Sandbox, home: Path, tmp_path: Path) -> Cli:
    work = tmp_path / "work"
    work.mkdir()
    # An unreachable HubSpot is given up on at the first refused connection: the offline
    # retry budget itself is tested with an injected clock (test_reliability.py).
    return Cli({"HUBSPOT_BASE_URL": sandbox.url, "HUBSPOT_ACCESS_TOKEN": "sandbox",
                "ESCALATE_HOME": str(home), "ESCALATE_RETRY_SECONDS": "20",
                "ESCALATE_OFFLINE_RETRY_SECONDS": "0"}, work)


DOWN = "\x1b[B"  # the arrow key, as a terminal sends it

ANA = ["--poliza", "pol-1001", "--cliente", "  Ana   López ", "--correo", "ana.lopez@example.com",
       "--prioridad", "ALTA", "--que", "El endoso no guarda el cambio de placa",
       "--como", "Endosos > Vehículo > Guardar; queda cargando",
       "--donde", "Portal web de agentes, pantalla de endosos"]


@pytest.fixture
def ticket_id(cli: Cli, sandbox: Sandbox) -> str:
    """Ana's ticket, created before the test; the requests it took are forgotten."""
    created = cli("create", *ANA, "--json")
    assert created.code == 0, created.err
    sandbox.forget_requests()
    return str(created.json()["id"])


def with_option(args: list[str], option: str, value: str | None) -> list[str]:
    """The argument list with one option replaced (or removed, with value None)."""
    out, i = [], 0
    while i < len(args):
        if args[i] == option:
            i += 2
            continue
        out.append(args[i])
        i += 1
    return out + ([option, value] if value is not None else [])


def png_bytes(seed: int = 0) -> bytes:
    """A valid 1x1 PNG whose content differs with `seed`."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"\x00" + bytes([seed % 256, (seed // 256) % 256, 7])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture
def low_search_cap(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> int:
    """HubSpot's 10,000-result paging limit lowered to 1,000 on both sides, so the scenarios
    that cross it run on a thousand tickets (the full size lives in benchmarks/)."""
    from escalate.gateway import limits

    cap = 1_000
    sandbox.control("POST", "search_cap", {"results": cap})
    monkeypatch.setattr(limits, "SEARCH_RESULTS_CAP", cap)
    return cap


@pytest.fixture
def private_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fallback folder (the user's temporary folder) belongs to this test only. Modules
    whose every test needs it say `pytestmark = pytest.mark.usefixtures("private_temp")`."""
    import tempfile

    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


# A team policy: an owner per priority and a rule by where the problem happens (the owners
# are among the sandbox's seeded owners).
TEAM_POLICY = """\
[matrix]
URGENTE = "guardia@aseguradora.example"
ALTA = "tech-lead@aseguradora.example"
[[matrix.rules]]
where_contains = ["app", "móvil"]
owner = "equipo-app@aseguradora.example"
"""

