"""The files API (v3): multipart upload with access and duplicate rules, read by id."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from werkzeug.wrappers import Request, Response

from .errors import HubSpotError, not_found, validation
from .portal import Portal
from .responses import json_response
from .values import iso_ms

ACCESS_VALUES = {"PUBLIC_INDEXABLE", "PUBLIC_NOT_INDEXABLE", "HIDDEN_INDEXABLE",
                 "HIDDEN_NOT_INDEXABLE", "HIDDEN_PRIVATE", "PRIVATE", "SENSITIVE",
                 "HIDDEN_SENSITIVE"}
DUPLICATE_STRATEGIES = {"NONE", "REJECT", "RETURN_EXISTING"}
DUPLICATE_SCOPES = {"ENTIRE_PORTAL", "EXACT_FOLDER"}


def upload(portal: Portal, request: Request) -> Response:
    """`POST /files/v3/files` (multipart: file, folderPath or folderId, fileName, options)."""
    sent = request.files.get("file")
    if sent is None:
        raise validation("A file is required (multipart field 'file')")
    fields = {k: request.form[k] for k in request.form}
    data = sent.read()
    try:
        options = json.loads(fields.get("options") or "")
    except json.JSONDecodeError as exc:
        raise validation("options must be a JSON string") from exc
    if not isinstance(options, dict):
        raise validation("options must be a JSON object")
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
        existing = portal.store.file_with_md5(md5, folder if scope == "EXACT_FOLDER" else None)
        if existing is not None:
            if strategy == "REJECT":
                raise HubSpotError(409, "A duplicate file exists", "OBJECT_ALREADY_EXISTS")
            return json_response(existing, 201)
    file_name = fields.get("fileName") or sent.filename or "file"
    stem, _, extension = file_name.rpartition(".")
    if not stem:
        stem, extension = file_name, ""
    now = iso_ms(portal.now_ms())
    base_url = request.host_url.rstrip("/")

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

    return json_response(portal.store.add_file(folder, md5, data, describe), 201)


def get(portal: Portal, request: Request, file_id: str) -> Any:
    found = portal.store.get_file(int(file_id)) if file_id.isdigit() and len(file_id) < 19 \
        else None
    if found is None:
        raise not_found(f"File {file_id} not found")
    return found


def gdpr_delete(portal: Portal, request: Request, file_id: str) -> Response:
    """`DELETE /files/v3/files/{fileId}/gdpr-delete`: the file and its data gone for good
    (204); an unknown id is 404."""
    if not (file_id.isdigit() and len(file_id) < 19 and portal.store.delete_file(int(file_id))):
        raise not_found(f"File {file_id} not found")
    return Response(status=204)


def search(portal: Portal, request: Request) -> Any:
    """`GET /files/v3/files/search`: the tool never needs hits; HubSpot's empty answer."""
    return {"results": []}


def _file_kind(extension: str) -> str:
    ext = extension.lower()
    if ext in {"png", "jpg", "jpeg", "gif", "webp", "heic", "svg"}:
        return "IMG"
    if ext in {"pdf", "txt", "log", "doc", "docx", "csv"}:
        return "DOCUMENT"
    return "OTHER"
