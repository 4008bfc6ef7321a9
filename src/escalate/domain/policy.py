"""The team's policy: who owns a ticket, how long a client may wait, when a priority rises.

Pure and validated: the policy file's loader (`escalate.policy_file`) reads TOML and hands
the data here; every problem comes back keyed by its place in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .priority import Priority
from .quality import DEFAULT_WEIGHTS, Rules
from .templates import Template, TemplateName
from .text import fold

# Spanish day names as supervisors write them (accents and case optional) → ISO weekday.
DAYS = {"lun": 1, "lunes": 1, "mar": 2, "martes": 2, "mie": 3, "miercoles": 3,
        "jue": 4, "jueves": 4, "vie": 5, "viernes": 5, "sab": 6, "sabado": 6,
        "dom": 7, "domingo": 7}


def _email(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("email", "se esperaba el correo de un usuario de HubSpot")
    from .addresses import user_email

    email = user_email(value)
    if email is None:
        raise PydanticCustomError("email", "«{email}» no es un correo válido",
                                  {"email": value[:60]})
    return email


def _priority_keys(value: Any) -> Any:
    """Priority keys in any accepted spelling (URGENT, urgente) as the Spanish level's name;
    unknown keys are left as they are, for `extra="forbid"` to name them."""
    if not isinstance(value, dict):
        return value
    keyed: dict[str, Any] = {}
    for key, item in value.items():
        try:
            keyed[Priority.parse(str(key)).value] = item
        except ValueError:
            keyed[str(key)] = item
    return keyed


class PerPriority(BaseModel):
    """A value per priority level, each optional; unknown levels are refused by name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _spellings(cls, data: Any) -> Any:
        return _priority_keys(data)

    def get(self, priority: Priority) -> Any:
        return getattr(self, priority.value, None)

    def items(self) -> list[tuple[Priority, Any]]:
        return [(p, self.get(p)) for p in Priority if self.get(p) is not None]


class Owners(PerPriority):
    BAJA: str | None = None
    MEDIA: str | None = None
    ALTA: str | None = None
    URGENTE: str | None = None

    @field_validator("BAJA", "MEDIA", "ALTA", "URGENTE", mode="before")
    @classmethod
    def _owner(cls, value: Any) -> str:
        return _email(value)


Hours = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class HoursPerPriority(PerPriority):
    BAJA: Hours | None = None
    MEDIA: Hours | None = None
    ALTA: Hours | None = None
    URGENTE: Hours | None = None


class BumpHours(PerPriority):
    BAJA: Hours | None = None
    MEDIA: Hours | None = None
    ALTA: Hours | None = None
    # Named only to be refused beside the other keys' problems (URGENT, urgente too).
    URGENTE: None = None

    @field_validator("URGENTE", mode="before")
    @classmethod
    def _no_urgent(cls, value: Any) -> None:
        raise PydanticCustomError(
            "urgent", "URGENTE es el nivel más alto: no puede subir (quite URGENTE)")


class MatrixRule(BaseModel):
    """A row of the escalation matrix chosen by what DÓNDE says (first match wins)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    where_contains: tuple[str, ...] = Field(min_length=1)
    owner: str

    @field_validator("owner", mode="before")
    @classmethod
    def _owner(cls, value: Any) -> str:
        return _email(value)

    @field_validator("where_contains", mode="before")
    @classmethod
    def _words(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list) and any(not isinstance(w, str) or not w.strip()
                                           for w in value):
            raise PydanticCustomError("words", "cada palabra debe ser un texto no vacío")
        return value

    def matches(self, where: str) -> bool:
        return self.word_in(where) is not None

    def word_in(self, where: str) -> str | None:
        """The rule's first word (or phrase) that DÓNDE says as a whole word, ignoring case
        and accents: `app` is in «App móvil», not in «WhatsApp»."""
        text = fold(where).lower()
        for word in self.where_contains:
            wanted = " ".join(fold(word).lower().split())
            pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, wanted.split())) + r"(?!\w)"
            if re.search(pattern, text):
                return word
        return None


@dataclass(frozen=True)
class Route:
    """The matrix's answer for a new ticket: the owner's email (None: nobody) and why."""

    owner: str | None
    rule: str


class Matrix(BaseModel):
    """The escalation matrix: priority → owner's email, with rules by DÓNDE first.

    In the file, the priorities are keys of `[matrix]` beside `[[matrix.rules]]`."""

    model_config = ConfigDict(frozen=True)
    owners: Owners = Field(default_factory=Owners)
    rules: tuple[MatrixRule, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _split(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "owners" in data:
            return data
        rest = {k: v for k, v in data.items() if k != "rules"}
        return {"owners": rest, **({"rules": data["rules"]} if "rules" in data else {})}

    def route(self, priority: Priority, where: str) -> Route:
        """Who will own a new ticket, and which line of the matrix says so."""
        for number, rule in enumerate(self.rules, 1):
            word = rule.word_in(where)
            if word is not None:
                return Route(rule.owner, f"regla {number} de [[matrix.rules]]: DÓNDE dice "
                                         f"«{word}»")
        owner: str | None = self.owners.get(priority)
        if owner is not None:
            return Route(owner, f"[matrix] {priority.value}")
        return Route(None, "la matriz no nombra a nadie para este caso")

    def emails(self) -> list[str]:
        """Every owner the matrix names, once each, in the file's order."""
        return list(dict.fromkeys([*(o for _, o in self.owners.items()),
                                   *(r.owner for r in self.rules)]))


class BusinessHours(BaseModel):
    """When the waiting counts: these weekdays, from `start` to `end` (portal's time zone)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    days: tuple[int, ...] = (1, 2, 3, 4, 5)
    start: time = time(9, 0)
    end: time = time(18, 0)

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        found = []
        for name in value:
            day = DAYS.get(fold(str(name)).lower().strip(". "))
            if day is None:
                raise PydanticCustomError(
                    "day", "día desconocido «{day}»: use lun, mar, mié, jue, vie, sáb o dom",
                    {"day": str(name)[:20]})
            found.append(day)
        if not found:
            raise PydanticCustomError("days", "indique al menos un día")
        return tuple(sorted(set(found)))

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock(cls, value: Any) -> Any:
        if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}", value.strip()):
            hours, minutes = (int(p) for p in value.strip().split(":"))
            if hours < 24 and minutes < 60:
                return time(hours, minutes)
        if isinstance(value, time):
            return value
        raise PydanticCustomError("time", "«{value}» no es una hora HH:MM",
                                  {"value": str(value)[:20]})

    @model_validator(mode="after")
    def _order(self) -> BusinessHours:
        if self.end <= self.start:
            raise PydanticCustomError("hours_order",
                                      "la hora de cierre debe ser posterior a la de apertura")
        return self


class FollowupPolicy(BaseModel):
    """How long a client may wait for an update, by priority, and in which hours."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    hours: HoursPerPriority = Field(default_factory=HoursPerPriority)
    business_hours: BusinessHours | None = None
    holidays: tuple[date, ...] = ()

    @field_validator("holidays", mode="before")
    @classmethod
    def _holidays(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        days = []
        for item in value:
            if isinstance(item, date):
                days.append(item)
                continue
            try:
                days.append(date.fromisoformat(str(item)))
            except ValueError:
                raise PydanticCustomError(
                    "holiday", "«{day}» no es una fecha AAAA-MM-DD",
                    {"day": str(item)[:20]}) from None
        return tuple(days)

    def hours_for(self, priority: Priority | None, default: float) -> float:
        """The wait allowed at this priority (the configured default when not set)."""
        hours = self.hours.get(priority) if priority is not None else None
        return float(hours) if hours is not None else default


class BumpPolicy(BaseModel):
    """Hours a ticket may stay at a level before it rises one level (never past URGENTE)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    after_hours: BumpHours = Field(default_factory=BumpHours)

    def after(self, priority: Priority) -> float | None:
        """Hours at this level before it rises, or None when it never rises by itself."""
        hours = self.after_hours.get(priority)
        return float(hours) if hours is not None else None


class QualityPolicy(BaseModel):
    """`[calidad]`: the quality score's weight per item (adding to 100, the defaults filling
    in those not named), the minimum below which the review defaults to «Editar», and the
    portal's own screen names that DÓNDE may mention."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    minimum: int = Field(default=Rules().minimum, alias="minimo")
    weights: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS),
                                    alias="pesos")
    screens: tuple[str, ...] = Field(default=(), alias="pantallas")

    @field_validator("minimum", mode="before")
    @classmethod
    def _minimum(cls, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise PydanticCustomError("minimum", "el mínimo es un número entero de 0 a 100")
        return value

    @field_validator("weights", mode="before")
    @classmethod
    def _weights(cls, value: Any) -> dict[str, int]:
        if not isinstance(value, dict):
            raise PydanticCustomError("weights", "pesos es una tabla item = número "
                                      "(por ejemplo pesos = { que = 20, como = 15 })")
        weights = dict(DEFAULT_WEIGHTS)
        for key, weight in value.items():
            item = fold(str(key)).lower()
            if item not in weights:
                raise PydanticCustomError(
                    "weight_item", "item desconocido «{key}»: use " + ", ".join(weights),
                    {"key": str(key)[:20]})
            if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 100:
                raise PydanticCustomError("weight", "el peso de «{key}» es un número entero de "
                                          "0 a 100", {"key": item})
            weights[item] = weight
        total = sum(weights.values())
        if total != 100:
            implied = [f"{k}={v}" for k, v in weights.items()
                       if fold(k).lower() not in {fold(str(x)).lower() for x in value}]
            also = f" (con los de omisión: {', '.join(implied)})" if implied else ""
            raise PydanticCustomError("weights_total", "los pesos suman {total}{also}; deben "
                                      "sumar 100", {"total": total, "also": also})
        return weights

    @field_validator("screens", mode="before")
    @classmethod
    def _screens(cls, value: Any) -> Any:
        if not isinstance(value, list) or any(not isinstance(s, str) or not s.strip()
                                              for s in value):
            raise PydanticCustomError("screens", "pantallas es una lista de nombres de "
                                      "pantalla (por ejemplo [\"Endosos\", \"Cobranza\"])")
        return tuple(s.strip() for s in value)

    def rules(self) -> Rules:
        """The score's rules as the pure domain reads them."""
        return Rules(weights=dict(self.weights), minimum=self.minimum, screens=self.screens)


class IncidentPolicy(BaseModel):
    """`[incidentes]`: how far back similar open tickets are looked for, from how many an
    incident is proposed, how alike two escalations must be, and the affected clients that
    raise an incident's priority."""

    # None, for each: the detection's own default (`incidents.Rules`, which a create reads
    # without loading pydantic when there is no policy file).
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    days: int | None = Field(default=None, alias="dias")
    minimum: int | None = Field(default=None, alias="minimo")
    threshold: int | None = Field(default=None, alias="similitud")
    priority: dict[Priority, int] | None = Field(default=None, alias="prioridad")

    @field_validator("days", "minimum", "threshold", mode="before")
    @classmethod
    def _bounded(cls, value: Any, info: ValidationInfo) -> int | None:
        if value is None:
            return None
        low, high, what = _INCIDENT_BOUNDS[info.field_name or ""]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise PydanticCustomError("incident_bound", "{what} es un número entero de {low} "
                                      "a {high}", {"what": what, "low": low, "high": high})
        return value

    @field_validator("priority", mode="before")
    @classmethod
    def _levels(cls, value: Any) -> dict[Priority, int]:
        if not isinstance(value, dict):
            raise PydanticCustomError("incident_levels", "prioridad es una tabla NIVEL = "
                                      "clientes (por ejemplo {{ ALTA = 5, URGENTE = 20 }})")
        levels: dict[Priority, int] = {}
        for key, count in value.items():
            try:
                level = Priority.parse(str(key))
            except ValueError as exc:
                raise PydanticCustomError("incident_level", str(exc)) from None
            if isinstance(count, bool) or not isinstance(count, int) or not 2 <= count <= 10_000:
                raise PydanticCustomError("incident_count", "los clientes que suben a {level} "
                                          "son un número entero de 2 a 10000",
                                          {"level": level.value})
            levels[level] = count
        return levels


_INCIDENT_BOUNDS = {"days": (1, 90, "dias"), "minimum": (2, 100, "minimo"),
                    "threshold": (50, 100, "similitud")}


class Policy(BaseModel):
    """The whole policy file; every section optional."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    matrix: Matrix = Field(default_factory=Matrix)
    followup: FollowupPolicy = Field(default_factory=FollowupPolicy)
    bump: BumpPolicy = Field(default_factory=BumpPolicy)
    quality: QualityPolicy = Field(default_factory=QualityPolicy, alias="calidad")
    templates: dict[TemplateName, Template] = Field(default_factory=dict, alias="plantillas")
    incidents: IncidentPolicy = Field(default_factory=IncidentPolicy, alias="incidentes")
