"""The same jobs as `escalate`, written the way HubSpot's documentation shows them.

The benchmark's baseline: the official `hubspot-api-client`, one API object per API
(reused, as the client's README recommends), each call as in HubSpot's API reference
examples for Python. No cache, no concurrency, no retries beyond the client's own.

    python benchmarks/naive.py create POLICY CLIENT EMAIL PRIORITY TEXT
    python benchmarks/naive.py attach TICKET_ID FILE...
    python benchmarks/naive.py followup HOURS

HUBSPOT_ACCESS_TOKEN and HUBSPOT_BASE_URL come from the environment. Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from hubspot import HubSpot
from hubspot.crm.contacts import Filter, FilterGroup, PublicObjectSearchRequest
from hubspot.crm.objects.notes import SimplePublicObjectInputForCreate as NoteInput
from hubspot.crm.tickets import SimplePublicObjectInputForCreate as TicketInput

client = HubSpot(access_token=os.environ["HUBSPOT_ACCESS_TOKEN"],
                 host=os.environ.get("HUBSPOT_BASE_URL", "https://api.hubapi.com"))


def create(policy: str, name: str, email: str, priority: str, text: str) -> dict[str, Any]:
    """Find the contact, find the stage, create the ticket, associate it to the contact."""
    contacts = client.crm.contacts.search_api
    found = contacts.do_search(public_object_search_request=PublicObjectSearchRequest(
        filter_groups=[FilterGroup(filters=[
            Filter(property_name="email", operator="EQ", value=email)])],
        properties=["firstname", "lastname", "email", "phone"], limit=1))
    if not found.results:
        raise SystemExit(f"no contact {email}")
    contact_id = found.results[0].id
    pipelines = client.crm.pipelines.pipelines_api.get_all(object_type="tickets")
    pipeline, stage = next((p.id, s.id) for p in pipelines.results for s in p.stages
                           if s.label == "Tech Issues")
    ticket = client.crm.tickets.basic_api.create(
        simple_public_object_input_for_create=TicketInput(properties={
            "subject": f"{policy} - {name}", "content": text, "hs_pipeline": pipeline,
            "hs_pipeline_stage": stage, "hs_ticket_priority": priority}))
    client.crm.associations.v4.basic_api.create_default(
        from_object_type="tickets", from_object_id=ticket.id,
        to_object_type="contacts", to_object_id=contact_id)
    return {"id": ticket.id}


def attach(ticket_id: str, paths: list[str]) -> dict[str, Any]:
    """Read the ticket's contact, upload each file, then one note on ticket and contact."""
    ticket = client.crm.tickets.basic_api.get_by_id(ticket_id=ticket_id,
                                                    associations=["contacts"])
    links = (ticket.associations or {}).get("contacts")
    contact_ids = [a.id for a in links.results] if links else []
    file_ids = []
    for path in paths:
        uploaded = client.files.files_api.upload(
            file=path, folder_path=f"/escalaciones/{ticket_id}",
            file_name=os.path.basename(path),
            options=json.dumps({"access": "PRIVATE", "duplicateValidationStrategy": "NONE"}))
        file_ids.append(uploaded.id)
    associations = [{"to": {"id": ticket_id}, "types": [
        {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 228}]}]
    associations += [{"to": {"id": c}, "types": [
        {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}]}
        for c in contact_ids]
    note = client.crm.objects.notes.basic_api.create(
        simple_public_object_input_for_create=NoteInput(properties={
            "hs_timestamp": str(int(time.time() * 1000)), "hs_note_body": "Capturas",
            "hs_attachment_ids": ";".join(file_ids)}, associations=associations))
    return {"note_id": note.id, "files": file_ids}


def followup(hours: float) -> dict[str, Any]:
    """Open tickets older than HOURS without a client update, each with its contact."""
    pipelines = client.crm.pipelines.pipelines_api.get_all(object_type="tickets")
    open_stages = [s.id for p in pipelines.results for s in p.stages
                   if (s.metadata or {}).get("ticketState") == "OPEN"]
    cutoff = str(int((time.time() - hours * 3600) * 1000))
    tickets = client.crm.tickets.search_api
    request: dict[str, Any] = {
        "filterGroups": [{"filters": [
            {"propertyName": "hs_pipeline_stage", "operator": "IN", "values": open_stages},
            {"propertyName": "createdate", "operator": "LT", "value": cutoff},
            {"propertyName": "escalate_last_client_update", "operator": "NOT_HAS_PROPERTY"},
        ]}],
        "properties": ["subject", "hs_ticket_priority", "createdate"],
        "sorts": [{"propertyName": "createdate", "direction": "ASCENDING"}],
        "limit": 200,
    }
    owed = []
    while True:
        page = tickets.do_search(public_object_search_request=request)
        owed += page.results
        if page.paging is None or page.paging.next is None:
            break
        request["after"] = page.paging.next.after
    rows = []
    for ticket in owed:  # ticket by ticket: its contact, then the contact's details
        full = client.crm.tickets.basic_api.get_by_id(ticket_id=ticket.id,
                                                      associations=["contacts"])
        links = (full.associations or {}).get("contacts")
        contact = None
        if links and links.results:
            contact = client.crm.contacts.basic_api.get_by_id(
                contact_id=links.results[0].id,
                properties=["firstname", "lastname", "phone", "email"])
        rows.append({"id": ticket.id, "contact": contact.id if contact else None})
    return {"owed": len(rows)}


def main() -> None:
    job, *args = sys.argv[1:]
    if job == "create":
        answer = create(*args)
    elif job == "attach":
        answer = attach(args[0], args[1:])
    elif job == "followup":
        answer = followup(float(args[0]))
    else:
        raise SystemExit(f"unknown job {job}")
    print(json.dumps(answer))


if __name__ == "__main__":
    main()
