"""The tool's JSON caches under ESCALATE_HOME/cache (the portal, the owners): one file per
portal and token, stamped with its version, written atomically (fsync, then rename) in a
private folder. A file of another version, or not an object, is no cache; a damaged one is
no cache either, and says so (`damaged`)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..config import Settings


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
        """The cached value, or None (no file, another version, damage: see `damaged`)."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            self.damaged = True
            return None
        if not isinstance(raw, dict) or raw.get("version") != self.version:
            return None  # `[]`, `null`, `"x"`, another version: no cache
        return raw.get(self.name)

    def write(self, value: Any) -> None:
        from ..system import write_private

        write_private(self.path, json.dumps({"version": self.version, self.name: value}))

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)
