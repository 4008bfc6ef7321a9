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

from .records import PortalRules, PropertyInfo, PropertyRule
from .text import fold

CHECKED = frozenset({"REGEX", "MIN_LENGTH", "MAX_LENGTH", "MIN_NUMBER", "MAX_NUMBER"})
# What `create` writes on every ticket (workflows/ticket.py, ticket_properties), and with
# an agent or the policy file's matrix (workflows/team.py): never a `--campo`.
TOOL_FILLS = frozenset({"subject", "content", "hs_pipeline", "hs_pipeline_stage",
                        "hs_ticket_priority", "createdate", "escalate_id", "escalate_policy",
                        "escalate_agent", "hubspot_owner_id", "escalate_quality"})
YES = frozenset({"si", "sí", "s", "true", "1", "yes", "verdadero"})
NO = frozenset({"no", "n", "false", "0", "falso"})
_YES_FOLDED = frozenset(fold(w).lower() for w in YES)  # as a typed answer is compared
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


# -- a portal's own fields (`--campo NOMBRE=VALOR`) ------------------------------------------


class FieldProblem(ValueError):
    """Why a `--campo` cannot be written, in Spanish; `unaskable`: no value the agent could
    type would do (a required property of such a kind stops the create with exit 3)."""

    def __init__(self, name: str, message: str, *, unaskable: bool = False) -> None:
        super().__init__(message)
        self.name = name
        self.message = message
        self.unaskable = unaskable


def field_value(info: PropertyInfo | None, name: str, value: str,
                rules: Iterable[PropertyRule], known: Iterable[PropertyInfo] = ()) -> str:
    """The value to write for property `name` as HubSpot takes it (an option's internal
    value, true or false, a number), or a FieldProblem naming what is wrong."""
    if info is None:
        close = close_names(name, known)
        raise FieldProblem(name, f"los tickets del portal no tienen la propiedad «{name}»"
                           + (f"; parecidas: {', '.join(close)}" if close else ""))
    if name in TOOL_FILLS:
        raise FieldProblem(name, f"«{name}» la llena escalate: no se indica aparte")
    cannot = unaskable(info)
    if cannot is not None:
        raise FieldProblem(name, f"«{name}» no se puede indicar: {cannot}", unaskable=True)
    text = value.strip()
    if not text:
        raise FieldProblem(name, f"«{name}» necesita un valor: {needs(info, rules)}")
    written = _typed_value(info, text)
    broken = problems(rules, text)
    if broken:
        raise FieldProblem(name, f"«{name}» " + "; ".join(broken))
    return written


def required_missing(portal: PortalRules, given: Iterable[str]) -> list[str]:
    """The properties an admin made required that escalate does not fill and were not given."""
    have = set(given)
    return [n for n in portal.required if n not in TOOL_FILLS and n not in have]


def close_names(name: str, known: Iterable[PropertyInfo]) -> list[str]:
    """Up to five writable property names like `name` (by name or label)."""
    import difflib

    writable = {fold(p.name).lower(): p.name for p in known if not p.read_only}
    writable.update({fold(p.label).lower(): p.name for p in known
                     if p.label and not p.read_only})
    found = difflib.get_close_matches(fold(name).lower(), list(writable), n=8, cutoff=0.6)
    return list(dict.fromkeys(writable[f] for f in found))[:5]


def _typed_value(info: PropertyInfo, text: str) -> str:
    if info.type == "enumeration":
        wanted = fold(text).lower()
        for value, label in info.options:
            if wanted in (fold(value).lower(), fold(label).lower()):
                return value
        raise FieldProblem(info.name, f"«{text}» no es una opción de «{info.name}»: "
                           + ", ".join(label or value for value, label in info.options))
    if info.type == "bool":
        if fold(text).lower() in _YES_FOLDED:
            return "true"
        if fold(text).lower() in NO:
            return "false"
        raise FieldProblem(info.name, f"«{info.name}» es sí o no")
    if info.type == "number" and _number(text) is None:
        raise FieldProblem(info.name, f"«{info.name}» es un número (sin comas)")
    if info.type == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise FieldProblem(info.name, f"«{info.name}» es una fecha AAAA-MM-DD")
    return text
