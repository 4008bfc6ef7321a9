"""What `create` reads from HubSpot while the agent is still typing.

An interactive create asks for a minute; HubSpot answers in a fraction of a second. So the
reads start as soon as what they need is typed, in background threads: the gateway and the
portal at the first answer (not before the first question: their imports would delay it),
the contact as soon as the email or phone is typed, the open tickets of the policy as soon
as the policy is, the open tickets alike (incidents) as soon as QUÉ and DÓNDE are. The
session shows what they found under the field that asked for it (a contact that does not
exist, several that share a phone, the policy's open tickets), and the review takes the rest
(`workflows.lookup.Known`) instead of asking HubSpot again.

A read that fails here is only a read not done yet: the review does it again, where a
failure is handled as always (an unreachable HubSpot keeps the escalation in the outbox).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as Late
from typing import TYPE_CHECKING, TypeVar

from ..errors import EscalateError

if TYPE_CHECKING:
    from ..domain.incident_choice import Choice
    from ..domain.records import Ticket
    from ..gateway import Gateway
    from ..workflows.alike import AtCreate
    from ..workflows.lookup import ContactLookup, Known
    from ..workflows.portal import Portal
    from .env import Env

T = TypeVar("T")
AT_THE_FIELD = 3.0  # seconds a question waits for its read, at most; later, the review's
Key = tuple[str | None, str | None]  # the email and phone a contact was looked up by


class Lookahead:
    """Reads running while the agent types; each answer kept with what it was read for."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.warnings: list[str] = []  # shown later: never printed over a question
        self._pool = ThreadPoolExecutor(4, thread_name_prefix="lookahead")
        # Reads ahead fail at once when HubSpot is out of reach (`reading_ahead`): a
        # question never waits out a retry for a read the review makes again anyway.
        self._gateway: Future[Gateway] = self._pool.submit(
            lambda: env.gateway().reading_ahead())
        self._portal: Future[Portal] = self._pool.submit(self._load_portal)
        self._contact: tuple[Key, Future[ContactLookup]] | None = None
        self._policy: tuple[str, Future[list[Ticket]]] | None = None
        self._alike: tuple[tuple[str, str], Future[AtCreate]] | None = None

    def _load_portal(self) -> Portal:
        from ..workflows.portal import load_portal

        return load_portal(self._gateway.result(), self.env.settings, now=self.env.now(),
                           warn=self.warnings.append)

    # -- starting reads -------------------------------------------------------------------

    def contact(self, email: str | None, phone: str | None) -> None:
        """Look the contact up by these (normalised) values, unless already being done."""
        key = (email, phone)
        if self._contact is not None and self._contact[0] == key:
            return

        def look() -> ContactLookup:
            from ..workflows.lookup import contact_by

            return contact_by(self._gateway.result(), email, phone)

        self._contact = (key, self._pool.submit(look))

    def policy(self, policy: str) -> None:
        """Search the tickets that carry this (normalised) policy."""
        if self._policy is not None and self._policy[0] == policy:
            return

        def search() -> list[Ticket]:
            from ..workflows.lookup import policy_tickets

            return policy_tickets(self._gateway.result(), policy)

        self._policy = (policy, self._pool.submit(search))

    def alike(self, what: str, where: str, choice: Choice) -> None:
        """Look for the open tickets like this QUÉ and DÓNDE (as validation cleans them),
        while the agent answers the form's last questions; a fresh escalation only (its
        own ticket cannot exist yet: `own_id` matches none)."""
        from uuid import uuid4

        key = (what, where)
        if self._alike is not None and self._alike[0] == key:
            return

        def look() -> AtCreate:
            from ..workflows.alike import before_create

            return before_create(self._gateway.result(), self.env.settings,
                                 lambda: self._portal.result(), what, where, choice,
                                 now=self.env.now(), own_id=uuid4().hex)

        self._alike = (key, self._pool.submit(look))

    # -- their answers --------------------------------------------------------------------

    def found_contact(self, email: str | None, phone: str | None,
                      wait: float = AT_THE_FIELD) -> ContactLookup | None:
        """What the lookup of these values found; None when it failed or is still going."""
        if self._contact is None or self._contact[0] != (email, phone):
            return None
        return _answer(self._contact[1], wait)

    def open_tickets(self, policy: str, own_id: str | None, wait: float = 0.0
                     ) -> list[Ticket] | None:
        """The open tickets of the pipeline carrying this policy, as search has them, if
        the search and the portal are read within `wait` (None otherwise: the review says)."""
        from ..workflows.lookup import open_with_policy

        if self._policy is None or self._policy[0] != policy:
            return None
        searched, portal = _answer(self._policy[1], wait), self.portal(wait)
        if searched is None or portal is None:
            return None
        return open_with_policy(searched, portal, policy, own_id)

    def portal(self, wait: float = 0.0) -> Portal | None:
        return _answer(self._portal, wait)

    def known(self, email: str | None, phone: str | None, policy: str) -> Known:
        """What the review may take as read, for the values it is about to send."""
        from ..workflows.lookup import Known

        searched = (_answer(self._policy[1], AT_THE_FIELD)
                    if self._policy is not None and self._policy[0] == policy else None)
        alike = _answer(self._alike[1], AT_THE_FIELD) if self._alike is not None else None
        return Known(portal=self.portal(AT_THE_FIELD),
                     lookup=self.found_contact(email, phone), searched=searched,
                     alike=(self._alike[0], alike) if self._alike and alike else None)

    def close(self) -> None:
        """Stop waiting for what was not started; what is in flight ends by itself."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _answer(future: Future[T], wait: float) -> T | None:
    """The future's result within `wait` seconds; None when late or failed (the review
    reads again and meets the failure where it is handled)."""
    try:
        return future.result(timeout=wait)
    except (Late, EscalateError, OSError):
        return None
