"""The escalation: what an agent types, validated, and the ticket it becomes."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..errors import InvalidInput
from . import limits
from .answers import CONTACT, EscalationInput
from .moments import EARLIEST, parse_iso, zone
from .priority import Priority
from .text import clean, fold, shown

CLOCK_SKEW = timedelta(minutes=5)
DEFAULT_POLICY_PATTERN = re.compile(limits.DEFAULT_POLICY_PATTERN)
PLACEHOLDERS = {"NA", "N/A", "X", "XX", "XXX", "TEST", "PRUEBA", "PENDIENTE", "TBD", "TODO",
                "SIN DATOS", "NINGUNO", "NADA", "ASDF", "NULL", "NONE", "-"}
NAME_PUNCTUATION = set(" '’.-")


class Channel(str, Enum):
    TELEFONO = "telefono"
    CORREO = "correo"
    CHAT = "chat"
    WHATSAPP = "whatsapp"
    REDES = "redes"
    WEB = "web"

    @classmethod
    def parse(cls, text: str) -> Channel:
        key = fold(text).lower()
        for channel in cls:
            if key == channel.value:
                return channel
        raise ValueError(f"canal desconocido «{shown(text, 30)}»: use "
                         + ", ".join(c.value for c in cls))

    @property
    def label(self) -> str:
        return {"telefono": "Teléfono", "correo": "Correo", "chat": "Chat",
                "whatsapp": "WhatsApp", "redes": "Redes sociales", "web": "Web"}[self.value]


@dataclass(frozen=True)
class Rules:
    """What the portal's team configured: how policies look, where phones are from."""

    policy_pattern: re.Pattern[str] = DEFAULT_POLICY_PATTERN
    phone_region: str = "MX"
    time_zone: str | None = None  # the portal's (IANA name): where a date without offset is read




class Change(BaseModel):
    """One datum the client asked to change (endoso): `campo=valor`."""

    model_config = ConfigDict(frozen=True)
    field: str
    value: str

    @classmethod
    def parse(cls, text: str) -> Change:
        name, sep, value = text.partition("=")
        name, value = clean(name), clean(value)
        if not sep or not name or not value:
            raise ValueError(f"«{shown(text, 40)}» no tiene la forma campo=valor "
                             "(por ejemplo placa=ABC1234)")
        return cls(field=name, value=value)


class Escalation(BaseModel):
    """A validated escalation. Build it with `Escalation.build(...)`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    escalate_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    policy: str
    client_name: str
    email: str | None = None
    phone: str | None = None  # E.164
    priority: Priority
    what: str
    how: str
    where: str
    when: str | None = None
    changes: tuple[Change, ...] = ()
    channel: Channel | None = None
    # Missing means "now": the validator runs on the default too, with `now` from context.
    created_at: datetime = Field(default=None, validate_default=True)

    # -- construction -------------------------------------------------------------------

    @classmethod
    def build(cls, data: dict[str, Any], rules: Rules, now: datetime) -> Escalation:
        """Validate; every problem is reported at once, keyed by field (InvalidInput.fields)."""
        try:
            return cls.model_validate(data, context={"rules": rules, "now": now})
        except ValidationError as exc:
            fields = field_problems(exc)
            raise InvalidInput(list(fields.values()), fields=fields) from None

    @classmethod
    def from_input(cls, answers: EscalationInput, rules: Rules, now: datetime) -> Escalation:
        """The escalation an agent's answers describe (attachments are the workflow's)."""
        data: dict[str, Any] = {k: v for k, v in answers.items() if k != "attachments"}
        data["changes"] = list(answers.get("changes") or [])
        return cls.build(data, rules, now)

    @field_validator("escalate_id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9a-f]{32}", value):
            raise PydanticCustomError("escalate_id", "identificador interno no válido")
        return value

    @field_validator("policy", mode="before")
    @classmethod
    def _policy(cls, value: Any, info: ValidationInfo) -> str:
        text = clean(_text(value)).upper()
        pattern = _rules(info).policy_pattern
        if not text:
            raise PydanticCustomError("blank", "falta el número de póliza")
        if not pattern.search(text):
            shape = ("letras, números, «-» o «/», de 3 a 40, por ejemplo POL-1001"
                     if pattern.pattern == DEFAULT_POLICY_PATTERN.pattern
                     else "la forma de las pólizas que configuró su equipo")
            raise PydanticCustomError(
                "policy", "«{policy}» no parece un número de póliza (use {shape})",
                {"policy": shown(text, 40), "shape": shape})
        return text

    @field_validator("client_name", mode="before")
    @classmethod
    def _client_name(cls, value: Any) -> str:
        text = clean(_text(value))
        letters = sum(ch.isalpha() for ch in text)
        bad = sorted({ch for ch in text if not ch.isalpha() and ch not in NAME_PUNCTUATION
                      and not _is_mark(ch)})
        if not text:
            raise PydanticCustomError("blank", "falta el nombre del cliente")
        if bad:
            raise PydanticCustomError(
                "name", "«{name}» no parece un nombre: solo se admiten letras, espacios, "
                "apóstrofos, guiones y puntos (sobra «{bad}»)",
                {"name": shown(text, 40), "bad": "".join(bad)[:10]})
        if letters < 2 or len(text) > 100:
            raise PydanticCustomError("name", "el nombre debe tener entre 2 y 100 caracteres")
        return text

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value: Any) -> str | None:
        text = clean(_text(value))
        if not text:
            return None
        from email_validator import EmailNotValidError, validate_email

        try:
            return str(validate_email(text, check_deliverability=False).normalized)
        except EmailNotValidError:
            raise PydanticCustomError("email", "«{email}» no es un correo electrónico válido",
                                      {"email": shown(text, 60)}) from None

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: Any, info: ValidationInfo) -> str | None:
        text = clean(_text(value))
        if not text:
            return None
        return normalise_phone(text, _rules(info).phone_region)

    @field_validator("priority", mode="before")
    @classmethod
    def _priority(cls, value: Any) -> Priority:
        if isinstance(value, Priority):
            return value
        try:
            return Priority.parse(_text(value))
        except ValueError as exc:
            raise PydanticCustomError("priority", str(exc)) from None

    @field_validator("what", "how", "where", mode="before")
    @classmethod
    def _description(cls, value: Any, info: ValidationInfo) -> str:
        text = clean(_text(value), multiline=True)
        if not text:
            raise PydanticCustomError("blank", "no puede quedar vacío")
        if is_placeholder(text):
            raise PydanticCustomError(
                "placeholder", "«{text}» no describe nada: escriba lo que el cliente vio",
                {"text": shown(text, 30)})
        return text

    @field_validator("when", mode="before")
    @classmethod
    def _when(cls, value: Any) -> str | None:
        return clean(_text(value), multiline=True) or None

    @field_validator("changes", mode="before")
    @classmethod
    def _changes(cls, value: Any) -> tuple[Change, ...]:
        items = value if isinstance(value, (list, tuple)) else [value] if value else []
        changes, bad = [], []
        for item in items:
            if isinstance(item, (Change, dict)):
                changes.append(item if isinstance(item, Change) else Change(**item))
                continue
            try:
                changes.append(Change.parse(_text(item)))
            except ValueError as exc:
                bad.append(str(exc))
        if bad:
            raise PydanticCustomError("change", "{bad}", {"bad": "; ".join(bad)})
        return tuple(changes)

    @field_validator("channel", mode="before")
    @classmethod
    def _channel(cls, value: Any) -> Channel | None:
        if value is None or isinstance(value, Channel):
            return value
        text = _text(value)
        if not text.strip():
            return None
        try:
            return Channel.parse(text)
        except ValueError as exc:
            raise PydanticCustomError("channel", str(exc)) from None

    @field_validator("created_at", mode="before")
    @classmethod
    def _created_at(cls, value: Any, info: ValidationInfo) -> datetime:
        now = _now(info)
        if value is None or (isinstance(value, str) and not value.strip()):
            return now
        rules = _rules(info)
        moment = (value if isinstance(value, datetime)
                  else parse_iso(_text(value), zone(rules.time_zone)))
        if moment is None:
            raise PydanticCustomError(
                "date", "«{date}» no es una fecha ISO 8601 (por ejemplo 2026-11-20T14:30-06:00)",
                {"date": shown(_text(value), 40)})
        if moment - now > CLOCK_SKEW:
            raise PydanticCustomError("date", "la fecha {date} está en el futuro",
                                      {"date": moment.isoformat(timespec="minutes")})
        if moment < EARLIEST:
            raise PydanticCustomError("date", "la fecha {date} es anterior a 2000-01-01",
                                      {"date": moment.date().isoformat()})
        return moment

    @model_validator(mode="after")
    def _whole(self) -> Escalation:
        if not self.email and not self.phone:
            raise PydanticCustomError(
                "contact", "falta el correo o el teléfono del cliente (uno de los dos)")
        size = len(self.content())
        if size > limits.MAX_TEXT:
            longest = max(("what", "how", "where", "when"),
                          key=lambda f: len(getattr(self, f) or ""))
            raise PydanticCustomError(
                "too_long",
                "la descripción ocupa {size} caracteres y HubSpot admite {limit}: acórtelo",
                {"size": f"{size:,}".replace(",", "."),
                 "limit": f"{limits.MAX_TEXT:,}".replace(",", "."), "field": longest})
        return self

    # -- the ticket ---------------------------------------------------------------------

    def subject(self) -> str:
        """Ticket name: `POLICY - Client Name`."""
        return f"{self.policy} - {self.client_name}"

    def content(self) -> str:
        """Ticket description: one labelled section per field, in the guide's order."""
        changes = "\n".join(f"- {c.field}: {c.value}" for c in self.changes) or "Ninguno"
        sections = [
            ("QUÉ", self.what),
            ("CÓMO", self.how),
            ("DÓNDE", self.where),
            ("CUÁNDO", self.when or "No indicado"),
            ("CAMBIOS SOLICITADOS", changes),
            ("CANAL", self.channel.label if self.channel else "No indicado"),
        ]
        return "\n\n".join(f"{label}:\n{text}" for label, text in sections)


def normalise_phone(text: str, region: str) -> str:
    """E.164 form of a phone typed in any format; a Spanish ValueError-like error if not valid."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise PydanticCustomError(
            "phone", "«{phone}» no es un teléfono válido para la región {region}",
            {"phone": shown(text, 30), "region": region})
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def national_digits(e164: str) -> str:
    """The national number's digits, as HubSpot's searchable phone properties hold them."""
    import phonenumbers

    return str(phonenumbers.parse(e164, None).national_number)


def is_placeholder(text: str) -> bool:
    folded = fold(text)
    meaningful = re.sub(r"[\W_]+", "", folded)
    return not meaningful or folded.strip(" .") in PLACEHOLDERS or len(set(meaningful)) == 1


def field_problems(exc: ValidationError) -> dict[str, str]:
    """One Spanish message per bad field, keyed by field name (`contact` for email/phone)."""
    problems: dict[str, str] = {}
    for error in exc.errors():
        where = str(error["loc"][0]) if error["loc"] else ""
        context = error.get("ctx") or {}
        if error["type"] == "contact":
            where = CONTACT
        elif error["type"] == "too_long":
            where = str(context.get("field", "what"))
        if error["type"] == "missing":
            message = "falta este dato"
        elif error["type"] == "extra_forbidden":
            message = "dato no reconocido"
        elif error["type"].endswith("_type") or error["type"].endswith("_parsing"):
            message = "valor no válido"
        else:
            message = _capital(error["msg"])
        problems.setdefault(where or "escalation", message)
    return problems


def check_field(field: str, value: Any, rules: Rules, now: datetime) -> str | None:
    """The Spanish problem with one field's value alone, or None: for checking as typed."""
    validator = _FIELD_CHECKS.get(field)
    if validator is None:
        return None
    try:
        validator(value, rules, now)
    except PydanticCustomError as exc:
        return _capital(exc.message())
    return None


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _is_mark(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch).startswith("M")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise PydanticCustomError("type", "se esperaba texto")


def _rules(info: ValidationInfo) -> Rules:
    context = info.context or {}
    rules = context.get("rules")
    return rules if isinstance(rules, Rules) else Rules()


def _now(info: ValidationInfo) -> datetime:
    context = info.context or {}
    now = context.get("now")
    if not isinstance(now, datetime):
        raise PydanticCustomError("clock", "falta la hora actual para validar la fecha")
    return now


def _check(field: str) -> Any:
    def run(value: Any, rules: Rules, now: datetime) -> None:
        info = _FieldInfo({"rules": rules, "now": now}, field)
        method = getattr(Escalation, _VALIDATOR_OF[field])
        method(value, info) if _TAKES_INFO[field] else method(value)
    return run


@dataclass(frozen=True)
class _FieldInfo:
    context: dict[str, Any]
    field_name: str


_VALIDATOR_OF = {"policy": "_policy", "client_name": "_client_name", "email": "_email",
                 "phone": "_phone", "priority": "_priority", "what": "_description",
                 "how": "_description", "where": "_description", "when": "_when",
                 "changes": "_changes", "channel": "_channel", "created_at": "_created_at"}
_TAKES_INFO = {"policy": True, "client_name": False, "email": False, "phone": True,
               "priority": False, "what": True, "how": True, "where": True, "when": False,
               "changes": False, "channel": False, "created_at": True}
_FIELD_CHECKS = {name: _check(name) for name in _VALIDATOR_OF}
