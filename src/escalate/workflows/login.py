"""`escalate acceder`: what a service key opens, checked before it is stored."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import AuthProblem, MissingScopes
from ..gateway import Gateway
from .doctor import SCOPES, prober

# A write cannot be probed without writing (doctor says so too).
UNPROBED = ("crm.objects.contacts.write",)


@dataclass(frozen=True)
class CheckedKey:
    """The portal a key belongs to, and the scopes it lacks with the commands that need
    each."""

    portal: str
    domain: str
    missing: tuple[tuple[str, str], ...] = ()


def check_key(gateway: Gateway, portal: str | None = None) -> CheckedKey:
    """One request says whether HubSpot takes the key and whose portal it opens (exit 4
    when refused, or when it opens another portal than `portal`); then one read per scope
    the tool uses."""
    account = gateway.account()
    if portal is not None and account.portal_id != portal:
        raise AuthProblem(f"Esa clave es del portal {account.portal_id} "
                          f"({account.ui_domain}), no del portal {portal} que se pidió.",
                          hint="Revise qué clave copió, o pida el portal de esa clave.")
    missing = []
    for scope, needed_by in SCOPES:
        if scope in UNPROBED:
            continue
        try:
            prober(gateway, scope, needed_by)()
        except MissingScopes:
            missing.append((scope, needed_by))
    return CheckedKey(account.portal_id, account.ui_domain, tuple(missing))
