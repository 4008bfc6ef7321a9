"""A dry run's reads (`crear --simular`): HubSpot is asked, never waited for. A simulation
sends nothing, so what it reads (the contact, the tickets alike) is worth a few seconds at
most: a HubSpot that accepts the connection and never answers is said, not waited out for
the whole ESCALATE_TIMEOUT_SECONDS, and one that cannot be reached is said at once."""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic
from typing import TYPE_CHECKING, TypeVar

from .env import Env

if TYPE_CHECKING:
    from ..gateway import Gateway

T = TypeVar("T")

SECONDS = 3.0  # a read of a dry run: an answer within this, or «sin respuesta»


def attempt(env: Env, read: Callable[[Gateway], T]) -> tuple[T | None, str | None]:
    """`read` on the dry run's gateway: its value, or None and why there is none (a missing
    key, a refusal, no connection, «sin respuesta»), redacted like every error."""
    from ..errors import EscalateError, Unreachable

    limit = SECONDS
    started = monotonic()
    try:
        env.require_backend()
        gateway = _reads(env)
        limit = gateway.timeout[1]
        return read(gateway), None
    except EscalateError as exc:
        # Unretried, only a timeout takes that long (a socket's fires at its limit or just
        # after; 0.9 for a coarse clock): the transport's text for it names
        # ESCALATE_TIMEOUT_SECONDS, which a dry run does not wait for.
        if isinstance(exc, Unreachable) and monotonic() - started >= 0.9 * limit:
            return None, f"sin respuesta de HubSpot en {limit:g} s (una simulación no espera)"
        return None, env.redact(exc.message)


def _reads(env: Env) -> Gateway:
    """The command's gateway for a dry run's reads: each request given SECONDS (or a shorter
    ESCALATE_TIMEOUT_SECONDS), none retried while HubSpot cannot be reached
    (`Gateway.reading_ahead`)."""
    return env.gateway().reading_ahead(within=SECONDS)
