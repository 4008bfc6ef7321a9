"""The one redaction: every error text the tool stores or prints passes through `redact`.

HubSpot's error bodies, proxies' pages and the HTTP libraries' exceptions may carry the
token (an echoed `Authorization` header, a header value in a `ValueError`). The gateway
scrubs what HubSpot answers before any message is built from it; the outbox scrubs what it
stores (last errors, the fallback folder); the CLI scrubs what it prints. Each passes the
secrets it knows; a bearer credential or a HubSpot token shape is scrubbed even unknown.
Imports nothing from the project, so every layer may use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

SHOWN = "***"
MIN_FORM = 4  # shorter pieces of a token are too common to replace
MAX_DEPTH = 32
# Credentials recognised by their shape: whatever follows "Bearer", and HubSpot's private
# app tokens and personal access keys (`pat-na1-<uuid>`, `pat-eu1-...`).
_SHAPES = re.compile(r"(?i)(?<=bearer)(\s*)[^\s'\"<>,;)\]}]+|\bpat-[a-z]{2}\d-[0-9a-f-]{8,}")


@lru_cache(maxsize=32)
def forms(secret: str) -> frozenset[str]:
    """The secret as it may appear in a text: raw, stripped, repr of str and bytes,
    URL-quoted, escaped, read as Latin-1 (a header), base64, and each piece of it between
    spaces or control characters (a token pasted across lines)."""
    import base64
    from urllib.parse import quote

    found: set[str] = set()
    for variant in (secret, secret.strip()):
        raw = variant.encode("utf-8", "replace")
        found.update({variant, repr(variant)[1:-1], repr(raw)[2:-1], quote(variant),
                      variant.encode("unicode_escape").decode("ascii"),
                      raw.decode("latin-1"), base64.b64encode(raw).decode("ascii")})
        found.update(re.split(r"[\s\x00-\x1f\x7f]+", variant))
    return frozenset(f for f in found if len(f) >= MIN_FORM)


@lru_cache(maxsize=32)
def _pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    every = {f for secret in secrets for f in forms(secret)}
    if not every:
        return None
    return re.compile("|".join(re.escape(f) for f in sorted(every, key=len, reverse=True)))


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without any form of `secrets`, nor anything shaped like a credential."""
    known = _pattern(frozenset(s for s in secrets if s))
    if known is not None:
        text = known.sub(SHOWN, text)
    return _SHAPES.sub(lambda m: (m.group(1) or "") + SHOWN, text)


def redact_data(value: Any, secrets: Iterable[str | None] = (), depth: int = 0) -> Any:
    """JSON-like data (HubSpot's error body) with every string, key included, redacted;
    below MAX_DEPTH levels (a body no API sends) the rest becomes one redacted text."""
    known = tuple(secrets)
    if isinstance(value, str):
        return redact(value, known)
    if depth >= MAX_DEPTH and isinstance(value, (dict, list, tuple)):
        import json

        return redact(json.dumps(value, ensure_ascii=False, default=str), known)
    if isinstance(value, dict):
        return {redact_data(k, known, depth + 1): redact_data(v, known, depth + 1)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_data(v, known, depth + 1) for v in value]
    return value
