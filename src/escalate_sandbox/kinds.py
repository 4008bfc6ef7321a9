"""The CRM object types the sandbox keeps, their names in paths and their default properties."""

from __future__ import annotations

from werkzeug.routing import BaseConverter

from .errors import HubSpotError

OBJECT_TYPES = ("contacts", "companies", "tickets", "notes", "tasks")
SINGULAR = {"contacts": "contact", "companies": "company", "tickets": "ticket", "notes": "note",
            "tasks": "task"}
TYPE_IDS = {"contacts": "0-1", "companies": "0-2", "tickets": "0-5", "notes": "0-46",
            "tasks": "0-27"}
ALIASES = {**{type_id: name for name, type_id in TYPE_IDS.items()},
           **{singular: name for name, singular in SINGULAR.items()}}

DEFAULT_PROPERTIES = {
    "tickets": ["content", "createdate", "hs_lastmodifieddate", "hs_object_id", "hs_pipeline",
                "hs_pipeline_stage", "hs_ticket_category", "hs_ticket_priority", "subject"],
    "contacts": ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate",
                 "lastname"],
    "companies": ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"],
    "notes": ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
    "tasks": ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
}
ALWAYS_RETURNED = {
    "tickets": ["createdate", "hs_lastmodifieddate", "hs_object_id"],
    "contacts": ["createdate", "lastmodifieddate", "hs_object_id"],
    "companies": ["createdate", "hs_lastmodifieddate", "hs_object_id"],
    "notes": ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
    "tasks": ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
}


def object_type(name: str) -> str:
    """The plural API name for a path segment (`0-5`, `ticket`, `tickets`)."""
    resolved = ALIASES.get(name.lower(), name.lower())
    if resolved not in OBJECT_TYPES:
        raise HubSpotError(400, f"Unable to infer object type from: {name}", "VALIDATION_ERROR")
    return resolved


class ObjectTypeConverter(BaseConverter):
    """`<object:kind>` in a route: any spelling HubSpot takes, as its plural name."""

    def to_python(self, value: str) -> str:
        return object_type(value)
