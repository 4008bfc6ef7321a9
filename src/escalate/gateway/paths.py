"""Every HubSpot path the tool calls, built from one version per API family.

HubSpot's date-based paths (`/crm/objects/2026-09/tickets`) replace the numbered ones,
whose support ends (v4 on 30 Mar 2027, v1-v3 in Sept 2027). Moving to the next version is
a change of the constants below (and of the sandbox); nothing else in the tool names a
version. `{name}` parts are filled by the official client's `ApiClient` (`path_params`),
which quotes them.
"""

from __future__ import annotations

# One version per API family (hubspot-facts.md, "Date-based paths").
CRM = "2026-09"  # objects, associations and labels, properties, pipelines, owners, validations
ACCOUNT = "2026-09"  # account details
FILES = "2026-09"  # file search (2026-09 has no upload endpoint)
FILES_UPLOAD = "2026-03"  # the newest generally available file upload

# HubSpot's id of the ticket object type, which the property validations API takes.
TICKET_TYPE_ID = "0-5"


def account_details() -> str:
    return f"/account-info/{ACCOUNT}/details"


def objects(kind: str) -> str:
    """Create (POST) and list (GET) objects of a type."""
    return f"/crm/objects/{CRM}/{kind}"


def object_(kind: str) -> str:
    """One object: get, update, archive (`{key}`: its id or, with `idProperty`, a unique value)."""
    return f"{objects(kind)}/{{key}}"


def search(kind: str) -> str:
    return f"{objects(kind)}/search"


def batch(kind: str, action: str) -> str:
    """`read`, `create`, `update`, `upsert` or `archive` many objects of a type."""
    return f"{objects(kind)}/batch/{action}"


def merge(kind: str) -> str:
    return f"{objects(kind)}/merge"


def association(kind: str, to_kind: str) -> str:
    """One labelled association of `{key}` to `{to_key}` (PUT, the body lists the types)."""
    return f"{object_(kind)}/associations/{to_kind}/{{to_key}}"


def associations(kind: str, to_kind: str, action: str) -> str:
    """`read`, `create` or `associate/default` associations in batch."""
    return f"/crm/associations/{CRM}/{kind}/{to_kind}/batch/{action}"


def association_labels(kind: str, to_kind: str) -> str:
    return f"/crm/associations/{CRM}/{kind}/{to_kind}/labels"


def properties(kind: str) -> str:
    return f"/crm/properties/{CRM}/{kind}"


def property_(kind: str) -> str:
    return f"{properties(kind)}/{{name}}"


def property_groups(kind: str) -> str:
    return f"{properties(kind)}/groups"


def pipelines(kind: str) -> str:
    return f"/crm/pipelines/{CRM}/{kind}"


def owners() -> str:
    return f"/crm/owners/{CRM}"


def owner() -> str:
    return f"{owners()}/{{owner_id}}"


def property_validations(type_id: str = TICKET_TYPE_ID) -> str:
    """Every property of an object type that has validation rules, with its rules."""
    return f"/crm/property-validations/{CRM}/{type_id}"


def files() -> str:
    """Upload (POST, multipart)."""
    return f"/files/{FILES_UPLOAD}/files"


def file_removal(file_id: str) -> str:
    """Delete a file and its data for good (DELETE), on the upload's version."""
    return f"/files/{FILES_UPLOAD}/files/{file_id}/gdpr-delete"


def files_search() -> str:
    return f"/files/{FILES}/files/search"
