"""HubSpot's error shapes, as the sandbox answers them."""

from __future__ import annotations

import uuid
from typing import Any


class HubSpotError(Exception):
    """An error HubSpot would answer, with its status code and JSON body."""

    def __init__(
        self,
        status: int,
        message: str,
        category: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        context: dict[str, Any] | None = None,
        sub_category: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.headers = headers or {}
        self.status = status
        self.message = message
        self.category = category
        self.errors = errors
        self.context = context
        self.sub_category = sub_category
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": "error",
            "message": self.message,
            "correlationId": str(uuid.uuid4()),
            "category": self.category,
        }
        if self.sub_category:
            body["subCategory"] = self.sub_category
        if self.errors is not None:
            body["errors"] = self.errors
        if self.context is not None:
            body["context"] = self.context
        body.update(self.extra)
        return body


def validation(message: str, errors: list[dict[str, Any]] | None = None) -> HubSpotError:
    return HubSpotError(400, message, "VALIDATION_ERROR", errors=errors)


def not_found(message: str, **context: Any) -> HubSpotError:
    return HubSpotError(404, message, "OBJECT_NOT_FOUND", context=context or None)


def invalid_properties(problems: list[dict[str, Any]]) -> HubSpotError:
    """HubSpot's 400 for bad property values: a JSON list inside the message."""
    import json

    return HubSpotError(
        400,
        "Property values were not valid: " + json.dumps(problems),
        "VALIDATION_ERROR",
    )


def property_problem(name: str, code: str, message: str) -> dict[str, Any]:
    return {
        "isValid": False,
        "message": message,
        "error": code,
        "name": name,
        "localizedErrorMessage": message,
    }


def required_missing(singular: str, names: list[str]) -> HubSpotError:
    """A create without properties the portal requires (hubspot-api-nodejs#124's shape)."""
    return HubSpotError(
        400,
        f"Error creating {singular.upper()}. Some required properties were not set.",
        "VALIDATION_ERROR",
        context={"properties": names},
    )


def invalid_associations(object_ids: list[str]) -> HubSpotError:
    """An association to objects that do not exist (hubspot-api-nodejs#646's shape)."""
    return HubSpotError(400, "One or more associations are invalid", "VALIDATION_ERROR",
                        context={"INVALID_OBJECT_IDS": object_ids})


def unique_taken(shape: str, singular: str, name: str, value: str, holder: int) -> HubSpotError:
    """A duplicate value of a `hasUniqueValue` property, in the shape the sandbox is set to:
    409 OBJECT_ALREADY_EXISTS, or a 400 VALIDATION_ERROR saying the property already has
    that value (what a public integration reports; neither shape is documented)."""
    if shape == "400":
        return HubSpotError(
            400,
            f"{name}: A {singular} with this property value already exists; "
            f"{name} already has that value ({value}). Existing ID: {holder}",
            "VALIDATION_ERROR",
            errors=[{"message": f"{name} already has that value", "code": "DUPLICATE_VALUE",
                     "in": name,
                     "context": {"propertyName": [name], "id": [str(holder)]}}],
        )
    return HubSpotError(
        409,
        f"A {singular} with the unique value {value!r} for property {name!r} already exists. "
        f"Existing ID: {holder}",
        "OBJECT_ALREADY_EXISTS",
        context={"id": [str(holder)]},
    )


def rate_limited(policy: str, message: str) -> HubSpotError:
    return HubSpotError(
        429,
        message,
        "RATE_LIMITS",
        extra={"errorType": "RATE_LIMIT", "policyName": policy},
    )


def with_status(status: int) -> HubSpotError:
    """The error body a fault injection answers for an arbitrary status."""
    if status == 429:
        return rate_limited("TEN_SECONDLY_ROLLING",
                           "You have reached your ten_secondly_rolling limit.")
    categories = {401: "INVALID_AUTHENTICATION", 403: "MISSING_SCOPES", 404: "OBJECT_NOT_FOUND",
                  409: "CONFLICT", 400: "VALIDATION_ERROR"}
    message = "Internal error" if status >= 500 else "Injected fault"
    return HubSpotError(status, message, categories.get(status, "INTERNAL_ERROR"))
