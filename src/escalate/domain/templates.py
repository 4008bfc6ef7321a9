"""Templates per kind of case (`[plantillas.NOMBRE]` in the policy file).

A template names what a kind of case needs: a title, a hint for each question, a default
priority, whether evidence is required, and the `campo=valor` fields an endoso of that
kind must carry (a vehicle: placa, serie, modelo). Validated here with the rest of the
policy (pydantic: templates come only from a policy file, which loads it anyway);
`apply` is pure: the answers with the template's defaults, and what is still missing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from ..errors import InvalidInput, Next
from .answers import EscalationInput
from .priority import Priority
from .text import clean, fold

# The questions a template may give a hint for: the policy file's word → the answer's key.
QUESTIONS = {"que": "what", "como": "how", "donde": "where", "cuando": "when",
             "cambios": "changes", "adjuntos": "attachments", "canal": "channel"}
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")


def _name(value: str) -> str:
    if not NAME.fullmatch(value):
        raise PydanticCustomError(
            "template_name", "«{name}» no sirve como nombre de plantilla: use letras sin "
            "acentos, números, «_» o «-» (por ejemplo endoso_vehiculo)", {"name": value[:40]})
    return value


TemplateName = Annotated[str, AfterValidator(_name)]


def field_key(name: str) -> str:
    """A `campo` as compared: accents, case, spaces and «-» do not matter (Placa = placa)."""
    return re.sub(r"[\s_-]+", "_", fold(name).lower()).strip("_")


class Template(BaseModel):
    """One `[plantillas.NOMBRE]` table."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    title: str | None = Field(default=None, alias="titulo")
    priority: Priority | None = Field(default=None, alias="prioridad")
    changes: tuple[str, ...] = Field(default=(), alias="cambios")
    evidence: bool = Field(default=False, alias="evidencia")
    hints: dict[str, str] = Field(default_factory=dict, alias="pistas")

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: Any) -> Any:
        if not isinstance(value, str) or not clean(value):
            raise PydanticCustomError("title", "el título debe ser un texto no vacío")
        return clean(value)

    @field_validator("priority", mode="before")
    @classmethod
    def _priority(cls, value: Any) -> Priority:
        try:
            return Priority.parse(value if isinstance(value, str) else "")
        except ValueError:
            raise PydanticCustomError(
                "priority", "prioridad desconocida «{value}»: use BAJA, MEDIA, ALTA o URGENTE",
                {"value": str(value)[:20]}) from None

    @field_validator("changes", mode="before")
    @classmethod
    def _changes(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or any(
                not isinstance(v, str) or not field_key(v) or "=" in v for v in value):
            raise PydanticCustomError(
                "changes", "cambios es una lista de nombres de campo (por ejemplo "
                "[\"placa\", \"serie\"]), sin «=»")
        return tuple(clean(v) for v in value)

    @field_validator("evidence", mode="before")
    @classmethod
    def _evidence(cls, value: Any) -> bool:
        if not isinstance(value, bool):
            raise PydanticCustomError("evidence", "evidencia es true o false")
        return value

    @field_validator("hints", mode="before")
    @classmethod
    def _hints(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise PydanticCustomError(
                "hints", "pistas es una tabla pregunta = texto (por ejemplo "
                "pistas = { que = \"...\" })")
        hints = {}
        for key, text in value.items():
            question = fold(str(key)).lower()
            if question not in QUESTIONS:
                raise PydanticCustomError(
                    "hint_question", "pista para una pregunta desconocida «{key}»: use "
                    + ", ".join(QUESTIONS), {"key": str(key)[:20]})
            if not isinstance(text, str) or not clean(text):
                raise PydanticCustomError("hint_text", "cada pista debe ser un texto no vacío")
            hints[QUESTIONS[question]] = clean(text)
        return hints

    def hint(self, field: str) -> str | None:
        """The hint shown under a question (`what`, `how`, `changes`...), if any."""
        return self.hints.get(field)


@dataclass(frozen=True)
class Applied:
    """An escalation's answers with a template applied, and what the template still needs."""

    name: str
    answers: EscalationInput
    missing_changes: tuple[str, ...]  # required campo names not given
    evidence_missing: bool

    @property
    def complete(self) -> bool:
        return not self.missing_changes and not self.evidence_missing

    def problems(self) -> dict[str, str]:
        """What is missing, keyed by field, in Spanish (scripted: exit 2 naming each)."""
        problems = {}
        if self.missing_changes:
            fields = ", ".join(f"{name}=…" for name in self.missing_changes)
            problems["changes"] = (f"La plantilla {self.name} pide estos cambios "
                                   f"campo=valor: {fields}")
        if self.evidence_missing:
            problems["attachments"] = (f"La plantilla {self.name} pide evidencia: adjunte "
                                       "una captura o un documento")
        return problems


def find(templates: Mapping[str, Template], name: str) -> tuple[str, Template]:
    """The template called `name` (case and accents ignored); exit 2 listing them if none."""
    wanted = field_key(name)
    for key, template in templates.items():
        if field_key(key) == wanted:
            return key, template
    known = (", ".join(sorted(templates)) if templates
             else "ninguna (el archivo de políticas no define plantillas)")
    raise InvalidInput([f"No existe la plantilla «{clean(name)[:40]}». Plantillas: {known}"],
                       hint="Las plantillas están en el archivo de políticas "
                            "([plantillas.NOMBRE]).",
                       fields={"template": "no existe"},
                       next_steps=(Next("templates", "Véalas con"),))


def apply(name: str, template: Template, answers: EscalationInput) -> Applied:
    """The answers with the template's default priority (an answer given wins), and the
    required `campo=valor` fields and evidence that are still missing."""
    filled: EscalationInput = {**answers}
    if template.priority is not None and not (answers.get("priority") or "").strip():
        filled["priority"] = template.priority.value
    given = {field_key(change.partition("=")[0]) for change in answers.get("changes") or []
             if "=" in change and change.partition("=")[2].strip()}
    missing = tuple(f for f in template.changes if field_key(f) not in given)
    evidence_missing = template.evidence and not answers.get("attachments")
    return Applied(name, filled, missing, evidence_missing)
