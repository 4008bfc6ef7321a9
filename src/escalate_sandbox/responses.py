"""HubSpot's answer envelopes: JSON with its content type, and the batch status wrapper."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Response

from .values import iso_ms


def json_response(body: Any, status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers,
                    content_type="application/json;charset=utf-8")


def batch(started: int, completed: int, results: list[Any], errors: list[Any]) -> dict[str, Any]:
    """A batch endpoint's body: COMPLETE, its results, and its errors when some failed."""
    answer: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": iso_ms(started),
        "completedAt": iso_ms(completed),
    }
    if errors:
        answer["numErrors"] = len(errors)
        answer["errors"] = errors
    return answer
