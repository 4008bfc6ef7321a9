"""HTTP under the official client: one shared connection pool, request log, pacing, retries.

The client's own urllib3 retries are off (they skip POST and ignore HubSpot's headers);
`RetryPolicy` retries instead, knowing which calls are safe to send twice.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError

from ..errors import AmbiguousWrite, Unreachable

T = TypeVar("T")
RequestLogger = Callable[[str, str, int | None, float], None]

SEARCHES_PER_SECOND = 4  # HubSpot allows about 5 per account; leave room for a colleague
RETRYABLE = {429, 502, 503, 504}


class PacedPoolManager(urllib3.PoolManager):
    """A pool shared by every API object: logs each request and waits when HubSpot says so."""

    def __init__(self, on_request: RequestLogger | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_request = on_request
        self._lock = threading.Lock()
        self._blocked_until = 0.0
        self._searches: deque[float] = deque()

    def urlopen(  # type: ignore[override]  # same call, narrower spelling
            self, method: str, url: str, redirect: bool = True, **kw: Any) -> Any:
        path = urlsplit(url).path
        self._pace(path.endswith("/search"))
        started = time.monotonic()
        status: int | None = None
        try:
            response = super().urlopen(method, url, redirect=redirect, **kw)
            status = response.status
            self._note_limits(response.headers)
            return response
        finally:
            if self.on_request is not None:
                self.on_request(method, path, status, time.monotonic() - started)

    def _pace(self, is_search: bool) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                wait = self._blocked_until - now
                if is_search:
                    while self._searches and now - self._searches[0] >= 1.0:
                        self._searches.popleft()
                    if len(self._searches) >= SEARCHES_PER_SECOND:
                        wait = max(wait, 1.0 - (now - self._searches[0]))
                if wait <= 0:
                    if is_search:
                        self._searches.append(now)
                    return
            time.sleep(wait)

    def _note_limits(self, headers: Any) -> None:
        remaining = headers.get("X-HubSpot-RateLimit-Remaining")
        interval = headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
        if remaining is not None and interval and remaining.strip() == "0":
            with self._lock:
                self._blocked_until = max(self._blocked_until,
                                          time.monotonic() + int(interval) / 1000)


@dataclass
class RetryPolicy:
    """How long to keep trying: `busy_seconds` while HubSpot answers 429/5xx, `offline_seconds`
    while it cannot be reached at all."""

    busy_seconds: float = 60.0
    offline_seconds: float = 10.0
    base_delay: float = 0.5
    max_delay: float = 8.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def run(self, call: Callable[[], T], *, idempotent: bool,
            api_error: type[Exception] | tuple[type[Exception], ...],
            translate: Callable[[Any], Exception]) -> T:
        """Call until it answers; `idempotent=False` never resends a write whose answer was lost."""
        started = time.monotonic()
        attempt = 0
        while True:
            try:
                return call()
            except api_error as exc:
                status = getattr(exc, "status", None) or 0
                if status not in RETRYABLE:
                    raise translate(exc) from None
                if status != 429 and not idempotent:
                    raise AmbiguousWrite(_lost_reply_message(status)) from None
                wait = self._rate_limit_wait(exc, attempt) if status == 429 else self._backoff(
                    attempt)
                budget = self.busy_seconds
                failure: Exception = translate(exc)
            except (NewConnectionError, ConnectTimeoutError) as exc:
                wait, budget = self._backoff(attempt), self.offline_seconds
                failure = Unreachable(_offline_message(exc))
            except HTTPError as exc:  # reset, read timeout: the request may have been done
                if not idempotent:
                    raise AmbiguousWrite(_offline_message(exc)) from None
                wait, budget = self._backoff(attempt), self.offline_seconds
                failure = Unreachable(_offline_message(exc))
            if time.monotonic() - started + wait > budget:
                raise failure from None
            self.sleep(wait)
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2 ** attempt)
        return random.uniform(ceiling / 2, ceiling)

    def _rate_limit_wait(self, exc: Any, attempt: int) -> float:
        headers = getattr(exc, "headers", None) or {}
        retry_after = headers.get("Retry-After")
        if retry_after and retry_after.strip().isdigit():
            return float(retry_after)
        remaining = headers.get("X-HubSpot-RateLimit-Remaining")
        interval = headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
        if remaining is not None and remaining.strip() == "0" and interval:
            return int(interval) / 1000 + random.uniform(0, 0.5)
        if b"SECONDLY" in _body_bytes(exc):
            return 1.0 + random.uniform(0, 0.25)
        return self._backoff(attempt)


def _body_bytes(exc: Any) -> bytes:
    body = getattr(exc, "body", None) or b""
    return body.encode() if isinstance(body, str) else bytes(body)


def _offline_message(exc: Exception) -> str:
    kind = type(exc).__name__
    return f"No se pudo conectar con HubSpot ({kind})."


def _lost_reply_message(status: int) -> str:
    return f"HubSpot no confirmó la operación (HTTP {status}); puede haberse realizado."
