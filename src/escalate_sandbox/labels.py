"""Association labels: the types that link two object types, HubSpot's own and the ones a
portal makes (USER_DEFINED, such as a ticket-to-ticket «Incidente» / «Cliente afectado»)."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request

from . import payload, seed
from .errors import HubSpotError, validation
from .links import HUBSPOT, USER
from .portal import Portal


def listed(portal: Portal, request: Request, kind: str, to_kind: str) -> Any:
    """`GET /crm/associations/{v}/{from}/{to}/labels`: `{results: [{category, typeId,
    label}]}`, HubSpot's default type (no label) first."""
    results: list[dict[str, Any]] = []
    default = seed.ASSOCIATION_TYPES.get((kind, to_kind))
    if default is not None:
        results.append({"category": HUBSPOT, "typeId": default, "label": None})
    results += [{"category": USER, "typeId": label.type_id, "label": label.label}
                for label in portal.store.labels(kind, to_kind)]
    return {"results": results}


def create(portal: Portal, request: Request, kind: str, to_kind: str) -> Any:
    """`POST /crm/associations/{v}/{from}/{to}/labels {label, name, inverseLabel?}`: the
    types made (the label's, then its inverse's); 409 when the name is taken."""
    body = payload.json_body(request)
    label, name, inverse = body.get("label"), body.get("name"), body.get("inverseLabel")
    if not isinstance(label, str) or not label.strip():
        raise validation("label is required and must be a string")
    if not isinstance(name, str) or not name.strip():
        raise validation("name is required and must be a string")
    if inverse is not None and (not isinstance(inverse, str) or not inverse.strip()):
        raise validation("inverseLabel must be a non-empty string")
    made = portal.store.add_label(kind, to_kind, label.strip(), name.strip(),
                                  inverse.strip() if inverse else None)
    if not made:
        raise HubSpotError(409, f"An association label named '{name}' already exists for "
                                f"{kind} to {to_kind}.", "OBJECT_ALREADY_EXISTS")
    return {"results": [{"category": USER, "typeId": m.type_id, "label": m.label}
                        for m in made]}
