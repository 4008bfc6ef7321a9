"""The portal a fresh sandbox starts with: pipelines, property definitions, owners, contacts."""

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
    owner: bool = False,
) -> dict[str, Any]:
    """A property definition in the shape the properties API answers (`owner`: a "HubSpot
    user" property, whose values are owner ids)."""
    definition = {
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
        "externalOptions": owner,
        "hubspotDefined": True,
        "modificationMetadata": {
            "archivable": False,
            "readOnlyDefinition": True,
            "readOnlyValue": calculated,
        },
    }
    if owner:
        definition["referencedObjectType"] = "OWNER"
    return definition


def _dt(name: str, label: str, group: str, calculated: bool = False) -> dict[str, Any]:
    return prop(name, label, "datetime", "date", group, calculated=calculated)


def _common(group: str) -> list[dict[str, Any]]:
    return [
        prop("hs_object_id", "Record ID", "number", "number", group, calculated=True),
        _dt("hs_lastmodifieddate", "Last Modified Date", group, calculated=True),
        prop("hubspot_owner_id", "Owner", "enumeration", "select", group, owner=True),
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
        prop("hs_merged_object_ids", "Merged ticket IDs", group="ticketinformation",
             calculated=True),
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
        prop("hs_merged_object_ids", "Merged record IDs", group="contactinformation",
             calculated=True),
    ],
    # Companies: only so that a ticket can be left with a company and no contact, as people
    # leave them; the tool never reads them.
    "companies": [
        *_common("companyinformation"),
        prop("name", "Company name", group="companyinformation"),
        prop("domain", "Company domain name", group="companyinformation"),
        _dt("createdate", "Create Date", "companyinformation"),
    ],
    "notes": [
        *_common("engagement"),
        _dt("hs_timestamp", "Activity date", "engagement"),
        prop("hs_note_body", "Note body", field_type="html", group="engagement"),
        prop("hs_attachment_ids", "Attachment IDs", group="engagement"),
        _dt("hs_createdate", "Create date", "engagement", calculated=True),
    ],
    "tasks": [
        *_common("task"),
        _dt("hs_timestamp", "Due date", "task"),
        prop("hs_task_subject", "Task title", group="task"),
        prop("hs_task_body", "Task notes", field_type="html", group="task"),
        prop("hs_task_status", "Task status", "enumeration", "select", "task", options=[
            ("NOT_STARTED", "Not started"), ("IN_PROGRESS", "In progress"),
            ("WAITING", "Waiting"), ("COMPLETED", "Completed"), ("DEFERRED", "Deferred")]),
        prop("hs_task_priority", "Priority", "enumeration", "select", "task", options=[
            ("NONE", "None"), ("LOW", "Low"), ("MEDIUM", "Medium"), ("HIGH", "High")]),
        prop("hs_task_type", "Task type", "enumeration", "select", "task", options=[
            ("EMAIL", "Email"), ("CALL", "Call"), ("TODO", "To-do")]),
        _dt("hs_task_completion_date", "Completed at", "task", calculated=True),
        _dt("hs_createdate", "Create date", "task", calculated=True),
    ],
}

# What HubSpot refuses a create without ("Some required properties were not set.").
REQUIRED: dict[str, tuple[str, ...]] = {
    "tickets": ("hs_pipeline", "hs_pipeline_stage", "subject"),
    "notes": ("hs_timestamp",),
    "tasks": ("hs_timestamp",),
    "contacts": (),
    "companies": (),
}

PROPERTY_GROUPS: dict[str, list[str]] = {
    "tickets": ["ticketinformation"],
    "contacts": ["contactinformation"],
    "companies": ["companyinformation"],
    "notes": ["engagement"],
    "tasks": ["task"],
}

# The properties `escalate setup` creates; seeded unless the sandbox is started --bare.
TOOL_GROUP = {"name": "escalate", "label": "Escalate", "displayOrder": -1}
TOOL_PROPERTIES: list[dict[str, Any]] = [
    prop("escalate_id", "Escalate ID", group="escalate", unique=True),
    prop("escalate_policy", "Póliza (escalate)", group="escalate"),
    prop("escalate_last_client_update", "Último aviso al cliente", "datetime", "date", "escalate"),
    prop("escalate_agent", "Agente que escaló", "enumeration", "select", "escalate", owner=True),
    prop("escalate_quality", "Calidad de la escalación", "number", "number", "escalate"),
    prop("escalate_affected", "Clientes afectados (incidente)", "number", "number", "escalate"),
]
# The incident labels `escalate setup` makes (label, internal name, inverse label).
INCIDENT_LABELS = ("Incidente", "incidente", "Cliente afectado")
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

# HubSpot users: support agents, and the engineers of the escalation matrix.
OWNERS: list[dict[str, Any]] = [
    {"id": str(9001 + i), "email": email, "firstName": first, "lastName": last,
     "userId": 7001 + i, "type": "PERSON",
     "teams": [{"id": team, "name": name, "primary": True}]}
    for i, (email, first, last, team, name) in enumerate([
        ("soporte@example.com", "Equipo", "Soporte", "501", "Soporte"),
        ("ana.agente@aseguradora.example", "Ana", "Martínez Ruiz", "501", "Soporte"),
        ("luis.agente@aseguradora.example", "Luis", "Pérez Gómez", "501", "Soporte"),
        ("guardia@aseguradora.example", "Rosa", "Jiménez (guardia)", "502", "Ingeniería"),
        ("tech-lead@aseguradora.example", "Jorge", "Castillo Vega", "502", "Ingeniería"),
        ("equipo-app@aseguradora.example", "Equipo", "App Móvil", "502", "Ingeniería"),
    ])
]
OWNERS_CREATED_AT = "2024-01-15T16:00:00.000Z"

# (from type, to type) -> HUBSPOT_DEFINED association type id and its inverse, as the official
# client's hubspot/crm/association_type.py names them (TASK_TO_TICKET = 230, ...).
ASSOCIATION_TYPES: dict[tuple[str, str], int] = {
    ("tickets", "contacts"): 16,
    ("contacts", "tickets"): 15,
    ("tickets", "companies"): 339,  # TICKET_TO_COMPANY (26 is the primary company's)
    ("companies", "tickets"): 340,
    ("notes", "tickets"): 228,
    ("tickets", "notes"): 227,
    ("notes", "contacts"): 202,
    ("contacts", "notes"): 201,
    ("tasks", "contacts"): 204,
    ("contacts", "tasks"): 203,
    ("tasks", "tickets"): 230,
    ("tickets", "tasks"): 229,
}
