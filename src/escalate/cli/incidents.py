"""`escalate incidentes`: the open incidents, and a supervisor's corrections (abrir, unir,
separar). Parses, calls `workflows.incidents`, renders."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from .env import Env
from .spanish import SpanishCommand, SpanishGroup

if TYPE_CHECKING:
    from ..domain.escalation import Escalation
    from ..domain.incident_choice import Choice
    from ..workflows.alike import AtCreate, Similar
    from ..workflows.incidents import Changed

app = typer.Typer(cls=SpanishGroup, invoke_without_command=True,
                  help="Incidentes: un problema que afecta a muchos clientes, trabajado una vez.")

JSON_HELP = "Resultado en JSON por stdout."


@app.callback()
def incidents(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Lista en JSON por stdout.")] = False,
) -> None:
    """Listar los incidentes abiertos: clientes afectados, antigüedad, prioridad y dueño.

    Ejemplo: escalate incidentes --json
    """
    if ctx.invoked_subcommand is not None:
        return
    env: Env = ctx.ensure_object(Env)
    from ..domain.followup import waited
    from ..workflows.incidents import open_incidents

    now = env.now()
    found = open_incidents(env.gateway(), env.settings, now=now)
    if as_json:
        env.out_json([i.as_json(now) for i in found])
        return
    if not found:
        env.out("No hay incidentes abiertos.")
        return
    from ..domain.text import printable

    for item in found:
        age = waited((now - item.created_at).total_seconds() / 3600) if item.created_at else ""
        level = item.priority.value if item.priority else "sin prioridad"
        owner = (f" · dueño {printable(item.owner.name)}" if item.owner else
                 f" · dueño {item.owner_id}" if item.owner_id else " · sin dueño")
        env.out(f"{item.id}  {printable(item.subject)} · {item.affected} cliente(s) · {level}"
                f" · abierto {age}{owner}")
        env.out(f"    {item.url}")


def _said(env: Env, changed: Changed, verb: str) -> None:
    level = changed.priority.value if changed.priority else "sin prioridad"
    env.out(f"Incidente {changed.id} {verb}: {changed.affected} cliente(s) afectado(s), "
            f"prioridad {level}.")


@app.command("abrir", cls=SpanishCommand)
def open_(
    ctx: typer.Context,
    tickets: Annotated[list[str], typer.Argument(
        help="Los tickets de los clientes afectados (dos o más).", metavar="TICKET...")],
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Abrir un incidente con tickets ya escalados; imprime su número.

    Abrirlo otra vez desde el mismo primer ticket no crea otro: suma los tickets al mismo.

    Ejemplo: escalate incidentes abrir 1007 1008 1011
    """
    env: Env = ctx.ensure_object(Env)
    from ..errors import InvalidInput
    from ..workflows.incidents import open_incident

    ids = _ticket_ids(tickets)
    if len(set(ids)) < 2:
        raise InvalidInput(["Un incidente reúne dos o más tickets: indique al menos dos."])
    changed = open_incident(env.gateway(), env.settings, _rules(env), ids,
                            now=env.now())
    if as_json:
        env.out_json(changed.as_json())
        return
    env.out(changed.id)
    _said(env, changed, "abierto" if changed.created else "ya existía; tickets sumados")


@app.command("unir", cls=SpanishCommand)
def join(
    ctx: typer.Context,
    ticket: Annotated[str, typer.Argument(help="El ticket del cliente.", metavar="TICKET")],
    incident: Annotated[str, typer.Argument(help="El incidente.", metavar="INCIDENTE")],
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Sumar un ticket a un incidente abierto (lo saca del que tuviera antes).

    Ejemplo: escalate incidentes unir 1012 1100
    """
    env: Env = ctx.ensure_object(Env)
    from ..workflows.incidents import join as run_join

    [ticket_id, incident_id] = _ticket_ids([ticket, incident])
    changed = run_join(env.gateway(), env.settings, _rules(env), ticket_id,
                       incident_id, now=env.now())
    if as_json:
        env.out_json(changed.as_json())
    else:
        _said(env, changed, f"con el ticket {ticket_id}")


@app.command("separar", cls=SpanishCommand)
def split(
    ctx: typer.Context,
    ticket: Annotated[str, typer.Argument(help="El ticket del cliente.", metavar="TICKET")],
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Sacar un ticket de su incidente (no era el mismo problema).

    Ejemplo: escalate incidentes separar 1012
    """
    env: Env = ctx.ensure_object(Env)
    from ..workflows.incidents import split as run_split

    [ticket_id] = _ticket_ids([ticket])
    changed = run_split(env.gateway(), env.settings, _rules(env), ticket_id,
                        now=env.now())
    if as_json:
        env.out_json(changed.as_json())
    else:
        _said(env, changed, f"sin el ticket {ticket_id}")


def incident_choice(incident: str | None, no_incident: bool) -> Choice:
    """`create --incidente ID` / `--sin-incidente` as the workflow reads them (exit 2 when
    both, or an id that is no ticket number)."""
    from ..domain.incident_choice import Choice
    from ..errors import InvalidInput

    if incident is not None and no_incident:
        raise InvalidInput(["--incidente y --sin-incidente no van juntos: elija uno."])
    if incident is not None:
        return Choice(join=_ticket_ids([incident])[0])
    return Choice(detect=not no_incident)


def similar_notice(env: Env, similar: Similar) -> str:
    """«Parece el mismo problema que 12 tickets abiertos desde ayer (1007, 1008, …) —
    incidente 1100» (or «— puede abrir un incidente»)."""
    ids = [m.ticket_id for m in similar.detection.similar]
    shown = ", ".join(ids[:5]) + (", …" if len(ids) > 5 else "")
    count = "1 ticket abierto" if len(ids) == 1 else f"{len(ids)} tickets abiertos"
    since = ""
    if similar.since is not None:
        from .when import reading_zone

        local = reading_zone(env)  # «today» is the agent's day, not UTC's
        days = (env.now().astimezone(local).date() - similar.since.astimezone(local).date()).days
        since = (" desde hoy" if days <= 0 else " desde ayer" if days == 1
                 else f" desde hace {days} días")
    text = f"Parece el mismo problema que {count}{since} ({shown})"
    if similar.incident is not None:
        return f"{text} — incidente {similar.incident.id}."
    from .hints import command_line

    return (f"{text} — puede abrir un incidente con "
            f"«{command_line(env, 'incidentes abrir TICKET...')}».")


def preview_alike(env: Env, escalation: Escalation, choice: Choice) -> Similar | None:
    """`--simular`: the open tickets alike, read only when the portal is cached already (a
    simulation reads no portal and writes nothing); HubSpot out of reach is said, not fatal."""
    from ..workflows.portal import PortalCache
    from .dry_run import attempt

    if choice.join is not None or not choice.detect:
        return None
    portal = PortalCache(env.settings).load(env.now().timestamp())
    if portal is None or not portal.has_incidents:
        return None
    from ..workflows.alike import similar_open
    from ..workflows.incidents import incident_policy

    policy = incident_policy(env.settings)  # a bad [incidentes] is exit 2, as when sending
    found, why_not = attempt(env, lambda gateway: similar_open(
        gateway, portal, escalation.what, escalation.where, now=env.now(), policy=policy,
        own_id=escalation.escalate_id))
    if why_not is not None:
        env.warn(f"No se buscaron tickets parecidos: {why_not}")
    return found


def ask_incident(env: Env, ask: Any, found: AtCreate) -> str | None:
    """At the terminal, before the review: join the incident offered (the default), open
    one with the tickets alike, or «Es otro problema». The line the review shows, if any."""
    similar = found.similar
    if similar is None or not similar.offered or found.joining is not None or found.opening:
        return None
    env.err.print(similar_notice(env, similar), markup=False)
    if found.labels is None:  # a portal `setup` has not prepared for incidents
        from .hints import command_line

        env.err.print("Los incidentes no están listos en este portal: un administrador debe "
                      f"ejecutar «{command_line(env, 'configurar')}».", markup=False)
        return None
    if similar.incident is not None:
        offer = (f"Sumar al incidente {similar.incident.id}", "join")
    else:
        offer = (f"Abrir un incidente con estos {len(similar.detection.similar) + 1} "
                 "tickets", "open")
    chosen = ask.select("¿Es el mismo problema?", [offer, ("Es otro problema", "other")],
                        offer[1])
    if chosen == "join":
        found.join_offered()
        return offer[0]
    if chosen == "open":
        found.open_offered()
        return offer[0]
    return None


def _rules(env: Env) -> Any:
    """`[incidentes]` of the policy file in force, the defaults filling in."""
    from ..domain.incidents import Rules

    return Rules.of(env.policy.policy.incidents)


def _ticket_ids(given: list[str]) -> list[str]:
    """Ticket numbers as typed (a HubSpot link's last number too); exit 2 naming the rest."""
    from ..errors import InvalidInput

    ids: list[str] = []
    bad: list[str] = []
    for text in given:
        last = text.strip().rstrip("/").rsplit("/", 1)[-1]
        (ids if last.isdigit() else bad).append(last if last.isdigit() else text)
    if bad:
        raise InvalidInput([f"«{b[:40]}» no es un número de ticket." for b in bad])
    return ids


# The English names, hidden: the contract names both (cli-contract.md, 2026-12).
app.command("open", cls=SpanishCommand, hidden=True)(open_)
app.command("join", cls=SpanishCommand, hidden=True)(join)
app.command("split", cls=SpanishCommand, hidden=True)(split)
