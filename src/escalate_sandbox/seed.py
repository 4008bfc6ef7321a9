"""The portal a fresh sandbox starts with: pipelines, property definitions, demo contacts."""

from __future__ import annotations

from typing import Any

PORTAL_ID = 48151623
TIME_ZONE = "America/Mexico_City"

TICKET_PIPELINE: dict[str, Any] = {
    "id": "0",
    "label": "Soporte",
    "displayOrder": 0,
    "stages": [
        {"id": "1", "label": "Nuevo", "displayOrder": 0, "metadata": {"ticketState": "OPEN"}},
        {"id": "2", "label": "Tech Issues", "displayOrder": 1, "metadata": {"ticketState": "OPEN"}},
        {"id": "3", "label": "En espera", "displayOrder": 2, "metadata": {"ticketState": "OPEN"}},
        {"id": "4", "label": "Cerrado", "displayOrder": 3, "metadata": {"ticketState": "CLOSED"}},
    ],
}


def prop(
    name: str,
    label: str,
    type_: str = "string",
    field_type: str = "text",
    group: str = "ticketinformation",
    *,
    options: list[tuple[str, str]] | None = None,
    calculated: bool = False,
    unique: bool = False,
) -> dict[str, Any]:
    """A property definition in the shape the properties API answers."""
    return {
        "name": name,
        "label": label,
        "type": type_,
        "fieldType": field_type,
        "groupName": group,
        "description": "",
        "options": [
            {"label": lbl, "value": val, "displayOrder": i, "hidden": False}
            for i, (val, lbl) in enumerate(options or [])
        ],
        "calculated": calculated,
        "hasUniqueValue": unique,
        "hidden": False,
        "formField": not calculated,
        "externalOptions": False,
        "hubspotDefined": True,
        "modificationMetadata": {
            "archivable": False,
            "readOnlyDefinition": True,
            "readOnlyValue": calculated,
        },
    }


def _dt(name: str, label: str, group: str, calculated: bool = False) -> dict[str, Any]:
    return prop(name, label, "datetime", "date", group, calculated=calculated)


def _common(group: str) -> list[dict[str, Any]]:
    return [
        prop("hs_object_id", "Record ID", "number", "number", group, calculated=True),
        _dt("hs_lastmodifieddate", "Last Modified Date", group, calculated=True),
        prop("hubspot_owner_id", "Owner", "enumeration", "select", group),
    ]


PROPERTIES: dict[str, list[dict[str, Any]]] = {
    "tickets": [
        *_common("ticketinformation"),
        prop("subject", "Ticket name"),
        prop("content", "Ticket description", field_type="textarea"),
        prop("hs_pipeline", "Pipeline", "enumeration", "select"),
        prop("hs_pipeline_stage", "Ticket status", "enumeration", "select"),
        prop(
            "hs_ticket_priority",
            "Priority",
            "enumeration",
            "select",
            options=[("LOW", "Low"), ("MEDIUM", "Medium"), ("HIGH", "High"), ("URGENT", "Urgent")],
        ),
        prop(
            "hs_ticket_category",
            "Category",
            "enumeration",
            "checkbox",
            options=[
                ("PRODUCT_ISSUE", "Product issue"),
                ("BILLING_ISSUE", "Billing issue"),
                ("FEATURE_REQUEST", "Feature request"),
                ("GENERAL_INQUIRY", "General inquiry"),
            ],
        ),
        prop(
            "source_type",
            "Source",
            "enumeration",
            "select",
            options=[("CHAT", "Chat"), ("EMAIL", "Email"), ("FORM", "Form"), ("PHONE", "Phone")],
        ),
        _dt("createdate", "Create date", "ticketinformation"),
        _dt("closed_date", "Close date", "ticketinformation"),
        _dt("hs_lastactivitydate", "Last activity date", "ticketinformation", calculated=True),
    ],
    "contacts": [
        *_common("contactinformation"),
        prop("email", "Email", group="contactinformation", unique=True),
        prop("firstname", "First Name", group="contactinformation"),
        prop("lastname", "Last Name", group="contactinformation"),
        prop("phone", "Phone Number", field_type="phonenumber", group="contactinformation"),
        prop("mobilephone", "Mobile Phone Number", field_type="phonenumber",
              group="contactinformation"),
        prop("hs_searchable_calculated_phone_number", "Phone number (searchable)",
              group="contactinformation", calculated=True),
        prop("hs_searchable_calculated_mobile_number", "Mobile number (searchable)",
              group="contactinformation", calculated=True),
        _dt("createdate", "Create Date", "contactinformation"),
        _dt("lastmodifieddate", "Last Modified Date", "contactinformation", calculated=True),
    ],
    "notes": [
        *_common("engagement"),
        _dt("hs_timestamp", "Activity date", "engagement"),
        prop("hs_note_body", "Note body", field_type="html", group="engagement"),
        prop("hs_attachment_ids", "Attachment IDs", group="engagement"),
        _dt("hs_createdate", "Create date", "engagement", calculated=True),
    ],
}

PROPERTY_GROUPS: dict[str, list[str]] = {
    "tickets": ["ticketinformation"],
    "contacts": ["contactinformation"],
    "notes": ["engagement"],
}

# The properties `escalate setup` creates; seeded unless the sandbox is started --bare.
TOOL_GROUP = {"name": "escalate", "label": "Escalate", "displayOrder": -1}
TOOL_PROPERTIES: list[dict[str, Any]] = [
    prop("escalate_id", "Escalate ID", group="escalate", unique=True),
    prop("escalate_policy", "Póliza (escalate)", group="escalate"),
    prop("escalate_last_client_update", "Último aviso al cliente", "datetime", "date", "escalate"),
]
for _p in TOOL_PROPERTIES:
    _p["hubspotDefined"] = False

CONTACTS: list[dict[str, str]] = [
    {"firstname": "Ana", "lastname": "López", "email": "ana.lopez@example.com",
     "phone": "+52 55 1234 5678"},
    {"firstname": "José Luis", "lastname": "Hernández", "email": "jl.hernandez@example.com",
     "phone": "(33) 3812-4567", "mobilephone": "+52 33 1987 6543"},
    {"firstname": "María Fernanda", "lastname": "García", "email": "mafer.garcia@example.com",
     "mobilephone": "8112345678"},
    {"firstname": "Carlos", "lastname": "Ramírez", "email": "carlos.ramirez@example.com",
     "phone": "55-8765-4321"},
    # Two relatives sharing the house phone: a phone lookup must be ambiguous here.
    {"firstname": "Lucía", "lastname": "Ortega", "email": "lucia.ortega@example.com",
     "phone": "+52 (222) 555 0101"},
    {"firstname": "Ramón", "lastname": "Ortega", "email": "ramon.ortega@example.com",
     "phone": "222 555 0101"},
]

OWNERS: list[dict[str, Any]] = [
    {"id": "9001", "email": "soporte@example.com", "firstName": "Equipo", "lastName": "Soporte",
     "userId": 7001, "type": "PERSON"},
]

# (from type, to type) -> HUBSPOT_DEFINED association type id and its inverse.
ASSOCIATION_TYPES: dict[tuple[str, str], int] = {
    ("tickets", "contacts"): 16,
    ("contacts", "tickets"): 15,
    ("notes", "tickets"): 228,
    ("tickets", "notes"): 227,
    ("notes", "contacts"): 202,
    ("contacts", "notes"): 201,
}
