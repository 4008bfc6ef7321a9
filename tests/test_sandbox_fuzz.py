"""Generated request bodies never make the sandbox answer 5xx: HubSpot answers 400 to them."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from escalate_sandbox.routes import ROUTES

from .conftest import Sandbox

KINDS = ("contacts", "tickets", "notes", "tasks")

# Every route of the sandbox's table, each path parameter filled with a value that exists.
SAMPLES = {"<object:kind>": KINDS, "<object:to_kind>": ("contacts",), "<key>": ("1007",),
           "<to_key>": ("1001",), "<owner_id>": ("9001",), "<pipeline_id>": ("0",),
           "<name>": ("subject",), "<file_id>": ("190000001",)}


def filled(path: str) -> list[str]:
    paths = [path]
    for part, values in SAMPLES.items():
        paths = [p.replace(part, v) for p in paths for v in (values if part in p else ("",))]
    return paths


ENDPOINTS: list[tuple[str, str]] = [
    (route.method, path) for route in ROUTES
    if route.path not in ("/_sandbox/reset", "/_sandbox/files/<int:file_id>")
    and not (route.control and route.method == "DELETE")
    for path in filled(route.path)]

NAMES = ["subject", "content", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_priority",
         "createdate", "email", "hs_timestamp", "hubspot_owner_id", "escalate_id",
         "hs_task_status", "closed_date", "nope"]
OPERATORS = ["EQ", "NEQ", "LT", "GT", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY",
             "CONTAINS_TOKEN", "LIKE"]

scalars = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
           | st.sampled_from(NAMES))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=5), inner,
                                        max_size=3), max_leaves=8)
filters = st.lists(st.fixed_dictionaries({}, optional={
    "propertyName": st.sampled_from(NAMES) | values, "operator": st.sampled_from(OPERATORS)
    | values, "value": values, "values": values, "highValue": values}) | values, max_size=3)
shaped = st.fixed_dictionaries({}, optional={
    "limit": st.integers(-5, 300) | values, "after": values,
    "sorts": st.lists(st.fixed_dictionaries({"propertyName": st.sampled_from(NAMES) | values,
                                             "direction": values}) | values, max_size=2),
    "filterGroups": st.lists(st.fixed_dictionaries({"filters": filters}) | values, max_size=3)
    | values,
    "properties": st.dictionaries(st.sampled_from(NAMES), values, max_size=4) | values,
    "propertiesWithHistory": values,
    "inputs": st.lists(st.fixed_dictionaries({}, optional={
        "id": values, "properties": st.dictionaries(st.sampled_from(NAMES), values, max_size=3)
        | values, "associations": values}) | values, max_size=3) | values,
    "associations": values, "idProperty": values, "query": values,
    "ms": values, "shape": values, "object": values, "records": values, "per_10s": values,
    "window_ms": values, "scopes": values, "status": values, "times": values,
    "name": values, "label": values, "type": values, "fieldType": values, "groupName": values,
    "options": values, "hasUniqueValue": values,
})
bodies = (shaped.map(lambda b: json.dumps(b, allow_nan=True).encode())
          | values.map(lambda b: json.dumps(b, allow_nan=True).encode())
          | st.binary(max_size=20) | st.none())
queries = st.dictionaries(st.sampled_from(["limit", "after", "properties", "idProperty",
                                           "email", "associations", "archived",
                                           "propertiesWithHistory"]),
                          st.text(max_size=6) | st.integers(-3, 500).map(str), max_size=3)

# Deterministic nasty bodies every endpoint receives, beside the generated ones.
FIXED: list[bytes | None] = [None, b"", b"{", b"[]", b"null", b'"x"', b"7"] + [
    json.dumps(b).encode() for b in (
        {"inputs": "x"}, {"inputs": [1]}, {"inputs": [{"id": []}]}, {"properties": []},
        {"properties": {"subject": []}}, {"limit": "x"}, {"limit": 1.5}, {"sorts": "x"},
        {"sorts": [1]}, {"filterGroups": "x"}, {"filterGroups": [1]},
        {"filterGroups": [{"filters": "x"}]}, {"filterGroups": [{"filters": [1]}]},
        {"associations": "x"}, {"associations": [1]}, {"idProperty": 5},
        {"inputs": [{"properties": {"subject": {"a": 1}}}]},
    )]


class Fuzzer:
    """Sends bodies straight into the sandbox's WSGI app (no sockets: fast), counts them and
    keeps every 5xx answer."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.client = Client(sandbox.running.app)
        self.sent = 0
        self.failures: list[tuple[str, str, bytes | None, int]] = []

    def send(self, method: str, path: str, body: bytes | None,
             query: dict[str, str] | None = None) -> int:
        headers = {"Authorization": "Bearer sandbox"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        answer = self.client.open(path, method=method, data=body, headers=headers,
                                  query_string=query)
        return int(answer.status_code)

    def fuzz(self, method: str, path: str, body: bytes | None,
             query: dict[str, str] | None = None) -> None:
        self.sent += 1
        status = self.send(method, path, body, query)
        if status >= 500:
            self.failures.append((method, path, body, status))
        if path.startswith("/_sandbox/") and status < 300:  # a refused knob changed nothing
            self.restore()

    def restore(self) -> None:
        """Undo whatever a generated control body set (faults, latency, scopes...)."""
        self.send("POST", "/_sandbox/reset", b"{}")
        self.prepare()

    def prepare(self) -> None:
        ticket = {"properties": {"subject": "x", "hs_pipeline": "0", "hs_pipeline_stage": "2"}}
        self.send("POST", "/crm/v3/objects/tickets", json.dumps(ticket).encode())  # 1007
        self.send("POST", "/crm/v3/objects/tickets", json.dumps(ticket).encode())  # 1008


def report(fuzzer: Fuzzer, label: str) -> None:
    if os.environ.get("SANDBOX_FUZZ_REPORT"):
        with open(os.environ["SANDBOX_FUZZ_REPORT"], "a", encoding="utf-8") as out:
            out.write(f"{label}: bodies={fuzzer.sent} endpoints={len(ENDPOINTS)} "
                      f"5xx={len(fuzzer.failures)} distinct="
                      f"{len({(m, p, b) for m, p, b, _ in fuzzer.failures})}\n")
            for failure in fuzzer.failures:
                out.write(f"  {failure!r}\n")


def test_every_endpoint_answers_every_nasty_body_without_a_5xx(sandbox: Sandbox):
    fuzzer = Fuzzer(sandbox)
    fuzzer.prepare()
    for method, path in ENDPOINTS:
        for body in FIXED if method != "GET" else [None]:  # a GET's body is never read
            fuzzer.fuzz(method, path, body)
    report(fuzzer, "fixed")
    assert fuzzer.failures == []


def test_generated_bodies_never_make_the_sandbox_answer_5xx(sandbox: Sandbox):
    fuzzer = Fuzzer(sandbox)
    fuzzer.prepare()

    examples = int(os.environ.get("SANDBOX_FUZZ_EXAMPLES", "200"))  # deeper runs by hand

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(endpoint=st.sampled_from(ENDPOINTS), body=bodies, query=queries)
    def throw(endpoint: tuple[str, str], body: bytes | None, query: dict[str, str]) -> None:
        fuzzer.fuzz(endpoint[0], endpoint[1], body, query)

    throw()
    report(fuzzer, "generated")
    assert fuzzer.failures == []
