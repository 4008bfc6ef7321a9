"""Per-property search indexes over one object type: comparable values, equality sets and
sorted orders, built when a property is first filtered or sorted on, and patched with the
objects written since (by any process on the folder) instead of rebuilt.

An index may lag its writes, as HubSpot's search does: it then holds each object as it was
`lag_ms` ago (an object created since is absent, one updated since has its old values), and
takes the newer state in once it is older than the lag."""

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
    """Every live object of a type as of one write count (seen `lag_ms` late), with property
    columns built when first filtered or sorted on and patched (not rebuilt) as objects
    change."""

    generation: str
    version: int
    by_id: dict[int, Row]
    lag_ms: int = 0
    # Objects written within the lag, as they are now: the index shows an older state.
    pending: dict[int, Row] = field(default_factory=dict)
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

    def apply(self, changes: list[tuple[int, Row | None]], version: int) -> None:
        """Catch up on objects written since this index's version: each id with the state
        the index shows (None: absent)."""
        if not changes and version == self.version:
            return
        for object_id, row in changes:
            known = object_id in self.by_id
            if known:
                for column in self.columns.values():
                    column.remove(object_id)
            if row is None:
                if known:
                    del self.by_id[object_id]
                    self.ids.remove(object_id)
                continue
            self.by_id[object_id] = row
            if not known:
                bisect.insort(self.ids, object_id)
            for name, column in self.columns.items():
                column.add(object_id, row.props.get(name))
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


def current(portal: Portal, kind: str, lag_ms: int = 0) -> Index:
    """The type's index as search sees it `lag_ms` after every write (call with
    `portal.lock` held)."""
    generation, version = portal.store.version(kind)
    cutoff = portal.now_ms() - lag_ms
    found = portal.indexes.get(kind)
    if isinstance(found, Index) and found.generation == generation and found.lag_ms == lag_ms:
        changes = portal.store.changed_since(kind, found.version) \
            if found.version != version else []
        if len(changes) <= max(CATCH_UP, len(found.by_id) // 4):
            written = {row.id for row, _archived in changes}
            due = [row for i, row in found.pending.items()
                   if i not in written and row.updated_at <= cutoff]
            found.apply([_seen(portal, found, row, archived, cutoff) for row, archived in changes]
                        + [_seen(portal, found, row, False, cutoff) for row in due], version)
            return found
    found = portal.indexes[kind] = Index(generation, version, {}, lag_ms)
    # Read after the version: a write in between is applied again on the next search.
    found.apply([_seen(portal, found, row, False, cutoff) for row in portal.store.all(kind)],
                version)
    return found


def _seen(portal: Portal, index: Index, row: Row, archived: bool,
          cutoff: int) -> tuple[int, Row | None]:
    """How the index shows an object written since it last looked: as it is, or, when
    written after `cutoff`, as it was then (noting it to be taken in later). A write at
    `cutoff` itself is seen: without a lag, a search in the write's own millisecond found
    the object absent (its old version ends there, the new one is not a version yet)."""
    index.pending.pop(row.id, None)
    if archived or row.updated_at <= cutoff:
        return row.id, None if archived else row
    index.pending[row.id] = row
    return row.id, portal.store.version_at(row, cutoff)
