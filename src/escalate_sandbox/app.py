"""The sandbox's HTTP face: authentication, limits, faults and routing onto the API modules."""

from __future__ import annotations

import io
import time
import traceback
from collections.abc import Iterable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response

from .errors import HubSpotError, with_status
from .knobs import Fault
from .portal import Portal
from .responses import json_response
from .routes import BY_NAME, URLS, Route, scopes_needed
from .store import Store

CONTROL_PREFIX = "/_sandbox/"
# The largest request body served (HubSpot publishes none: these are the sandbox's, marked
# U in docs/architecture.md): a JSON call (a batch of 100 tickets of 65,536 characters is
# ≈7 MB), an upload, and a test knob (`/_sandbox/history` seeds up to 100,000 tickets).
MAX_JSON_BODY = 16 * 1024 * 1024
MAX_UPLOAD_BODY = 128 * 1024 * 1024
MAX_CONTROL_BODY = 1024 * 1024 * 1024


class SandboxApp:
    """A WSGI application that answers as a HubSpot portal would."""

    def __init__(self, portal: Portal, token: str) -> None:
        self.portal = portal
        self.token = token

    @property
    def store(self) -> Store:
        return self.portal.store

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        if request.path.startswith(CONTROL_PREFIX):
            return self._answer(request, control=True)(environ, start_response)
        started = time.time()
        response = self._serve(request)
        self.portal.control.record({
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "started_at": started,
            "finished_at": time.time(),
        })
        return response(environ, start_response)

    def _serve(self, request: Request) -> Response:
        control = self.portal.control
        if control.delay_ms:
            time.sleep(control.delay_ms / 1000)
        headers: dict[str, str] = {}
        try:
            self._authenticate(request)
            _bounded(request, MAX_UPLOAD_BODY if request.path.startswith("/files/")
                     else MAX_JSON_BODY)
            headers = control.admit(is_search=request.path.endswith("/search"))
            fault = control.take_fault(request.method, request.path)
            if fault is not None and fault.delay_ms:
                time.sleep(fault.delay_ms / 1000)
            if fault is not None and fault.status is not None and not fault.after_commit:
                return self._fault_answer(fault, request)
            response = self._dispatch(request, control=False)
            if fault is not None and fault.status is not None and fault.after_commit:
                return self._fault_answer(fault, request)  # done, but the answer is lost
        except HubSpotError as exc:
            return json_response(self._echoed(exc.body(), request), exc.status,
                                 {**headers, **exc.headers})
        except Exception:  # a sandbox bug: say so on stderr, answer as HubSpot's 500 would
            traceback.print_exc()
            error = HubSpotError(500, "Internal error", "INTERNAL_ERROR")
            return json_response(self._echoed(error.body(), request), 500)
        response.headers.extend(headers)
        return response

    def _answer(self, request: Request, *, control: bool) -> Response:
        """A `/_sandbox/` call: the token, then the handler; no rate limits, faults or log."""
        try:
            self._authenticate(request)
            _bounded(request, MAX_CONTROL_BODY)
            return self._dispatch(request, control=control)
        except HubSpotError as exc:
            return json_response(exc.body(), exc.status, exc.headers)

    def _fault_answer(self, fault: Fault, request: Request) -> Response:
        assert fault.status is not None
        if fault.body is not None:
            page = fault.body
            if self.portal.control.echo_authorization:
                said = _authorization(request)
                page = (page.replace("</title>", f" {said}</title>", 1) if "</title>" in page
                        else f"{page}<p>{said}</p>")
            return Response(page, status=fault.status, content_type="text/html")
        error = with_status(fault.status)
        return json_response(self._echoed(error.body(), request), error.status)

    def _echoed(self, body: dict[str, Any], request: Request) -> dict[str, Any]:
        """An error body that repeats the request's Authorization header in its message,
        its errors and its context, as some servers' errors do, when a test asks for it
        (`/_sandbox/echo_authorization`): the tool must never store or show it."""
        if not self.portal.control.echo_authorization:
            return body
        said = _authorization(request)
        credential = said.rsplit(" ", 1)[-1]
        errors = body.get("errors")
        context = body.get("context")
        errors = errors if isinstance(errors, list) else []
        context = context if isinstance(context, dict) else {}
        return {**body, "message": f"{body.get('message', '')} ({said})",
                "errors": [*errors, {"message": f"Rejected credential {credential}",
                                     "in": "header", "context": {"authorization": [said]}}],
                "context": {**context, "token": [credential]}}

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

    def _dispatch(self, request: Request, *, control: bool) -> Response:
        try:
            name, args = URLS.bind_to_environ(request.environ).match()
        except NotFound:
            raise HubSpotError(404, f"Unknown path {request.path}", "OBJECT_NOT_FOUND") from None
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.valid_methods or []))
            raise HubSpotError(405, f"Method {request.method} not allowed", "VALIDATION_ERROR",
                               headers={"Allow": allowed}) from None
        except HTTPException as exc:  # pragma: no cover - routing redirects
            raise HubSpotError(exc.code or 400, str(exc), "VALIDATION_ERROR") from None
        route: Route = BY_NAME[name]
        if route.control != control:
            raise HubSpotError(404, f"Unknown path {request.path}", "OBJECT_NOT_FOUND")
        if not control:
            self._check_scopes(route, dict(args))
        result = route.handler(self.portal, request, **args)
        return result if isinstance(result, Response) else json_response(result)

    def _check_scopes(self, route: Route, args: dict[str, Any]) -> None:
        missing = sorted(scopes_needed(route, args) - self.portal.control.scopes)
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


def _authorization(request: Request) -> str:
    return f"Authorization: {request.headers.get('Authorization', '')}"


def _bounded(request: Request, limit: int) -> None:
    """Refuse a body larger than `limit`: by its Content-Length before reading any of it,
    or, sent in chunks without one, as soon as `limit` bytes have been read (werkzeug's own
    limit would cut it silently). Called before anything reads the body."""
    length = request.content_length
    if length is not None:
        if length > limit:
            raise _too_large(limit)
        return
    environ = request.environ
    if not environ.get("wsgi.input_terminated"):
        return  # no body
    body = environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        raise _too_large(limit)
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
    del environ["wsgi.input_terminated"]


def _too_large(limit: int) -> HubSpotError:
    return HubSpotError(413, f"Request body too large: the limit is {limit} bytes",
                        "VALIDATION_ERROR")
