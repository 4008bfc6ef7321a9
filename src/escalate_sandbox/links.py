"""Association rules shared by every write: which type ids link which object types, the
inline `associations` of a create, and storing a link both ways.

Kept apart from the associations API (`associations.py`), which reads objects through
`records`: records needs these rules, and neither imports the other.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from . import payload, seed
from .errors import HubSpotError, invalid_associations, validation
from .kinds import SINGULAR, object_type
from .portal import Portal

HUBSPOT = "HUBSPOT_DEFINED"
USER = "USER_DEFINED"
BY_TYPE_ID = {type_id: pair for pair, type_id in seed.ASSOCIATION_TYPES.items()}


def target_type(portal: Portal, from_type: str, category: Any,
                type_id: Any) -> tuple[str, int]:
    """The object type an association type leads to from `from_type`, and the type id;
    HubSpot's 400 when the category and id are not a type of that object."""
    pair: tuple[str, str] | None = None
    if isinstance(type_id, int) and not isinstance(type_id, bool):
        if category == HUBSPOT:
            pair = BY_TYPE_ID.get(type_id)
        elif category == USER:
            found = portal.store.label(type_id)
            pair = (found[0], found[1]) if found is not None else None
    if pair is None or pair[0] != from_type:
        raise HubSpotError(
            400, f"{category} {type_id} is not a valid association type id for {from_type}.",
            "VALIDATION_ERROR", sub_category="crm.associations.INVALID_ASSOCIATION_TYPE")
    return pair[1], int(type_id)


def checked(portal: Portal, db: sqlite3.Connection, from_type: str,
            raw: Any) -> list[tuple[str, int, int, str]]:
    """The (to type, to id, type id, category) links an inline `associations` list asks for."""
    links: list[tuple[str, int, int, str]] = []
    missing: list[str] = []
    for item in payload.objects_list(raw, "associations"):
        to = item.get("to")
        to_id = to.get("id") if isinstance(to, dict) else None
        if not payload.is_object_id(to_id):
            raise validation(f"Invalid association input: to.id must be an object id, "
                             f"was {to_id!r}")
        for spec in payload.objects_list(item.get("types"), "associations[].types") or [{}]:
            category, type_id = spec.get("associationCategory"), spec.get("associationTypeId")
            to_type, checked_id = target_type(portal, from_type, category, type_id)
            if portal.store.get(to_type, int(str(to_id)), db) is None:
                missing.append(str(to_id))
            links.append((to_type, int(str(to_id)), checked_id, str(category)))
    if missing:
        raise invalid_associations(list(dict.fromkeys(missing)))
    return links


def link(portal: Portal, db: sqlite3.Connection, from_type: str, from_id: int, to_type: str,
         to_id: int, type_id: int, category: str = HUBSPOT) -> None:
    """Associate both ways, each direction with its own type id."""
    portal.store.associate(db, from_type, from_id, to_type, to_id, type_id, category)
    if category == USER:
        found = portal.store.label(type_id)
        inverse = found[2].inverse if found is not None else type_id
    else:
        inverse = seed.ASSOCIATION_TYPES[(to_type, from_type)]
    portal.store.associate(db, to_type, to_id, from_type, from_id, inverse, category)


def of(portal: Portal, type_: str, object_id: int, wanted: list[str]) -> dict[str, Any]:
    """The `associations` block of an object read: for each asked type that has any, its ids."""
    shown: dict[str, Any] = {}
    for name in wanted:
        to_type = object_type(name)
        links = portal.store.associations(type_, [object_id], to_type)[object_id]
        if links:
            label = f"{SINGULAR[type_]}_to_{SINGULAR[to_type]}"
            ids = dict.fromkeys(link.to_id for link in links)
            shown[to_type] = {"results": [{"id": str(t), "type": label} for t in ids]}
    return shown
