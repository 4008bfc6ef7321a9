"""Who escalates and who owns: HubSpot owner ids for emails, resolved once and cached.

ESCALATE_AGENT and the policy file's owners are emails; HubSpot wants owner ids. Each email
is looked up once (the owners list filtered by email) and kept 12 hours per portal and token
under ESCALATE_HOME, so a warm `create` sends no owner request at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..domain.priority import Priority
from ..domain.team import Owner
from ..errors import InvalidInput, InvalidProperty, Next, Refused
from ..gateway import Gateway
from .json_cache import JsonCache

if TYPE_CHECKING:
    from ..domain.policy import Route

CACHE_SECONDS = 12 * 3600
CACHE_VERSION = 1
AGENT_PROPERTY = "escalate_agent"  # the ticket property holding the agent's owner id
CHECK_EMAILS = Next("doctor", "Revise todos los correos con")
AGENT_HINT = ("Defina ESCALATE_AGENT con su correo de usuario de HubSpot (en el entorno o en "
              "el archivo .env), por ejemplo ESCALATE_AGENT=ana.agente@aseguradora.example.")


class OwnerCache:
    """email → owner, one private JSON file per portal and token."""

    def __init__(self, settings: Settings) -> None:
        self.file = JsonCache(settings, "owners", CACHE_VERSION)

    def _read(self) -> dict[str, Any]:
        owners = self.file.read()
        return owners if isinstance(owners, dict) else {}

    def get(self, email: str, now: datetime) -> Owner | None:
        item = self._read().get(email)
        try:
            if item is None or now.timestamp() - float(item["at"]) >= CACHE_SECONDS:
                return None
            return Owner(id=str(item["id"]), email=email, first_name=str(item.get("first", "")),
                         last_name=str(item.get("last", "")))
        except (KeyError, TypeError, ValueError):
            return None

    def by_id(self, now: datetime) -> dict[str, Owner]:
        """Every fresh entry, by owner id."""
        found: dict[str, Owner] = {}
        for email in self._read():
            owner = self.get(email, now)
            if owner is not None:
                found[owner.id] = owner
        return found

    def put(self, owners: list[Owner], now: datetime) -> None:
        data = self._read()
        for owner in owners:
            data[owner.email] = {"id": owner.id, "first": owner.first_name,
                                 "last": owner.last_name, "at": now.timestamp()}
        self.file.write(data)

    def forget(self, emails: list[str] | None = None) -> None:
        """Drop some emails (an id HubSpot refused), or every one."""
        if emails is None:
            self.file.forget()
            return
        data = self._read()
        for email in emails:
            data.pop(email, None)
        self.file.write(data)


def owners_for(gateway: Gateway, settings: Settings, emails: list[str], *,
               now: datetime, fresh: bool = False) -> dict[str, Owner | None]:
    """Each email's owner (None: HubSpot has no such user), from the cache when fresh;
    `fresh=True` asks HubSpot for every one (doctor) and refreshes the cache."""
    cache = OwnerCache(settings)
    found: dict[str, Owner | None] = {}
    fetched: list[Owner] = []
    for email in dict.fromkeys(emails):
        owner = None if fresh else cache.get(email, now)
        if owner is None:
            owner = gateway.owner_by_email(email)
            if owner is not None:
                fetched.append(owner)
        found[email] = owner
    if fetched:
        cache.put(fetched, now)
    return found


def owners_by_id(gateway: Gateway, settings: Settings, ids: set[str], *,
                 now: datetime) -> dict[str, Owner]:
    """The owners with these ids: from the cache, else one listing of every owner (cached)."""
    cache = OwnerCache(settings)
    known = cache.by_id(now)
    if not ids <= set(known):
        everyone = gateway.owners()
        cache.put(everyone, now)
        known.update({o.id: o for o in everyone})
    return {i: known[i] for i in ids if i in known}


def agent_owner(gateway: Gateway, settings: Settings, *, now: datetime) -> Owner | None:
    """The owner of ESCALATE_AGENT (None when unset); exit 3 when HubSpot has no such user."""
    if settings.agent is None:
        return None
    owner = owners_for(gateway, settings, [settings.agent], now=now)[settings.agent]
    if owner is None:
        raise Refused(f"ESCALATE_AGENT={settings.agent}: HubSpot no tiene un usuario con ese "
                      "correo.", hint="Use el correo con el que el agente entra a HubSpot "
                                      "(Configuración > Usuarios y equipos).")
    return owner


def owner_of(gateway: Gateway, settings: Settings, email: str, *, now: datetime) -> Owner:
    """The owner for an email another command names (--agente); exit 3 when unknown."""
    owner = owners_for(gateway, settings, [email], now=now)[email]
    if owner is None:
        raise Refused(f"HubSpot no tiene un usuario con el correo {email}.",
                      hint="Revise el correo: debe ser el de un usuario de HubSpot.")
    return owner


def assignment(gateway: Gateway, settings: Settings, owner_email: str | None,
               priority: Priority, *, now: datetime) -> tuple[Owner | None, Owner | None]:
    """(the agent escalating, the owner the policy's matrix names) for a new ticket.

    Both come from the cache when fresh; an email HubSpot does not know is exit 3, raised
    before anything is sent.
    """
    emails = [e for e in (settings.agent, owner_email) if e]
    if not emails:
        return None, None
    found = owners_for(gateway, settings, emails, now=now)
    unknown = [e for e in emails if found[e] is None]
    if unknown:
        problems = []
        if settings.agent in unknown:
            problems.append(f"ESCALATE_AGENT={settings.agent}: HubSpot no tiene un usuario con "
                            "ese correo")
        if owner_email in unknown and owner_email != settings.agent:
            problems.append(f"la matriz del archivo de políticas asigna {priority.value} a "
                            f"{owner_email}, que no es un usuario de HubSpot")
        raise Refused("No se envió nada: " + "; ".join(problems) + ".",
                      hint="Corrija el correo (ESCALATE_AGENT o el archivo de políticas).",
                      next_steps=(CHECK_EMAILS,))
    agent = found[settings.agent] if settings.agent else None
    owner = found[owner_email] if owner_email else None
    return agent, owner


@dataclass
class Assignment:
    """Who escalates a new ticket and who owns it, as the ticket's properties."""

    agent: Owner | None = None
    owner: Owner | None = None
    at: datetime | None = None  # when the ids were resolved (the command's clock)
    rule: str | None = None  # which line of the matrix named the owner
    refreshed: bool = False

    def properties(self) -> dict[str, str]:
        found = {}
        if self.agent is not None:
            found[AGENT_PROPERTY] = self.agent.id
        if self.owner is not None:
            found["hubspot_owner_id"] = self.owner.id
        return found

    def refused(self, exc: InvalidProperty) -> bool:
        """Whether HubSpot refused one of these ids (a user removed since it was cached)."""
        return not self.refreshed and any(exc.has(n) and n not in exc.missing()
                                          for n in self.properties())

    def refresh(self, gateway: Gateway, settings: Settings) -> dict[str, str]:
        """Forget the cached ids and ask HubSpot again (once); the properties to send."""
        from datetime import timezone

        emails = [o.email for o in (self.agent, self.owner) if o is not None]
        forget_owner_ids(settings, emails)
        found = owners_for(gateway, settings, emails, now=self.at or datetime.now(timezone.utc),
                           fresh=True)
        unknown = [e for e in emails if found[e] is None]
        if unknown:
            raise Refused("HubSpot ya no tiene un usuario con el correo "
                          + ", ".join(unknown) + ".",
                          hint="Corrija ESCALATE_AGENT o el archivo de políticas.",
                          next_steps=(CHECK_EMAILS,))
        if self.agent is not None:
            self.agent = found[self.agent.email]
        if self.owner is not None:
            self.owner = found[self.owner.email]
        self.refreshed = True
        return self.properties()


def assign(gateway: Gateway, settings: Settings, priority: Priority, where: str, *,
           now: datetime) -> Assignment:
    """The new ticket's agent and owner, with the policy file in force (see `assignment`)."""

    route = matrix_route(settings, priority, where)
    owner_email = route.owner if route is not None else None
    agent, owner = assignment(gateway, settings, owner_email, priority, now=now)
    return Assignment(agent, owner, at=now, rule=route.rule if route is not None else None)


def matrix_route(settings: Settings, priority: Priority, where: str,
                 folder: Path | None = None) -> Route | None:
    """Who the policy file's matrix makes a new ticket's owner, and which line says so; None
    without a policy file (the policy model is then not even loaded)."""
    from .. import policy_file

    loaded = policy_file.in_force(settings.policy_file, folder or Path.cwd(), settings.home)
    if loaded is None:
        return None
    route: Route = loaded.policy.matrix.route(priority, where)
    return route


def forget_owner_ids(settings: Settings, emails: list[str] | None = None) -> None:
    """Forget cached owner ids, e.g. after HubSpot refused one (a deactivated user)."""
    OwnerCache(settings).forget(emails)


def require_agent(settings: Settings, option: str) -> str:
    """The agent's email for an option that needs it; exit 2 saying how to set it."""
    if settings.agent is None:
        raise InvalidInput([f"{option} necesita saber quién es usted: falta ESCALATE_AGENT."],
                           hint=AGENT_HINT)
    return settings.agent
