"""The property validations API: the rules a portal's admins set on an object type's
properties, which HubSpot enforces on writes from API version 2026-09."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request

from .errors import not_found
from .portal import Portal


def rules(portal: Portal, request: Request, kind: str) -> Any:
    """`GET /crm/property-validations/{v}/{objectTypeId}`: every property with rules."""
    return {"results": [{"propertyName": name, "propertyValidationRules": listed}
                        for name, listed in portal.control.served_rules(kind).items()]}


def rules_of(portal: Portal, request: Request, kind: str, name: str) -> Any:
    """`GET /crm/property-validations/{v}/{objectTypeId}/{propertyName}`: its rules."""
    if name not in portal.store.properties(kind):
        raise not_found(f"Unable to find property {name}")
    return {"results": portal.control.served_rules(kind).get(name, [])}
