"""What a CRM object write must satisfy and what it derives, and how an object reads back.

Shared by the objects, search, associations, merge and history endpoints: validation of
values, required properties and admins' rules, pipeline stages, unique values, calculated
properties, property history, what a lagging search still shows, and HubSpot's rendering
of an object.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from typing import Any

from . import links, rules, seed
from .errors import (
    HubSpotError,
    invalid_properties,
    not_found,
    property_problem,
    required_missing,
    unique_taken,
    validation,
)
from .kinds import ALWAYS_RETURNED, DEFAULT_PROPERTIES, SINGULAR
from .knobs import MAX_SEARCH_LAG_MS
from .portal import Portal
from .store import Row
from .values import iso_ms, normalise, searchable_phone, valid_email

# Property history: who wrote a value. The tool writes through an app; HubSpot computes
# the rest (sourceType values as the history API names them).
SOURCE_API = "INTEGRATION"
SOURCE_CALCULATED = "CALCULATED"
SOURCE_ID = {SOURCE_API: "sandbox-app", SOURCE_CALCULATED: "sandbox"}
NOT_IN_HISTORY = {"hs_lastmodifieddate", "lastmodifieddate", "hs_object_id"}
MERGED_IDS = "hs_merged_object_ids"  # a merged-into object's former ids, `;`-separated

Definitions = dict[str, dict[str, Any]]


def render(row: Row, properties: list[str] | None, written: Iterable[str] = (), *,
           archived: bool = False) -> dict[str, Any]:
    """An object as HubSpot answers it: the asked (or default) properties, unset as null."""
    names = properties if properties else [*DEFAULT_PROPERTIES[row.type], *written]
    shown: dict[str, str | None] = {}
    for name in [*names, *ALWAYS_RETURNED[row.type]]:
        shown[name] = row.props.get(name)
    return {
        "id": str(row.id),
        "properties": shown,
        "createdAt": iso_ms(row.created_at),
        "updatedAt": iso_ms(row.updated_at),
        "archived": archived,
    }


def add_history(portal: Portal, shown: list[dict[str, Any]], names: list[str] | None) -> None:
    """Add `propertiesWithHistory` to rendered objects: each value newest first."""
    if not names:
        return
    ids = [int(item["id"]) for item in shown]
    found = portal.store.history(ids, names)
    for item in shown:
        item["propertiesWithHistory"] = {
            name: [{"value": c.value, "timestamp": iso_ms(c.at), "sourceType": c.source,
                    "sourceId": SOURCE_ID.get(c.source, c.source)} for c in changes]
            for name, changes in found[int(item["id"])].items()}


def find(portal: Portal, type_: str, key: str, id_property: Any,
         db: sqlite3.Connection | None = None, *, archived: bool = False) -> Row:
    """The live object `key` names (an id, or a unique property's value; the id of an object
    merged into another names that one); `archived`: an archived object instead. 404
    otherwise."""
    store = portal.store
    if archived:
        row = store.get(type_, int(key), db, archived=True) \
            if re.fullmatch(r"\d{1,18}", key) and id_property in (None, "", "hs_object_id") \
            else None
    elif id_property not in (None, "", "hs_object_id"):
        if not isinstance(id_property, str):
            raise validation("idProperty must be a string")
        definition = store.properties(type_).get(id_property)
        if definition is None or not _unique(type_, id_property, definition):
            raise validation(f"Property {id_property} is not a unique identifier "
                             f"property for {type_}.")
        held = store.find_unique(type_, id_property, key, db)
        row = store.get(type_, held, db) if held is not None else None
    elif re.fullmatch(r"\d{1,18}", key):
        row = store.get(type_, int(key), db)
        if row is None:
            primary = store.merged_into(type_, int(key), db)
            row = store.get(type_, primary, db) if primary is not None else None
    else:
        row = None
    if row is None:
        raise not_found("Object not found.  objectId are usually numeric.", id=[key])
    return row


def _unique(type_: str, name: str, definition: dict[str, Any]) -> bool:
    return bool(definition.get("hasUniqueValue")) or (type_ == "contacts" and name == "email")


def create(portal: Portal, db: sqlite3.Connection, type_: str, body: Any, now: int) -> Row:
    """Carry out one create input (`properties`, `associations`) at time `now`."""
    if not isinstance(body, dict):
        raise validation("Invalid input JSON: each input must be an object")
    definitions = portal.store.properties(type_)
    written = validated(portal, type_, definitions, body.get("properties"))
    props = {k: v for k, v in written.items() if v != ""}
    if type_ in ("tickets", "contacts", "companies"):
        props.setdefault("createdate", iso_ms(now))
    if type_ in ("notes", "tasks"):
        props["hs_createdate"] = iso_ms(now)
    missing = [name for name in required(portal, type_) if not props.get(name)]
    if missing:
        raise required_missing(SINGULAR[type_], missing)
    if type_ == "tickets":
        check_stage(portal, props, props, {}, now)
    if type_ == "tasks":
        _task_completion(props, props, now)
    _derive(type_, props, now)
    asked = links.checked(portal, db, type_, body.get("associations"))
    object_id = portal.store.insert(db, type_, props, now, now)
    _claim_uniques(portal, db, type_, definitions, props, object_id, {})
    for to_type, to_id, type_id, category in asked:
        links.link(portal, db, type_, object_id, to_type, to_id, type_id, category)
    _remember(portal, db, object_id, {}, props, set(written), now)
    row = portal.store.get(type_, object_id, db)
    assert row is not None
    return row


def update(portal: Portal, db: sqlite3.Connection, row: Row, raw: Any, now: int) -> Row:
    """Write `raw` properties onto `row` at time `now`; "" clears a value (it reads back "")."""
    definitions = portal.store.properties(row.type)
    changes = validated(portal, row.type, definitions, raw)
    props = {**row.props, **changes}
    if row.type == "tickets":
        check_stage(portal, props, changes, row.props, now)
    if row.type == "tasks":
        _task_completion(props, changes, now)
    _derive(row.type, props, now)
    _claim_uniques(portal, db, row.type, definitions, changes, row.id, row.props)
    return _store_update(portal, db, row, props, set(changes), now)


def _store_update(portal: Portal, db: sqlite3.Connection, row: Row, props: dict[str, str],
                  written: set[str], now: int) -> Row:
    """Write new values over `row`: its history, and what it held until now while a lagging
    search may still show it (writes seeded long ago cannot be seen by any lag)."""
    wall = portal.now_ms()
    if now >= wall - MAX_SEARCH_LAG_MS:
        portal.store.keep_version(db, row, now, oldest=wall - MAX_SEARCH_LAG_MS)
    portal.store.update(db, row, props, now)
    _remember(portal, db, row.id, row.props, props, written, now)
    updated = portal.store.get(row.type, row.id, db)
    assert updated is not None
    return updated


def merge(portal: Portal, db: sqlite3.Connection, primary: Row, merged: Row, now: int) -> Row:
    """Merge `merged` into `primary`: the primary keeps its values and takes the merged
    one's where it has none, its associations and unique values; the merged id is listed in
    `hs_merged_object_ids` and answers with the primary from now on."""
    definitions = portal.store.properties(primary.type)
    taken = {name: value for name, value in merged.props.items()
             if value and not primary.props.get(name) and name in definitions
             and not definitions[name].get("calculated")
             and not definitions[name]["modificationMetadata"].get("readOnlyValue")}
    former = [i for i in (primary.props.get(MERGED_IDS) or "").split(";") if i]
    former += [i for i in (merged.props.get(MERGED_IDS) or "").split(";") if i]
    props = {**primary.props, **taken, MERGED_IDS: ";".join([*former, str(merged.id)])}
    _derive(primary.type, props, now)
    portal.store.merge(db, merged, primary, now)
    return _store_update(portal, db, primary, props, set(taken), now)


def required(portal: Portal, type_: str) -> list[str]:
    """What a create must set: HubSpot's own rules, then what the portal's admins added."""
    names = [*seed.REQUIRED.get(type_, ()), *portal.control.required(type_)]
    return list(dict.fromkeys(names))


def validated(portal: Portal, type_: str, definitions: Definitions, raw: Any) -> dict[str, str]:
    """The stored strings for written values, or HubSpot's 400 naming every bad one."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise validation("Invalid input JSON: properties must be an object")
    problems: list[dict[str, Any]] = []
    clean: dict[str, str] = {}
    for name, value in raw.items():
        if isinstance(value, (dict, list)):
            raise validation(f"Invalid input JSON: the value of {name} must be a string, a "
                             "number or a boolean")
        stored, problem = _written(portal, type_, name, definitions.get(name), value)
        if problem is not None:
            problems.append(problem)
        elif stored is not None:
            clean[name] = stored
    if problems:
        raise invalid_properties(problems)
    return clean


def _written(portal: Portal, type_: str, name: str, definition: dict[str, Any] | None,
             value: Any) -> tuple[str | None, dict[str, Any] | None]:
    """One written value as stored, or the problem HubSpot names it with."""
    if definition is None:
        return None, property_problem(name, "PROPERTY_DOESNT_EXIST",
                                      f'Property "{name}" does not exist')
    if definition.get("calculated") or definition["modificationMetadata"].get("readOnlyValue"):
        return None, property_problem(name, "READ_ONLY_VALUE", f'"{name}" is a read only '
                                      "property; its value cannot be set.")
    stored, problem = normalise(definition, value)
    if problem is not None or not stored:
        return stored, problem
    if definition.get("referencedObjectType") == "OWNER" and (
            stored not in {o["id"] for o in seed.OWNERS}
            or stored in portal.control.archived_owners):
        return stored, property_problem(name, "INVALID_OWNER_ID",
                                        f"{stored} is not a valid owner id")
    if type_ == "contacts" and name == "email" and not valid_email(stored):
        return stored, property_problem(name, "INVALID_EMAIL",
                                        f"Email address {stored} is invalid")
    return stored, _broken_rule(portal, type_, name, stored)


def _broken_rule(portal: Portal, type_: str, name: str, value: str) -> dict[str, Any] | None:
    """The first of the admins' rules on this property that the value breaks."""
    for rule_type, arguments in portal.control.rules_of(type_, name).items():
        found = rules.problem(name, value, rule_type, arguments)
        if found is not None:
            return found
    return None


def _derive(type_: str, props: dict[str, str], now: int) -> None:
    """The calculated properties HubSpot keeps up to date on every write."""
    props["hs_lastmodifieddate"] = iso_ms(now)
    if type_ == "contacts":
        props["lastmodifieddate"] = iso_ms(now)
        props["hs_searchable_calculated_phone_number"] = searchable_phone(
            props.get("phone", ""))
        props["hs_searchable_calculated_mobile_number"] = searchable_phone(
            props.get("mobilephone", ""))


def _task_completion(props: dict[str, str], changes: dict[str, str], now: int) -> None:
    if "hs_task_status" not in changes:
        return
    if props.get("hs_task_status") == "COMPLETED":
        props.setdefault("hs_task_completion_date", iso_ms(now))
    else:
        props.pop("hs_task_completion_date", None)


def check_stage(portal: Portal, props: dict[str, str], changes: dict[str, str],
                old: dict[str, str], now: int) -> None:
    """Reject a pipeline/stage pair the portal lacks; keep closed_date and the
    date entered in each stage in step with stage changes. Only a write that sets the
    pipeline or the stage is checked: a ticket left in a stage deleted since keeps it
    through writes of its other properties."""
    if "hs_pipeline_stage" not in changes and "hs_pipeline" not in changes:
        return
    pipeline = _one_of(props, "hs_pipeline",
                       {p["id"]: p for p in portal.store.pipelines("tickets")})
    stage = _one_of(props, "hs_pipeline_stage", {s["id"]: s for s in pipeline["stages"]})
    if stage["id"] == old.get("hs_pipeline_stage") and pipeline["id"] == old.get("hs_pipeline"):
        return
    if stage["metadata"]["ticketState"] == "CLOSED":
        if "closed_date" not in changes and not old.get("closed_date"):
            props["closed_date"] = iso_ms(now)
    elif "closed_date" not in changes:
        props.pop("closed_date", None)
    props[f"hs_v2_date_entered_{stage['id']}"] = iso_ms(now)


def _one_of(props: dict[str, str], name: str,
            allowed: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The pipeline or stage a property names, or HubSpot's INVALID_OPTION error."""
    value = props.get(name, "")
    if value not in allowed:
        raise invalid_properties([property_problem(
            name, "INVALID_OPTION",
            f"{value} was not one of the allowed options: "
            + ", ".join(f"[{option}]" for option in allowed))])
    return allowed[value]


def _claim_uniques(portal: Portal, db: sqlite3.Connection, type_: str, definitions: Definitions,
                   changes: dict[str, str], object_id: int, old: dict[str, str]) -> None:
    for name, value in changes.items():
        if not _unique(type_, name, definitions.get(name, {})):
            continue
        if old.get(name):
            portal.store.release_unique(db, type_, name, old[name])
        if not value:
            continue
        holder = portal.store.claim_unique(db, type_, name, value, object_id)
        if holder is None:
            continue
        if type_ == "contacts":
            raise HubSpotError(409, f"Contact already exists. Existing ID: {holder}", "CONFLICT")
        raise unique_taken(portal.control.unique_shape, SINGULAR[type_], name, value, holder)


def _remember(portal: Portal, db: sqlite3.Connection, object_id: int, old: dict[str, str],
              new: dict[str, str], written: set[str], now: int) -> None:
    """Record each property whose value changed (or was written) in its history."""
    for source in (SOURCE_API, SOURCE_CALCULATED):
        changed = [(name, value) for name, value in new.items()
                   if name not in NOT_IN_HISTORY and (name in written) == (source == SOURCE_API)
                   and (old.get(name) != value or (name in written and name not in old))]
        if changed:
            portal.store.add_history(db, object_id, changed, now, source)
