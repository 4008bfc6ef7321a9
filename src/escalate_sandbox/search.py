"""The CRM search API: filter groups, operators, sorts, limits, paging, and its lag.

Filters and sorts run on the indexes of `index.py`, so a page costs set operations and a
bisect, not a pass over every object.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request

from . import payload, records
from .errors import validation
from .index import Index, current
from .knobs import MAX_RESULTS
from .portal import Portal
from .store import Row

MAX_LIMIT = 200
MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 10
MAX_FILTERS = 25

OPERATORS = {
    "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
    "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN",
}
SCALARS = (str, int, float, bool)

Definitions = dict[str, dict[str, Any]]


def search(portal: Portal, request: Request, kind: str) -> Any:
    """`POST /crm/objects/{v}/{type}/search`: `{total, results, paging}`, from an index
    that lags writes by the sandbox's search lag."""
    body = payload.json_body(request)
    definitions = portal.store.properties(kind)
    query = Query.parse(body, definitions, portal.control.results_cap)
    with portal.lock:  # one search at a time on the indexes, which writes patch
        index = current(portal, kind, portal.control.search_lag_ms)
        hits = query.hits(index)
        page = query.page(index, hits)
    answer: dict[str, Any] = {
        "total": len(hits),
        "results": [records.render(r, query.properties) for r in page],
    }
    if query.offset + query.limit < len(hits):
        answer["paging"] = {"next": {"after": str(query.offset + query.limit)}}
    return answer


@dataclass
class Query:
    """A search body, checked as HubSpot checks it."""

    groups: list[list[dict[str, Any]]]
    sort: tuple[str, bool] | None
    properties: list[str] | None
    limit: int
    offset: int
    text: str
    definitions: Definitions

    @classmethod
    def parse(cls, body: dict[str, Any], definitions: Definitions,
              results_cap: int = MAX_RESULTS) -> Query:
        groups = payload.objects_list(body.get("filterGroups"), "filterGroups")
        if len(groups) > MAX_GROUPS:
            raise validation(f"Too many filter groups ({len(groups)}). "
                             f"The maximum is {MAX_GROUPS}.")
        parsed = []
        for group in groups:
            filters = payload.objects_list(group.get("filters"), "filterGroups[].filters")
            if len(filters) > MAX_FILTERS_PER_GROUP:
                raise validation(f"Too many filters in a group ({len(filters)}). "
                                 f"The maximum is {MAX_FILTERS_PER_GROUP}.")
            for f in filters:
                _check_filter(f, definitions)
            parsed.append(filters)
        total = sum(len(g) for g in parsed)
        if total > MAX_FILTERS:
            raise validation(f"Too many filters ({total}). The maximum is {MAX_FILTERS}.")
        text = body.get("query")
        if text is not None and not isinstance(text, str):
            raise validation("Invalid input JSON: query must be a string")
        limit = payload.integer(body.get("limit"), "limit", 10, low=0, high=MAX_LIMIT)
        offset = payload.integer(body.get("after") or None, "after", 0, low=0, high=10**12)
        if offset >= results_cap:
            raise validation(f"The search API returns at most {results_cap} results per query; "
                             f"after={offset} is past the end ({results_cap}).")
        return cls(parsed, _sort(body.get("sorts"), definitions),
                   payload.names(body.get("properties"), "properties"), limit, offset,
                   (text or "").strip().lower(), definitions)

    def hits(self, index: Index) -> set[int]:
        """Ids matching: groups ORed, filters in a group ANDed (remembered by the index
        until the next write, since a caller pages through the same query)."""
        key = json.dumps([self.groups, self.text], sort_keys=True, default=str)
        found = index.remembered(key)
        if found is None:
            found = index.remember(key, self._hits(index))
        return found

    def _hits(self, index: Index) -> set[int]:
        if self.groups:
            found: set[int] = set()
            for group in self.groups:
                found |= _and((index.matching(f, self.definitions) for f in group), index)
        else:
            found = set(index.by_id)
        if self.text:
            found = {i for i in found
                     if any(self.text in v.lower() for v in index.by_id[i].props.values())}
        return found

    def page(self, index: Index, hits: set[int]) -> list[Row]:
        order = index.order(*self.sort, self.definitions) if self.sort else index.ids
        end = self.offset + self.limit
        chosen: list[int] = []
        seen = 0
        for object_id in order:
            if object_id in hits:
                if seen >= self.offset:
                    chosen.append(object_id)
                    if len(chosen) >= self.limit:
                        break
                seen += 1
                if seen >= end:
                    break
        return [index.by_id[i] for i in chosen]


def _and(sets: Iterable[set[int]], index: Index) -> set[int]:
    ordered = sorted(sets, key=len)
    if not ordered:
        return set(index.by_id)
    return ordered[0].intersection(*ordered[1:])


def _check_filter(f: dict[str, Any], definitions: Definitions) -> None:
    name = f.get("propertyName")
    op = f.get("operator", "EQ")
    if not isinstance(op, str) or op not in OPERATORS:
        raise validation(f"Invalid operator '{op}'")
    if not isinstance(name, str) or name not in definitions:
        raise validation(f"Unable to filter by unknown property '{name}'")
    if op in ("IN", "NOT_IN"):
        values = f.get("values")
        if not isinstance(values, list) or not values \
                or not all(isinstance(v, SCALARS) for v in values):
            raise validation(f"Operator {op} requires a non-empty 'values' list")
    elif op == "BETWEEN":
        if not isinstance(f.get("value"), SCALARS) or not isinstance(f.get("highValue"),
                                                                     SCALARS):
            raise validation("Operator BETWEEN requires 'value' and 'highValue'")
    elif op not in ("HAS_PROPERTY", "NOT_HAS_PROPERTY") and not isinstance(f.get("value"),
                                                                          SCALARS):
        raise validation(f"Operator {op} requires a 'value'")


def _sort(raw: Any, definitions: Definitions) -> tuple[str, bool] | None:
    """The first sort as (property, descending); HubSpot sorts by one property."""
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise validation("Invalid input JSON: sorts must be a list")
    first: tuple[str, bool] | None = None
    for sort in raw:
        name: Any
        if isinstance(sort, str):
            name, descending = sort.lstrip("-"), sort.startswith("-")
        elif isinstance(sort, dict):
            name = sort.get("propertyName")
            direction = sort.get("direction", "ASCENDING")
            if not isinstance(direction, str) or direction.upper() not in ("ASCENDING",
                                                                           "DESCENDING"):
                raise validation(f"Invalid sort direction {direction!r}")
            descending = direction.upper() == "DESCENDING"
        else:
            raise validation("Invalid input JSON: each sort must be an object")
        if not isinstance(name, str) or name not in definitions:
            raise validation(f"Unable to sort by unknown property '{name}'")
        first = first or (name, descending)
    return first
