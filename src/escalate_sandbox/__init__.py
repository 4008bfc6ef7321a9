"""A local HubSpot-compatible portal for trying and testing `escalate` without a real one.

It speaks the HubSpot endpoints the tool uses, closely enough that the official
`hubspot-api-client` works against it unchanged, and imports nothing from `escalate`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TOKEN = "sandbox"
# How far search trails writes where the sandbox stands in for a portal (`sandbox serve`,
# `--sandbox`): HubSpot's index takes seconds (hubspot-facts.md, "Search lags writes").
REALISTIC_SEARCH_LAG_MS = 2_000
READ_TIMEOUT_SECONDS = 30.0


@dataclass
class RunningSandbox:
    """A sandbox server answering on `url` from a background thread."""

    url: str
    app: Any
    _server: Any = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.app.store.close()


def make_server(folder: Path, *, host: str = "127.0.0.1", port: int = 0,
                token: str = DEFAULT_TOKEN, bare: bool = False,
                per_10s: int = 100, search_per_s: int = 5, demo_tickets: bool = False,
                search_lag_ms: int = 0, read_timeout: float = READ_TIMEOUT_SECONDS) -> Any:
    """A threaded WSGI server for the sandbox whose state lives in `folder`.

    `demo_tickets`: a new or reset portal also holds overdue tickets to practise
    `followup` on (for `--sandbox` and `sandbox serve`; tests start without tickets).
    `per_10s`, `search_per_s`: the account's limits (HubSpot's by default; 0: none), which
    `/_sandbox/reset` comes back to, as to `search_lag_ms`, how far search trails writes.
    `read_timeout`: a client that sends nothing of its request line, headers or body for
    this long is disconnected, so slow clients cannot hold every thread.
    """
    from werkzeug.serving import WSGIRequestHandler
    from werkzeug.serving import make_server as werkzeug_server

    from . import history
    from .app import SandboxApp
    from .knobs import Control
    from .portal import Portal
    from .store import Store

    class QuietHandler(WSGIRequestHandler):
        timeout = read_timeout  # socketserver applies it to every read of the request

        def log_request(self, *args: Any, **kwargs: Any) -> None:  # the log is /_sandbox/
            pass

    portal = Portal(Store(folder, bare=bare),
                    Control(per_10s=per_10s, search_per_s=search_per_s,
                            search_lag_ms=search_lag_ms),
                    demo_tickets=demo_tickets)
    history.seed_if_new(portal)
    app = SandboxApp(portal, token)
    server = werkzeug_server(host, port, app, threaded=True, request_handler=QuietHandler)
    server.daemon_threads = True  # type: ignore[attr-defined]  # ThreadingMixIn's flag
    return server


def start(folder: Path, **options: Any) -> RunningSandbox:
    """Start a sandbox on a loopback port (any free one unless `port` is given)."""
    server = make_server(folder, **options)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="escalate-sandbox", daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    return RunningSandbox(f"http://{host}:{port}", server.app, server, thread)


def reset(folder: Path, *, bare: bool = False, demo_tickets: bool = False) -> None:
    """Empty the sandbox stored in `folder` back to its seed."""
    from . import history
    from .knobs import Control
    from .portal import Portal
    from .store import Store

    store = Store(folder, bare=bare)
    history.reset(Portal(store, Control(), demo_tickets=demo_tickets))
    store.close()
