"""The state behind the sandbox's test-only knobs: request log, queued faults, latency, rate
limits and their window, granted scopes, search lag, the unique-conflict shape and the
rules a portal's admins set on properties (validation rules, required properties)."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from .errors import rate_limited, validation
from .payload import integer

TEN_SECONDS_MS = 10_000
DAILY_LIMIT = 250_000
MAX_LOG = 200_000
MAX_DELAY_MS = 60_000


@dataclass
class Fault:
    method: str | None
    path_prefix: str
    times: int
    status: int | None
    delay_ms: int
    after_commit: bool
    path: str | None = None  # exact path, where a prefix would also match /search
    body: str | None = None  # raw answer (an HTML error page) instead of HubSpot's JSON

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Fault:
        for name in ("method", "path_prefix", "path", "body"):
            if body.get(name) is not None and not isinstance(body[name], str):
                raise validation(f"{name} must be a string")
        status = body.get("status")
        return cls(
            method=body["method"].upper() if body.get("method") else None,
            path_prefix=body.get("path_prefix") or "/",
            times=integer(body.get("times"), "times", 1, low=1, high=10**6),
            status=None if status is None else integer(status, "status", 500, low=100,
                                                       high=599),
            delay_ms=integer(body.get("delay_ms"), "delay_ms", 0, low=0, high=MAX_DELAY_MS),
            after_commit=bool(body.get("after_commit", False)),
            path=body.get("path") or None,
            body=body.get("body"),
        )

    def matches(self, method: str, path: str) -> bool:
        if self.method not in (None, method):
            return False
        return path == self.path if self.path else path.startswith(self.path_prefix)


ALL_SCOPES = frozenset({
    "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.companies.read",
    "crm.objects.companies.write", "tickets", "files",
    "crm.objects.owners.read",
})
UNIQUE_SHAPES = ("409", "400")
# What a 429 from the per-second search limit carries besides HubSpot's body (policyName
# SECONDLY): no public capture says (hubspot-facts.md), so both are served. "window": the
# account's 10-second headers as they stand (Remaining is what the window has left, not 0);
# "none": no X-HubSpot-RateLimit header at all.
SEARCH_429_HEADERS = ("window", "none")
MAX_RESULTS = 10_000  # HubSpot's deepest search paging; `/_sandbox/search_cap` lowers it
MAX_SEARCH_LAG_MS = 3_600_000
# The sandbox's way to serve a property an admin made required on the validations endpoint
# (HubSpot documents no rule type for it: hubspot-facts.md).
REQUIRED = "REQUIRED"


class Control:
    """Thread-safe state behind `/_sandbox/`: what tests inject and what they read back."""

    def __init__(self, per_10s: int = 100, search_per_s: int = 5,
                 search_lag_ms: int = 0) -> None:
        self._lock = threading.Lock()
        self.log: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self._initial = (per_10s, search_per_s, search_lag_ms)
        self._window: deque[float] = deque()
        self._search_window: deque[float] = deque()
        self._daily = 0
        self.reset()

    def reset(self) -> None:
        """Every knob back to how the sandbox was started."""
        with self._lock:
            self.faults.clear()
            self.delay_ms = 0
            self.per_10s, self.search_per_s, self.search_lag_ms = self._initial
            self.window_ms = TEN_SECONDS_MS
            self.search_429_headers = SEARCH_429_HEADERS[0]
            self._window.clear()
            self._search_window.clear()
            self.scopes: frozenset[str] = ALL_SCOPES
            self.results_cap = MAX_RESULTS
            self.unique_shape = "409"
            # Owners whose HubSpot user was deactivated or removed (`/_sandbox/owners`).
            self.archived_owners: frozenset[str] = frozenset()
            self.echo_authorization = False
            # object type -> property -> rule type -> its arguments
            self._rules: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {}

    def set_rule(self, kind: str, name: str, rule_type: str, arguments: tuple[str, ...]) -> None:
        """Add a rule to a property, replacing its rule of the same type (as HubSpot's
        rule-type PUT does)."""
        with self._lock:
            self._rules.setdefault(kind, {}).setdefault(name, {})[rule_type] = arguments

    def set_required(self, kind: str, names: list[str]) -> None:
        """Exactly these properties of `kind` are required on create (besides HubSpot's)."""
        with self._lock:
            for rules in self._rules.get(kind, {}).values():
                rules.pop(REQUIRED, None)
            for name in names:
                self._rules.setdefault(kind, {}).setdefault(name, {})[REQUIRED] = ()

    def clear_rules(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules_of(self, kind: str, name: str) -> dict[str, tuple[str, ...]]:
        with self._lock:
            return dict(self._rules.get(kind, {}).get(name, {}))

    def required(self, kind: str) -> list[str]:
        with self._lock:
            return [n for n, rules in self._rules.get(kind, {}).items() if REQUIRED in rules]

    def served_rules(self, kind: str) -> dict[str, list[dict[str, Any]]]:
        """Each property's rules as the validations API answers them."""
        with self._lock:
            return {name: [{"ruleType": rule_type, "ruleArguments": list(arguments),
                            "shouldApplyNormalization": False}
                           for rule_type, arguments in rules.items()]
                    for name, rules in self._rules.get(kind, {}).items() if rules}

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            if len(self.log) < MAX_LOG:
                self.log.append(entry)

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.log)

    def forget(self) -> None:
        with self._lock:
            self.log.clear()

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The first queued fault matching this request, counting one use of it."""
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def set_rate_limit(self, per_10s: int | None, search_per_s: int | None,
                       window_ms: int | None, search_429_headers: str | None = None) -> None:
        with self._lock:
            if search_429_headers is not None:
                self.search_429_headers = search_429_headers
            if per_10s is not None:
                self.per_10s = per_10s
            if search_per_s is not None:
                self.search_per_s = search_per_s
            if window_ms is not None:
                self.window_ms = window_ms
            self._window.clear()
            self._search_window.clear()

    def admit(self, is_search: bool) -> dict[str, str]:
        """Count a request against the limits; the rate-limit headers, or a 429 carrying
        HubSpot's body (its `policyName` says which limit) and headers.

        A request refused is not counted: whether HubSpot counts its 429s is unverified,
        and counting them would only make a portal under load refuse more."""
        now = time.monotonic()
        with self._lock:
            window = self.window_ms / 1000
            # The per-second search limit scales with the window, so a short test window
            # keeps both limits in proportion.
            second = window / 10
            while self._window and now - self._window[0] >= window:
                self._window.popleft()
            while self._search_window and now - self._search_window[0] >= second:
                self._search_window.popleft()
            limited = self.per_10s and len(self._window) >= self.per_10s
            if limited:
                refused = rate_limited("TEN_SECONDLY_ROLLING",
                                       "You have reached your ten_secondly_rolling limit.")
                refused.headers = self.headers()  # Remaining: 0, the window is full
                raise refused
            if is_search and self.search_per_s and len(self._search_window) >= self.search_per_s:
                refused = rate_limited("SECONDLY", "You have reached your secondly limit.")
                if self.search_429_headers == "window":
                    refused.headers = self.headers()
                raise refused
            self._window.append(now)
            if is_search:
                self._search_window.append(now)
            self._daily += 1
            return self.headers()

    def headers(self) -> dict[str, str]:
        if not self.per_10s:
            return {}
        return {
            "X-HubSpot-RateLimit-Max": str(self.per_10s),
            "X-HubSpot-RateLimit-Remaining": str(max(0, self.per_10s - len(self._window))),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(self.window_ms),
            "X-HubSpot-RateLimit-Daily": str(DAILY_LIMIT),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, DAILY_LIMIT - self._daily)),
        }

