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

from ..errors import AmbiguousWrite, EscalateError, Unreachable

T = TypeVar("T")
RequestLogger = Callable[[str, str, int | None, float], None]

SEARCHES_PER_SECOND = 5  # HubSpot's published search limit, unless its headers say otherwise
SEARCH_WINDOW = 1.02  # a second after an earlier search's answer, which HubSpot counted
WINDOW_MARGIN = 0.5  # HubSpot counts a request when it arrives, a little after we send it
RETRYABLE = {429, 502, 503, 504}

# Retry waits and the retry clock; tests replace these to run a long budget in no time.
sleep: Callable[[float], None] = time.sleep
monotonic: Callable[[], float] = time.monotonic


class PacedPoolManager(urllib3.PoolManager):
    """A pool shared by every API object and thread: logs each request and paces them so
    that neither the search limit (per second) nor the account's per-10-second limit is
    crossed, both read from HubSpot's rate-limit headers as they come."""

    def __init__(self, on_request: RequestLogger | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_request = on_request
        self._lock = threading.Lock()
        self._blocked_until = 0.0
        # Each search's answer time (inf while in flight): HubSpot counted it before answering,
        # so a second after the answer is past its window whatever the network's jitter.
        self._searches: deque[list[float]] = deque()
        self.searches_per_second = SEARCHES_PER_SECOND
        # The account's window, as the last answer told it, kept current with our own sends.
        self._interval = 10.0
        self._remaining: int | None = None
        self._snapshot_at = 0.0
        self._sent: deque[float] = deque()
        self._sequence = 0
        self._newest_seen = 0
        self._in_flight: set[int] = set()  # sequences sent and not yet answered

    def urlopen(  # type: ignore[override]  # same call, narrower spelling
            self, method: str, url: str, redirect: bool = True, **kw: Any) -> Any:
        path = urlsplit(url).path
        sequence, answered = self._pace(path.endswith("/search"))
        started = time.monotonic()
        status: int | None = None
        try:
            response = super().urlopen(method, url, redirect=redirect, **kw)
            status = response.status
            self._note_limits(response.headers, sequence, path.endswith("/search"))
            return response
        finally:
            with self._lock:
                self._in_flight.discard(sequence)
            answered[0] = time.monotonic()
            if self.on_request is not None:
                self.on_request(method, path, status, time.monotonic() - started)

    def _pace(self, is_search: bool) -> tuple[int, list[float]]:
        """Wait until this request fits every known limit; returns its sequence number and
        the cell its answer time goes into."""
        while True:
            with self._lock:
                now = time.monotonic()
                wait = self._blocked_until - now
                while self._sent and now - self._sent[0] >= self._interval + WINDOW_MARGIN:
                    self._sent.popleft()
                    if self._remaining is not None:
                        self._remaining += 1  # one of ours left HubSpot's window
                if self._remaining is not None and now - self._snapshot_at >= self._interval:
                    self._remaining = None  # a whole window since HubSpot last told us
                if self._remaining is not None and self._remaining <= 0:
                    refill = self._snapshot_at + self._interval
                    if self._sent:
                        refill = min(refill, self._sent[0] + self._interval + WINDOW_MARGIN)
                    wait = max(wait, refill - now)
                if is_search:
                    while self._searches and now - self._searches[0][0] >= SEARCH_WINDOW:
                        self._searches.popleft()
                    if len(self._searches) >= self.searches_per_second:
                        oldest = self._searches[0][0]
                        wait = max(wait, 0.02 if oldest == float("inf")
                                   else SEARCH_WINDOW - (now - oldest))
                if wait <= 0:
                    answered = [float("inf")]
                    if is_search:
                        self._searches.append(answered)
                    self._sent.append(now)
                    if self._remaining is not None:
                        self._remaining -= 1
                    self._sequence += 1
                    self._in_flight.add(self._sequence)
                    return self._sequence, answered
            time.sleep(wait)

    def _note_limits(self, headers: Any, sequence: int, is_search: bool) -> None:
        remaining = _int(headers.get("X-HubSpot-RateLimit-Remaining"))
        interval = _int(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds"))
        per_second = _int(headers.get("X-HubSpot-RateLimit-Secondly"))
        second_left = _int(headers.get("X-HubSpot-RateLimit-Secondly-Remaining"))
        with self._lock:
            now = time.monotonic()
            if interval:
                self._interval = interval / 1000
            if remaining is not None and sequence >= self._newest_seen:
                # What we sent after this request is still to be counted, and so may be what
                # we sent before it and is unanswered: requests overtake each other on their
                # way (several threads, several connections).
                self._newest_seen = sequence
                overtaken = sum(1 for s in self._in_flight if s < sequence)
                self._remaining = remaining - (self._sequence - sequence) - overtaken
                self._snapshot_at = now
                # Sends older than a window may be out of HubSpot's count already: they must
                # not give a slot back later (sends within it are counted, and give it back
                # when they leave it).
                while self._sent and now - self._sent[0] >= self._interval:
                    self._sent.popleft()
            if remaining == 0 and interval:
                self._blocked_until = max(self._blocked_until, now + min(interval / 1000, 1.0))
            if is_search and per_second:
                self.searches_per_second = max(1, per_second)
            if is_search and second_left == 0:
                self._blocked_until = max(self._blocked_until, now + SEARCH_WINDOW)


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip()) if value is not None else None
    except ValueError:
        return None


@dataclass
class RetryPolicy:
    """How long one command keeps trying: `busy_seconds` while HubSpot answers 429/5xx,
    `offline_seconds` while it cannot be reached at all.

    The budget is the command's, not each request's: it starts at the command's first
    retry and every later retry, in any thread, draws on what is left, until some request
    gets through. So a command that makes no progress waits at most the budget plus one
    request's timeout, however many requests it makes; a long one (a report over 50,000
    tickets) that meets a 429 now and then is not given up for its length.
    """

    busy_seconds: float = 60.0
    offline_seconds: float = 10.0
    base_delay: float = 0.5
    max_delay: float = 8.0
    sleep: Callable[[float], None] | None = field(default=None, repr=False)
    clock: Callable[[], float] | None = field(default=None, repr=False)
    _first_retry: float | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def now(self) -> float:
        return (self.clock or monotonic)()

    def wait(self, seconds: float) -> None:
        (self.sleep or sleep)(seconds)

    def spent(self) -> float:
        """Seconds since this command's first retry (0 before any)."""
        with self._lock:
            return 0.0 if self._first_retry is None else self.now() - self._first_retry

    def pause(self, attempt: int, budget: float, failure: Exception,
              wait: float | None = None) -> None:
        """Wait before another attempt, or raise `failure` when the budget is spent."""
        delay = self._backoff(attempt) if wait is None else wait
        with self._lock:
            now = self.now()
            if self._first_retry is None:
                self._first_retry = now
            spent = now - self._first_retry
        if spent + delay > budget:
            raise failure from None
        self.wait(delay)

    def run(self, call: Callable[[], T], *, idempotent: bool,
            is_api_error: Callable[[BaseException], bool],
            translate: Callable[[Any], EscalateError]) -> T:
        """Call until it answers; `idempotent=False` never resends a write whose answer was lost."""
        attempt = 0
        while True:
            try:
                answer = call()
            except (NewConnectionError, ConnectTimeoutError) as exc:
                wait, budget = self._backoff(attempt), self.offline_seconds
                failure: Exception = Unreachable(_offline_message(exc), hint=OFFLINE_HINT)
            except HTTPError as exc:  # reset, read timeout: the request may have been done
                if not idempotent:
                    raise AmbiguousWrite(_offline_message(exc)) from None
                wait, budget = self._backoff(attempt), self.offline_seconds
                failure = Unreachable(_offline_message(exc), hint=OFFLINE_HINT)
            except Exception as exc:
                if not is_api_error(exc):
                    raise
                status = getattr(exc, "status", None) or 0
                if status not in RETRYABLE:
                    raise translate(exc) from None
                failure = translate(exc)
                if status != 429 and not idempotent:
                    raise AmbiguousWrite(_lost_reply_message(status, failure),
                                         failure=failure) from None
                wait = self._rate_limit_wait(exc, attempt) if status == 429 else self._backoff(
                    attempt)
                budget = self.busy_seconds
            else:
                self._progressed()
                return answer
            self.pause(attempt, budget, failure, wait)
            attempt += 1

    def _progressed(self) -> None:
        """A request got through: the next retry starts a new budget."""
        if self._first_retry is not None:
            with self._lock:
                self._first_retry = None

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


OFFLINE_HINT = "Revise la conexión a internet de este equipo (o su proxy) y repita."


def _offline_message(exc: Exception) -> str:
    """Why HubSpot could not be reached, in the agent's words: which host, what happened
    (urllib3's own texts, and the OS's through them, are English)."""
    conn = vars(exc).get("conn") or vars(exc).get("pool")  # no deprecated property read
    host, port = getattr(conn, "host", None), getattr(conn, "port", None)
    where = f" en {host}" + (f":{port}" if port not in (None, 443) else "") if host else ""
    return f"No se pudo conectar con HubSpot{where}: {offline_reason(exc)}."


def offline_reason(exc: BaseException) -> str:
    """What a connection failure was, in Spanish."""
    import socket

    from urllib3.exceptions import NameResolutionError, ReadTimeoutError, SSLError

    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, NameResolutionError) or isinstance(cause, socket.gaierror):
        return ("no se encontró esa dirección (¿sin internet, o HUBSPOT_BASE_URL mal "
                "escrita?)")
    if isinstance(exc, (ReadTimeoutError, ConnectTimeoutError)) and not isinstance(
            exc, NewConnectionError):
        return "no respondió a tiempo (ESCALATE_TIMEOUT_SECONDS)"
    if isinstance(exc, SSLError):
        return "la conexión segura (TLS) falló: revise la fecha del equipo o el proxy"
    inner = cause if isinstance(cause, OSError) else next(
        (a for a in getattr(exc, "args", ()) if isinstance(a, OSError)), None)
    if inner is not None:
        from ..os_errors import reason

        return reason(inner)
    return "la conexión se cortó"


def _lost_reply_message(status: int, failure: Exception) -> str:
    answer = getattr(failure, "answer", None)
    said = f": {answer.message}" if answer is not None and answer.message else ""
    reference = answer.reference() if answer is not None else ""
    return (f"HubSpot no confirmó la operación (HTTP {status}{said}); puede haberse "
            "realizado." + reference)
