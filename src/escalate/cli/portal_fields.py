"""The portal's own ticket properties in a create (API 2026-09 enforces admins' rules on
every write): `--campo NOMBRE=VALOR` checked against the portal as read (cached with it), and
each property an admin made required that escalate does not fill asked at a terminal.

A property of a kind no one can type (a file, a calculation) that the portal requires stops
the create before anything is sent (exit 3); a value that breaks a rule is refused (exit 2 in
a script, asked again at a terminal); rules the tool could not read are left to HubSpot,
whose refusal names the property and the rule (errors.RuleRefused, exit 3, kept to resend).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..domain.rules import FieldProblem, field_value, needs, required_missing, unaskable
from ..errors import InvalidInput, Refused

if TYPE_CHECKING:
    from ..domain.records import PropertyInfo
    from ..workflows.portal import Portal
    from .prompts import Asker

OPTION = "--campo"


def parsed(given: Sequence[str]) -> dict[str, str]:
    """`NOMBRE=VALOR` pairs as typed (exit 2 for one without «=» or a name)."""
    found: dict[str, str] = {}
    bad = []
    for item in given:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            bad.append(f"{OPTION} «{item[:60]}» no tiene la forma NOMBRE=VALOR "
                       "(por ejemplo numero_siniestro=S-1234)")
            continue
        found[name.strip()] = value.strip()
    if bad:
        raise InvalidInput(bad, hint="No se envió nada.")
    return found


def checked_fields(portal: Portal, given: Sequence[str]) -> dict[str, str]:
    """The values to write, as HubSpot takes them; every problem at once (exit 2), or a
    required property no one can type (exit 3, before anything is sent)."""
    values = parsed(given)
    out: dict[str, str] = {}
    problems: list[str] = []
    for name, value in values.items():
        try:
            out[name] = field_value(portal.ticket_property(name), name, value,
                                    portal.rules.of(name), portal.properties)
        except FieldProblem as exc:
            problems.append(f"{OPTION}: {exc.message}")
    _refuse_unaskable(portal, values)
    for name in required_missing(portal.rules, values):
        needed = needs(portal.ticket_property(name), portal.rules.of(name))
        problems.append(f"falta {OPTION} {name}=…: el portal la exige ({needed})")
    if problems:
        raise InvalidInput(problems, hint="No se envió nada.",
                           fields={"fields": "; ".join(problems)})
    return out


def _refuse_unaskable(portal: Portal, given: dict[str, str]) -> None:
    for name in required_missing(portal.rules, given):
        info = portal.ticket_property(name)
        cannot = "no existe en el portal" if info is None else unaskable(info)
        if cannot:
            raise Refused(f"El portal exige la propiedad «{name}» en los tickets y escalate no "
                          f"puede llenarla: {cannot}. No se envió nada.",
                          hint="Un administrador del portal debe quitarla de obligatorias "
                               "(Configuración > Propiedades).")


def missing_to_ask(portal: Portal, given: dict[str, str]) -> list[PropertyInfo]:
    """The required properties to ask for at a terminal (after refusing those no one can
    type, exit 3)."""
    _refuse_unaskable(portal, given)
    return [info for name in required_missing(portal.rules, given)
            if (info := portal.ticket_property(name)) is not None]


def ask_one(ask: Asker, portal: Portal, info: PropertyInfo, current: str = "") -> str:
    """One property asked as its kind asks: a list of the portal's labels, sí or no, or
    text checked against the rules as it is typed. Returns the value as typed."""
    title = f"{info.label or info.name} ({info.name}; el portal la exige)"
    if info.type == "enumeration":
        choices = [(label or value, value) for value, label in info.options]
        return ask.select(title, choices, current or None)
    if info.type == "bool":
        return ask.select(title, [("Sí", "true"), ("No", "false")], current or None)
    rules = portal.rules.of(info.name)

    def problem(text: str) -> str | None:
        try:
            field_value(info, info.name, text, rules)
        except FieldProblem as exc:
            return exc.message[:1].upper() + exc.message[1:] + "."
        return None

    return ask.text(title, default=current, check=problem)


def shown(portal: Portal | None, values: dict[str, str]) -> str:
    """The fields as the review shows them: label and the option's label."""
    lines = []
    for name, value in values.items():
        info = portal.ticket_property(name) if portal is not None else None
        label = dict(info.options).get(value, value) if info is not None else value
        lines.append(f"{info.label if info is not None and info.label else name}: {label}")
    return "\n".join(lines)
