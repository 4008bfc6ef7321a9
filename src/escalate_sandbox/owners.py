"""The owners API (HubSpot users who can own records) and the account details."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request

from . import payload, seed
from .errors import not_found, validation
from .portal import Portal

MAX_LIST = 500


def _public(owner: dict[str, Any], archived: bool = False) -> dict[str, Any]:
    stamp = seed.OWNERS_CREATED_AT
    return {"id": owner["id"], "email": owner["email"], "type": owner["type"],
            "firstName": owner["firstName"], "lastName": owner["lastName"],
            "userId": owner["userId"], "teams": owner["teams"], "archived": archived,
            "createdAt": stamp, "updatedAt": stamp}


def _listed(portal: Portal, request: Request) -> tuple[list[dict[str, Any]], bool]:
    """The owners `archived` asks for: the active ones (default), or those whose user was
    deactivated (`archived=true`); and which of the two."""
    archived = payload.query_archived(request)
    gone = portal.control.archived_owners
    return [o for o in seed.OWNERS if (str(o["id"]) in gone) == archived], archived


def page(portal: Portal, request: Request) -> Any:
    """`GET /crm/v3/owners`: `email` filters (case-insensitive), `limit` and `after` page,
    `archived=true` lists deactivated users' owners instead of the active ones."""
    limit = payload.query_limit(request, 100, MAX_LIST)
    email = (request.args.get("email") or "").strip().lower()
    after = request.args.get("after") or "0"
    if not after.isdigit() or len(after) > 9:
        raise validation(f"after must be a cursor this API returned, was {after!r}")
    owners, archived = _listed(portal, request)
    found = [o for o in owners if not email or o["email"].lower() == email]
    start = int(after)
    chosen = found[start:start + limit]
    answer: dict[str, Any] = {"results": [_public(o, archived) for o in chosen]}
    if start + limit < len(found):
        answer["paging"] = {"next": {"after": str(start + limit)}}
    return answer


def get(portal: Portal, request: Request, owner_id: str) -> Any:
    """`GET /crm/v3/owners/{ownerId}` (`idProperty=userId` reads by user id; `archived=true`
    finds a deactivated user's owner instead of an active one)."""
    field = "userId" if request.args.get("idProperty") == "userId" else "id"
    owners, archived = _listed(portal, request)
    for owner in owners:
        if str(owner[field]) == owner_id:
            return _public(owner, archived)
    raise not_found(f"No owner with {field} {owner_id}")


def account(portal: Portal, request: Request) -> Any:
    """`GET /account-info/v3/details`."""
    return {
        "portalId": seed.PORTAL_ID,
        "accountType": "STANDARD",
        "timeZone": seed.TIME_ZONE,
        "companyCurrency": "MXN",
        "additionalCurrencies": [],
        "utcOffset": "-06:00",
        "utcOffsetMilliseconds": -21_600_000,
        # HubSpot answers app.hubspot.com (or app-eu1...); the sandbox's links must not be
        # mistaken for a real portal's, so its domain is a reserved, unresolvable one.
        "uiDomain": "app.sandbox.invalid",
        "dataHostingLocation": "na1",
    }
