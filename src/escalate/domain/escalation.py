"""The escalation: what an agent types, validated, and the ticket it becomes."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any

from ..errors import InvalidInput
from . import limits
from .answers import CONTACT, REQUIRED, EscalationInput
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


class Problem(ValueError):
    """What is wrong with one value, in Spanish, as the agent reads it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field  # where the problem belongs when it is not the value's own field


@dataclass(frozen=True)
class Change:
    """One datum the client asked to change (endoso): `campo=valor`."""

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


@dataclass(frozen=True)
class Escalation:
    """A validated escalation. Build it with `Escalation.build(...)`.

    Plain validation, field by field, rather than pydantic: the same checks run on each
    answer as it is typed (`check_field`), and a `create` skips pydantic's ≈0.13 s of
    import and model building (benchmarks/startup.py).
    """

    policy: str
    client_name: str
    priority: Priority
    what: str
    how: str
    where: str
    created_at: datetime
    escalate_id: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)
    email: str | None = None
    phone: str | None = None  # E.164
    when: str | None = None
    changes: tuple[Change, ...] = ()
    channel: Channel | None = None

    # -- construction -------------------------------------------------------------------

    @classmethod
    def build(cls, data: Mapping[str, Any], rules: Rules, now: datetime) -> Escalation:
        """Validate; every problem is reported at once, keyed by field (InvalidInput.fields)."""
        problems: dict[str, str] = {name: "dato no reconocido" for name in data
                                    if name not in _CHECKS}
        values: dict[str, Any] = {}
        for name, check in _CHECKS.items():
            if name not in data and name not in _VALIDATE_DEFAULT:
                if name in _REQUIRED:
                    problems.setdefault(name, "falta este dato")
                continue
            try:
                values[name] = check(data.get(name), rules, now)
            except Problem as exc:
                problems.setdefault(exc.field or name, _capital(exc.message))
        if not problems:
            escalation = cls(**values)
            try:
                escalation._check_whole()
            except Problem as exc:
                problems[exc.field or "escalation"] = _capital(exc.message)
            else:
                return escalation
        raise InvalidInput(list(problems.values()), fields=problems)

    @classmethod
    def from_input(cls, answers: EscalationInput, rules: Rules, now: datetime) -> Escalation:
        """The escalation an agent's answers describe (attachments are the workflow's)."""
        # Attachments are the workflow's; the portal's own fields are checked against the
        # portal (cli/portal_fields.py), never part of the description.
        data: dict[str, Any] = {k: v for k, v in answers.items()
                                if k not in ("attachments", "fields")}
        data["changes"] = list(answers.get("changes") or [])
        return cls.build(data, rules, now)

    def as_input(self) -> EscalationInput:
        """The answers an agent would type for this escalation (`from_input`'s inverse)."""
        return EscalationInput(
            policy=self.policy, client_name=self.client_name, email=self.email,
            phone=self.phone, priority=self.priority.value, what=self.what, how=self.how,
            where=self.where, when=self.when,
            changes=[f"{c.field}={c.value}" for c in self.changes],
            channel=self.channel.value if self.channel else None,
            created_at=self.created_at.isoformat())

    def replace(self, **changes: Any) -> Escalation:
        """A copy with some values changed (not validated again)."""
        return dataclasses.replace(self, **changes)

    def as_json(self) -> dict[str, Any]:
        """The escalation as JSON values, as the outbox keeps it (`from_json` reads it back)."""
        return {
            "escalate_id": self.escalate_id, "policy": self.policy,
            "client_name": self.client_name, "email": self.email, "phone": self.phone,
            "priority": self.priority.value, "what": self.what, "how": self.how,
            "where": self.where, "when": self.when,
            "changes": [{"field": c.field, "value": c.value} for c in self.changes],
            "channel": self.channel.value if self.channel else None,
            "created_at": self.created_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Escalation:
        """The escalation `as_json` wrote (or a pydantic-era `model_dump`, the same keys),
        as it was validated then: never validated again, so a later change of the policy
        pattern or the phone region cannot strand one the agent already had accepted.
        ValueError when a value is missing or of the wrong kind."""
        for name in ("escalate_id", "policy", "client_name", "what", "how", "where"):
            if not isinstance(data.get(name), str):
                raise ValueError(f"falta {name}")
        created = data.get("created_at")
        moment = parse_iso(created, timezone.utc) if isinstance(created, str) else None
        if moment is None:
            raise ValueError("falta la fecha de creación")
        try:
            changes = tuple(Change(field=str(c["field"]), value=str(c["value"]))
                            for c in data.get("changes") or [])
        except (KeyError, TypeError):
            raise ValueError("cambios ilegibles") from None
        return cls(
            escalate_id=data["escalate_id"], policy=data["policy"],
            client_name=data["client_name"], priority=Priority(str(data.get("priority"))),
            what=data["what"], how=data["how"], where=data["where"], created_at=moment,
            email=_optional(data.get("email")), phone=_optional(data.get("phone")),
            when=_optional(data.get("when")), changes=changes,
            channel=Channel(data["channel"]) if data.get("channel") else None)

    def _check_whole(self) -> None:
        if not self.email and not self.phone:
            raise Problem("falta el correo o el teléfono del cliente (uno de los dos)",
                          field=CONTACT)
        problem = too_long(len(self.content()))
        if problem is not None:
            longest = max(("what", "how", "where", "when"),
                          key=lambda f: len(getattr(self, f) or ""))
            raise Problem(problem, field=longest)

    # -- the ticket ---------------------------------------------------------------------

    def subject(self) -> str:
        """Ticket name: `POLICY - Client Name`."""
        return f"{self.policy} - {self.client_name}"

    def content(self, *, with_creation_date: bool = False) -> str:
        """Ticket description: one labelled section per field, in the guide's order; with
        the creation date at the end where the portal does not let `createdate` be set."""
        return describe(self.what, self.how, self.where, self.when, self.changes,
                        self.channel,
                        self.created_at.isoformat() if with_creation_date else None)


def policy_named(policy: str, subject: str | None) -> bool:
    """Whether a ticket name someone typed in HubSpot names the (normalised) policy, as a
    word of its own in any case («pol-1001 cliente molesto»), not inside a longer number."""
    text = fold(subject or "")
    return re.search(rf"(?<![A-Z0-9]){re.escape(policy)}(?![A-Z0-9])", text) is not None


def describe(what: str, how: str, where: str, when: str | None, changes: tuple[Change, ...],
             channel: Channel | None, created: str | None = None) -> str:
    """The description's text (`Escalation.content`), from its parts."""
    listed = "\n".join(f"- {c.field}: {c.value}" for c in changes) or "Ninguno"
    sections = [
        ("QUÉ", what),
        ("CÓMO", how),
        ("DÓNDE", where),
        ("CUÁNDO", when or "No indicado"),
        ("CAMBIOS SOLICITADOS", listed),
        ("CANAL", channel.label if channel else "No indicado"),
    ]
    if created is not None:
        sections.append(("FECHA DE CREACIÓN INDICADA", created))
    return "\n\n".join(f"{label}:\n{text}" for label, text in sections)


def too_long(size: int) -> str | None:
    """HubSpot's limit on a description (`limits.MAX_TEXT`), said when `size` passes it."""
    if size <= limits.MAX_TEXT:
        return None
    return (f"la descripción ocupa {_thousands(size)} caracteres y HubSpot admite "
            f"{_thousands(limits.MAX_TEXT)}: acórtelo")


def room_problem(texts: Mapping[str, str | None]) -> str | None:
    """The description's size as far as it is typed (`what`, `how`, `where`, `when`; the
    rest at its least), so QUÉ or CÓMO is refused at its own field, not at the review."""
    what, how, where, when = (clean(texts.get(f) or "", multiline=True)
                              for f in ("what", "how", "where", "when"))
    size = len(describe(what, how, where, when or None, (), None))
    problem = too_long(size)
    return _capital(problem) if problem is not None else None


# -- one check per field: the value as stored, or a Problem -------------------------------


def _escalate_id(value: Any, rules: Rules, now: datetime) -> str:
    if not isinstance(value, str):
        raise Problem("valor no válido")
    if not re.fullmatch(r"[0-9a-f]{32}", value):
        raise Problem("identificador interno no válido")
    return value


def _policy(value: Any, rules: Rules, now: datetime) -> str:
    text = clean(_text(value)).upper()
    pattern = rules.policy_pattern
    if not text:
        raise Problem("falta el número de póliza")
    if len(text) > limits.MAX_POLICY_CHARS:  # before matching: no pattern runs on more
        raise Problem(f"«{shown(text, 40)}» es demasiado largo para un número de póliza "
                      f"(máximo {limits.MAX_POLICY_CHARS} caracteres)")
    if not pattern.search(text):
        shape = ("letras, números, «-» o «/», de 3 a 40, por ejemplo POL-1001"
                 if pattern.pattern == DEFAULT_POLICY_PATTERN.pattern
                 else "la forma de las pólizas que configuró su equipo")
        raise Problem(f"«{shown(text, 40)}» no parece un número de póliza (use {shape})")
    return text


def _client_name(value: Any, rules: Rules, now: datetime) -> str:
    text = clean(_text(value))
    letters = sum(ch.isalpha() for ch in text)
    bad = sorted({ch for ch in text if not ch.isalpha() and ch not in NAME_PUNCTUATION
                  and not _is_mark(ch)})
    if not text:
        raise Problem("falta el nombre del cliente")
    if bad:
        raise Problem(f"«{shown(text, 40)}» no parece un nombre: solo se admiten letras, "
                      f"espacios, apóstrofos, guiones y puntos (sobra «{''.join(bad)[:10]}»)")
    if letters < 2 or len(text) > 100:
        raise Problem("el nombre debe tener entre 2 y 100 caracteres")
    return text


def _email(value: Any, rules: Rules, now: datetime) -> str | None:
    text = clean(_text(value))
    if not text:
        return None
    from .addresses import normalise_email

    email = normalise_email(text)
    if email is None:
        raise Problem(f"«{shown(text, 60)}» no es un correo electrónico válido")
    return email


def _phone(value: Any, rules: Rules, now: datetime) -> str | None:
    text = clean(_text(value))
    if not text:
        return None
    return normalise_phone(text, rules.phone_region)


def _priority(value: Any, rules: Rules, now: datetime) -> Priority:
    if isinstance(value, Priority):
        return value
    try:
        return Priority.parse(_text(value))
    except ValueError as exc:
        raise Problem(str(exc)) from None


def _description(value: Any, rules: Rules, now: datetime) -> str:
    text = clean(_text(value), multiline=True)
    if not text:
        raise Problem("no puede quedar vacío")
    if is_placeholder(text):
        raise Problem(f"«{shown(text, 30)}» no describe nada: escriba lo que el cliente vio")
    return text


def _when(value: Any, rules: Rules, now: datetime) -> str | None:
    return clean(_text(value), multiline=True) or None


def _changes(value: Any, rules: Rules, now: datetime) -> tuple[Change, ...]:
    items = value if isinstance(value, (list, tuple)) else [value] if value else []
    changes, bad = [], []
    for item in items:
        if isinstance(item, Change):
            changes.append(item)
        elif isinstance(item, dict) and set(item) == {"field", "value"}:
            changes.append(Change(field=_text(item["field"]), value=_text(item["value"])))
        elif isinstance(item, dict):
            bad.append("se esperaba campo=valor")
        else:
            try:
                changes.append(Change.parse(_text(item)))
            except ValueError as exc:
                bad.append(str(exc))
    if bad:
        raise Problem("; ".join(bad))
    return tuple(changes)


def _channel(value: Any, rules: Rules, now: datetime) -> Channel | None:
    if value is None or isinstance(value, Channel):
        return value
    text = _text(value)
    if not text.strip():
        return None
    try:
        return Channel.parse(text)
    except ValueError as exc:
        raise Problem(str(exc)) from None


def _created_at(value: Any, rules: Rules, now: datetime) -> datetime:
    if value is None or (isinstance(value, str) and not value.strip()):
        return now
    moment = (value if isinstance(value, datetime)
              else parse_iso(_text(value), zone(rules.time_zone)))
    if moment is None:
        raise Problem(f"«{shown(_text(value), 40)}» no es una fecha ISO 8601 "
                      "(por ejemplo 2026-11-20T14:30-06:00)")
    if moment - now > CLOCK_SKEW:
        raise Problem(f"la fecha {moment.isoformat(timespec='minutes')} está en el futuro")
    if moment < EARLIEST:
        raise Problem(f"la fecha {moment.date().isoformat()} es anterior a 2000-01-01")
    return moment


# In the form's order: problems are reported in it.
_CHECKS: dict[str, Callable[[Any, Rules, datetime], Any]] = {
    "escalate_id": _escalate_id, "policy": _policy, "client_name": _client_name,
    "email": _email, "phone": _phone, "priority": _priority, "what": _description,
    "how": _description, "where": _description, "when": _when, "changes": _changes,
    "channel": _channel, "created_at": _created_at,
}
_REQUIRED = frozenset(REQUIRED)
_VALIDATE_DEFAULT = frozenset({"created_at"})  # missing means "now"


def normalise_phone(text: str, region: str) -> str:
    """E.164 form of a phone typed in any format; a Problem if it is not a valid number."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise Problem(f"«{shown(text, 30)}» no es un teléfono válido para la región {region}")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def national_digits(e164: str) -> str:
    """The national number's digits, as HubSpot's searchable phone properties hold them."""
    import phonenumbers

    return str(phonenumbers.parse(e164, None).national_number)


def is_placeholder(text: str) -> bool:
    folded = fold(text)
    meaningful = re.sub(r"[\W_]+", "", folded)
    return not meaningful or folded.strip(" .") in PLACEHOLDERS or len(set(meaningful)) == 1


def check_field(field: str, value: Any, rules: Rules, now: datetime) -> str | None:
    """The Spanish problem with one field's value alone, or None: for checking as typed."""
    check = _CHECKS.get(field)
    if check is None:
        return None
    try:
        check(value, rules, now)
    except Problem as exc:
        return _capital(exc.message)
    return None


def _optional(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _is_mark(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch).startswith("M")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise Problem("se esperaba texto")
