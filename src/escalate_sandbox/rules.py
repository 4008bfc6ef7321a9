"""Property validation rules: which ones a property can carry, and whether a value keeps them.

HubSpot's rule types are the property validations API's (`ruleType`, with `ruleArguments`
as strings). The sandbox enforces the ones the tool meets (regular expression, length of a
string, bounds of a number) and serves every other type without enforcing it.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .errors import property_problem, validation
from .knobs import REQUIRED

RULE_TYPES = frozenset({
    "AFTER_DATETIME_DURATION", "AFTER_DURATION", "ALPHANUMERIC", "BEFORE_DATETIME_DURATION",
    "BEFORE_DURATION", "DAYS_OF_WEEK", "DECIMAL", "DOMAIN", "EMAIL", "EMAIL_ALLOWED_DOMAINS",
    "EMAIL_BLOCKED_DOMAINS", "END_DATE", "END_DATETIME", "FORMAT", "MAX_LENGTH", "MAX_NUMBER",
    "MIN_LENGTH", "MIN_NUMBER", "PHONE_NUMBER_WITH_EXPLICIT_COUNTRY_CODE", "REGEX",
    "SPECIAL_CHARACTERS", "START_DATE", "START_DATETIME", "URL", "URL_ALLOWED_DOMAINS",
    "URL_BLOCKED_DOMAINS", "WHITESPACE", REQUIRED,
})
STRING_RULES = frozenset({"REGEX", "MIN_LENGTH", "MAX_LENGTH"})
NUMBER_RULES = frozenset({"MIN_NUMBER", "MAX_NUMBER"})
# The code of a value refused for a rule (no public capture of HubSpot's: hubspot-facts.md).
RULE_CODE = "INVALID_PROPERTY_VALIDATION_RULE"


def checked_rule(definition: dict[str, Any], raw: Any) -> tuple[str, tuple[str, ...]]:
    """A rule given to `/_sandbox/validation_rules`, as (type, arguments); 400 when it is
    not one HubSpot knows, has the wrong arguments or does not fit the property's type."""
    if not isinstance(raw, dict):
        raise validation("rule must be an object: {ruleType, ruleArguments}")
    rule_type, arguments = raw.get("ruleType"), raw.get("ruleArguments", [])
    if rule_type not in RULE_TYPES:
        raise validation(f"ruleType must be one of {', '.join(sorted(RULE_TYPES))}")
    if not isinstance(arguments, list) or not all(isinstance(a, str) for a in arguments):
        raise validation("ruleArguments must be a list of strings")
    kind = definition["type"]
    fits = {**dict.fromkeys(STRING_RULES, "string"), **dict.fromkeys(NUMBER_RULES, "number")}
    if fits.get(rule_type, kind) != kind:
        raise validation(f"{rule_type} does not apply to a {kind} property")
    if rule_type in STRING_RULES | NUMBER_RULES and len(arguments) != 1:
        raise validation(f"{rule_type} takes one argument")
    if rule_type == "REGEX":
        try:
            re.compile(arguments[0])
        except re.error as exc:
            raise validation(f"Invalid regular expression: {exc}") from None
    elif (rule_type in STRING_RULES and not arguments[0].isdigit()) \
            or (rule_type in NUMBER_RULES and _number(arguments[0]) is None):
        raise validation(f"{rule_type} takes a number, was {arguments[0]!r}")
    return str(rule_type), tuple(arguments)


def problem(name: str, value: str, rule_type: str,
            arguments: tuple[str, ...]) -> dict[str, Any] | None:
    """HubSpot's property problem when a written value breaks a rule, else None."""
    broken = _broken(value, rule_type, arguments)
    if broken is None:
        return None
    found = property_problem(name, RULE_CODE, f"{value!r} {broken}")
    found.update(ruleType=rule_type, ruleArguments=list(arguments))
    return found


def _broken(value: str, rule_type: str, arguments: tuple[str, ...]) -> str | None:
    if rule_type == "REGEX" and re.fullmatch(arguments[0], value) is None:
        return f"does not match the pattern {arguments[0]}"
    if rule_type == "MIN_LENGTH" and len(value) < int(arguments[0]):
        return f"is shorter than {arguments[0]} characters"
    if rule_type == "MAX_LENGTH" and len(value) > int(arguments[0]):
        return f"is longer than {arguments[0]} characters"
    number = _number(value) if rule_type in NUMBER_RULES else None
    bound = _number(arguments[0]) if arguments else None
    if number is not None and bound is not None:
        if rule_type == "MIN_NUMBER" and number < bound:
            return f"is less than {arguments[0]}"
        if rule_type == "MAX_NUMBER" and number > bound:
            return f"is greater than {arguments[0]}"
    return None


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
