"""`escalate doctor` (what is misconfigured) and `escalate setup` (the tool's properties)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

import typer

from ..errors import EscalateError, ExitCode
from .env import Env

OK, BAD = "✓", "✗"


def doctor(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Resultado en JSON por stdout.")]
    = False,
) -> None:
    """Revisar token, permisos, pipeline y etapa, prioridades y propiedades; decir qué corregir."""
    env: Env = ctx.ensure_object(Env)
    checks: list[dict[str, Any]] = []
    worst = ExitCode.OK

    def check(name: str, run: Callable[[], str]) -> bool:
        nonlocal worst
        try:
            detail = run()
        except EscalateError as exc:
            checks.append({"check": name, "ok": False, "detail": env.redact(exc.message),
                           "fix": exc.hint})
            worst = max(worst, exc.exit_code)
            return False
        checks.append({"check": name, "ok": True, "detail": detail, "fix": None})
        return True

    gateway = None

    def connect() -> str:
        nonlocal gateway
        gateway = env.gateway()
        account = gateway.account()
        return f"token aceptado; portal {account.portal_id} ({account.ui_domain})"

    connected = check("Token", connect)
    checks.insert(0, {"check": "Configuración", "ok": True, "fix": None,
                      "detail": f"HubSpot en {env.settings.base_url}; datos en "
                                f"{env.settings.home}"})
    if connected and gateway is not None:
        from ..workflows.portal import resolve

        for scope, label in (("contacts", "crm.objects.contacts.read"),
                             ("tickets", "tickets"), ("files", "files")):
            check(f"Permiso {label}", partial(_probe, gateway, scope))
        portal_holder: list[Any] = []

        def stage() -> str:
            portal = resolve(gateway, env.settings)
            portal_holder.append(portal)
            return (f"pipeline «{portal.pipeline.label}» (id {portal.pipeline.id}), etapa "
                    f"«{portal.stage.label}» (id {portal.stage.id})")

        if check("Pipeline y etapa", stage):
            portal = portal_holder[0]
            check("Prioridades", lambda: _priorities(portal))
            check("Propiedades de escalate", lambda: _tool_properties(portal))
    pending, damaged = env.outbox.entries()
    checks.append({"check": "Bandeja de salida", "ok": not damaged,
                   "detail": f"{len(pending)} pendiente(s), {len(damaged)} dañada(s)",
                   "fix": "escalate outbox send" if pending else None})
    _report(env, checks, as_json)
    if worst:
        raise typer.Exit(int(worst))


def _probe(gateway: Any, scope: str) -> str:
    gateway.probe(scope)
    return "concedido"


def _priorities(portal: Any) -> str:
    from ..domain.priority import Priority
    from ..errors import Refused

    mapping = {p.value: p.portal_option(portal.priority_options) for p in Priority}
    missing = [name for name, option in mapping.items() if option is None]
    if missing:
        raise Refused(
            "el portal no tiene opción para " + ", ".join(missing) + " en hs_ticket_priority "
            "(tiene " + ", ".join(v for v, _ in portal.priority_options) + ")",
            hint="Agregue la opción en HubSpot (Configuración > Propiedades > Prioridad) o no "
                 "use esa prioridad.")
    return ", ".join(f"{name}→{option}" for name, option in mapping.items())


def _tool_properties(portal: Any) -> str:
    portal.require_tool_properties()
    return "escalate_id (único), escalate_policy, escalate_last_client_update"


def _report(env: Env, checks: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        import json

        env.out(json.dumps(checks, ensure_ascii=False, indent=2))
        return
    for item in checks:
        mark = OK if item["ok"] else BAD
        env.out(f"{mark} {item['check']}: {item['detail']}")
        if item["fix"] and not item["ok"]:
            env.out(f"    → {item['fix']}")


def setup(ctx: typer.Context) -> None:
    """Crear en el portal las propiedades de ticket de escalate (una vez; repetirlo no daña)."""
    env: Env = ctx.ensure_object(Env)
    from ..workflows.portal import TOOL_GROUP, TOOL_PROPERTIES, PortalCache

    gateway = env.gateway()
    group_created = gateway.create_property_group(*TOOL_GROUP)
    env.out(f"{OK} Grupo de propiedades «{TOOL_GROUP[1]}»: "
            + ("creado" if group_created else "ya existía"))
    for definition in TOOL_PROPERTIES:
        created = gateway.create_ticket_property(definition)
        env.out(f"{OK} Propiedad {definition['name']}: " + ("creada" if created else "ya existía"))
    existing = gateway.ticket_properties()
    unique = existing.get("escalate_id")
    if unique is not None and not unique.unique:
        env.warn("escalate_id existe pero sin «valor único»: los reenvíos podrían duplicar "
                 "tickets. Bórrela en HubSpot y vuelva a ejecutar «escalate setup».")
    PortalCache(env.settings).forget()
    env.out("Listo: el portal está preparado para escalate.")
