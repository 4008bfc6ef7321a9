"""Every route the sandbox answers, with the scope HubSpot requires for it, in one table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.routing import Map, Rule

from . import associations, control, files, history, objects, owners, schema, search
from .kinds import ObjectTypeConverter

Handler = Callable[..., Any]

# A route's scope is a HubSpot scope, or one of these: the read or write scope of every
# object type named in its path (`kind`, `to_kind`), as OBJECT_SCOPES gives them.
READ = "<read scope of the path's object types>"
WRITE = "<write scope of the path's object types>"
CONTACTS = ("crm.objects.contacts.read", "crm.objects.contacts.write")
# Notes and tasks have no scope of their own: they go with contacts' (hubspot-facts.md).
OBJECT_SCOPES: dict[str, tuple[str, str]] = {
    "tickets": ("tickets", "tickets"), "contacts": CONTACTS, "notes": CONTACTS, "tasks": CONTACTS,
}


@dataclass(frozen=True)
class Route:
    path: str
    method: str
    handler: Handler
    scope: str | None
    control: bool = False  # /_sandbox/: token only; never logged, limited, delayed or faulted

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


OBJ = "/crm/v3/objects/<object:kind>"
ROUTES: tuple[Route, ...] = (
    Route("/account-info/v3/details", "GET", owners.account, None),
    Route("/crm/v3/owners", "GET", owners.page, "crm.objects.owners.read"),
    Route("/crm/v3/owners/", "GET", owners.page, "crm.objects.owners.read"),
    Route("/crm/v3/owners/<owner_id>", "GET", owners.get, "crm.objects.owners.read"),
    Route("/crm/v3/pipelines/<object:kind>", "GET", schema.pipelines, READ),
    Route("/crm/v3/pipelines/<object:kind>/<pipeline_id>", "GET", schema.pipeline, READ),
    Route("/crm/v3/properties/<object:kind>", "GET", schema.properties, READ),
    Route("/crm/v3/properties/<object:kind>", "POST", schema.create_property, WRITE),
    Route("/crm/v3/properties/<object:kind>/groups", "GET", schema.groups, READ),
    Route("/crm/v3/properties/<object:kind>/groups", "POST", schema.create_group, WRITE),
    Route("/crm/v3/properties/<object:kind>/<name>", "GET", schema.property_, READ),
    Route(OBJ, "POST", objects.create, WRITE),
    Route(OBJ, "GET", objects.page, READ),
    Route(f"{OBJ}/search", "POST", search.search, READ),
    Route(f"{OBJ}/batch/read", "POST", objects.batch_read, READ),
    Route(f"{OBJ}/batch/create", "POST", objects.batch_create, WRITE),
    Route(f"{OBJ}/batch/update", "POST", objects.batch_update, WRITE),
    Route(f"{OBJ}/<key>", "GET", objects.get, READ),
    Route(f"{OBJ}/<key>", "PATCH", objects.update, WRITE),
    Route(f"{OBJ}/<key>", "DELETE", objects.archive, WRITE),
    Route("/crm/v4/associations/<object:kind>/<object:to_kind>/batch/read", "POST",
          associations.batch_read, READ),
    Route("/crm/v4/objects/<object:kind>/<key>/associations/default/<object:to_kind>/<to_key>",
          "PUT", associations.put_default, WRITE),
    Route("/files/v3/files", "POST", files.upload, "files"),
    Route("/files/v3/files/search", "GET", files.search, "files"),
    Route("/files/v3/files/<file_id>", "GET", files.get, "files"),
    # Test-only, never on HubSpot.
    Route("/_sandbox/requests", "GET", control.requests, None, control=True),
    Route("/_sandbox/requests", "DELETE", control.requests, None, control=True),
    Route("/_sandbox/faults", "POST", control.faults, None, control=True),
    Route("/_sandbox/faults", "DELETE", control.faults, None, control=True),
    Route("/_sandbox/latency", "POST", control.latency, None, control=True),
    Route("/_sandbox/rate_limit", "POST", control.rate_limit, None, control=True),
    Route("/_sandbox/scopes", "POST", control.scopes, None, control=True),
    Route("/_sandbox/search_lag", "POST", control.search_lag, None, control=True),
    Route("/_sandbox/search_cap", "POST", control.search_cap, None, control=True),
    Route("/_sandbox/unique_conflict", "POST", control.unique_conflict, None, control=True),
    Route("/_sandbox/required_properties", "POST", control.required_properties, None,
          control=True),
    Route("/_sandbox/history", "POST", history.post, None, control=True),
    Route("/_sandbox/reset", "POST", control.reset, None, control=True),
    Route("/_sandbox/files/<int:file_id>", "GET", control.file_bytes, None, control=True),
)

BY_NAME = {route.name: route for route in ROUTES}
URLS = Map([Rule(r.path, methods=[r.method], endpoint=r.name) for r in ROUTES],
           converters={"object": ObjectTypeConverter})


def scopes_needed(route: Route, args: dict[str, Any]) -> set[str]:
    """The scopes a matched route requires."""
    if route.scope not in (READ, WRITE):
        return {route.scope} if route.scope else set()
    write = route.scope == WRITE
    return {OBJECT_SCOPES[args[key]][write] for key in ("kind", "to_kind") if key in args}
