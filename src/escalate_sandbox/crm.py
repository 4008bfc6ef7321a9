"""HubSpot's CRM semantics over the store: validation, shapes, associations, search, files."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import time
from typing import Any

from . import search, seed
from .errors import (
    HubSpotError,
    invalid_properties,
    not_found,
    property_problem,
    validation,
)
from .store import Row, Store
from .values import iso_ms, normalise, searchable_phone

OBJECT_TYPES = ("contacts", "tickets", "notes")
MAX_BATCH = 100
MAX_ASSOCIATION_BATCH = 1000

DEFAULT_PROPERTIES = {
    "tickets": ["content", "createdate", "hs_lastmodifieddate", "hs_object_id", "hs_pipeline",
                "hs_pipeline_stage", "hs_ticket_category", "hs_ticket_priority", "subject"],
    "contacts": ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate",
                 "lastname"],
    "notes": ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
}
ALWAYS_RETURNED = {
    "tickets": ["createdate", "hs_lastmodifieddate", "hs_object_id"],
    "contacts": ["createdate", "lastmodifieddate", "hs_object_id"],
    "notes": ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
}
SINGULAR = {"contacts": "contact", "tickets": "ticket", "notes": "note"}

PROPERTY_TYPES = {
    "string": {"text", "textarea", "html", "phonenumber", "file", "select"},
    "number": {"number", "calculation_equation"},
    "date": {"date"},
    "datetime": {"date"},
    "enumeration": {"select", "radio", "checkbox", "booleancheckbox"},
    "bool": {"booleancheckbox"},
}
ACCESS_VALUES = {"PUBLIC_INDEXABLE", "PUBLIC_NOT_INDEXABLE", "HIDDEN_INDEXABLE",
                 "HIDDEN_NOT_INDEXABLE", "HIDDEN_PRIVATE", "PRIVATE", "SENSITIVE",
                 "HIDDEN_SENSITIVE"}
DUPLICATE_STRATEGIES = {"NONE", "REJECT", "RETURN_EXISTING"}
DUPLICATE_SCOPES = {"ENTIRE_PORTAL", "EXACT_FOLDER"}


def now_ms() -> int:
    return int(time.time() * 1000)


def object_type(name: str) -> str:
    """The plural API name for a path segment (`0-5`, `ticket`, `tickets`)."""
    aliases = {"0-1": "contacts", "0-5": "tickets", "0-46": "notes", "contact": "contacts",
               "ticket": "tickets", "note": "notes"}
    resolved = aliases.get(name.lower(), name.lower())
    if resolved not in OBJECT_TYPES:
        raise HubSpotError(400, f"Unable to infer object type from: {name}", "VALIDATION_ERROR")
    return resolved


class Crm:
    """What the CRM, properties, pipelines, associations and files APIs do."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.reset(only_if_new=True)

    def reset(self, *, only_if_new: bool = False) -> None:
        """Back to the seed: schema, pipeline and demo contacts."""
        with self.store.write() as db:
            if only_if_new and self.store.seeded(db):
                return
            self.store.reset(db)
            for contact in seed.CONTACTS:
                self._create(db, "contacts", {"properties": contact})

    # -- rendering ----------------------------------------------------------------------

    def render(self, row: Row, properties: list[str] | None) -> dict[str, Any]:
        names = properties if properties else DEFAULT_PROPERTIES[row.type]
        shown: dict[str, str | None] = {}
        for name in [*names, *ALWAYS_RETURNED[row.type]]:
            value = row.props.get(name)
            shown[name] = value if value not in (None, "") else None
        return {
            "id": str(row.id),
            "properties": shown,
            "createdAt": iso_ms(row.created_at),
            "updatedAt": iso_ms(row.updated_at),
            "archived": False,
        }

    @staticmethod
    def _property_list(raw: Any) -> list[str] | None:
        if raw is None:
            return None
        items = raw if isinstance(raw, list) else str(raw).split(",")
        return [p.strip() for p in items if p and p.strip()]

    # -- writing objects ----------------------------------------------------------------

    def create(self, type_: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.store.write() as db:
            row = self._create(db, type_, body)
        return self.render(row, None)

    def batch_create(self, type_: str, body: dict[str, Any]) -> dict[str, Any]:
        inputs = self._inputs(body, MAX_BATCH)
        started = now_ms()
        with self.store.write() as db:
            rows = [self._create(db, type_, item) for item in inputs]
        return self._batch(started, [self.render(r, None) for r in rows], [])

    def _create(self, db: sqlite3.Connection, type_: str, body: dict[str, Any]) -> Row:
        if not isinstance(body, dict):
            raise validation("Invalid input JSON: expected an object")
        definitions = self.store.properties(type_)
        now = now_ms()
        props = self._validated(type_, definitions, body.get("properties") or {}, {})
        props = self._defaults(type_, props, now)
        self._check_required(type_, props, now)
        links = self._links(db, type_, body.get("associations") or [])
        object_id = self.store.insert(db, type_, props, now)
        self._claim_uniques(db, type_, definitions, props, object_id, {})
        for to_type, to_id, type_id in links:
            self._link(db, type_, object_id, to_type, to_id, type_id)
        row = self.store.get(type_, object_id, db)
        assert row is not None
        return row

    def update(self, type_: str, object_id: str, body: dict[str, Any],
               id_property: str | None = None) -> dict[str, Any]:
        definitions = self.store.properties(type_)
        with self.store.write() as db:
            row = self._find(type_, object_id, id_property, db)
            changes = self._validated(type_, definitions, body.get("properties") or {}, row.props)
            props = {**row.props, **changes}
            now = now_ms()
            if type_ == "tickets":
                self._check_stage(props, changes, row.props, now)
            self._derive(type_, props, now)
            self._claim_uniques(db, type_, definitions, changes, row.id, row.props)
            self.store.update(db, row.id, props, now)
            updated = self.store.get(type_, row.id, db)
        assert updated is not None
        return self.render(updated, None)

    def _validated(self, type_: str, definitions: dict[str, dict[str, Any]],
                   raw: dict[str, Any], current: dict[str, str]) -> dict[str, str]:
        if not isinstance(raw, dict):
            raise validation("properties must be an object")
        problems: list[dict[str, Any]] = []
        clean: dict[str, str] = {}
        for name, value in raw.items():
            definition = definitions.get(name)
            if definition is None:
                problems.append(property_problem(
                    name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist'))
                continue
            if definition.get("calculated") or definition["modificationMetadata"].get(
                    "readOnlyValue"):
                problems.append(property_problem(
                    name, "READ_ONLY_VALUE", f'"{name}" is a read only property; its value '
                                             "cannot be set."))
                continue
            if name == "hubspot_owner_id" and value not in (None, ""):
                if str(value) not in {o["id"] for o in seed.OWNERS}:
                    problems.append(property_problem(
                        name, "INVALID_OWNER_ID", f"{value} is not a valid owner id"))
                    continue
                clean[name] = str(value)
                continue
            stored, problem = normalise(definition, value)
            if problem is not None:
                problems.append(problem)
            elif stored is not None:
                clean[name] = stored
        if problems:
            raise invalid_properties(problems)
        return clean

    def _defaults(self, type_: str, props: dict[str, str], now: int) -> dict[str, str]:
        props = {k: v for k, v in props.items() if v != ""}
        if type_ in ("tickets", "contacts"):
            props.setdefault("createdate", iso_ms(now))
        if type_ == "tickets":
            props.setdefault("hs_pipeline", seed.TICKET_PIPELINE["id"])
        if type_ == "notes":
            props["hs_createdate"] = iso_ms(now)
        self._derive(type_, props, now)
        return props

    def _derive(self, type_: str, props: dict[str, str], now: int) -> None:
        """The calculated properties HubSpot keeps up to date on every write."""
        props["hs_lastmodifieddate"] = iso_ms(now)
        if type_ == "contacts":
            props["lastmodifieddate"] = iso_ms(now)
            props["hs_searchable_calculated_phone_number"] = searchable_phone(
                props.get("phone", ""))
            props["hs_searchable_calculated_mobile_number"] = searchable_phone(
                props.get("mobilephone", ""))

    def _check_required(self, type_: str, props: dict[str, str], now: int) -> None:
        if type_ == "tickets":
            missing = [p for p in ("subject", "hs_pipeline_stage") if not props.get(p)]
            if missing:
                raise invalid_properties([
                    property_problem(p, "REQUIRED_PROPERTY", f"{p} is required")
                    for p in missing])
            self._check_stage(props, dict(props), {}, now)
        if type_ == "notes" and not props.get("hs_timestamp"):
            raise invalid_properties([property_problem(
                "hs_timestamp", "REQUIRED_PROPERTY", "hs_timestamp is required")])

    def _check_stage(self, props: dict[str, str], changes: dict[str, str],
                     old: dict[str, str], now: int) -> None:
        """Reject a pipeline/stage pair the portal lacks; keep closed_date in step."""
        pipeline = _one_of(props, "hs_pipeline",
                           {p["id"]: p for p in self.store.pipelines("tickets")})
        stage = _one_of(props, "hs_pipeline_stage", {s["id"]: s for s in pipeline["stages"]})
        if "hs_pipeline_stage" not in changes and "hs_pipeline" not in changes:
            return
        if stage["metadata"]["ticketState"] == "CLOSED":
            if "closed_date" not in changes and not old.get("closed_date"):
                props["closed_date"] = iso_ms(now)
        else:
            props.pop("closed_date", None)
        props[f"hs_v2_date_entered_{stage['id']}"] = iso_ms(now)

    def _claim_uniques(self, db: sqlite3.Connection, type_: str,
                       definitions: dict[str, dict[str, Any]], changes: dict[str, str],
                       object_id: int, old: dict[str, str]) -> None:
        for name, value in changes.items():
            if not definitions.get(name, {}).get("hasUniqueValue") and not (
                    type_ == "contacts" and name == "email"):
                continue
            if old.get(name):
                self.store.release_unique(db, type_, name, old[name])
            if not value:
                continue
            holder = self.store.claim_unique(db, type_, name, value, object_id)
            if holder is not None:
                if type_ == "contacts":
                    raise HubSpotError(409, f"Contact already exists. Existing ID: {holder}",
                                       "CONFLICT")
                raise HubSpotError(
                    409,
                    f"A {SINGULAR[type_]} with the unique value {value!r} for property "
                    f"{name!r} already exists. Existing ID: {holder}",
                    "OBJECT_ALREADY_EXISTS",
                    context={"id": [str(holder)]},
                )

    # -- associations -------------------------------------------------------------------

    def _links(self, db: sqlite3.Connection, type_: str,
               associations: list[Any]) -> list[tuple[str, int, int]]:
        links = []
        by_id = {tid: pair for pair, tid in seed.ASSOCIATION_TYPES.items()}
        for item in associations:
            try:
                to_id = int(item["to"]["id"])
                types = item["types"]
            except (KeyError, TypeError, ValueError) as exc:
                raise validation(f"Invalid association input: {json.dumps(item)}") from exc
            for spec in types:
                category = spec.get("associationCategory")
                type_id = spec.get("associationTypeId")
                pair = by_id.get(type_id) if category == "HUBSPOT_DEFINED" else None
                if pair is None or pair[0] != type_:
                    raise HubSpotError(
                        400,
                        f"{category} {type_id} is not a valid association type id for "
                        f"{type_}.",
                        "VALIDATION_ERROR",
                        sub_category="crm.associations.INVALID_ASSOCIATION_TYPE",
                    )
                if self.store.get(pair[1], to_id, db) is None:
                    raise HubSpotError(
                        400,
                        f"No {pair[1]} with ID {to_id} exists to associate.",
                        "VALIDATION_ERROR",
                        sub_category="crm.associations.TO_OBJECT_NOT_FOUND",
                    )
                links.append((pair[1], to_id, int(type_id)))
        return links

    def _link(self, db: sqlite3.Connection, from_type: str, from_id: int, to_type: str,
              to_id: int, type_id: int) -> None:
        self.store.associate(db, from_type, from_id, to_type, to_id, type_id)
        inverse = seed.ASSOCIATION_TYPES[(to_type, from_type)]
        self.store.associate(db, to_type, to_id, from_type, from_id, inverse)

    def associate_default(self, from_type: str, from_id: str, to_type: str,
                          to_id: str) -> dict[str, Any]:
        type_id = seed.ASSOCIATION_TYPES.get((from_type, to_type))
        if type_id is None:
            raise validation(f"No default association between {from_type} and {to_type}")
        started = now_ms()
        with self.store.write() as db:
            source = self._find(from_type, from_id, None, db)
            target = self._find(to_type, to_id, None, db)
            self._link(db, from_type, source.id, to_type, target.id, type_id)
        result = {
            "from": {"id": str(source.id)},
            "to": {"id": str(target.id)},
            "associationSpec": {"associationCategory": "HUBSPOT_DEFINED",
                                "associationTypeId": type_id},
        }
        return self._batch(started, [result], [])

    def associations_batch_read(self, from_type: str, to_type: str,
                                body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        inputs = self._inputs(body, MAX_ASSOCIATION_BATCH)
        started = now_ms()
        ids = []
        for item in inputs:
            try:
                ids.append(int(item["id"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise validation(f"Invalid input id: {json.dumps(item)}") from exc
        found = self.store.associations(from_type, ids, to_type)
        results, missing = [], []
        for from_id in ids:
            pairs = found.get(from_id) or []
            if not pairs:
                missing.append(str(from_id))
                continue
            grouped: dict[int, list[int]] = {}
            for to_id, type_id in pairs:
                grouped.setdefault(to_id, []).append(type_id)
            results.append({
                "from": {"id": str(from_id)},
                "to": [
                    {"toObjectId": to_id,
                     "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": t,
                                           "label": None} for t in types]}
                    for to_id, types in grouped.items()
                ],
            })
        errors = [{
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
            "message": f"No {to_type} is associated with {SINGULAR[from_type]} {i}.",
            "context": {"fromObjectId": [i]},
        } for i in missing]
        return (207 if errors else 200), self._batch(started, results, errors)

    # -- reading objects ----------------------------------------------------------------

    def _find(self, type_: str, key: str, id_property: str | None,
              db: sqlite3.Connection | None = None) -> Row:
        if id_property and id_property != "hs_object_id":
            definition = self.store.properties(type_).get(id_property)
            unique = definition is not None and (
                definition.get("hasUniqueValue") or (type_ == "contacts"
                                                     and id_property == "email"))
            if not unique:
                raise validation(f"Property {id_property} is not a unique identifier "
                                 f"property for {type_}.")
            held = self.store.find_unique(type_, id_property, key)
            row = self.store.get(type_, held, db) if held is not None else None
        else:
            row = self.store.get(type_, int(key), db) if re.fullmatch(r"\d{1,18}", key) else None
        if row is None:
            raise not_found("Object not found.  objectId are usually numeric.", id=[key])
        return row

    def get(self, type_: str, key: str, args: dict[str, Any]) -> dict[str, Any]:
        row = self._find(type_, key, args.get("idProperty"))
        shown = self.render(row, self._property_list(args.get("properties")))
        wanted = self._property_list(args.get("associations")) or []
        if wanted:
            shown["associations"] = {}
            for name in wanted:
                to_type = object_type(name)
                pairs = self.store.associations(type_, [row.id], to_type)[row.id]
                if pairs:
                    label = f"{SINGULAR[type_]}_to_{SINGULAR[to_type]}"
                    shown["associations"][to_type] = {
                        "results": [{"id": str(t), "type": label} for t, _ in pairs]}
        return shown

    def batch_read(self, type_: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        inputs = self._inputs(body, MAX_BATCH)
        started = now_ms()
        properties = self._property_list(body.get("properties"))
        id_property = body.get("idProperty")
        results, missing = [], []
        for item in inputs:
            key = str((item or {}).get("id", ""))
            try:
                results.append(self.render(self._find(type_, key, id_property), properties))
            except HubSpotError as exc:
                if exc.status != 404:
                    raise
                missing.append(key)
        errors = [{
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "message": f"Could not get some {SINGULAR[type_].upper()} objects, they may be "
                       "deleted or not exist. Check that ids are valid.",
            "context": {"ids": missing},
        }] if missing else []
        return (207 if errors else 200), self._batch(started, results, errors)

    def search(self, type_: str, body: dict[str, Any]) -> dict[str, Any]:
        definitions = self.store.properties(type_)
        limit, offset = search.check_body(body, definitions)
        match = search.matcher(body, definitions)
        hits = search.sort_rows([r for r in self.store.all(type_) if match(r)], body,
                                definitions)
        properties = self._property_list(body.get("properties"))
        page = hits[offset:offset + limit]
        answer: dict[str, Any] = {
            "total": len(hits),
            "results": [self.render(r, properties) for r in page],
        }
        if offset + limit < len(hits):
            answer["paging"] = {"next": {"after": str(offset + limit)}}
        return answer

    @staticmethod
    def _inputs(body: dict[str, Any], most: int) -> list[dict[str, Any]]:
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list):
            raise validation("inputs must be a list")
        if len(inputs) > most:
            raise validation(f"Batch input limit exceeded: {len(inputs)} inputs, "
                             f"the maximum is {most}.")
        return inputs

    @staticmethod
    def _batch(started: int, results: list[Any], errors: list[Any]) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": iso_ms(started),
            "completedAt": iso_ms(now_ms()),
        }
        if errors:
            answer["numErrors"] = len(errors)
            answer["errors"] = errors
        return answer

    # -- properties and pipelines -------------------------------------------------------

    def properties(self, type_: str) -> dict[str, Any]:
        return {"results": [self._public_property(p)
                            for p in self.store.properties(type_).values()]}

    def property(self, type_: str, name: str) -> dict[str, Any]:
        found = self.store.properties(type_).get(name)
        if found is None:
            raise not_found(f"Unable to find property {name}")
        return self._public_property(found)

    @staticmethod
    def _public_property(definition: dict[str, Any]) -> dict[str, Any]:
        stamp = iso_ms(0)
        return {**definition, "createdAt": stamp, "updatedAt": stamp, "archived": False}

    def create_property(self, type_: str, body: dict[str, Any]) -> dict[str, Any]:
        problems = [f"{field} is required" for field in
                    ("name", "label", "type", "fieldType", "groupName") if not body.get(field)]
        if problems:
            raise validation("; ".join(problems))
        name, kind, field_type = body["name"], body["type"], body["fieldType"]
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,99}", name):
            raise validation(f"Property name {name!r} must start with a letter and hold only "
                             "lowercase letters, digits and underscores.")
        if field_type not in PROPERTY_TYPES.get(kind, set()):
            raise validation(f"fieldType {field_type!r} is not valid for type {kind!r}")
        if body["groupName"] not in self.store.groups(type_):
            raise validation(f"Property group {body['groupName']!r} does not exist")
        if body.get("hasUniqueValue") and kind != "string":
            raise validation("Only string properties can require unique values")
        definition = seed.prop(
            name, body["label"], kind, field_type, body["groupName"],
            options=[(o["value"], o["label"]) for o in body.get("options") or []],
            unique=bool(body.get("hasUniqueValue")),
        )
        definition.update(description=body.get("description", ""), hubspotDefined=False)
        if not self.store.add_property(type_, definition):
            raise HubSpotError(409, f"Property named '{name}' already exists.",
                               "OBJECT_ALREADY_EXISTS")
        return self._public_property(definition)

    def groups(self, type_: str) -> dict[str, Any]:
        return {"results": [{**g, "archived": False} for g in self.store.groups(type_).values()]}

    def create_group(self, type_: str, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("name") or not body.get("label"):
            raise validation("name and label are required")
        group = {"name": body["name"], "label": body["label"],
                 "displayOrder": int(body.get("displayOrder", -1))}
        if not self.store.add_group(type_, group):
            raise HubSpotError(409, f"A property group named '{group['name']}' already exists.",
                               "OBJECT_ALREADY_EXISTS")
        return {**group, "archived": False}

    def pipelines(self, type_: str) -> dict[str, Any]:
        return {"results": [self._public_pipeline(p) for p in self.store.pipelines(type_)]}

    def pipeline(self, type_: str, pipeline_id: str) -> dict[str, Any]:
        for p in self.store.pipelines(type_):
            if p["id"] == pipeline_id:
                return self._public_pipeline(p)
        raise not_found(f"Unable to find pipeline {pipeline_id}")

    @staticmethod
    def _public_pipeline(pipeline: dict[str, Any]) -> dict[str, Any]:
        stamp = iso_ms(0)
        common = {"createdAt": stamp, "updatedAt": stamp, "archived": False}
        stages = [{**s, **common, "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT"}
                  for s in pipeline["stages"]]
        return {**pipeline, **common, "stages": stages}

    # -- files --------------------------------------------------------------------------

    def upload(self, fields: dict[str, str], name: str, data: bytes,
               base_url: str) -> dict[str, Any]:
        try:
            options = json.loads(fields.get("options") or "")
        except json.JSONDecodeError as exc:
            raise validation("options must be a JSON string") from exc
        access = options.get("access")
        if access not in ACCESS_VALUES:
            raise validation(f"Invalid access {access!r}: must be one of "
                             + ", ".join(sorted(ACCESS_VALUES)))
        strategy = options.get("duplicateValidationStrategy", "NONE")
        scope = options.get("duplicateValidationScope", "ENTIRE_PORTAL")
        if strategy not in DUPLICATE_STRATEGIES or scope not in DUPLICATE_SCOPES:
            raise validation("Invalid duplicateValidationStrategy or duplicateValidationScope")
        folder = fields.get("folderPath") or ""
        if fields.get("folderId"):
            folder = f"/folder-{fields['folderId']}"
        if not folder:
            raise validation("Either folderId or folderPath is required")
        folder = "/" + folder.strip("/")
        md5 = hashlib.md5(data).hexdigest()
        if strategy != "NONE":
            existing = self.store.file_with_md5(md5, folder if scope == "EXACT_FOLDER" else None)
            if existing is not None:
                if strategy == "REJECT":
                    raise HubSpotError(409, "A duplicate file exists", "OBJECT_ALREADY_EXISTS")
                return existing
        file_name = fields.get("fileName") or name or "file"
        stem, _, extension = file_name.rpartition(".")
        if not stem:
            stem, extension = file_name, ""
        now = iso_ms(now_ms())

        def describe(file_id: int) -> dict[str, Any]:
            return {
                "id": str(file_id),
                "name": stem,
                "extension": extension.lower(),
                "path": f"{folder}/{file_name}",
                "parentFolderId": str(abs(hash(folder)) % 10**8),
                "size": len(data),
                "type": _file_kind(extension),
                "access": access,
                "isUsableInContent": access.startswith("PUBLIC"),
                "url": f"{base_url}/_sandbox/files/{file_id}",
                "encoding": extension.lower(),
                "fileMd5": md5,
                "createdAt": now,
                "updatedAt": now,
                "archived": False,
            }

        return self.store.add_file(folder, md5, data, describe)

    def file(self, file_id: str) -> dict[str, Any]:
        found = self.store.get_file(int(file_id)) if file_id.isdigit() else None
        if found is None:
            raise not_found(f"File {file_id} not found")
        return found


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


def _file_kind(extension: str) -> str:
    ext = extension.lower()
    if ext in {"png", "jpg", "jpeg", "gif", "webp", "heic", "svg"}:
        return "IMG"
    if ext in {"pdf", "txt", "log", "doc", "docx", "csv"}:
        return "DOCUMENT"
    return "OTHER"
