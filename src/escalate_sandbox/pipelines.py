"""The pipelines API: the ticket pipelines and their stages, read, added and deleted.

A stage deleted while tickets sit in it leaves them there: the legacy path (v3) deletes it
regardless, and 2026-09 does too when told not to check its references
(`validateReferencesBeforeDelete=false`); by default 2026-09 refuses (hubspot-facts.md).
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from . import payload, schema
from .errors import HubSpotError, not_found, validation
from .portal import Portal
from .responses import json_response

TICKET_STATES = ("OPEN", "CLOSED")


def pipelines(portal: Portal, request: Request, kind: str) -> Any:
    return {"results": [_public(p) for p in portal.store.pipelines(kind)]}


def pipeline(portal: Portal, request: Request, kind: str, pipeline_id: str) -> Any:
    return _public(_find(portal, kind, pipeline_id))


def create_pipeline(portal: Portal, request: Request, kind: str) -> Response:
    """`POST /crm/pipelines/{v}/{type}` `{label, displayOrder, stages: [...]}`: 201."""
    body = payload.json_body(request)
    label = _label(body)
    if any(p["label"].casefold() == label.casefold() for p in portal.store.pipelines(kind)):
        raise HubSpotError(409, f"A pipeline labelled '{label}' already exists.",
                           "OBJECT_ALREADY_EXISTS")
    stages = payload.objects_list(body.get("stages"), "stages")
    if not stages:
        raise validation("A pipeline needs at least one stage")
    ids = portal.store.new_pipeline_ids(kind, len(stages) + 1)
    made = {"id": ids[0], "label": label, "displayOrder": _order(body),
            "stages": [_stage(kind, raw, stage_id) for raw, stage_id in zip(stages, ids[1:],
                                                                            strict=True)]}
    portal.store.put_pipeline(kind, made)
    return json_response(_public(made), 201)


def create_stage(portal: Portal, request: Request, kind: str, pipeline_id: str) -> Response:
    """`POST /crm/pipelines/{v}/{type}/{pipelineId}/stages` `{label, displayOrder,
    metadata: {ticketState}}`: 201 with the stage."""
    found = _find(portal, kind, pipeline_id)
    stage = _stage(kind, payload.json_body(request), portal.store.new_pipeline_ids(kind, 1)[0])
    if any(s["label"].casefold() == stage["label"].casefold() for s in found["stages"]):
        raise validation(f"A stage labelled '{stage['label']}' already exists in pipeline "
                         f"{pipeline_id}")
    portal.store.put_pipeline(kind, {**found, "stages": [*found["stages"], stage]})
    return json_response(_public_stage(stage), 201)


def delete_stage(portal: Portal, request: Request, kind: str, pipeline_id: str,
                 stage_id: str, dated: bool) -> Response:
    """`DELETE /crm/pipelines/{v}/{type}/{pipelineId}/stages/{stageId}`: 204. On 2026-09 a
    stage that tickets still sit in is refused unless `validateReferencesBeforeDelete=false`;
    the legacy path deletes it regardless, and the tickets keep its id."""
    found = _find(portal, kind, pipeline_id)
    if not any(s["id"] == stage_id for s in found["stages"]):
        raise not_found(f"Unable to find stage {stage_id} in pipeline {pipeline_id}")
    if len(found["stages"]) == 1:
        raise validation("A pipeline needs at least one stage")
    check = (request.args.get("validateReferencesBeforeDelete") or "true").lower() != "false"
    if dated and check:
        used = portal.store.count_in_stage(kind, pipeline_id, stage_id)
        if used:
            raise validation(f"Stage {stage_id} is in use by {used} {kind}: move them to "
                             "another stage first, or set validateReferencesBeforeDelete "
                             "to false")
    portal.store.put_pipeline(kind, {**found, "stages": [s for s in found["stages"]
                                                         if s["id"] != stage_id]})
    return Response(status=204)


def _find(portal: Portal, kind: str, pipeline_id: str) -> dict[str, Any]:
    for found in portal.store.pipelines(kind):
        if found["id"] == pipeline_id:
            return found
    raise not_found(f"Unable to find pipeline {pipeline_id}")


def _label(body: dict[str, Any]) -> str:
    label = body.get("label")
    if not isinstance(label, str) or not label.strip():
        raise validation("label is required and must be a string")
    return label.strip()


def _order(body: dict[str, Any]) -> int:
    return payload.integer(body.get("displayOrder"), "displayOrder", 0, low=-1, high=10**6)


def _stage(kind: str, body: dict[str, Any], stage_id: str) -> dict[str, Any]:
    """A stage definition; a ticket stage must say whether it is open or closed."""
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise validation("metadata must be an object")
    state = metadata.get("ticketState")
    if kind == "tickets" and state not in TICKET_STATES:
        raise validation("metadata.ticketState must be OPEN or CLOSED for a ticket stage, "
                         f"was {state!r}")
    return {"id": stage_id, "label": _label(body), "displayOrder": _order(body),
            "metadata": {str(k): str(v) for k, v in metadata.items()}}


def _public(found: dict[str, Any]) -> dict[str, Any]:
    return {**schema.public(found), "stages": [_public_stage(s) for s in found["stages"]]}


def _public_stage(stage: dict[str, Any]) -> dict[str, Any]:
    return {**schema.public(stage), "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT"}
