"""The contact an agent chose among those sharing a phone, kept with what it was chosen for:
a draft keeps it (taken up again, nothing is asked while it holds), and so does an escalation
kept in the outbox (sent later where nobody can be asked, it goes to that contact)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .records import Contact


@dataclass(frozen=True)
class Chosen:
    """The contact the agent chose among those sharing a phone, and the email and phone
    (normalised, as they were looked up) it was chosen for. A draft keeps it, so taking
    the draft up again does not ask again while the choice still holds."""

    contact_id: str
    email: str | None
    phone: str | None

    def as_json(self) -> dict[str, str | None]:
        return {"id": self.contact_id, "email": self.email, "phone": self.phone}

    @classmethod
    def from_json(cls, raw: Any) -> Chosen | None:
        """The choice a draft kept; None for a draft kept before choices were (or a value
        that is not one: the chooser is asked, as it always was)."""
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            return None
        email, phone = raw.get("email"), raw.get("phone")
        if not all(v is None or isinstance(v, str) for v in (email, phone)):
            return None
        return cls(raw["id"], email, phone)

    def held(self, key: tuple[str | None, str | None],
             candidates: list[Contact]) -> tuple[Contact | None, str | None]:
        """The contact chosen, if the choice holds for the values looked up now (`key`:
        email, phone) and what HubSpot found for them; else None and why it does not."""
        if (self.email, self.phone) != key:
            changed = "el correo" if self.email != key[0] else "el teléfono"
            return None, f"{changed} del cliente cambió desde que se eligió"
        for contact in candidates:
            if contact.id == self.contact_id:
                return contact, None
        return None, (f"el contacto elegido (id {self.contact_id}) ya no está entre los que "
                      "tienen ese teléfono: se borró o cambió su teléfono en HubSpot")
