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

# Rate limits (hubspot-facts.md "Rate limits"): the search's own per-second limit, and the
# `policyName` of each kind of 429 as HubSpot's body names it (matched whole: the word
# SECONDLY is inside TEN_SECONDLY_ROLLING).
SEARCHES_PER_SECOND = 5  # unless HubSpot's headers say otherwise
TEN_SECONDLY = "TEN_SECONDLY_ROLLING"  # the account's rolling window (100 or 190 per 10 s)
SECONDLY = "SECONDLY"  # the search's per-second limit
