"""Objects with a past: the seed, demo tickets to practise on, and `POST /_sandbox/history`.

Each record is created at its own time and then changed at the times given, through the
same write rules as the API, so its create date, stage dates and property history read
back as HubSpot would have recorded them.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from werkzeug.wrappers import Request

from . import payload, records, seed
from .errors import validation
from .kinds import object_type
from .portal import Portal
from .values import parse_datetime_ms

MAX_RECORDS = 100_000
HOUR_MS = 3_600_000


def reset(portal: Portal) -> None:
    """Back to the seed: schema, pipeline, demo contacts (and demo tickets when asked)."""
    with portal.store.write() as db:
        portal.store.reset(db)
        now = portal.now_ms()
        for contact in seed.CONTACTS:
            records.create(portal, db, "contacts", {"properties": contact}, now)
        if portal.demo_tickets:
            seed_records(portal, db, "tickets", demo_tickets(now, tool=not portal.store.bare))
    if portal.demo_tickets and not portal.store.bare:
        # The practice portal is one `escalate setup` prepared: its ticket-to-ticket labels
        # for incidents too, as its tool properties (seed.TOOL_PROPERTIES).
        portal.store.add_label("tickets", "tickets", *seed.INCIDENT_LABELS)
    with portal.lock:
        portal.indexes.clear()


def seed_if_new(portal: Portal) -> None:
    with portal.store.read() as db:
        seeded = portal.store.seeded(db)
    if not seeded:
        reset(portal)


def post(portal: Portal, request: Request) -> Any:
    """`POST /_sandbox/history {"object", "records": [{"properties", "created_at",
    "associations", "changes": [{"at", "properties"}]}]}`: `{"ids": [...]}`, one
    transaction for every record."""
    body = payload.json_body(request)
    kind = body.get("object", "tickets")
    if not isinstance(kind, str):
        raise validation("object must be an object type such as tickets")
    kind = object_type(kind)
    items = payload.objects_list(body.get("records"), "records")
    if len(items) > MAX_RECORDS:
        raise validation(f"At most {MAX_RECORDS} records per request")
    with portal.store.write() as db:
        ids = seed_records(portal, db, kind, items)
    return {"ids": [str(i) for i in ids]}


def seed_records(portal: Portal, db: sqlite3.Connection, kind: str,
                 items: list[dict[str, Any]]) -> list[int]:
    now = portal.now_ms()
    ids = []
    for item in items:
        created = _moment(item.get("created_at"), "created_at", now)
        changes = payload.objects_list(item.get("changes"), "changes")
        timed = sorted(((_moment(c.get("at"), "changes[].at", now), c) for c in changes),
                       key=lambda pair: pair[0])
        row = records.create(portal, db, kind, {
            "properties": item.get("properties"),
            "associations": _associations(kind, item.get("associations")),
        }, created)
        for at, change in timed:
            row = records.update(portal, db, row, change.get("properties"), at)
        ids.append(row.id)
    return ids


def _moment(raw: Any, name: str, default: int) -> int:
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise validation(f"{name} must be an ISO 8601 date or epoch milliseconds")
    ms = parse_datetime_ms(str(raw))
    if ms is None:
        raise validation(f"{name} must be an ISO 8601 date or epoch milliseconds, was {raw!r}")
    return ms


def _associations(kind: str, raw: Any) -> Any:
    """The API's inline list as is, or `{"contacts": ["1001"]}` with default type ids."""
    if not isinstance(raw, dict):
        return raw
    links = []
    for name, ids in raw.items():
        to_kind = object_type(name)
        type_id = seed.ASSOCIATION_TYPES.get((kind, to_kind))
        if type_id is None:
            raise validation(f"No default association between {kind} and {to_kind}")
        for to_id in ids if isinstance(ids, list) else [ids]:
            links.append({"to": {"id": to_id}, "types": [
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}]})
    return links


def demo_tickets(now: int, *, tool: bool) -> list[dict[str, Any]]:
    """Escalations on the demo contacts for `escalate --sandbox followup` to find: two
    unresolved past 48 h, one resolved without telling the client, one still in time."""

    def ago(hours: float) -> str:
        return str(now - int(hours * HOUR_MS))

    def ticket(policy: str, client: str, priority: str, contact: str, hours: float,
               what: str, where: str, **extra: str) -> dict[str, Any]:
        props = {"subject": f"{policy} - {client}", "hs_pipeline": "0", "hs_pipeline_stage": "2",
                 "hs_ticket_priority": priority,
                 "content": f"QUÉ: {what}\nCÓMO: Lo reportó por teléfono\nDÓNDE: {where}"}
        if tool:  # escalated by the seeded agent Ana (ana.agente@aseguradora.example)
            props.update(escalate_policy=policy, escalate_id=f"demo-{policy.lower()}",
                         escalate_agent=_owner("ana.agente@aseguradora.example"))
        return {"properties": props, "created_at": ago(hours),
                "associations": {"contacts": [contact]}, **extra}

    return [
        ticket("POL-DEMO-1", "Ana López", "HIGH", "1001", 72,
               "El endoso no guarda el cambio de placa", "Portal web, endosos"),
        {**ticket("POL-DEMO-2", "José Luis Hernández", "URGENT", "1002", 100,
                  "La app cierra al pagar la póliza", "App móvil, pagos"),
         "changes": [{"at": ago(60), "properties": (
             {"escalate_last_client_update": ago(60)} if tool else {"hs_ticket_priority":
                                                                     "URGENT"})}]},
        {**ticket("POL-DEMO-3", "María Fernanda García", "MEDIUM", "1003", 120,
                  "No llega el correo con la póliza renovada", "Correo de renovación"),
         "changes": [{"at": ago(20), "properties": {"hs_pipeline_stage": "4"}}]},
        ticket("POL-DEMO-4", "Carlos Ramírez", "LOW", "1004", 10,
               "El recibo muestra otra dirección", "Portal web, recibos"),
    ]


def _owner(email: str) -> str:
    return next(str(o["id"]) for o in seed.OWNERS if o["email"] == email)
