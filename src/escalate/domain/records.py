"""What the tool reads back from HubSpot, as plain values (no client types leak out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Contact:
    id: str
    firstname: str = ""
    lastname: str = ""
    email: str = ""
    phone: str = ""
    mobilephone: str = ""

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.firstname, self.lastname) if p) or self.email or self.id

    @property
    def best_phone(self) -> str:
        return self.phone or self.mobilephone

    def as_json(self) -> dict[str, str | None]:
        return {"id": self.id, "name": self.name, "email": self.email or None,
                "phone": self.best_phone or None}


@dataclass(frozen=True)
class Stage:
    id: str
    label: str
    closed: bool


@dataclass(frozen=True)
class Pipeline:
    id: str
    label: str
    stages: tuple[Stage, ...]

    def stage(self, id_or_label: str) -> Stage | None:
        wanted = id_or_label.strip().casefold()
        for stage in self.stages:
            if stage.id == id_or_label.strip() or stage.label.casefold() == wanted:
                return stage
        return None


INCIDENT_COUNT = "escalate_affected"  # an incident ticket's clients affected (issue 25)


@dataclass(frozen=True)
class Ticket:
    id: str
    subject: str
    pipeline: str
    stage: str
    priority: str | None
    created_at: datetime | None
    closed_at: datetime | None = None
    last_client_update: datetime | None = None
    policy: str | None = None
    escalate_id: str | None = None
    properties: dict[str, str | None] = field(default_factory=dict, compare=False)

    @property
    def is_incident(self) -> bool:
        """Whether escalate opened this ticket for an incident: it carries the count of
        clients affected, and no client of its own (its members have them)."""
        return bool(self.properties.get(INCIDENT_COUNT))


@dataclass(frozen=True)
class UploadedFile:
    id: str
    name: str
    size: int
    access: str = "PRIVATE"


@dataclass(frozen=True)
class PropertyInfo:
    """A portal property definition, as far as the tool cares."""

    name: str
    type: str
    options: tuple[tuple[str, str], ...] = ()  # (value, label)
    unique: bool = False
    label: str = ""
    field_type: str = ""
    read_only: bool = False  # calculated, or its value cannot be written
    external_options: bool = False  # options come from elsewhere (HubSpot users)


@dataclass(frozen=True)
class PropertyRule:
    """One validation rule a portal's admin set on a property: HubSpot's `ruleType` (REGEX,
    MIN_LENGTH, MAX_NUMBER, ...) and its `ruleArguments`."""

    kind: str
    arguments: tuple[str, ...] = ()


@dataclass(frozen=True)
class PortalRules:
    """What a portal's admins require of an object's properties on writes (API 2026-09):
    each property's validation rules, and the properties they made required."""

    rules: dict[str, tuple[PropertyRule, ...]] = field(default_factory=dict)
    required: tuple[str, ...] = ()

    def of(self, name: str) -> tuple[PropertyRule, ...]:
        return self.rules.get(name, ())


@dataclass(frozen=True)
class AssociationLabel:
    """An association type between two object types: HubSpot's own (HUBSPOT_DEFINED, no
    label) or one a portal made (USER_DEFINED, with its label)."""

    category: str
    type_id: int
    label: str | None = None


@dataclass(frozen=True)
class Association:
    """One associated object and the types (labels) that link it."""

    to_id: str
    types: tuple[AssociationLabel, ...] = ()


@dataclass(frozen=True)
class Account:
    portal_id: str
    ui_domain: str = "app.hubspot.com"
    time_zone: str | None = None

    def ticket_url(self, ticket_id: str) -> str:
        return f"https://{self.ui_domain}/contacts/{self.portal_id}/ticket/{ticket_id}"
