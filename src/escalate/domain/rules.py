"""Admins' property rules, checked here before HubSpot does (pure): whether a value keeps a
rule, how the rule reads in Spanish, and whether the tool can ask for a property at all.

HubSpot's rule types with their arguments (the property validations API): REGEX
(a pattern the whole value matches), MIN_LENGTH and MAX_LENGTH (characters of a string),
MIN_NUMBER and MAX_NUMBER (bounds of a number). Other types are named but not checked:
HubSpot itself then says whether the value passes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from .records import PropertyInfo, PropertyRule

CHECKED = frozenset({"REGEX", "MIN_LENGTH", "MAX_LENGTH", "MIN_NUMBER", "MAX_NUMBER"})
# Field types whose value cannot be typed at a terminal.
UNASKABLE_FIELDS = {"file": "un archivo", "calculation_equation": "un cálculo"}
TYPE_WORDS = {"string": "texto", "number": "número", "enumeration": "una de sus opciones",
              "bool": "sí o no", "date": "fecha", "datetime": "fecha y hora"}


def checked(rule: PropertyRule) -> bool:
    """Whether the tool can check this rule itself (else only HubSpot can)."""
    return rule.kind in CHECKED and len(rule.arguments) == 1 and _argument(rule) is not None


def describe(rule: PropertyRule) -> str:
    """The rule as the agent reads it: «debe seguir el patrón ^S-[0-9]+$»."""
    if not checked(rule):
        shown = " ".join(rule.arguments)
        return f"cumplir la regla {rule.kind}" + (f" ({shown})" if shown else "") + " del portal"
    argument = rule.arguments[0]
    return {
        "REGEX": f"seguir el patrón {argument}",
        "MIN_LENGTH": f"tener al menos {argument} caracteres",
        "MAX_LENGTH": f"tener como máximo {argument} caracteres",
        "MIN_NUMBER": f"ser un número mayor o igual que {argument}",
        "MAX_NUMBER": f"ser un número menor o igual que {argument}",
    }[rule.kind]


def problem(rule: PropertyRule, value: str) -> str | None:
    """Why `value` breaks the rule, in Spanish; None when it keeps it (or the rule is one
    only HubSpot can check). An empty value breaks none: being required is another rule."""
    if not value or not checked(rule):
        return None
    bound = _argument(rule)
    assert bound is not None
    if rule.kind == "REGEX":
        return None if re.fullmatch(rule.arguments[0], value) else f"debe {describe(rule)}"
    if rule.kind in ("MIN_LENGTH", "MAX_LENGTH"):
        count = len(value)
        broken = count < bound if rule.kind == "MIN_LENGTH" else count > bound
        return f"debe {describe(rule)} (tiene {count})" if broken else None
    number = _number(value)
    if number is None:
        return "debe ser un número (sin comas)"
    broken = number < bound if rule.kind == "MIN_NUMBER" else number > bound
    return f"debe {describe(rule)}" if broken else None


def problems(rules: Iterable[PropertyRule], value: str) -> list[str]:
    """Every rule the value breaks, each said once."""
    return list(dict.fromkeys(p for p in (problem(r, value) for r in rules) if p))


def unaskable(info: PropertyInfo) -> str | None:
    """Why the tool cannot ask for this property (Spanish), or None when it can."""
    if info.read_only:
        return "es de solo lectura o calculada"
    if info.field_type in UNASKABLE_FIELDS:
        return f"su valor es {UNASKABLE_FIELDS[info.field_type]}"
    if info.type == "enumeration" and not info.options:
        return ("sus opciones vienen de otro lado (usuarios de HubSpot)" if
                info.external_options else "no tiene opciones")
    if info.type not in TYPE_WORDS:
        return f"es de un tipo que escalate no conoce ({info.type})"
    return None


def needs(info: PropertyInfo | None, rules: Iterable[PropertyRule]) -> str:
    """What a property needs, for `doctor`: its kind of value and every rule."""
    parts = [TYPE_WORDS.get(info.type, info.type) if info is not None else "un valor"]
    parts += [f"debe {describe(rule)}" for rule in rules]
    return "; ".join(parts)


def _argument(rule: PropertyRule) -> float | None:
    """The rule's one argument as the number it bounds by (REGEX: 0 when it compiles)."""
    if not rule.arguments:
        return None
    if rule.kind == "REGEX":
        try:
            re.compile(rule.arguments[0])
        except re.error:
            return None
        return 0.0
    if rule.kind in ("MIN_LENGTH", "MAX_LENGTH"):
        return float(rule.arguments[0]) if rule.arguments[0].isdigit() else None
    return _number(rule.arguments[0])


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
