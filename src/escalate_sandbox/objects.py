"""The CRM objects API: create, read, update, archive, list, and their batch forms."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from . import links, payload, records
from .errors import HubSpotError, validation
from .kinds import SINGULAR
from .portal import Portal
from .responses import batch, json_response

MAX_BATCH = 100
MAX_HISTORY_BATCH = 50  # a batch read asking for property history (hubspot-facts.md)
HISTORY_LIMIT = ("The maximum number of inputs supported in a batch request for property "
                 "histories is {most}")
MAX_LIST = 100


def create(portal: Portal, request: Request, kind: str) -> Response:
    """`POST /crm/v3/objects/{type}`: 201 with the object, the properties written echoed."""
    body = payload.json_body(request)
    with portal.store.write() as db:
        row = records.create(portal, db, kind, body, portal.now_ms())
    return json_response(records.render(row, None, _written(body)), 201)


def batch_create(portal: Portal, request: Request, kind: str) -> Response:
    inputs = payload.batch_inputs(payload.json_body(request), MAX_BATCH)
    started = portal.now_ms()
    with portal.store.write() as db:
        rows = [records.create(portal, db, kind, item, started) for item in inputs]
    shown = [records.render(row, None, _written(item))
             for row, item in zip(rows, inputs, strict=True)]
    return json_response(batch(started, portal.now_ms(), shown, []), 201)


def update(portal: Portal, request: Request, kind: str, key: str) -> Any:
    """`PATCH /crm/v3/objects/{type}/{id}`: the object, the properties written echoed."""
    body = payload.json_body(request)
    with portal.store.write() as db:
        row = records.find(portal, kind, key, request.args.get("idProperty"), db)
        row = records.update(portal, db, row, body.get("properties"), portal.now_ms())
    return records.render(row, None, _written(body))


def batch_update(portal: Portal, request: Request, kind: str) -> Response:
    """`POST /crm/objects/{v}/{type}/batch/update`: every input that names an object is
    carried out; 207 naming the ids that name none. A bad value refuses the whole batch."""
    body = payload.json_body(request)
    inputs = payload.batch_inputs(body, MAX_BATCH)
    id_property = body.get("idProperty")
    keys = [_key(item) for item in inputs]
    if len(set(keys)) != len(keys):
        raise validation("Duplicate IDs found in batch input: "
                         + ", ".join(sorted({k for k in keys if keys.count(k) > 1})))
    started = portal.now_ms()
    shown, missing = [], []
    with portal.store.write() as db:
        for key, item in zip(keys, inputs, strict=True):
            try:
                row = records.find(portal, kind, key, item.get("idProperty") or id_property,
                                   db)
            except HubSpotError as exc:
                if exc.status != 404:
                    raise
                missing.append(key)
                continue
            row = records.update(portal, db, row, item.get("properties"), started)
            shown.append(records.render(row, None, _written(item)))
    return _batch_answer(portal, kind, started, shown, missing)


def archive(portal: Portal, request: Request, kind: str, key: str) -> Response:
    """`DELETE /crm/v3/objects/{type}/{id}`: 204; the object leaves gets, lists and search."""
    with portal.store.write() as db:
        row = records.find(portal, kind, key, None, db)
        portal.store.archive(db, row, portal.now_ms())
    return Response(status=204)


def batch_archive(portal: Portal, request: Request, kind: str) -> Response:
    """`POST /crm/objects/{v}/{type}/batch/archive {"inputs": [{"id"}]}`: 204; ids that name
    no live object are passed over (archiving twice changes nothing)."""
    inputs = payload.batch_inputs(payload.json_body(request), MAX_BATCH)
    with portal.store.write() as db:
        for item in inputs:
            try:
                row = records.find(portal, kind, _key(item), None, db)
            except HubSpotError as exc:
                if exc.status != 404:
                    raise
                continue
            portal.store.archive(db, row, portal.now_ms())
    return Response(status=204)


def get(portal: Portal, request: Request, kind: str, key: str) -> Any:
    """`GET /crm/objects/{v}/{type}/{id}` (`archived=true`: an archived object)."""
    archived = payload.query_archived(request)
    row = records.find(portal, kind, key, request.args.get("idProperty"), archived=archived)
    shown = records.render(row, payload.query_names(request, "properties"), archived=archived)
    records.add_history(portal, [shown], payload.query_names(request, "propertiesWithHistory"))
    wanted = payload.query_names(request, "associations")
    if wanted and not archived:
        shown["associations"] = links.of(portal, kind, row.id, wanted)
    return shown


def page(portal: Portal, request: Request, kind: str) -> Any:
    """`GET /crm/objects/{v}/{type}`: `{results, paging}` in id order, no `total`
    (`archived=true`: the archived objects instead of the live ones)."""
    limit = payload.query_limit(request, 10, MAX_LIST)
    after = request.args.get("after") or "0"
    if not payload.is_object_id(after):
        raise validation(f"after must be a cursor this API returned, was {after!r}")
    archived = payload.query_archived(request)
    rows = portal.store.page(kind, int(after), limit + 1, archived=archived)
    properties = payload.query_names(request, "properties")
    shown = [records.render(r, properties, archived=archived) for r in rows[:limit]]
    records.add_history(portal, shown, payload.query_names(request, "propertiesWithHistory"))
    wanted = payload.query_names(request, "associations")
    if wanted and not archived:
        for item in shown:
            item["associations"] = links.of(portal, kind, int(item["id"]), wanted)
    answer: dict[str, Any] = {"results": shown}
    if len(rows) > limit:
        answer["paging"] = {"next": {"after": str(rows[limit - 1].id)}}
    return answer


def batch_read(portal: Portal, request: Request, kind: str) -> Response:
    """`POST /crm/objects/{v}/{type}/batch/read`: consistent at once; 207 naming missing ids
    (`archived=true`: archived objects). Asking for property history takes at most 50."""
    body = payload.json_body(request)
    history = payload.names(body.get("propertiesWithHistory"), "propertiesWithHistory")
    inputs = payload.batch_inputs(body, MAX_HISTORY_BATCH if history else MAX_BATCH,
                                  HISTORY_LIMIT if history else None)
    started = portal.now_ms()
    properties = payload.names(body.get("properties"), "properties")
    id_property = body.get("idProperty")
    archived = payload.query_archived(request)
    shown, missing = [], []
    for item in inputs:
        key = _key(item)
        try:
            row = records.find(portal, kind, key, id_property, archived=archived)
        except HubSpotError as exc:
            if exc.status != 404:
                raise
            missing.append(key)
            continue
        shown.append(records.render(row, properties, archived=archived))
    records.add_history(portal, shown, history)
    return _batch_answer(portal, kind, started, shown, missing)


def _batch_answer(portal: Portal, kind: str, started: int, shown: list[dict[str, Any]],
                  missing: list[str]) -> Response:
    """A batch answer: 200, or 207 with an error naming the ids that name no object."""
    errors = [{
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": f"Could not get some {SINGULAR[kind].upper()} objects, they may be "
                   "deleted or not exist. Check that ids are valid.",
        "context": {"ids": missing},
    }] if missing else []
    return json_response(batch(started, portal.now_ms(), shown, errors),
                         207 if errors else 200)


def _key(item: dict[str, Any]) -> str:
    raw = item.get("id")
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise validation(f"Invalid input JSON: id must be a string, was {raw!r}")
    return str(raw)


def _written(body: Any) -> list[str]:
    props = body.get("properties") if isinstance(body, dict) else None
    return list(props) if isinstance(props, dict) else []
