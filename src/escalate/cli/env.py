"""The command's surroundings: terminals, consoles, settings and the HubSpot backend."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .. import config
from ..errors import AuthProblem

if TYPE_CHECKING:
    from rich.console import Console

    from ..gateway import Gateway
    from ..outbox import Outbox
    from ..policy_file import LoadedPolicy

NOTICE = "\0notice:"  # marks a queued notice (dim) among queued warnings


@dataclass
class Env:
    """What a command may touch outside itself; tests build one that pretends to be a TTY."""

    stdin_isatty: bool = field(default_factory=lambda: sys.stdin.isatty())
    stdout_isatty: bool = field(default_factory=lambda: sys.stdout.isatty())
    environ: dict[str, str] | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    sandbox: bool = False
    verbose: bool = False
    portal: str | None = None  # --portal: whose stored key (else ESCALATE_PORTAL)
    stdout: IO[str] | None = None
    stderr: IO[str] | None = None
    cwd: Path | None = None  # the working folder: where `.env` and relative paths are read
    kept_entries: int = 0  # entries this command put in the outbox (the Ctrl-C guard asks)
    # Run on the outbox when it opens (the CLI brings back what a Ctrl-C kept at start-up).
    on_outbox_open: Callable[[Outbox], None] | None = None
    interrupt_told: bool = False  # the command said itself where a Ctrl-C left the work
    _pending: list[str] = field(default_factory=list)  # warnings not shown yet
    _settings: config.Settings | None = None
    _gateway: Gateway | None = None
    _outbox: Outbox | None = None
    _sandbox_server: Any = None
    _console: Console | None = None
    _secret: str | None = None
    _policy: LoadedPolicy | None = None

    # -- terminals ----------------------------------------------------------------------

    def interactive(self, no_input: bool = False) -> bool:
        """Prompts only when a person is at both ends."""
        return not no_input and self.stdin_isatty and self.stdout_isatty

    @property
    def err(self) -> Console:
        """Notices, warnings and progress: stderr, never mixed with results."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(file=self.stderr or sys.stderr, highlight=False,
                                    soft_wrap=True)
        return self._console

    @property
    def folder(self) -> Path:
        """The working folder (a test passes its own instead of changing the process's)."""
        return self.cwd or Path.cwd()

    def out(self, text: str = "") -> None:
        """A line of results on stdout; nothing in it (a contact's name, a subject, an
        error HubSpot wrote) can drive the terminal (`printable`)."""
        from ..domain.text import printable

        self.show_pending()
        print(printable(text, lines=True), file=self.stdout or sys.stdout, flush=True)

    def out_json(self, value: Any) -> None:
        """A result as JSON on stdout, exactly as the data is (JSON escapes controls)."""
        import json

        self.show_pending()
        print(json.dumps(value, ensure_ascii=False, indent=2), file=self.stdout or sys.stdout,
              flush=True)

    def warn(self, text: str) -> None:
        self.show_pending()
        self._print_warning(text)

    def notice(self, text: str) -> None:
        self.show_pending()
        self.err.print(f"[dim]{self.shown(text, redact=False)}[/]")

    def _print_warning(self, text: str) -> None:
        self.err.print(f"[yellow]Aviso:[/] {self.shown(text)}")

    def shown(self, text: str, *, redact: bool = True) -> str:
        """Text for rich markup on a terminal: redacted (unless it is the tool's own words,
        a notice), inert (`printable`), escaped."""
        from rich.markup import escape

        from ..domain.text import printable

        return escape(printable(self.redact(text) if redact else text, lines=True))

    def show_pending(self) -> None:
        """The one place where what loading found (settings, outbox) is shown: before the
        command's first output, or when it ends."""
        pending, self._pending = self._pending, []
        for text in pending:
            if text.startswith(NOTICE):
                self.err.print(f"[dim]{self.shown(text.removeprefix(NOTICE), redact=False)}[/]")
            else:
                self._print_warning(text)

    # -- configuration and backend ------------------------------------------------------

    @property
    def settings(self) -> config.Settings:
        """Read once; their warnings wait for `show_pending` (nothing printed here)."""
        return self.load_settings()

    def load_settings(self) -> config.Settings:
        """Settings from the environment and `.env` of the working folder, read once, with
        the warnings they returned queued for `show_pending`. Call it to have settings
        problems reported (exit 2 or 4) before anything is kept."""
        if self._settings is not None:
            return self._settings
        settings = config.load(self.environ, self.cwd, sandbox=self.sandbox, portal=self.portal)
        self._secret = settings.token
        self._pending.extend(settings.warnings)
        if settings.sandbox:
            self._pending.append(NOTICE + "Modo sandbox: HubSpot simulado en esta "
                                 f"máquina ({settings.home / 'sandbox'}); nada llega a un "
                                 "portal real.")
        self._settings = settings
        return settings

    @property
    def policy(self) -> LoadedPolicy:
        """The team's policy file in force (read once), or the defaults when there is none."""
        if self._policy is None:
            from .. import policy_file

            settings = self.settings
            self._policy = policy_file.load(settings.policy_file, self.folder, settings.home)
        return self._policy

    def policy_in_file(self) -> LoadedPolicy | None:
        """The team's policy file in force (read once), None without one: the defaults it
        would give are the callers', and pydantic is then not even loaded."""
        from .. import policy_file

        settings = self.settings
        if policy_file.find(settings.policy_file, self.folder, settings.home) is None:
            return None
        return self.policy

    def now(self) -> datetime:
        return self.clock()

    @property
    def outbox(self) -> Outbox:
        return self.open_outbox()

    def open_outbox(self) -> Outbox:
        """The outbox, opened on first use (and salvaged, when damaged)."""
        if self._outbox is None:
            from ..outbox import UnavailableOutbox, open_outbox, outbox_home

            home = outbox_home(self.settings.home, sandbox=self.settings.sandbox)
            outbox = open_outbox(home, clock=lambda: self.clock().timestamp(),
                                 redact=self.redact)
            if not isinstance(outbox, UnavailableOutbox) and self.on_outbox_open is not None:
                self.on_outbox_open(outbox)
            self._pending.extend(outbox.notices)
            outbox.notices.clear()
            self._outbox = outbox
        return self._outbox

    def gateway(self, key: str | None = None) -> Gateway:
        """The HubSpot gateway: the embedded sandbox, or the portal of the token (of `key`,
        a service key being checked, when given)."""
        if self._gateway is not None:
            return self._gateway
        settings = self.settings
        if key is not None:
            from dataclasses import replace

            settings = self._settings = replace(settings, token=key, token_source=None)
            self._secret = key
        elif settings.sandbox:
            import escalate_sandbox

            from ..system import private_dir

            folder = private_dir(settings.home) / "sandbox"
            self._sandbox_server = escalate_sandbox.start(
                folder, per_10s=0, demo_tickets=True,
                search_lag_ms=escalate_sandbox.REALISTIC_SEARCH_LAG_MS)
            settings = settings.with_backend(self._sandbox_server.url,
                                             escalate_sandbox.DEFAULT_TOKEN,
                                             portal_key=f"sandbox:{folder}")
            self._settings = settings
        else:
            self.require_backend()
            settings = self.settings  # with the stored key, when that is where it is
        from ..gateway import Gateway, RetryPolicy

        assert settings.token is not None
        self._gateway = Gateway(
            settings.base_url, settings.token, timeout=settings.timeout_seconds,
            retry=RetryPolicy(busy_seconds=settings.retry_seconds,
                              offline_seconds=settings.offline_retry_seconds),
            on_request=self._log_request if self.verbose else None)
        return self._gateway

    def require_backend(self) -> None:
        """A HubSpot backend is configured (the token, or the sandbox), else exit 4 — checked
        before a person is asked anything."""
        settings = self.settings
        if not settings.sandbox and not settings.token:
            settings = self._settings = config.with_stored_key(settings)
            self._secret = settings.token
        if not settings.sandbox and not settings.token:
            raise AuthProblem(
                "Falta el token de HubSpot: guarde su service key con «escalate acceder», o "
                "defina HUBSPOT_ACCESS_TOKEN en el entorno o en el archivo .env.",
                hint="Para probar sin portal use «escalate --sandbox ...».")

    @property
    def in_sandbox(self) -> bool:
        """Whether this run uses the sandbox (`--sandbox`, or ESCALATE_SANDBOX read)."""
        return self.sandbox or (self._settings is not None and self._settings.sandbox)

    def _log_request(self, method: str, path: str, status: int | None, seconds: float) -> None:
        shown = status if status is not None else "sin respuesta"
        self.err.print(f"[dim]→ {method} {path} {shown} {seconds * 1000:.0f} ms[/]")

    def close(self) -> None:
        if self._gateway is not None and self._gateway.written_tickets:
            # The next list of this home reads these by id: search lags them (recent.py).
            from ..workflows.recent import RecentWrites

            assert self._settings is not None  # the gateway was made from them
            RecentWrites(self._settings).remember(self._gateway.written_tickets, self.now())
            self._gateway.written_tickets.clear()
        if self._sandbox_server is not None:
            self._sandbox_server.stop()
            self._sandbox_server = None
        if self._outbox is not None:
            self.kept_entries += self._outbox.written
            self._pending.extend(self._outbox.notices)
            self._outbox.close()
            self._outbox = None
        caches = sys.modules.get("escalate.workflows.json_cache")  # loaded: a cache was used
        unsaved = caches.unsaved() if caches is not None else None
        if unsaved:
            self._pending.append(unsaved)
        self.show_pending()

    def redact(self, text: str) -> str:
        """Text safe to show: the token never appears, whatever produced the text."""
        tokens = [t for t in (os.environ.get("HUBSPOT_ACCESS_TOKEN"),
                              (self.environ or {}).get("HUBSPOT_ACCESS_TOKEN"),
                              self._secret) if t]
        from ..redaction import redact

        return redact(text, tokens)
