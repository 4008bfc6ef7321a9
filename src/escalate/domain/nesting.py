"""How deep a TOML or JSON text nests, found in one linear pass before any parser reads it.

The standard parsers recurse for each level of arrays and tables (a few hundred levels end
in `RecursionError`), and tomllib's dotted keys cost the square of their depth in memory
(100,000 levels: tens of gigabytes). Files the tool reads (the policy file, its caches)
are refused past a small depth, which no file the tool or a supervisor writes comes near.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TooDeep:
    """Where a text first nests deeper than allowed (`line` from 1)."""

    line: int
    depth: int


def json_too_deep(text: str, limit: int) -> TooDeep | None:
    """The first place a JSON text nests arrays and objects more than `limit` deep."""
    depth, line, i, n = 0, 1, 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i = _end_of_basic(text, i + 1)
            continue
        if c in "[{":
            depth += 1
            if depth > limit:
                return TooDeep(line, depth)
        elif c in "]}":
            depth = max(0, depth - 1)
        elif c == "\n":
            line += 1
        i += 1
    return None


def _end_of_basic(text: str, i: int) -> int:
    """The index after a double-quoted string's closing quote (`i`: after the opening one);
    a string left open ends the text."""
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return i + 1
        if c == "\n":  # not allowed open across lines: the line goes on being counted
            return i
        i += 1
    return n


class _Toml:
    """The scanner's state over one TOML text: tables, arrays, inline tables and dotted
    keys each count one level."""

    def __init__(self, text: str, limit: int) -> None:
        self.text, self.limit = text, limit
        self.i, self.line = 0, 1
        self.open: list[str] = []  # "[" and "{" open in the current value
        self.table = 0  # levels of the table the header named
        self.key = 0  # dots in the key being read
        self.in_key = True  # reading a key (or a header), not a value
        self.header = False

    def depth(self) -> int:
        return self.table + self.key + len(self.open) + (1 if self.in_key else 0)

    def scan(self) -> TooDeep | None:
        text, n = self.text, len(self.text)
        while self.i < n:
            c = text[self.i]
            if c in "\"'":
                self._skip_string(c)
                continue
            if c == "#":
                end = text.find("\n", self.i)
                self.i = n if end < 0 else end
                continue
            if c == "\n":
                self._newline()
            elif self.in_key:
                self._key_char(c)
            else:
                self._value_char(c)
            if self.depth() > self.limit:
                return TooDeep(self.line, self.depth())
            self.i += 1
        return None

    def _newline(self) -> None:
        self.line += 1
        if not self.open:  # a new key, unless an array or inline table goes on
            self.in_key, self.key, self.header = True, 0, False

    def _key_char(self, c: str) -> None:
        if c == ".":
            self.key += 1
        elif c == "=":
            self.in_key = False
        elif c == "[" and not self.open and not self.header:
            self.header, self.table, self.key = True, 0, 0
        elif c == "]" and self.header:
            self.header, self.table, self.key = False, self.key + 1, 0

    def _value_char(self, c: str) -> None:
        if c in "[{":
            self.open.append(c)
            if c == "{":
                self.in_key, self.key = True, 0
        elif c in "]}" and self.open:
            self.open.pop()
        elif c == "," and self.open and self.open[-1] == "{":
            self.in_key, self.key = True, 0

    def _skip_string(self, quote: str) -> None:
        text = self.text
        triple = text.startswith(quote * 3, self.i)
        if triple:
            end = text.find(quote * 3, self.i + 3)
            while quote == '"' and end > 0 and _escaped(text, end):
                end = text.find(quote * 3, end + 1)
            stop = len(text) if end < 0 else end + 3
            self.line += text.count("\n", self.i, stop)
            self.i = stop
        elif quote == '"':
            self.i = _end_of_basic(text, self.i + 1)
        else:
            end = text.find("'", self.i + 1)
            self.i = len(text) if end < 0 else end + 1


def _escaped(text: str, at: int) -> bool:
    """Whether the character at `at` follows an odd run of backslashes."""
    run = 0
    while at - run - 1 >= 0 and text[at - run - 1] == "\\":
        run += 1
    return run % 2 == 1


def toml_too_deep(text: str, limit: int) -> TooDeep | None:
    """The first place a TOML text nests tables, arrays, inline tables and dotted keys more
    than `limit` deep (a header's or key's dots each count one)."""
    return _Toml(text, limit).scan()
