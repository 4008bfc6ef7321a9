"""CRM search: HubSpot's filter groups, operators, sorts, limits and paging."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

from .errors import validation
from .store import Row
from .values import comparable

MAX_LIMIT = 200
MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
MAX_RESULTS = 10_000

OPERATORS = {
    "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
    "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN",
}

Definitions = dict[str, dict[str, Any]]


def check_body(body: dict[str, Any], definitions: Definitions) -> tuple[int, int]:
    """Reject what HubSpot rejects; returns (limit, offset)."""
    groups = body.get("filterGroups") or []
    if not isinstance(groups, list):
        raise validation("filterGroups must be a list")
    if len(groups) > MAX_GROUPS:
        raise validation(f"Too many filter groups ({len(groups)}). The maximum is {MAX_GROUPS}.")
    total = 0
    for group in groups:
        filters = group.get("filters") or []
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise validation(
                f"Too many filters in a group ({len(filters)}). "
                f"The maximum is {MAX_FILTERS_PER_GROUP}."
            )
        total += len(filters)
        for f in filters:
            _check_filter(f, definitions)
    if total > MAX_FILTERS:
        raise validation(f"Too many filters ({total}). The maximum is {MAX_FILTERS}.")
    for sort in body.get("sorts") or []:
        name = sort.lstrip("-") if isinstance(sort, str) else (sort or {}).get("propertyName")
        if name not in definitions:
            raise validation(f"Unable to sort by unknown property '{name}'")
    try:
        limit = int(body.get("limit", 10))
        offset = int(body.get("after") or 0)
    except (TypeError, ValueError) as exc:
        raise validation("limit and after must be integers") from exc
    if limit < 0 or limit > MAX_LIMIT:
        raise validation(f"Limit must be between 0 and {MAX_LIMIT}, was {limit}")
    if offset >= MAX_RESULTS:
        raise validation(
            f"The search API returns at most {MAX_RESULTS} results per query; "
            f"after={offset} is past the end."
        )
    return limit, offset


def _check_filter(f: dict[str, Any], definitions: Definitions) -> None:
    name = f.get("propertyName")
    op = f.get("operator", "EQ")
    if op not in OPERATORS:
        raise validation(f"Invalid operator '{op}'")
    if name not in definitions:
        raise validation(f"Unable to filter by unknown property '{name}'")
    if op in ("IN", "NOT_IN"):
        if not isinstance(f.get("values"), list) or not f["values"]:
            raise validation(f"Operator {op} requires a non-empty 'values' list")
    elif op == "BETWEEN":
        if f.get("value") is None or f.get("highValue") is None:
            raise validation("Operator BETWEEN requires 'value' and 'highValue'")
    elif op not in ("HAS_PROPERTY", "NOT_HAS_PROPERTY") and f.get("value") is None:
        raise validation(f"Operator {op} requires a 'value'")


def matcher(body: dict[str, Any], definitions: Definitions) -> Callable[[Row], bool]:
    """A predicate for the body's filter groups: groups ORed, filters ANDed."""
    groups = [g.get("filters") or [] for g in body.get("filterGroups") or []]
    query = str(body.get("query") or "").strip().lower()

    def matches(row: Row) -> bool:
        if query and not any(query in v.lower() for v in row.props.values()):
            return False
        if not groups:
            return True
        return any(all(_test(f, row.props, definitions) for f in g) for g in groups)

    return matches


def _test(f: dict[str, Any], props: dict[str, str], definitions: Definitions) -> bool:
    name = f["propertyName"]
    op = f.get("operator", "EQ")
    definition = definitions.get(name)
    present = props.get(name) not in (None, "")
    if op == "HAS_PROPERTY":
        return present
    if op == "NOT_HAS_PROPERTY":
        return not present
    if op in ("NEQ", "NOT_IN", "NOT_CONTAINS_TOKEN") and not present:
        return True
    if not present:
        return False
    mine = comparable(definition, props[name])

    def cmp(v: Any) -> float | str:
        return comparable(definition, str(v))

    if op == "EQ":
        return mine == cmp(f["value"])
    if op == "NEQ":
        return mine != cmp(f["value"])
    if op in ("IN", "NOT_IN"):
        inside = mine in {cmp(v) for v in f["values"]}
        return inside if op == "IN" else not inside
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pattern = str(f["value"]).lower()
        tokens = str(props[name]).lower().split()
        found = any(fnmatch.fnmatchcase(t, pattern) for t in tokens) or fnmatch.fnmatchcase(
            str(props[name]).lower(), pattern
        )
        return found if op == "CONTAINS_TOKEN" else not found
    try:
        if op == "BETWEEN":
            return cmp(f["value"]) <= mine <= cmp(f["highValue"])  # type: ignore[operator]
        other = cmp(f["value"])
        return {
            "LT": mine < other,  # type: ignore[operator]
            "LTE": mine <= other,  # type: ignore[operator]
            "GT": mine > other,  # type: ignore[operator]
            "GTE": mine >= other,  # type: ignore[operator]
        }[op]
    except TypeError:  # a number against text: HubSpot finds nothing
        return False


def sort_rows(rows: list[Row], body: dict[str, Any], definitions: Definitions) -> list[Row]:
    sorts = body.get("sorts") or []
    if not sorts:
        return rows
    first = sorts[0]
    if isinstance(first, str):
        name, descending = first.lstrip("-"), first.startswith("-")
    else:
        name = first["propertyName"]
        descending = str(first.get("direction", "ASCENDING")).upper() == "DESCENDING"
    definition = definitions.get(name)

    def key(row: Row) -> tuple[int, Any, int]:
        value = row.props.get(name)
        if value in (None, ""):
            return (1, "", row.id)  # empty values last, as HubSpot lists them
        c = comparable(definition, str(value))
        return (0, c if isinstance(c, float) else str(c), row.id)

    present = [r for r in rows if r.props.get(name) not in (None, "")]
    empty = [r for r in rows if r.props.get(name) in (None, "")]
    return sorted(present, key=key, reverse=descending) + empty
