"""Reading request bodies and query strings as HubSpot does: a wrong type is a 400, never a 500."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request

from .errors import validation


def json_body(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The request's JSON object; HubSpot's 400 for a missing, malformed or non-object body."""
    body = _parsed(request, required)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise validation(f"Invalid input JSON: expected an object, got {type(body).__name__}")
    return body


def json_list(request: Request) -> list[dict[str, Any]]:
    """A request body that is a JSON array of objects (the labelled association PUT)."""
    body = _parsed(request, True)
    if not isinstance(body, list):
        raise validation(f"Invalid input JSON: expected an array, got {type(body).__name__}")
    return objects_list(body, "body")


def _parsed(request: Request, required: bool) -> Any:
    text = request.get_data(as_text=True)
    if not text.strip():
        if required:
            raise validation("Invalid input JSON on line 1, column 1: No content to map due to "
                             "end-of-input")
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise validation(f"Invalid input JSON on line {exc.lineno}, column {exc.colno}: "
                         f"{exc.msg}") from None
    except RecursionError:
        raise validation("Invalid input JSON on line 1, column 1: nesting too deep") from None


def integer(raw: Any, name: str, default: int, *, low: int, high: int) -> int:
    """An integer field (a JSON number or a numeric string) within [low, high]."""
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, (int, str, float)):
        raise validation(f"Invalid input JSON: {name} must be an integer")
    try:
        value = int(raw) if not isinstance(raw, float) or raw.is_integer() else None
    except (ValueError, OverflowError):
        value = None
    if value is None:
        raise validation(f"Invalid input JSON: {name} must be an integer, was {raw!r}")
    if not low <= value <= high:
        raise validation(f"{name} must be between {low} and {high}, was {value}")
    return value


def objects_list(raw: Any, name: str) -> list[dict[str, Any]]:
    """A list whose every item is a JSON object."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise validation(f"Invalid input JSON: {name} must be a list of objects")
    return raw


def names(raw: Any, name: str) -> list[str] | None:
    """Property names: a list of strings or one comma-separated string; None when absent."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.split(",")
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise validation(f"Invalid input JSON: {name} must be a list of strings")
    return [item.strip() for item in raw if item.strip()]


def query_names(request: Request, name: str) -> list[str] | None:
    """A repeated or comma-separated query parameter; None when absent."""
    values = [v.strip() for item in request.args.getlist(name) for v in item.split(",")]
    values = [v for v in values if v]
    return values or None


def query_archived(request: Request) -> bool:
    """A read's `archived=true`: the archived records instead of the live ones."""
    return (request.args.get("archived") or "").lower() == "true"


def query_limit(request: Request, default: int, most: int) -> int:
    """A list endpoint's `limit`: above its maximum is a 400, as HubSpot answers."""
    return integer(request.args.get("limit"), "limit", default, low=1, high=most)


def batch_inputs(body: dict[str, Any], most: int,
                 too_many: str | None = None) -> list[dict[str, Any]]:
    """A batch body's `inputs`: a list of objects, at most `most` of them (`too_many`: the
    message past that, with `{most}`)."""
    if "inputs" not in body:
        raise validation("Invalid input JSON: inputs is required")
    inputs = objects_list(body.get("inputs"), "inputs")
    if len(inputs) > most:
        raise validation(too_many.format(most=most) if too_many else
                         f"Batch input limit exceeded: {len(inputs)} inputs, "
                         f"the maximum is {most}.")
    return inputs


def is_object_id(raw: Any) -> bool:
    """Whether a JSON value names an object id (digits, as a string or a number)."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        return False
    text = str(raw)
    return text.isascii() and text.isdigit() and len(text) <= 18

