"""The tool's JSON caches under ESCALATE_HOME/cache (the portal, the owners): one file per
portal and token, stamped with its version, written atomically (fsync, then rename) in a
private folder. A file of another version, or not an object, is no cache; a damaged one
(unreadable, larger or deeper than any cache the tool writes) is no cache either, and says
so (`damaged`): what it held is read from HubSpot again.

A cache only saves requests: when it cannot be written (a read-only home, a full disk) the
command goes on, and the command says so once at its end (`unsaved`)."""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

from ..config import Settings

MAX_BYTES = 16 * 1024 * 1024  # an owners cache of a 50,000-user portal is ≈8 MB
MAX_DEPTH = 16  # the tool's caches nest 4 levels

_unsaved: dict[str, str] = {}  # folder -> why, for this process's one notice
_lock = threading.Lock()


class JsonCache:
    """`{"version": N, name: value}` in `cache/{name}-{key}.json`, the key derived from the
    portal and the token (a token of another portal never reads this one's)."""

    def __init__(self, settings: Settings, name: str, version: int) -> None:
        portal = settings.portal_key or settings.base_url
        key = hashlib.sha256(f"{portal}\n{settings.token}".encode()).hexdigest()[:20]
        self.path = settings.home / "cache" / f"{name}-{key}.json"
        self.name = name
        self.version = version
        self.damaged = False

    def read(self) -> Any | None:
        """The cached value, or None (no file, another version, damage: see `damaged`).
        Size and depth are bounded before the JSON parser reads a byte of it."""
        from ..domain.nesting import json_too_deep
        from ..system import TooLarge, read_at_most

        try:
            text = read_at_most(self.path, MAX_BYTES).decode("utf-8")
            if json_too_deep(text, MAX_DEPTH) is not None:
                raise ValueError("anidado más de lo que escalate escribe")
            raw = json.loads(text)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TooLarge):
            self.damaged = True
            return None
        if not isinstance(raw, dict) or raw.get("version") != self.version:
            return None  # `[]`, `null`, `"x"`, another version: no cache
        return raw.get(self.name)

    def write(self, value: Any) -> None:
        """Save the value, if the disk lets it (see the module's note)."""
        from ..system import write_private

        try:
            write_private(self.path, json.dumps({"version": self.version, self.name: value}))
        except OSError as exc:
            _remember(self, exc)

    def forget(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            _remember(self, exc)


def _remember(cache: JsonCache, exc: OSError) -> None:
    from ..os_errors import reason

    with _lock:
        _unsaved.setdefault(str(cache.path.parent), reason(exc))


def unsaved() -> str | None:
    """Once per command: the caches that could not be saved, in the agent's words (and
    forgotten, so the next command of this process says its own)."""
    with _lock:
        found = dict(_unsaved)
        _unsaved.clear()
    if not found:
        return None
    where = "; ".join(f"{folder} ({why})" for folder, why in found.items())
    return (f"No se pudo guardar la caché de escalate en {where}: el comando siguió, y la "
            "próxima vez volverá a consultar HubSpot lo que ella ahorra.")
