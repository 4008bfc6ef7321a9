"""Merging two objects: the primary stays, and the merged one's id answers with it."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request

from . import payload, records
from .errors import validation
from .portal import Portal

MERGEABLE = ("tickets", "contacts")


def merge(portal: Portal, request: Request, kind: str) -> Any:
    """`POST /crm/objects/{v}/{type}/merge {primaryObjectId, objectIdToMerge}`: the primary
    as it reads after the merge."""
    if kind not in MERGEABLE:
        raise validation(f"Merging is not supported for {kind}")
    body = payload.json_body(request)
    primary_id, merged_id = body.get("primaryObjectId"), body.get("objectIdToMerge")
    for name, raw in (("primaryObjectId", primary_id), ("objectIdToMerge", merged_id)):
        if not payload.is_object_id(raw):
            raise validation(f"{name} must be an object id, was {raw!r}")
    with portal.store.write() as db:
        primary = records.find(portal, kind, str(primary_id), None, db)
        merged = records.find(portal, kind, str(merged_id), None, db)
        if primary.id == merged.id:
            raise validation(f"Cannot merge {kind} {merged_id} into itself")
        row = records.merge(portal, db, primary, merged, portal.now_ms())
    return records.render(row, None)
