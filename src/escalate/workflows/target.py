"""The ticket a command writes to, from the id the agent typed: the ticket itself, or the one
HubSpot merged it into (its old id answers with the survivor, and every write goes to the
survivor's id); a deleted ticket is said to be deleted, not merely missing."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.records import Ticket
from ..errors import NotFound
from ..gateway import Gateway


@dataclass(frozen=True)
class Target:
    ticket: Ticket
    contact_ids: list[str]
    typed: str  # the id the agent gave

    @property
    def id(self) -> str:
        return self.ticket.id

    @property
    def merged_from(self) -> str | None:
        """The id typed, when HubSpot merged that ticket into this one."""
        return self.typed if self.ticket.id != self.typed else None


def target(gateway: Gateway, ticket_id: str) -> Target:
    """The ticket to write to, with its contacts' ids; exit 3 when there is none."""
    found = gateway.ticket(ticket_id)
    if found is None:
        if gateway.ticket_archived(ticket_id):
            raise NotFound(f"El ticket {ticket_id} fue eliminado en HubSpot (está en la "
                           "papelera): no se registró nada en él.",
                           hint="Si se eliminó por error, restáurelo en HubSpot y repita.")
        raise NotFound(f"No existe el ticket {ticket_id} en HubSpot.")
    ticket, contact_ids = found
    return Target(ticket, contact_ids, ticket_id)


def merged_words(found: Target) -> str | None:
    """What the agent reads when the ticket typed was merged into another."""
    if found.merged_from is None:
        return None
    return (f"El ticket {found.merged_from} se fusionó en HubSpot con el {found.id}: se "
            f"registra en el {found.id}.")
