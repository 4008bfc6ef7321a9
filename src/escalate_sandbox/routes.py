"""Every route the sandbox answers, with the scope HubSpot requires for it, in one table.

Each operation is declared once with its handler and served on two paths: HubSpot's
date-based one (`/crm/objects/2026-09/tickets`) and the legacy one (`/crm/v3/objects/tickets`)
that HubSpot answers until Sept 2027 (v4: 30 Mar 2027) and the official Python client 12
still calls. Where the two versions answer in different shapes the handler is told which
path was called (`dated`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.routing import Map, Rule

from . import (
    associations,
    control,
    files,
    history,
    labels,
    merge,
    objects,
    owners,
    pipelines,
    schema,
    search,
    validations,
)
from .kinds import ObjectTypeConverter

Handler = Callable[..., Any]

# The date-based versions served (hubspot-facts.md, "Date-based paths").
DATED = "2026-09"
FILES_UPLOAD = "2026-03"  # 2026-09 has no file upload

# A route's scope is a HubSpot scope, or one of these: the read or write scope of every
# object type named in its path (`kind`, `to_kind`), as OBJECT_SCOPES gives them.
READ = "<read scope of the path's object types>"
WRITE = "<write scope of the path's object types>"
CONTACTS = ("crm.objects.contacts.read", "crm.objects.contacts.write")
# Notes and tasks have no scope of their own: they go with contacts' (hubspot-facts.md).
OBJECT_SCOPES: dict[str, tuple[str, str]] = {
    "tickets": ("tickets", "tickets"), "contacts": CONTACTS, "notes": CONTACTS, "tasks": CONTACTS,
    "companies": ("crm.objects.companies.read", "crm.objects.companies.write"),
}


@dataclass(frozen=True)
class Route:
    path: str
    method: str
    handler: Handler
    scope: str | None
    control: bool = False  # /_sandbox/: token only; never logged, limited, delayed or faulted
    dated: bool | None = None  # told to the handler, where the versions' answers differ

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


def crm(api: str, tail: str = "", legacy: str = "v3") -> tuple[str, ...]:
    """A CRM API's dated path and its legacy one (`/crm/objects/2026-09...`,
    `/crm/v3/objects...`)."""
    return f"/crm/{api}/{DATED}{tail}", f"/crm/{legacy}/{api}{tail}"


def api(name: str, tail: str, dated: str = DATED) -> tuple[str, ...]:
    """Another API's dated path and its v3 one (`/files/2026-03/files`, `/files/v3/files`)."""
    return f"/{name}/{dated}{tail}", f"/{name}/v3{tail}"


def both(method: str, pair: tuple[str, ...], handler: Handler, scope: str | None, *,
         shaped: bool = False) -> tuple[Route, ...]:
    """One operation on its dated and legacy paths (`shaped`: the handler is told which)."""
    dated, *legacy = pair
    return (Route(dated, method, handler, scope, dated=True if shaped else None),
            *(Route(path, method, handler, scope, dated=False if shaped else None)
              for path in legacy))


KIND = "/<object:kind>"
OBJ = f"{KIND}/<key>"
TO = "<object:to_kind>/<to_key>"
OWNERS = "crm.objects.owners.read"
ROUTES: tuple[Route, ...] = (
    *both("GET", api("account-info", "/details"), owners.account, None),
    *both("GET", (*crm("owners"), "/crm/v3/owners/"), owners.page, OWNERS),
    *both("GET", crm("owners", "/<owner_id>"), owners.get, OWNERS),
    *both("GET", crm("pipelines", KIND), pipelines.pipelines, READ),
    *both("POST", crm("pipelines", KIND), pipelines.create_pipeline, WRITE),
    *both("GET", crm("pipelines", f"{KIND}/<pipeline_id>"), pipelines.pipeline, READ),
    *both("POST", crm("pipelines", f"{KIND}/<pipeline_id>/stages"), pipelines.create_stage,
          WRITE),
    *both("DELETE", crm("pipelines", f"{KIND}/<pipeline_id>/stages/<stage_id>"),
          pipelines.delete_stage, WRITE, shaped=True),
    *both("GET", crm("properties", KIND), schema.properties, READ),
    *both("POST", crm("properties", KIND), schema.create_property, WRITE),
    *both("GET", crm("properties", f"{KIND}/groups"), schema.groups, READ),
    *both("POST", crm("properties", f"{KIND}/groups"), schema.create_group, WRITE),
    *both("GET", crm("properties", f"{KIND}/<name>"), schema.property_, READ),
    *both("PATCH", crm("properties", f"{KIND}/<name>"), schema.update_property, WRITE),
    *both("GET", crm("property-validations", KIND), validations.rules, READ),
    *both("GET", crm("property-validations", f"{KIND}/<name>"), validations.rules_of, READ),
    *both("POST", crm("objects", KIND), objects.create, WRITE),
    *both("GET", crm("objects", KIND), objects.page, READ),
    *both("POST", crm("objects", f"{KIND}/search"), search.search, READ),
    *both("POST", crm("objects", f"{KIND}/merge"), merge.merge, WRITE),
    *both("POST", crm("objects", f"{KIND}/batch/read"), objects.batch_read, READ),
    *both("POST", crm("objects", f"{KIND}/batch/create"), objects.batch_create, WRITE),
    *both("POST", crm("objects", f"{KIND}/batch/update"), objects.batch_update, WRITE),
    *both("POST", crm("objects", f"{KIND}/batch/archive"), objects.batch_archive, WRITE),
    *both("GET", crm("objects", OBJ), objects.get, READ),
    *both("PATCH", crm("objects", OBJ), objects.update, WRITE),
    *both("DELETE", crm("objects", OBJ), objects.archive, WRITE),
    *both("POST", crm("associations", f"{KIND}/<object:to_kind>/batch/read", "v4"),
          associations.batch_read, READ, shaped=True),
    *both("GET", crm("associations", f"{KIND}/<object:to_kind>/labels", "v4"),
          labels.listed, READ),
    *both("POST", crm("associations", f"{KIND}/<object:to_kind>/labels", "v4"),
          labels.create, WRITE),
    *both("PUT", crm("objects", f"{OBJ}/associations/default/{TO}", "v4"),
          associations.put_default, WRITE),
    *both("PUT", crm("objects", f"{OBJ}/associations/{TO}", "v4"),
          associations.put_labelled, WRITE),
    *both("DELETE", crm("objects", f"{OBJ}/associations/{TO}", "v4"),
          associations.delete, WRITE),
    *both("POST", api("files", "/files", FILES_UPLOAD), files.upload, "files"),
    *both("GET", api("files", "/files/search"), files.search, "files"),
    *both("GET", api("files", "/files/<file_id>"), files.get, "files"),
    *both("DELETE", api("files", "/files/<file_id>/gdpr-delete", FILES_UPLOAD),
          files.gdpr_delete, "files"),
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
    Route("/_sandbox/owners", "POST", control.owners, None, control=True),
    Route("/_sandbox/echo_authorization", "POST", control.echo_authorization, None,
          control=True),
    Route("/_sandbox/required_properties", "POST", control.required_properties, None,
          control=True),
    Route("/_sandbox/validation_rules", "POST", control.validation_rules, None, control=True),
    Route("/_sandbox/validation_rules", "DELETE", control.validation_rules, None,
          control=True),
    Route("/_sandbox/history", "POST", history.post, None, control=True),
    Route("/_sandbox/reset", "POST", control.reset, None, control=True),
    Route("/_sandbox/files/<int:file_id>", "GET", control.file_bytes, None, control=True),
)

BY_NAME = {route.name: route for route in ROUTES}
URLS = Map([Rule(r.path, methods=[r.method], endpoint=r.name,
                 defaults=None if r.dated is None else {"dated": r.dated}) for r in ROUTES],
           converters={"object": ObjectTypeConverter})


def scopes_needed(route: Route, args: dict[str, Any]) -> set[str]:
    """The scopes a matched route requires."""
    if route.scope not in (READ, WRITE):
        return {route.scope} if route.scope else set()
    write = route.scope == WRITE
    return {OBJECT_SCOPES[args[key]][write] for key in ("kind", "to_kind") if key in args}
