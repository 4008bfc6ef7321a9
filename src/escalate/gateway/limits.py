"""HubSpot's sizes and ids that the gateway's requests must respect, each defined once."""

from __future__ import annotations

# Inputs per batch request (hubspot-facts.md).
OBJECT_BATCH = 100  # batch read, create, update of objects
HISTORY_BATCH = 50  # a batch read that asks for `propertiesWithHistory`
ASSOCIATION_BATCH = 1_000  # association batch reads (changelog, Feb 2025)

# Pages.
SEARCH_PAGE = 200  # search `limit`
SEARCH_RESULTS_CAP = 10_000  # HubSpot answers 400 past this many results of one query
OWNERS_PAGE = 500  # owners list `limit`

# HubSpot-defined association type ids (hubspot/crm/association_type.py of the official
# client), used inline on creates.
TICKET_TO_CONTACT = 16
NOTE_TO_TICKET = 228
NOTE_TO_CONTACT = 202
TASK_TO_CONTACT = 204
TASK_TO_TICKET = 230
