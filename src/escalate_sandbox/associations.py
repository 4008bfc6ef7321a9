"""The associations API: one association (default or labelled), and the batch read that
answers each object's associations with their labels, a page per input."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from . import links, payload, records, seed
from .errors import validation
from .kinds import SINGULAR, TYPE_IDS
from .portal import Portal
from .responses import batch, json_response
from .store import Link

MAX_BATCH = 1000
PAGE = 500  # associations per input in one answer; `after` asks for the next ones


def put_default(portal: Portal, request: Request, kind: str, key: str, to_kind: str,
                to_key: str) -> Any:
    """`PUT /crm/objects/{v}/{from}/{id}/associations/default/{to}/{toId}` (no body)."""
    type_id = seed.ASSOCIATION_TYPES.get((kind, to_kind))
    if type_id is None:
        raise validation(f"No default association between {kind} and {to_kind}")
    started = portal.now_ms()
    with portal.store.write() as db:
        source = records.find(portal, kind, key, None, db)
        target = records.find(portal, to_kind, to_key, None, db)
        links.link(portal, db, kind, source.id, to_kind, target.id, type_id)
    result = {
        "from": {"id": str(source.id)},
        "to": {"id": str(target.id)},
        "associationSpec": {"associationCategory": links.HUBSPOT,
                            "associationTypeId": type_id},
    }
    return batch(started, portal.now_ms(), [result], [])


def put_labelled(portal: Portal, request: Request, kind: str, key: str, to_kind: str,
                 to_key: str) -> Any:
    """`PUT /crm/objects/{v}/{from}/{id}/associations/{to}/{toId}` with an array of
    `{associationCategory, associationTypeId}`: every type given, both ways."""
    specs = payload.json_list(request)
    if not specs:
        raise validation("Invalid input JSON: at least one association type is required")
    types = []
    for spec in specs:
        category = spec.get("associationCategory")
        to_type, type_id = links.target_type(portal, kind, category, spec.get("associationTypeId"))
        if to_type != to_kind:
            raise validation(f"Association type {type_id} does not link {kind} to {to_kind}")
        types.append((type_id, str(category)))
    with portal.store.write() as db:
        source = records.find(portal, kind, key, None, db)
        target = records.find(portal, to_kind, to_key, None, db)
        for type_id, category in types:
            links.link(portal, db, kind, source.id, to_kind, target.id, type_id, category)
    return {"fromObjectTypeId": TYPE_IDS[kind], "fromObjectId": source.id,
            "toObjectTypeId": TYPE_IDS[to_kind], "toObjectId": target.id,
            "labels": [label for label in (_label(portal, t, c) for t, c in types) if label]}


def delete(portal: Portal, request: Request, kind: str, key: str, to_kind: str,
           to_key: str) -> Any:
    """`DELETE /crm/objects/{v}/{from}/{id}/associations/{to}/{toId}`: every association
    between the two, both ways; 204 (none to remove is no error)."""
    with portal.store.write() as db:
        source = records.find(portal, kind, key, None, db)
        target = records.find(portal, to_kind, to_key, None, db)
        portal.store.dissociate(db, (kind, source.id), (to_kind, target.id))
    return Response(status=204)


def batch_read(portal: Portal, request: Request, kind: str, to_kind: str, dated: bool) -> Any:
    """`POST /crm/associations/{v}/{from}/{to}/batch/read {inputs: [{id, after?}]}`: each
    object's associations with their types and labels, `PAGE` per input (then `paging`);
    207 naming the ids without any. The dated version writes `toObjectId` as a string."""
    inputs = payload.batch_inputs(payload.json_body(request), MAX_BATCH)
    started = portal.now_ms()
    wanted: list[tuple[int, int]] = []  # (id, offset)
    for item in inputs:
        raw, after = item.get("id"), item.get("after")
        if not payload.is_object_id(raw):
            raise validation(f"Invalid input id: {raw!r}")
        if after is not None and not payload.is_object_id(after):
            raise validation(f"Invalid input after: {after!r}")
        wanted.append((int(str(raw)), int(str(after or 0))))
    found = portal.store.associations(kind, [i for i, _ in wanted], to_kind)
    names = {label.type_id: label.label for label in portal.store.labels(kind, to_kind)}
    results, missing = [], []
    for from_id, offset in wanted:
        targets = _grouped(found.get(from_id) or [])
        if not targets:
            missing.append(str(from_id))
            continue
        shown = list(targets.items())[offset:offset + PAGE]
        result: dict[str, Any] = {"from": {"id": str(from_id)}, "to": [
            {"toObjectId": str(to_id) if dated else to_id,
             "associationTypes": [{"category": link.category, "typeId": link.type_id,
                                   "label": names.get(link.type_id)} for link in typed]}
            for to_id, typed in shown]}
        if offset + PAGE < len(targets):
            result["paging"] = {"next": {"after": str(offset + PAGE)}}
        results.append(result)
    errors = [{
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
        "message": f"No {to_kind} is associated with {SINGULAR[kind]} {i}.",
        "context": {"fromObjectId": [i]},
    } for i in missing]
    return json_response(batch(started, portal.now_ms(), results, errors),
                         207 if errors else 200)


def _grouped(found: list[Link]) -> dict[int, list[Link]]:
    grouped: dict[int, list[Link]] = {}
    for link in found:
        grouped.setdefault(link.to_id, []).append(link)
    return grouped


def _label(portal: Portal, type_id: int, category: str) -> str | None:
    found = portal.store.label(type_id) if category == links.USER else None
    return found[2].label if found is not None else None
