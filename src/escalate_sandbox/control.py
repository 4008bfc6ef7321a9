"""The `/_sandbox/` endpoints (never on HubSpot; each needs the sandbox's bearer token)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from . import history, seed
from .errors import not_found, validation
from .kinds import object_type
from .knobs import (
    ALL_SCOPES,
    MAX_DELAY_MS,
    MAX_RESULTS,
    MAX_SEARCH_LAG_MS,
    SEARCH_429_HEADERS,
    TEN_SECONDS_MS,
    UNIQUE_SHAPES,
    Fault,
)
from .payload import integer, json_body, names
from .rules import checked_rule

if TYPE_CHECKING:
    from .portal import Portal

OK = {"ok": True}


def requests(portal: Portal, request: Request) -> Any:
    """`GET /_sandbox/requests`: the log; `DELETE`: forget it."""
    if request.method == "DELETE":
        portal.control.forget()
        return OK
    return portal.control.requests()


def faults(portal: Portal, request: Request) -> Any:
    """`POST /_sandbox/faults` queues one; `DELETE` drops every queued fault."""
    if request.method == "DELETE":
        portal.control.clear_faults()
    else:
        portal.control.add_fault(Fault.from_json(json_body(request)))
    return OK


def latency(portal: Portal, request: Request) -> Any:
    """`POST /_sandbox/latency {"delay_ms": N}`: added to every HubSpot request."""
    body = json_body(request)
    portal.control.delay_ms = integer(body.get("delay_ms"), "delay_ms", 0, low=0,
                                      high=MAX_DELAY_MS)
    return OK


def rate_limit(portal: Portal, request: Request) -> Any:
    """`POST /_sandbox/rate_limit {"per_10s": N, "search_per_s": N, "window_ms": M,
    "search_429_headers": "window" | "none"}`: N requests per window (0: no limit); M shortens
    the 10-second window for tests; what a search's 429 carries besides its body."""
    body = json_body(request)
    shape = body.get("search_429_headers")
    if shape is not None and shape not in SEARCH_429_HEADERS:
        raise validation(f"search_429_headers must be one of {', '.join(SEARCH_429_HEADERS)}")

    def count(name: str) -> int | None:
        return None if body.get(name) is None else integer(body[name], name, 0, low=0,
                                                           high=10**6)

    window = body.get("window_ms")
    portal.control.set_rate_limit(
        count("per_10s"), count("search_per_s"),
        None if window is None else integer(window, "window_ms", TEN_SECONDS_MS, low=10,
                                            high=TEN_SECONDS_MS), shape)
    return OK


def scopes(portal: Portal, request: Request) -> Any:
    """`POST /_sandbox/scopes {"scopes": [...] | null}`: what the token is granted."""
    granted = names(json_body(request).get("scopes"), "scopes")
    portal.control.scopes = ALL_SCOPES if granted is None else frozenset(granted)
    return OK


def search_lag(portal: Portal, request: Request) -> Any:
    """`POST /_sandbox/search_lag {"ms": N}`: search answers as the portal was N ms ago
    (objects created since are absent, objects updated since show their old values); get
    and batch read see every write at once; 0: none."""
    body = json_body(request)
    portal.control.search_lag_ms = integer(body.get("ms"), "ms", 0, low=0,
                                           high=MAX_SEARCH_LAG_MS)
    return OK


def search_cap(portal: Portal, request: Request) -> Any:
    """`POST /_sandbox/search_cap {"results": N}`: search pages no deeper than N results
    (HubSpot: 10,000), so tests can cross the limit with a few hundred objects."""
    body = json_body(request)
    portal.control.results_cap = integer(body.get("results"), "results", MAX_RESULTS, low=1,
                                         high=MAX_RESULTS)
    return OK


def owners(portal: Portal, request: Request) -> Any:
    """`POST /_sandbox/owners {"archived": [ids]}`: exactly these owners' users were
    deactivated or removed, as an admin does in HubSpot's settings: they leave the owners
    list (`archived=true` lists them) and can no longer be written as an owner."""
    archived = names(json_body(request).get("archived"), "archived") or []
    unknown = sorted(set(archived) - {str(o["id"]) for o in seed.OWNERS})
    if unknown:
        raise validation(f"Unknown owner ids: {', '.join(unknown)}")
    portal.control.archived_owners = frozenset(archived)
    return OK


def unique_conflict(portal: Portal, request: Request) -> Any:
    """`POST /_sandbox/unique_conflict {"shape": "409" | "400"}`."""
    shape = str(json_body(request).get("shape"))
    if shape not in UNIQUE_SHAPES:
        raise validation(f"shape must be one of {', '.join(UNIQUE_SHAPES)}")
    portal.control.unique_shape = shape
    return OK


def echo_authorization(portal: Portal, request: Request) -> Any:
    """`POST /_sandbox/echo_authorization {"on": true}`: every error answer repeats the
    request's Authorization header (message, errors, context, an HTML page's title), so
    tests can check the token is never stored or shown."""
    on = json_body(request).get("on")
    if not isinstance(on, bool):
        raise validation("on must be true or false")
    portal.control.echo_authorization = on
    return OK


def required_properties(portal: Portal, request: Request) -> Any:
    """`POST /_sandbox/required_properties {"object": "tickets", "properties": [...]}`:
    the portal requires exactly these on create, as an admin's rule does."""
    body = json_body(request)
    kind = _object(body)
    wanted = names(body.get("properties"), "properties") or []
    unknown = sorted(set(wanted) - set(portal.store.properties(kind)))
    if unknown:
        raise validation(f"Unknown {kind} properties: {', '.join(unknown)}")
    portal.control.set_required(kind, wanted)
    return OK


def validation_rules(portal: Portal, request: Request) -> Any:
    """`POST /_sandbox/validation_rules {"object": "tickets", "property": NAME, "rule":
    {"ruleType": ..., "ruleArguments": [...]}}`: an admin's rule on a property, served by
    the validations API and enforced on writes (REQUIRED: on creates). `DELETE`: none."""
    if request.method == "DELETE":
        portal.control.clear_rules()
        return OK
    body = json_body(request)
    kind = _object(body)
    name = body.get("property")
    definition = portal.store.properties(kind).get(name) if isinstance(name, str) else None
    if definition is None:
        raise validation(f"property must be a {kind} property, was {name!r}")
    rule_type, arguments = checked_rule(definition, body.get("rule"))
    portal.control.set_rule(kind, str(name), rule_type, arguments)
    return OK


def _object(body: dict[str, Any]) -> str:
    kind = body.get("object")
    if not isinstance(kind, str):
        raise validation("object must be an object type such as tickets")
    return object_type(kind)


def reset(portal: Portal, request: Request) -> Any:
    """`POST /_sandbox/reset`: the portal back to its seed, every knob as started, no log."""
    history.reset(portal)
    portal.control.reset()
    portal.control.forget()
    return OK


def file_bytes(portal: Portal, request: Request, file_id: int) -> Response:
    """`GET /_sandbox/files/{id}`: an uploaded file's bytes (its `url`)."""
    if portal.store.get_file(file_id) is None:
        raise not_found(f"File {file_id} not found")
    return Response(portal.store.file_bytes(file_id), content_type="application/octet-stream")
