"""Escalation priority: the guide's four levels, and how they map onto a portal's options."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from .text import fold, shown


class Priority(str, Enum):
    BAJA = "BAJA"
    MEDIA = "MEDIA"
    ALTA = "ALTA"
    URGENTE = "URGENTE"

    @classmethod
    def parse(cls, text: str) -> Priority:
        """BAJA|MEDIA|ALTA|URGENTE or LOW|MEDIUM|HIGH|URGENT, any case, with or without accents."""
        key = fold(text)
        for priority in cls:
            if key in (priority.value, priority.hubspot_value):
                return priority
        raise ValueError(
            f"prioridad desconocida «{shown(text, 30)}»: use BAJA, MEDIA, ALTA o URGENTE"
        )

    @property
    def hubspot_value(self) -> str:
        """The option value HubSpot portals use by default for this level."""
        return _HUBSPOT[self]

    @property
    def icon(self) -> str:
        return _ICONS[self]

    @property
    def colour(self) -> str:
        """The level's colour on a terminal (a rich colour name), matching its icon."""
        return _COLOURS[self][0]

    @property
    def html_colour(self) -> str:
        """The same colour in the HTML report."""
        return _COLOURS[self][1]

    @classmethod
    def from_hubspot(cls, value: str | None) -> Priority | None:
        for priority, option in _HUBSPOT.items():
            if value and value.upper() == option:
                return priority
        return None

    def portal_option(self, options: Iterable[tuple[str, str]]) -> str | None:
        """The portal's option (value, label) for this level: by value, else by label."""
        pairs = list(options)
        for value, _label in pairs:
            if value.upper() == self.hubspot_value:
                return value
        for value, label in pairs:
            if fold(label) in (self.value, self.hubspot_value):
                return value
        return None


_HUBSPOT = {
    Priority.BAJA: "LOW",
    Priority.MEDIA: "MEDIUM",
    Priority.ALTA: "HIGH",
    Priority.URGENTE: "URGENT",
}
_ICONS = {Priority.BAJA: "🟢", Priority.MEDIA: "🟡", Priority.ALTA: "🟠", Priority.URGENTE: "🔴"}
_COLOURS = {Priority.BAJA: ("green", "#2e7d32"), Priority.MEDIA: ("yellow", "#f9a825"),
            Priority.ALTA: ("dark_orange", "#ef6c00"), Priority.URGENTE: ("red", "#c62828")}

# The escalation guide's checklist, asked in order when no priority is given.
CHECKLIST: tuple[tuple[str, Priority], ...] = (
    ("¿Requiere revisión inmediata?", Priority.URGENTE),
    ("¿Puede derivar en una cancelación o en alta insatisfacción del cliente?", Priority.ALTA),
    ("¿Requiere atención a corto plazo?", Priority.MEDIA),
)
