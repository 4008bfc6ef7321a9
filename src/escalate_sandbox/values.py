"""Property values as HubSpot reads, stores and compares them."""

from __future__ import annotations

import functools
import math
import re
from datetime import datetime, timezone
from typing import Any

import phonenumbers

from .errors import property_problem

MAX_STRING = 65536
DEFAULT_REGION = "MX"
# Years 1 to 9999: what a datetime can render.
EARLIEST_MS, LATEST_MS = -62_135_596_800_000, 253_402_300_799_999
DAY_MS = 86_400_000
# RFC 2822's usual subset, with a real-looking top-level domain (letters, at least two).
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                   r"\.)+[A-Za-z]{2,63}")


def iso_ms(epoch_ms: int) -> str:
    """HubSpot's datetime rendering: UTC with milliseconds and a Z."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def parse_datetime_ms(value: str) -> int | None:
    """Epoch milliseconds from an epoch-ms string or an ISO 8601 date or datetime."""
    text = value.strip()
    if re.fullmatch(r"-?\d{1,15}", text):
        ms = int(text)
    else:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        try:
            ms = int(moment.timestamp() * 1000)
        except (OverflowError, ValueError):
            return None
    return ms if EARLIEST_MS <= ms <= LATEST_MS else None


def valid_email(value: str) -> bool:
    """Whether HubSpot would take this as a contact's email address: RFC 2822's usual form
    with a real top-level domain (ICANN's, from the Public Suffix List)."""
    if EMAIL.fullmatch(value) is None or ".." in value:
        return False
    return _icann().publicsuffix(value.rpartition("@")[2].lower()) is not None


@functools.cache
def _icann() -> Any:
    """The Public Suffix List's ICANN part (≈35 ms to load: only when an email is written)."""
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(only_icann=True, accept_unknown=False)


Normalised = tuple[str | None, dict[str, Any] | None]


def _datetime(definition: dict[str, Any], value: str) -> Normalised:
    ms = parse_datetime_ms(value)
    if ms is None:
        return None, property_problem(definition["name"], "INVALID_LONG",
                                      f"{value} was not a valid long.")
    return iso_ms(ms), None


def _date(definition: dict[str, Any], value: str) -> Normalised:
    name = definition["name"]
    ms = parse_datetime_ms(value)
    if ms is None:
        return None, property_problem(name, "INVALID_DATE", f"{value} was not a valid date.")
    if ms % DAY_MS:
        return None, property_problem(
            name, "INVALID_DATE", f"{value} is at {iso_ms(ms)[11:23]} UTC, not midnight!")
    return iso_ms(ms)[:10], None


def _number(definition: dict[str, Any], value: str) -> Normalised:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        return None, property_problem(definition["name"], "INVALID_NUMBER",
                                      f"{value} is not a number.")
    return (str(int(number)) if number.is_integer() else str(number)), None


def _bool(definition: dict[str, Any], value: str) -> Normalised:
    if value.lower() not in ("true", "false"):
        return None, property_problem(definition["name"], "INVALID_BOOLEAN",
                                      f"{value} is not a boolean.")
    return value.lower(), None


def _enumeration(definition: dict[str, Any], value: str) -> Normalised:
    if not definition["options"]:
        return _string(definition, value)
    allowed = [o["value"] for o in definition["options"]]
    chosen = value.split(";") if definition["fieldType"] == "checkbox" else [value]
    bad = [v for v in chosen if v not in allowed]
    if bad:
        return None, property_problem(
            definition["name"],
            "INVALID_OPTION",
            f"{bad[0]} was not one of the allowed options: "
            + ", ".join(f"[{o}]" for o in allowed),
        )
    return value, None


def _string(definition: dict[str, Any], value: str) -> Normalised:
    if len(value) > MAX_STRING:
        return None, property_problem(
            definition["name"],
            "INVALID_STRING_LENGTH",
            f"Property value length {len(value)} exceeds the maximum of {MAX_STRING}.",
        )
    return value, None


# How HubSpot reads a written value, by the property's type; any other type is a string.
_BY_TYPE = {"datetime": _datetime, "date": _date, "number": _number, "bool": _bool,
            "enumeration": _enumeration}


def normalise(definition: dict[str, Any], raw: Any) -> Normalised:
    """The stored string for a written value, or a HubSpot property problem."""
    if raw is None or raw == "":
        return "", None
    value = str(raw).lower() if isinstance(raw, bool) else str(raw)
    return _BY_TYPE.get(definition["type"], _string)(definition, value)


def searchable_phone(raw: str) -> str:
    """Digits of the national number, as HubSpot's hs_searchable_calculated_* hold them."""
    if not raw.strip():
        return ""
    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return re.sub(r"\D", "", raw)
    return str(number.national_number)


def comparable(definition: dict[str, Any] | None, value: str) -> float | str:
    """A value in the order HubSpot sorts and compares it: numbers and dates numerically."""
    kind = definition["type"] if definition else "string"
    if kind in ("datetime", "date"):
        ms = parse_datetime_ms(value)
        return float(ms) if ms is not None else value.lower()
    if kind == "number":
        try:
            return float(value)
        except ValueError:
            return value.lower()
    return value.lower()
