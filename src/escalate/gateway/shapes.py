"""HubSpot's JSON, read into the tool's records and written from its values: shared by
`Gateway` and its mixins, so none of them imports another for a helper."""

from __future__ import annotations

import json
from typing import Any

from ..domain.moments import parse_time
from ..domain.records import (
    Association,
    AssociationLabel,
    Contact,
    PortalRules,
    PropertyInfo,
    PropertyRule,
    Ticket,
)

CONTACT_PROPERTIES = ["firstname", "lastname", "email", "phone", "mobilephone"]


def json_answer(response: Any) -> dict[str, Any]:
    """The JSON of an answer read without the client's model objects (much cheaper for
    pages of 200 tickets); the connection goes back to the shared pool."""
    try:
        raw = response.data if hasattr(response, "data") else response.read()
    finally:
        release = getattr(response, "release_conn", None)
        if release is not None:
            release()  # an unread answer would keep its connection
    data = json.loads(raw) if raw else {}
    return data if isinstance(data, dict) else {}


def ticket_from_json(found: dict[str, Any]) -> Ticket:
    p = dict(found.get("properties") or {})
    return Ticket(
        id=str(found.get("id")),
        subject=p.get("subject") or "",
        pipeline=p.get("hs_pipeline") or "",
        stage=p.get("hs_pipeline_stage") or "",
        priority=p.get("hs_ticket_priority"),
        created_at=parse_time(p.get("createdate")),
        closed_at=parse_time(p.get("closed_date")),
        last_client_update=parse_time(p.get("escalate_last_client_update")),
        policy=p.get("escalate_policy"),
        escalate_id=p.get("escalate_id"),
        properties=p,
    )


def contact_from_json(found: dict[str, Any]) -> Contact:
    p = found.get("properties") or {}
    return Contact(id=str(found.get("id")), **{k: (p.get(k) or "") for k in CONTACT_PROPERTIES})


def association_type(type_id: int, category: str = "HUBSPOT_DEFINED") -> dict[str, Any]:
    return {"associationCategory": category, "associationTypeId": type_id}


def inline_association(to_id: str, type_id: int) -> dict[str, Any]:
    """One entry of a create's `associations`: to this object, with this HubSpot-defined type."""
    return {"to": {"id": to_id}, "types": [association_type(type_id)]}


def next_after(answer: dict[str, Any]) -> str | None:
    """The paging cursor of a list or search answer; None on the last page."""
    after = ((answer.get("paging") or {}).get("next") or {}).get("after")
    return str(after) if after else None


def property_info(found: dict[str, Any]) -> PropertyInfo:
    metadata = found.get("modificationMetadata") or {}
    return PropertyInfo(
        name=str(found["name"]), type=str(found.get("type") or ""),
        options=tuple((str(o.get("value")), str(o.get("label")))
                      for o in found.get("options") or [] if not o.get("hidden")),
        unique=bool(found.get("hasUniqueValue")), label=str(found.get("label") or ""),
        field_type=str(found.get("fieldType") or ""),
        read_only=bool(found.get("calculated") or metadata.get("readOnlyValue")),
        external_options=bool(found.get("externalOptions")))


# How the sandbox serves a property an admin made required on the validations API (HubSpot
# documents no rule type for it: hubspot-facts.md, docs/architecture.md).
REQUIRED_RULE = "REQUIRED"


def portal_rules_from_json(answer: dict[str, Any]) -> PortalRules:
    """The property validations answer: each property's rules, and the required ones."""
    rules: dict[str, tuple[PropertyRule, ...]] = {}
    required: list[str] = []
    for found in answer.get("results") or []:
        name = str(found.get("propertyName") or "")
        listed = [PropertyRule(kind=str(r.get("ruleType") or ""),
                               arguments=tuple(str(a) for a in r.get("ruleArguments") or []))
                  for r in found.get("propertyValidationRules") or [] if isinstance(r, dict)]
        if any(rule.kind == REQUIRED_RULE for rule in listed):
            required.append(name)
        kept = tuple(rule for rule in listed if rule.kind != REQUIRED_RULE)
        if name and kept:
            rules[name] = kept
    return PortalRules(rules=rules, required=tuple(required))


def label_from_json(found: dict[str, Any]) -> AssociationLabel:
    return AssociationLabel(category=str(found.get("category") or "HUBSPOT_DEFINED"),
                            type_id=int(found.get("typeId") or 0),
                            label=found.get("label") or None)


def association_from_json(found: dict[str, Any]) -> Association:
    return Association(to_id=str(found.get("toObjectId")),
                       types=tuple(label_from_json(t)
                                   for t in found.get("associationTypes") or []))
