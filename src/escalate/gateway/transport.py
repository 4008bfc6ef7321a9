"""HTTP under the official client: one shared connection pool, request log, pacing, retries.

The client's own urllib3 retries are off (they skip POST and ignore HubSpot's headers);
`RetryPolicy` retries instead, knowing which calls are safe to send twice.
"""

from __future__ import annotations

import json
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

from ..errors import AmbiguousWrite, EscalateError, RateLimited, Unreachable
from . import limits

T = TypeVar("T")
RequestLogger = Callable[[str, str, int | None, float], None]

SEARCHES_PER_SECOND = limits.SEARCHES_PER_SECOND
SEARCH_SECOND = 1.0  # HubSpot's search window: a search counts for the second after it arrives
# HubSpot counts a search when it arrives, a little after we send it, and two requests can
# take different times on their way: each search holds its slot a margin longer than the
# second. It starts small (the floor is the point) and grows each time HubSpot still says a
# search of ours came too soon.
SEARCH_MARGIN = 0.04
SEARCH_MARGIN_STEP = 0.1
SEARCH_MARGIN_MAX = 0.5
WINDOW_MARGIN = 0.25  # the same, for the account's 10-second window
RETRYABLE = {429, 502, 503, 504}

# Retry waits and the retry clock; tests replace these to run a long budget in no time.
sleep: Callable[[float], None] = time.sleep
monotonic: Callable[[], float] = time.monotonic


class PacedPoolManager(urllib3.PoolManager):
    """A pool shared by every API object and thread: logs each request and paces them so
    that neither the search limit (per second) nor the account's per-10-second limit is
    crossed, both read from HubSpot's rate-limit headers and 429s as they come.

    The account's window is shared by the whole team: when HubSpot says it is full and our
    own requests do not fill it, nobody here knows when another agent's oldest request
    leaves it, so the pool tries again after a short, jittered wait that doubles while the
    window stays full (never the whole window: a rolling window frees slots all along)."""

    def __init__(self, on_request: RequestLogger | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_request = on_request
        self._lock = threading.Lock()
        self._blocked_until = 0.0  # no request before this
        self._searches: deque[float] = deque()  # when each recent search of ours was sent
        self._search_blocked_until = 0.0
        self.search_margin = SEARCH_MARGIN
        self.searches_per_second = SEARCHES_PER_SECOND
        # The account's window, as the last answer told it, kept current with our own sends.
        self._interval = 10.0
        self._max: int | None = None
        self._remaining: int | None = None
        self._snapshot_at = 0.0
        self._probe_at = 0.0  # when to try again while the window is full of others' requests
        self._strikes = 0  # answers in a row that found the window full
        self._others = 0  # requests in the window that are not ours, as the last answer said
        self._sent: deque[float] = deque()
        self._sequence = 0
        self._newest_seen = 0
        self._in_flight: set[int] = set()  # sequences sent and not yet answered
        self.limited = 0  # 429s answered to this pool

    def pace(self) -> tuple[float, float | None]:
        """Searches a second, and requests a second once HubSpot told its window (None
        before: no limit seen)."""
        with self._lock:
            return (self.searches_per_second / (SEARCH_SECOND + self.search_margin),
                    self._max / self._interval if self._max else None)

    def urlopen(  # type: ignore[override]  # same call, narrower spelling
            self, method: str, url: str, redirect: bool = True, **kw: Any) -> Any:
        path = urlsplit(url).path
        is_search = path.endswith("/search")
        sequence = self._pace(is_search)
        started = time.monotonic()
        status: int | None = None
        try:
            response = super().urlopen(method, url, redirect=redirect, **kw)
            status = response.status
            policy = _policy(response) if status == 429 else None
            self._note_limits(response.headers, sequence, is_search, policy=policy)
            return response
        finally:
            with self._lock:
                self._in_flight.discard(sequence)
            if self.on_request is not None:
                self.on_request(method, path, status, time.monotonic() - started)

    def _pace(self, is_search: bool) -> int:
        """Wait until this request fits every known limit; returns its sequence number."""
        while True:
            with self._lock:
                now = time.monotonic()
                wait = max(self._blocked_until - now, self._window_wait(now))
                if is_search:
                    wait = max(wait, self._search_wait(now))
                if wait <= 0:
                    if is_search:
                        self._searches.append(now)
                    self._sent.append(now)
                    if self._remaining is not None:
                        self._remaining -= 1
                    self._sequence += 1
                    self._in_flight.add(self._sequence)
                    return self._sequence
            time.sleep(min(wait, 1.0))

    def _window_wait(self, now: float) -> float:
        """How long the account's window keeps this request waiting (0: not at all)."""
        while self._sent and now - self._sent[0] >= self._interval + WINDOW_MARGIN:
            self._sent.popleft()
            if self._remaining is not None:
                self._remaining += 1  # one of ours left HubSpot's window
        if self._remaining is not None and now - self._snapshot_at >= self._interval:
            self._remaining = None  # a whole window since HubSpot last told us
        if self._remaining is None or self._remaining > 0:
            return 0.0
        if self._max is not None and self._sent and self._others <= 1:
            # Our own requests fill it: a slot frees when our oldest leaves, exactly.
            return self._sent[0] + self._interval + WINDOW_MARGIN - now
        if self._probe_at <= now:  # this request tries; the others wait for its answer
            self._probe_at = now + self._backoff()
            return 0.0
        return self._probe_at - now

    def _search_wait(self, now: float) -> float:
        held = SEARCH_SECOND + self.search_margin
        while self._searches and now - self._searches[0] >= held:
            self._searches.popleft()
        wait = self._search_blocked_until - now
        if len(self._searches) >= self.searches_per_second:
            wait = max(wait, self._searches[-self.searches_per_second] + held - now)
        return wait

    def _backoff(self) -> float:
        return window_backoff(self._interval, self._strikes)

    def _note_limits(self, headers: Any, sequence: int, is_search: bool,
                     policy: str | None = None) -> None:
        remaining = _int(headers.get("X-HubSpot-RateLimit-Remaining"))
        interval = _int(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds"))
        most = _int(headers.get("X-HubSpot-RateLimit-Max"))
        per_second = _int(headers.get("X-HubSpot-RateLimit-Secondly"))
        second_left = _int(headers.get("X-HubSpot-RateLimit-Secondly-Remaining"))
        with self._lock:
            now = time.monotonic()
            if interval:
                self._interval = interval / 1000
            if most:
                self._max = most
            if policy is not None:
                self.limited += 1
            if policy == limits.TEN_SECONDLY:
                remaining = 0  # whatever the headers say: the window is full
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
                if self._max is not None:  # what the window holds that is not ours
                    counted = len(self._sent) - (self._sequence - sequence) - overtaken
                    self._others = max(0, self._max - remaining - counted)
            if remaining == 0:
                self._probe_at = max(self._probe_at, now + self._backoff())
                self._strikes += 1
            elif remaining is not None and policy is None:
                self._strikes = 0
            if is_search and per_second:
                self.searches_per_second = max(1, per_second)
            if is_search and (second_left == 0 or policy == limits.SECONDLY):
                self._search_refused(now)

    def _search_refused(self, now: float) -> None:
        """A search HubSpot found too soon: when ours filled the second, the margin was too
        thin (it grows); otherwise others' searches fill it, and a free slot is near."""
        recent = sum(1 for sent in self._searches if now - sent < SEARCH_SECOND * 1.5)
        if recent >= self.searches_per_second - 1:
            self.search_margin = min(SEARCH_MARGIN_MAX, self.search_margin + SEARCH_MARGIN_STEP)
        pause = search_backoff(self.searches_per_second, 0)
        self._search_blocked_until = max(self._search_blocked_until, now + pause)


def window_backoff(interval: float, strikes: int) -> float:
    """How long to wait for a slot in a full rolling window of `interval` seconds: a
    jittered tenth of it, doubling twice at most while it stays full. A longer wait would
    idle slots the window frees all along, and leave some agents waiting far longer than
    others for the same slots."""
    return min(interval, interval / 10 * (1 << min(strikes, 2)) * random.uniform(0.5, 1.5))


def search_backoff(per_second: int, strikes: int) -> float:
    """How long a search HubSpot found too soon waits: one to three of the second's slots,
    doubling twice at most while others' searches keep the second full."""
    return SEARCH_SECOND / per_second * (1 << min(strikes, 2)) * random.uniform(1.0, 3.0)


def _policy(response: Any) -> str:
    """The `policyName` of a 429's body (read now and kept: the client reads it again)."""
    try:
        body = json.loads(response.data or b"{}")
    except ValueError:
        return ""
    return str(body.get("policyName") or "") if isinstance(body, dict) else ""


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
    _stopped: threading.Event = field(default_factory=threading.Event, init=False,
                                      repr=False)

    def now(self) -> float:
        return (self.clock or monotonic)()

    def wait(self, seconds: float) -> None:
        nap = self.sleep or sleep
        if nap is time.sleep:  # the real wait: on the stop event, which Ctrl-C sets
            self._stopped.wait(seconds)
        else:  # a clock the caller (a test) put in place of the module's `sleep`
            nap(seconds)

    def stop(self) -> None:
        """The command is ending (Ctrl-C): a retry waiting in another thread gives up now
        instead of holding the exit for what is left of its budget."""
        self._stopped.set()

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
        if spent + delay > budget or self._stopped.is_set():
            raise failure from None
        self.wait(delay)
        if self._stopped.is_set():
            raise failure from None

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
                wait = (self._rate_limit_wait(exc, failure, attempt) if status == 429
                        else self._backoff(attempt))
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

    def _rate_limit_wait(self, exc: Any, failure: Exception, attempt: int) -> float:
        """How long a 429 waits, by the limit its body names (`policyName`, matched whole):
        a few of the search's slots, or a tenth of the account's rolling window, each
        doubling while the limit stays reached (a rolling window frees slots all along:
        waiting it out whole would idle the team's budget). `Retry-After`, which HubSpot
        does not document, wins when sent."""
        headers = getattr(exc, "headers", None) or {}
        retry_after = headers.get("Retry-After")
        if retry_after and retry_after.strip().isdigit():
            return float(retry_after)
        policy = failure.policy if isinstance(failure, RateLimited) else None
        if policy == limits.SECONDLY:
            return search_backoff(SEARCHES_PER_SECOND, attempt)
        if policy == limits.TEN_SECONDLY:
            interval = _int(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")) or 10_000
            return window_backoff(interval / 1000, attempt)
        return self._backoff(attempt)


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

    from urllib3 import exceptions

    # urllib3 2 names a failed lookup; 1.26 (in the range) raises NewConnectionError
    # from the OS's socket.gaierror, which the cause shows.
    unresolved = getattr(exceptions, "NameResolutionError", ())
    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, unresolved) or isinstance(cause, socket.gaierror):
        return ("no se encontró esa dirección (¿sin internet, o HUBSPOT_BASE_URL mal "
                "escrita?)")
    if isinstance(exc, (exceptions.ReadTimeoutError, ConnectTimeoutError)) and not isinstance(
            exc, NewConnectionError):
        return "no respondió a tiempo (ESCALATE_TIMEOUT_SECONDS)"
    if isinstance(exc, exceptions.SSLError):
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
