"""What an agent types for an escalation, field by field, before any validation.

Kept apart from the validated model (and from pydantic) so the command line can name
fields without loading the validation machinery.
"""

from __future__ import annotations

from typing import TypedDict


class EscalationInput(TypedDict, total=False):
    """What an agent typed, one key per field, before validation (a draft holds this)."""

    policy: str | None
    client_name: str | None
    email: str | None
    phone: str | None
    priority: str | None
    what: str | None
    how: str | None
    where: str | None
    when: str | None
    changes: list[str]
    channel: str | None
    created_at: str | None
    attachments: list[str]
    fields: list[str]  # the portal's own ticket properties, NOMBRE=VALOR (--campo)


# The fields in the order of the form; "contact" names the pair email/phone when neither is given.
FIELDS = ("policy", "client_name", "email", "phone", "priority", "what", "how", "where", "when",
          "changes", "channel", "created_at", "attachments", "fields")
REQUIRED = ("policy", "client_name", "priority", "what", "how", "where")
CONTACT = "contact"
