"""Associations: inline on creates, the v4 default-association PUT and v4 batch read."""

from __future__ import annotations

import sqlite3
from typing import Any

from werkzeug.wrappers import Request

from . import payload, records, seed
from .errors import HubSpotError, invalid_associations, validation
from .kinds import SINGULAR, object_type
from .portal import Portal
from .responses import batch, json_response

MAX_BATCH = 1000
BY_TYPE_ID = {type_id: pair for pair, type_id in seed.ASSOCIATION_TYPES.items()}


def checked(portal: Portal, db: sqlite3.Connection, from_type: str,
            raw: Any) -> list[tuple[str, int, int]]:
    """The (to type, to id, type id) links an inline `associations` list asks for."""
    links: list[tuple[str, int, int]] = []
    missing: list[str] = []
    for item in payload.objects_list(raw, "associations"):
        to = item.get("to")
        types = item.get("types")
        to_id = to.get("id") if isinstance(to, dict) else None
        if not isinstance(to_id, (str, int)) or isinstance(to_id, bool) \
                or not str(to_id).isdigit() or len(str(to_id)) > 18:
            raise validation(f"Invalid association input: to.id must be an object id, "
                             f"was {to_id!r}")
        for spec in payload.objects_list(types, "associations[].types") or [{}]:
            category = spec.get("associationCategory")
            type_id = spec.get("associationTypeId")
            pair = BY_TYPE_ID.get(type_id) if category == "HUBSPOT_DEFINED" \
                and isinstance(type_id, int) else None
            if pair is None or pair[0] != from_type or not isinstance(type_id, int):
                raise HubSpotError(
                    400, f"{category} {type_id} is not a valid association type id for "
                         f"{from_type}.",
                    "VALIDATION_ERROR",
                    sub_category="crm.associations.INVALID_ASSOCIATION_TYPE",
                )
            if portal.store.get(pair[1], int(to_id), db) is None:
                missing.append(str(to_id))
            links.append((pair[1], int(to_id), type_id))
    if missing:
        raise invalid_associations(list(dict.fromkeys(missing)))
    return links


def link(portal: Portal, db: sqlite3.Connection, from_type: str, from_id: int, to_type: str,
         to_id: int, type_id: int) -> None:
    """Associate both ways, each direction with its own type id."""
    portal.store.associate(db, from_type, from_id, to_type, to_id, type_id)
    inverse = seed.ASSOCIATION_TYPES[(to_type, from_type)]
    portal.store.associate(db, to_type, to_id, from_type, from_id, inverse)


def of(portal: Portal, type_: str, object_id: int, wanted: list[str]) -> dict[str, Any]:
    """The `associations` block of a v3 get: for each asked type that has any, its ids."""
    shown: dict[str, Any] = {}
    for name in wanted:
        to_type = object_type(name)
        pairs = portal.store.associations(type_, [object_id], to_type)[object_id]
        if pairs:
            label = f"{SINGULAR[type_]}_to_{SINGULAR[to_type]}"
            shown[to_type] = {"results": [{"id": str(t), "type": label} for t, _ in pairs]}
    return shown


def put_default(portal: Portal, request: Request, kind: str, key: str, to_kind: str,
                to_key: str) -> Any:
    """`PUT /crm/v4/objects/{from}/{id}/associations/default/{to}/{toId}`."""
    type_id = seed.ASSOCIATION_TYPES.get((kind, to_kind))
    if type_id is None:
        raise validation(f"No default association between {kind} and {to_kind}")
    started = portal.now_ms()
    with portal.store.write() as db:
        source = records.find(portal, kind, key, None, db)
        target = records.find(portal, to_kind, to_key, None, db)
        link(portal, db, kind, source.id, to_kind, target.id, type_id)
    result = {
        "from": {"id": str(source.id)},
        "to": {"id": str(target.id)},
        "associationSpec": {"associationCategory": "HUBSPOT_DEFINED",
                            "associationTypeId": type_id},
    }
    return batch(started, portal.now_ms(), [result], [])


def batch_read(portal: Portal, request: Request, kind: str, to_kind: str) -> Any:
    """`POST /crm/v4/associations/{from}/{to}/batch/read`: 207 naming ids without any."""
    inputs = payload.batch_inputs(payload.json_body(request), MAX_BATCH)
    started = portal.now_ms()
    ids = []
    for item in inputs:
        raw = item.get("id")
        if isinstance(raw, bool) or not isinstance(raw, (str, int)) \
                or not str(raw).isdigit() or len(str(raw)) > 18:
            raise validation(f"Invalid input id: {raw!r}")
        ids.append(int(raw))
    found = portal.store.associations(kind, ids, to_kind)
    results, missing = [], []
    for from_id in ids:
        pairs = found.get(from_id) or []
        if not pairs:
            missing.append(str(from_id))
            continue
        grouped: dict[int, list[int]] = {}
        for to_id, type_id in pairs:
            grouped.setdefault(to_id, []).append(type_id)
        results.append({
            "from": {"id": str(from_id)},
            "to": [
                {"toObjectId": to_id,
                 "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": t,
                                       "label": None} for t in types]}
                for to_id, types in grouped.items()
            ],
        })
    errors = [{
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
        "message": f"No {to_kind} is associated with {SINGULAR[kind]} {i}.",
        "context": {"fromObjectId": [i]},
    } for i in missing]
    return json_response(batch(started, portal.now_ms(), results, errors),
                         207 if errors else 200)

