"""Per-property search indexes over one object type: comparable values, equality sets and
sorted orders, built when a property is first filtered or sorted on, and patched with the
objects written since (by any process on the folder) instead of rebuilt."""

from __future__ import annotations

import bisect
import fnmatch
import json
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .portal import Portal
from .store import Row
from .values import comparable

REMEMBERED_QUERIES = 64  # query hits and single filters' ids
CATCH_UP = 2000  # past this many changed objects (or a quarter), rebuild instead of patching

Definitions = dict[str, dict[str, Any]]


@dataclass
class Column:
    """One property's index: comparable values, equality sets and sorted orders."""

    definition: dict[str, Any] | None
    values: dict[int, float | str]
    equal: dict[float | str, set[int]]
    numbers: list[tuple[float, int]]
    texts: list[tuple[str, int]]
    number_keys: list[float] = field(init=False)
    text_keys: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.number_keys = [v for v, _ in self.numbers]
        self.text_keys = [v for v, _ in self.texts]

    @classmethod
    def build(cls, rows: Iterable[Row], name: str,
              definition: dict[str, Any] | None) -> Column:
        values: dict[int, float | str] = {}
        equal: dict[float | str, set[int]] = {}
        for row in rows:
            raw = row.props.get(name)
            if raw in (None, ""):
                continue
            value = comparable(definition, raw)
            values[row.id] = value
            equal.setdefault(value, set()).add(row.id)
        numbers = sorted((v, i) for i, v in values.items() if isinstance(v, float))
        texts = sorted((v, i) for i, v in values.items() if isinstance(v, str))
        return cls(definition, values, equal, numbers, texts)

    def _sorted(self, value: float | str) -> tuple[list[Any], list[Any]]:
        if isinstance(value, float):
            return self.numbers, self.number_keys
        return self.texts, self.text_keys

    def remove(self, object_id: int) -> None:
        value = self.values.pop(object_id, None)
        if value is None:
            return
        holders = self.equal[value]
        holders.discard(object_id)
        if not holders:
            del self.equal[value]
        ordered, keys = self._sorted(value)
        at = bisect.bisect_left(ordered, (value, object_id))
        if at < len(ordered) and ordered[at] == (value, object_id):
            del ordered[at]
            del keys[at]

    def add(self, object_id: int, raw: str | None) -> None:
        if raw in (None, ""):
            return
        value = comparable(self.definition, raw)
        self.values[object_id] = value
        self.equal.setdefault(value, set()).add(object_id)
        ordered, keys = self._sorted(value)
        at = bisect.bisect_left(ordered, (value, object_id))
        ordered.insert(at, (value, object_id))
        keys.insert(at, value)

    def between(self, low: float | str | None, high: float | str | None, *,
                low_open: bool = False, high_open: bool = False,
                kind: type = float) -> set[int]:
        """Ids whose value lies in the range (values of another kind never match)."""
        ordered: list[Any] = self.numbers if kind is float else self.texts
        keys: list[Any] = self.number_keys if kind is float else self.text_keys
        start = 0 if low is None else (bisect.bisect_right(keys, low) if low_open
                                       else bisect.bisect_left(keys, low))
        end = len(keys) if high is None else (bisect.bisect_left(keys, high) if high_open
                                              else bisect.bisect_right(keys, high))
        return {i for _, i in ordered[start:end]}


@dataclass
class Index:
    """Every live object of a type as of one write count, with property columns built when
    first filtered or sorted on and patched (not rebuilt) as objects change."""

    generation: str
    version: int
    by_id: dict[int, Row]
    ids: list[int] = field(init=False)
    columns: dict[str, Column] = field(default_factory=dict)
    orders: dict[tuple[str, bool], list[int]] = field(default_factory=dict)
    queries: OrderedDict[str, set[int]] = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        self.ids = sorted(self.by_id)

    def remembered(self, key: str) -> set[int] | None:
        found = self.queries.get(key)
        if found is not None:
            self.queries.move_to_end(key)
        return found

    def remember(self, key: str, hits: set[int]) -> set[int]:
        self.queries[key] = hits
        while len(self.queries) > REMEMBERED_QUERIES:
            self.queries.popitem(last=False)
        return hits

    def apply(self, changes: list[tuple[Row, bool]], version: int) -> None:
        """Catch up on objects written since this index's version."""
        for row, archived in changes:
            known = row.id in self.by_id
            if known:
                for column in self.columns.values():
                    column.remove(row.id)
            if archived:
                if known:
                    del self.by_id[row.id]
                    self.ids.remove(row.id)
                continue
            self.by_id[row.id] = row
            if not known:
                bisect.insort(self.ids, row.id)
            for name, column in self.columns.items():
                column.add(row.id, row.props.get(name))
        self.orders.clear()
        self.queries.clear()
        self.version = version

    def column(self, name: str, definitions: Definitions) -> Column:
        found = self.columns.get(name)
        if found is None:
            found = self.columns[name] = Column.build(self.by_id.values(), name,
                                                      definitions.get(name))
        return found

    def order(self, name: str, descending: bool, definitions: Definitions) -> list[int]:
        """Ids sorted by a property (numbers, then text), empty values last in id order."""
        column = self.column(name, definitions)
        found = self.orders.get((name, descending))
        if found is None:
            present = [i for _, i in column.numbers] + [i for _, i in column.texts]
            if descending:
                present.reverse()
            empty = [i for i in self.ids if i not in column.values]
            found = self.orders[(name, descending)] = present + empty
        return found

    def matching(self, f: dict[str, Any], definitions: Definitions) -> set[int]:
        """Ids one filter keeps (remembered: queries that page on by a moving date bound
        share their other filters). Callers must not change the set."""
        key = "filter:" + json.dumps(f, sort_keys=True, default=str)
        found = self.remembered(key)
        if found is None:
            found = self.remember(key, self._matching(f, definitions))
        return found

    def _matching(self, f: dict[str, Any], definitions: Definitions) -> set[int]:
        name, op = f["propertyName"], f.get("operator", "EQ")
        column = self.column(name, definitions)
        definition = definitions.get(name)
        if op == "HAS_PROPERTY":
            return set(column.values)
        if op == "NOT_HAS_PROPERTY":
            return set(self.by_id) - column.values.keys()

        def cmp(v: Any) -> float | str:
            return comparable(definition, str(v).lower() if isinstance(v, bool) else str(v))

        if op in ("EQ", "NEQ", "IN", "NOT_IN"):
            wanted = [f["value"]] if op in ("EQ", "NEQ") else f["values"]
            inside: set[int] = set()
            for value in wanted:
                inside |= column.equal.get(cmp(value), set())
            return inside if op in ("EQ", "IN") else set(self.by_id) - inside
        if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
            pattern = str(f["value"]).lower()
            found = {i for i in column.values if _has_token(self.by_id[i].props[name], pattern)}
            return found if op == "CONTAINS_TOKEN" else set(self.by_id) - found
        low = cmp(f["value"])
        kind: type = float if isinstance(low, float) else str
        if op == "BETWEEN":
            high = cmp(f["highValue"])
            if not isinstance(high, kind):
                return set()
            return column.between(low, high, kind=kind)
        return {
            "LT": lambda: column.between(None, low, high_open=True, kind=kind),
            "LTE": lambda: column.between(None, low, kind=kind),
            "GT": lambda: column.between(low, None, low_open=True, kind=kind),
            "GTE": lambda: column.between(low, None, kind=kind),
        }[op]()


def _has_token(value: str, pattern: str) -> bool:
    text = value.lower()
    return any(fnmatch.fnmatchcase(t, pattern) for t in text.split()) or fnmatch.fnmatchcase(
        text, pattern)


def current(portal: Portal, kind: str) -> Index:
    """The type's index, caught up with every write (call with `portal.lock` held)."""
    generation, version = portal.store.version(kind)
    found = portal.indexes.get(kind)
    if isinstance(found, Index) and found.generation == generation:
        if found.version == version:
            return found
        changes = portal.store.changed_since(kind, found.version)
        if len(changes) <= max(CATCH_UP, len(found.by_id) // 4):
            found.apply(changes, version)
            return found
    rows = portal.store.all(kind)  # read after the version: a write between is re-applied
    found = portal.indexes[kind] = Index(generation, version, {r.id: r for r in rows})
    return found


def live_rows(portal: Portal, kind: str) -> list[Row]:
    """Every live object of a type in id order, as the index holds them."""
    with portal.lock:
        index = current(portal, kind)
        return [index.by_id[i] for i in index.ids]
