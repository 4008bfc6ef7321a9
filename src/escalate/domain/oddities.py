"""Tickets escalate did not write: what such a ticket may lack or hold that escalate cannot
read, in the words an agent or a supervisor reads, and a tally of which tickets had which.

Engineers and agents also create and edit tickets in HubSpot's own screens, other
integrations write to the same pipeline, contacts get merged or deleted, stages deleted.
Each command decides what to do with such a ticket (docs/guia-supervisores.md): list it
with a note, count it apart, or skip it and say how many it skipped and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

SHOWN_IDS = 10  # ticket ids named per reason in a sentence (the JSON keeps more)
KEPT_IDS = 500  # ticket ids kept per reason: the count goes on past it


class Odd(str, Enum):
    """Why a ticket is flagged, counted apart or skipped (the JSON's `reason`)."""

    NO_CONTACT = "sin_contacto"
    SEVERAL_CONTACTS = "varios_contactos"
    UNKNOWN_STAGE = "etapa_desconocida"
    NO_PRIORITY = "sin_prioridad"
    UNKNOWN_PRIORITY = "prioridad_desconocida"
    NO_DESCRIPTION = "sin_descripcion"
    NO_SECTIONS = "sin_secciones"
    NO_AGENT = "sin_agente"
    AGENT_GONE = "agente_de_baja"
    NO_CREATE_DATE = "sin_fecha_de_creacion"
    UNREADABLE_HISTORY = "historial_ilegible"

    @property
    def words(self) -> str:
        """What the tickets are, after a count: «3 sin contacto»."""
        return _WORDS[self]

    @property
    def advice(self) -> str:
        """What a person can do about it in HubSpot."""
        return _ADVICE[self]


_WORDS = {
    Odd.NO_CONTACT: "sin contacto",
    Odd.SEVERAL_CONTACTS: "con varios contactos",
    Odd.UNKNOWN_STAGE: "en una etapa que ya no existe en el pipeline",
    Odd.NO_PRIORITY: "sin prioridad",
    Odd.UNKNOWN_PRIORITY: "con una prioridad que escalate no conoce",
    Odd.NO_DESCRIPTION: "sin descripción",
    Odd.NO_SECTIONS: "con una descripción sin las secciones de escalate (QUÉ, DÓNDE, CANAL)",
    Odd.NO_AGENT: "sin agente registrado (hechos en HubSpot)",
    Odd.AGENT_GONE: "cuyo agente ya no es usuario de HubSpot",
    Odd.NO_CREATE_DATE: "sin una fecha de creación legible",
    Odd.UNREADABLE_HISTORY: "con cambios de su historial sin fecha legible",
}
_ADVICE = {
    Odd.NO_CONTACT: "asocie en HubSpot el contacto del cliente",
    Odd.SEVERAL_CONTACTS: "se usa el primero; deje en HubSpot solo el del cliente",
    Odd.UNKNOWN_STAGE: "muévalos en HubSpot a una etapa del pipeline",
    Odd.NO_PRIORITY: "póngales prioridad en HubSpot",
    Odd.UNKNOWN_PRIORITY: "use en HubSpot BAJA, MEDIA, ALTA o URGENTE (Low, Medium, High, "
                          "Urgent)",
    Odd.NO_DESCRIPTION: "se cuentan sin QUÉ ni DÓNDE",
    Odd.NO_SECTIONS: "se cuentan sin QUÉ ni DÓNDE",
    Odd.NO_AGENT: "se cuentan como «sin agente»",
    Odd.AGENT_GONE: "sus tareas quedan sin dueño",
    Odd.NO_CREATE_DATE: "no se pueden contar",
    Odd.UNREADABLE_HISTORY: "se leyó lo demás",
}


@dataclass
class Tally:
    """Which tickets had which oddity: every one counted, the first `KEPT_IDS` named."""

    counts: dict[Odd, int] = field(default_factory=dict)
    ids: dict[Odd, list[str]] = field(default_factory=dict)

    def add(self, odd: Odd, ticket_id: str) -> None:
        self.counts[odd] = self.counts.get(odd, 0) + 1
        named = self.ids.setdefault(odd, [])
        if len(named) < KEPT_IDS:
            named.append(ticket_id)

    def add_all(self, odds: Iterable[Odd], ticket_id: str) -> None:
        for odd in odds:
            self.add(odd, ticket_id)

    def count(self, odd: Odd) -> int:
        return self.counts.get(odd, 0)

    def __bool__(self) -> bool:
        return bool(self.counts)

    def reasons(self) -> list[Odd]:
        """The oddities found, most frequent first."""
        return sorted(self.counts, key=lambda odd: (-self.counts[odd], list(Odd).index(odd)))

    def as_json(self) -> list[dict[str, object]]:
        return [{"reason": odd.value, "count": self.counts[odd], "ticket_ids": self.ids[odd]}
                for odd in self.reasons()]

    def phrases(self, *, advice: bool = True) -> list[str]:
        """One phrase per oddity: «2 sin contacto (1016, 1017): asocie en HubSpot ...»."""
        return [f"{self.counts[odd]} {odd.words} ({_listed(self.ids[odd], self.counts[odd])})"
                + (f": {odd.advice}" if advice else "") for odd in self.reasons()]


def _listed(ids: list[str], count: int) -> str:
    shown = ", ".join(ids[:SHOWN_IDS])
    more = count - min(len(ids), SHOWN_IDS)
    return shown + (f" y {more} más" if more > 0 else "")
