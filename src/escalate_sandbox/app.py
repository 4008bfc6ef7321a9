"""The sandbox's HTTP face: HubSpot's routes, auth, scopes, limits and the test endpoints."""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import seed
from .control import Control, Fault
from .crm import Crm, object_type
from .errors import HubSpotError, validation, with_status
from .store import Store

Handler = Callable[..., Any]

ALL_SCOPES = frozenset({
    "crm.objects.contacts.read", "crm.objects.contacts.write", "tickets", "files",
    "crm.objects.owners.read",
})

URLS = Map([
    Rule("/account-info/v3/details", endpoint="account", methods=["GET"]),
    Rule("/crm/v3/owners", endpoint="owners", methods=["GET"]),
    Rule("/crm/v3/owners/", endpoint="owners", methods=["GET"]),
    Rule("/crm/v3/pipelines/<kind>", endpoint="pipelines", methods=["GET"]),
    Rule("/crm/v3/pipelines/<kind>/<pipeline_id>", endpoint="pipeline", methods=["GET"]),
    Rule("/crm/v3/properties/<kind>", endpoint="properties", methods=["GET"]),
    Rule("/crm/v3/properties/<kind>", endpoint="property_create", methods=["POST"]),
    Rule("/crm/v3/properties/<kind>/groups", endpoint="groups", methods=["GET"]),
    Rule("/crm/v3/properties/<kind>/groups", endpoint="group_create", methods=["POST"]),
    Rule("/crm/v3/properties/<kind>/<name>", endpoint="property", methods=["GET"]),
    Rule("/crm/v3/objects/<kind>", endpoint="object_create", methods=["POST"]),
    Rule("/crm/v3/objects/<kind>", endpoint="object_page", methods=["GET"]),
    Rule("/crm/v3/objects/<kind>/search", endpoint="search", methods=["POST"]),
    Rule("/crm/v3/objects/<kind>/batch/read", endpoint="batch_read", methods=["POST"]),
    Rule("/crm/v3/objects/<kind>/batch/create", endpoint="batch_create", methods=["POST"]),
    Rule("/crm/v3/objects/<kind>/<key>", endpoint="object_get", methods=["GET"]),
    Rule("/crm/v3/objects/<kind>/<key>", endpoint="object_update", methods=["PATCH"]),
    Rule("/crm/v4/associations/<kind>/<to_kind>/batch/read", endpoint="assoc_read",
         methods=["POST"]),
    Rule("/crm/v4/objects/<kind>/<key>/associations/default/<to_kind>/<to_key>",
         endpoint="assoc_default", methods=["PUT"]),
    Rule("/files/v3/files", endpoint="upload", methods=["POST"]),
    Rule("/files/v3/files/search", endpoint="file_search", methods=["GET"]),
    Rule("/files/v3/files/<file_id>", endpoint="file", methods=["GET"]),
])

CONTROL_URLS = Map([
    Rule("/_sandbox/requests", endpoint="requests", methods=["GET", "DELETE"]),
    Rule("/_sandbox/faults", endpoint="faults", methods=["POST", "DELETE"]),
    Rule("/_sandbox/latency", endpoint="latency", methods=["POST"]),
    Rule("/_sandbox/rate_limit", endpoint="rate_limit", methods=["POST"]),
    Rule("/_sandbox/scopes", endpoint="scopes", methods=["POST"]),
    Rule("/_sandbox/reset", endpoint="reset", methods=["POST"]),
    Rule("/_sandbox/files/<int:file_id>", endpoint="file_bytes", methods=["GET"]),
])


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers,
                    content_type="application/json;charset=utf-8")


class SandboxApp:
    """A WSGI application that answers as a HubSpot portal would."""

    def __init__(self, store: Store, token: str, control: Control | None = None) -> None:
        self.store = store
        self.crm = Crm(store)
        self.token = token
        self.control = control or Control()
        self.scopes: frozenset[str] = ALL_SCOPES

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        if request.path.startswith("/_sandbox/"):
            return self._control(request)(environ, start_response)
        started = time.time()
        response = self._serve(request)
        self.control.record({
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "started_at": started,
            "finished_at": time.time(),
        })
        return response(environ, start_response)

    # -- HubSpot ------------------------------------------------------------------------

    def _serve(self, request: Request) -> Response:
        if self.control.delay_ms:
            time.sleep(self.control.delay_ms / 1000)
        headers: dict[str, str] = {}
        try:
            self._authenticate(request)
            headers = self.control.admit(is_search=request.path.endswith("/search"))
            fault = self.control.take_fault(request.method, request.path)
            if fault is not None and fault.delay_ms:
                time.sleep(fault.delay_ms / 1000)
            if fault is not None and fault.status is not None and not fault.after_commit:
                return self._fault_answer(fault)
            response = self._dispatch(request)
            if fault is not None and fault.status is not None and fault.after_commit:
                return self._fault_answer(fault)  # done, but the answer is lost
        except HubSpotError as exc:
            if exc.status == 429:
                headers = self.control.rejected()
            return _json(exc.body(), exc.status, headers)
        except Exception:  # a sandbox bug: say so on stderr, answer as HubSpot's 500 would
            traceback.print_exc()
            return _json(HubSpotError(500, "Internal error", "INTERNAL_ERROR").body(), 500)
        response.headers.extend(headers)
        return response

    def _fault_answer(self, fault: Fault) -> Response:
        assert fault.status is not None
        if fault.body is not None:
            return Response(fault.body, status=fault.status, content_type="text/html")
        error = with_status(fault.status)
        return _json(error.body(), error.status)

    def _authenticate(self, request: Request) -> None:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            raise HubSpotError(
                401,
                "Authentication credentials not found. This API supports OAuth 2.0 "
                "authentication and you can find more details at "
                "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                "INVALID_AUTHENTICATION",
            )
        if auth[len("Bearer "):] != self.token:
            raise HubSpotError(
                401,
                "The OAuth token used to make this call expired or is invalid.",
                "INVALID_AUTHENTICATION",
                sub_category="OAuthTokenValidationErrors.INVALID_TOKEN",
            )

    def _dispatch(self, request: Request) -> Response:
        try:
            endpoint, matched = URLS.bind_to_environ(request.environ).match()
        except NotFound:
            raise HubSpotError(404, f"Unknown path {request.path}", "OBJECT_NOT_FOUND") from None
        except MethodNotAllowed:
            raise HubSpotError(405, f"Method {request.method} not allowed",
                               "VALIDATION_ERROR") from None
        except HTTPException as exc:  # pragma: no cover - routing redirects
            raise HubSpotError(exc.code or 400, str(exc), "VALIDATION_ERROR") from None
        args: dict[str, str] = dict(matched)
        for key in ("kind", "to_kind"):
            if key in args and not request.path.startswith("/crm/v3/pipelines"):
                args[key] = object_type(args[key])
        self._check_scope(endpoint, request.method, args)
        handler: Handler = getattr(self, f"on_{endpoint}")
        result = handler(request, **args)
        if isinstance(result, Response):
            return result
        return _json(result)

    def _check_scope(self, endpoint: str, method: str, args: dict[str, str]) -> None:
        kinds = {args.get("kind"), args.get("to_kind")} - {None}
        needed: set[str] = set()
        writes = method != "GET" and endpoint not in ("search", "batch_read", "assoc_read")
        for kind in kinds:
            if kind == "tickets":
                needed.add("tickets")
            elif kind in ("contacts", "notes"):
                needed.add("crm.objects.contacts.write" if writes
                           else "crm.objects.contacts.read")
        if endpoint.startswith("pipeline") or (endpoint.startswith("propert") and not kinds):
            needed.add("tickets")
        if endpoint in ("upload", "file", "file_search"):
            needed.add("files")
        if endpoint == "owners":
            needed.add("crm.objects.owners.read")
        missing = sorted(needed - self.scopes)
        if missing:
            raise HubSpotError(
                403,
                "This app hasn't been granted all required scopes to make this call. "
                "Read more about required scopes here: https://developers.hubspot.com/scopes.",
                "MISSING_SCOPES",
                errors=[{"message": "One or more of the following scopes are required.",
                         "context": {"requiredGranularScopes": missing}}],
                extra={"links": {"scopes": "https://developers.hubspot.com/scopes"}},
            )

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
        except json.JSONDecodeError as exc:
            raise validation(f"Invalid input JSON on line {exc.lineno}, column {exc.colno}: "
                             f"{exc.msg}") from None
        if not isinstance(body, dict):
            raise validation("Invalid input JSON: expected an object")
        return body

    def on_account(self, request: Request) -> dict[str, Any]:
        return {
            "portalId": seed.PORTAL_ID,
            "accountType": "STANDARD",
            "timeZone": seed.TIME_ZONE,
            "companyCurrency": "MXN",
            "additionalCurrencies": [],
            "utcOffset": "-06:00",
            "utcOffsetMilliseconds": -21_600_000,
            "uiDomain": "app.hubspot.com",
            "dataHostingLocation": "na1",
        }

    def on_owners(self, request: Request) -> dict[str, Any]:
        email = request.args.get("email")
        stamp = "2024-01-01T00:00:00.000Z"
        owners = [{**o, "createdAt": stamp, "updatedAt": stamp, "archived": False,
                   "teams": []}
                  for o in seed.OWNERS if not email or o["email"].lower() == email.lower()]
        return {"results": owners}

    def on_pipelines(self, request: Request, kind: str) -> dict[str, Any]:
        return self.crm.pipelines(object_type(kind))

    def on_pipeline(self, request: Request, kind: str, pipeline_id: str) -> dict[str, Any]:
        return self.crm.pipeline(object_type(kind), pipeline_id)

    def on_properties(self, request: Request, kind: str) -> dict[str, Any]:
        return self.crm.properties(kind)

    def on_property(self, request: Request, kind: str, name: str) -> dict[str, Any]:
        return self.crm.property(kind, name)

    def on_property_create(self, request: Request, kind: str) -> Response:
        return _json(self.crm.create_property(kind, self._body(request)), 201)

    def on_groups(self, request: Request, kind: str) -> dict[str, Any]:
        return self.crm.groups(kind)

    def on_group_create(self, request: Request, kind: str) -> Response:
        return _json(self.crm.create_group(kind, self._body(request)), 201)

    def on_object_create(self, request: Request, kind: str) -> Response:
        return _json(self.crm.create(kind, self._body(request)), 201)

    def on_object_page(self, request: Request, kind: str) -> dict[str, Any]:
        limit = min(100, max(1, int(request.args.get("limit", 10))))
        properties = [v for item in request.args.getlist("properties") for v in item.split(",")]
        return self.crm.search(kind, {"limit": limit, "after": request.args.get("after"),
                                      "properties": properties or None})

    def on_file_search(self, request: Request) -> dict[str, Any]:
        return {"results": []}

    def on_object_get(self, request: Request, kind: str, key: str) -> dict[str, Any]:
        args: dict[str, Any] = {"idProperty": request.args.get("idProperty")}
        for name in ("properties", "associations"):  # repeated or comma-separated
            values = [v for item in request.args.getlist(name) for v in item.split(",")]
            args[name] = values or None
        return self.crm.get(kind, key, args)

    def on_object_update(self, request: Request, kind: str, key: str) -> dict[str, Any]:
        return self.crm.update(kind, key, self._body(request), request.args.get("idProperty"))

    def on_search(self, request: Request, kind: str) -> dict[str, Any]:
        return self.crm.search(kind, self._body(request))

    def on_batch_read(self, request: Request, kind: str) -> Response:
        status, body = self.crm.batch_read(kind, self._body(request))
        return _json(body, status)

    def on_batch_create(self, request: Request, kind: str) -> Response:
        return _json(self.crm.batch_create(kind, self._body(request)), 201)

    def on_assoc_read(self, request: Request, kind: str, to_kind: str) -> Response:
        status, body = self.crm.associations_batch_read(kind, to_kind, self._body(request))
        return _json(body, status)

    def on_assoc_default(self, request: Request, kind: str, key: str, to_kind: str,
                         to_key: str) -> dict[str, Any]:
        return self.crm.associate_default(kind, key, to_kind, to_key)

    def on_upload(self, request: Request) -> Response:
        upload = request.files.get("file")
        if upload is None:
            raise validation("A file is required (multipart field 'file')")
        fields = {k: request.form[k] for k in request.form}
        record = self.crm.upload(fields, upload.filename or "", upload.read(),
                                 request.host_url.rstrip("/"))
        return _json(record, 201)

    def on_file(self, request: Request, file_id: str) -> dict[str, Any]:
        return self.crm.file(file_id)

    # -- test endpoints -----------------------------------------------------------------

    def _control(self, request: Request) -> Response:
        try:
            endpoint, args = CONTROL_URLS.bind_to_environ(request.environ).match()
        except HTTPException as exc:
            return _json({"error": str(exc)}, exc.code or 404)
        try:
            body = self._body(request) if request.method == "POST" else {}
            result = getattr(self, f"control_{endpoint}")(request, body, **args)
        except (KeyError, TypeError, ValueError, HubSpotError) as exc:
            return _json({"error": str(exc)}, 400)
        if isinstance(result, Response):
            return result
        return _json(result)

    def control_requests(self, request: Request, body: dict[str, Any]) -> Any:
        if request.method == "DELETE":
            self.control.forget()
            return {"ok": True}
        return self.control.requests()

    def control_faults(self, request: Request, body: dict[str, Any]) -> Any:
        if request.method == "DELETE":
            self.control.faults.clear()
        else:
            self.control.add_fault(Fault.from_json(body))
        return {"ok": True}

    def control_latency(self, request: Request, body: dict[str, Any]) -> Any:
        self.control.delay_ms = max(0, int(body.get("delay_ms", 0)))
        return {"ok": True}

    def control_rate_limit(self, request: Request, body: dict[str, Any]) -> Any:
        self.control.set_rate_limit(body)
        return {"ok": True}

    def control_scopes(self, request: Request, body: dict[str, Any]) -> Any:
        scopes = body.get("scopes")
        self.scopes = ALL_SCOPES if scopes is None else frozenset(scopes)
        return {"ok": True}

    def control_reset(self, request: Request, body: dict[str, Any]) -> Any:
        self.crm.reset()
        self.control.reset()
        self.control.forget()
        self.scopes = ALL_SCOPES
        return {"ok": True}

    def control_file_bytes(self, request: Request, body: dict[str, Any], file_id: int) -> Any:
        record = self.store.get_file(file_id)
        if record is None:
            return _json({"error": "not found"}, 404)
        return Response(self.store.file_bytes(file_id), content_type="application/octet-stream")
