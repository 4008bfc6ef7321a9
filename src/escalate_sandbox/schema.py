"""The properties API: what objects can hold."""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Request, Response

from . import payload, seed
from .errors import HubSpotError, not_found, validation
from .portal import Portal
from .responses import json_response
from .values import iso_ms

PROPERTY_TYPES = {
    "string": {"text", "textarea", "html", "phonenumber", "file", "select"},
    "number": {"number", "calculation_equation"},
    "date": {"date"},
    "datetime": {"date"},
    "enumeration": {"select", "radio", "checkbox", "booleancheckbox"},
    "bool": {"booleancheckbox"},
}
STAMP = iso_ms(0)


def properties(portal: Portal, request: Request, kind: str) -> Any:
    return {"results": [public(p) for p in portal.store.properties(kind).values()]}


def property_(portal: Portal, request: Request, kind: str, name: str) -> Any:
    found = portal.store.properties(kind).get(name)
    if found is None:
        raise not_found(f"Unable to find property {name}")
    return public(found)


def public(definition: dict[str, Any]) -> dict[str, Any]:
    """A definition as HubSpot shows it: created and updated at the epoch, not archived."""
    return {**definition, "createdAt": STAMP, "updatedAt": STAMP, "archived": False}


def update_property(portal: Portal, request: Request, kind: str, name: str) -> Any:
    """`PATCH /crm/properties/{v}/{type}/{name}`: a new label, description or list of options
    (an admin adds a priority level of the portal's own); its type and name stay."""
    found = portal.store.properties(kind).get(name)
    if found is None:
        raise not_found(f"Unable to find property {name}")
    body = payload.json_body(request)
    fixed = sorted(k for k in ("name", "type", "hasUniqueValue") if k in body
                   and body[k] != found.get(k))
    if fixed:
        raise validation(f"{', '.join(fixed)} of property {name} cannot be changed")
    changed = dict(found)
    for field in ("label", "description"):
        if field in body:
            if not isinstance(body[field], str):
                raise validation(f"{field} must be a string")
            changed[field] = body[field]
    if "options" in body:
        options = _options(body["options"])
        changed["options"] = [{"label": o["label"], "value": o["value"],
                               "displayOrder": o.get("displayOrder", n),
                               "hidden": bool(o.get("hidden", False))}
                              for n, o in enumerate(options)]
    portal.store.replace_property(kind, changed)
    return public(changed)


def create_property(portal: Portal, request: Request, kind: str) -> Response:
    body = payload.json_body(request)
    name, type_ = _new_property_shape(portal, kind, body)
    unique = body.get("hasUniqueValue", False)
    if not isinstance(unique, bool):
        raise validation("hasUniqueValue must be a boolean")
    if unique and type_ != "string":
        raise validation("Only string properties can require unique values")
    options = _options(body.get("options"))
    description = body.get("description", "")
    if not isinstance(description, str):
        raise validation("description must be a string")
    referenced = body.get("referencedObjectType")
    if referenced is not None and referenced != "OWNER":
        raise validation(f"referencedObjectType {referenced!r} is not supported here: OWNER")
    definition = seed.prop(name, body["label"], type_, body["fieldType"], body["groupName"],
                           options=[(o["value"], o["label"]) for o in options], unique=unique,
                           owner=referenced == "OWNER")
    definition.update(description=description, hubspotDefined=False)
    if not portal.store.add_property(kind, definition):
        raise HubSpotError(409, f"Property named '{name}' already exists.",
                           "OBJECT_ALREADY_EXISTS")
    return json_response(public(definition), 201)


def _new_property_shape(portal: Portal, kind: str, body: dict[str, Any]) -> tuple[str, str]:
    """A new property's name and type, once its required strings, its name's form, its
    field type and its group are checked."""
    fields = ("name", "label", "type", "fieldType", "groupName")
    problems = [f"{field} is required" for field in fields if not body.get(field)]
    problems += [f"{field} must be a string" for field in fields
                 if body.get(field) and not isinstance(body[field], str)]
    if problems:
        raise validation("; ".join(problems))
    name, type_, field_type = body["name"], body["type"], body["fieldType"]
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,99}", name):
        raise validation(f"Property name {name!r} must start with a letter and hold only "
                         "lowercase letters, digits and underscores.")
    if field_type not in PROPERTY_TYPES.get(type_, set()):
        raise validation(f"fieldType {field_type!r} is not valid for type {type_!r}")
    if body["groupName"] not in portal.store.groups(kind):
        raise validation(f"Property group {body['groupName']!r} does not exist")
    return name, type_


def _options(raw: Any) -> list[dict[str, Any]]:
    """An enumeration's options as written: each a string value and label."""
    options = payload.objects_list(raw, "options")
    if not all(isinstance(o.get("value"), str) and isinstance(o.get("label"), str)
               for o in options):
        raise validation("Each option needs a string value and label")
    return options


def groups(portal: Portal, request: Request, kind: str) -> Any:
    return {"results": [{**g, "archived": False} for g in portal.store.groups(kind).values()]}


def create_group(portal: Portal, request: Request, kind: str) -> Response:
    body = payload.json_body(request)
    name, label = body.get("name"), body.get("label")
    if not isinstance(name, str) or not name or not isinstance(label, str) or not label:
        raise validation("name and label are required strings")
    order = payload.integer(body.get("displayOrder"), "displayOrder", -1, low=-1, high=10**6)
    group = {"name": name, "label": label, "displayOrder": order}
    if not portal.store.add_group(kind, group):
        raise HubSpotError(409, f"A property group named '{name}' already exists.",
                           "OBJECT_ALREADY_EXISTS")
    return json_response({**group, "archived": False}, 201)
