"""`escalate policy` (alias `politica`): the team's policy in force and where it came from."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .env import Env


def policy(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Resultado en JSON por stdout.")]
    = False,
) -> None:
    """Mostrar la política del equipo en vigor (matriz de escalación, intervalos de
    seguimiento, horario hábil, subida de prioridad, calidad, incidentes, plantillas) y el
    archivo del que salió.

    Busca ESCALATE_POLICY_FILE, si no escalate.toml aquí, si no en ESCALATE_HOME.

    Ejemplo: escalate politica --json
    """
    env: Env = ctx.ensure_object(Env)
    loaded = env.policy
    settings = env.settings
    data = describe(loaded.policy, settings.followup_hours)
    where = str(loaded.path) if loaded.path else None
    if as_json:
        env.out_json({"file": where, **data})
        return
    env.out(f"Archivo: {where}" if where else
            "Archivo: ninguno (ESCALATE_POLICY_FILE, escalate.toml): política por omisión.")
    env.out("Matriz de escalación (dueño del ticket):")
    matrix = data["matrix"]
    if not matrix["priorities"] and not matrix["rules"]:
        env.out("  sin dueños: los tickets se crean sin propietario.")
    for rule in matrix["rules"]:
        env.out(f"  si DÓNDE contiene {' o '.join(repr(w) for w in rule['where_contains'])}"
                f" → {rule['owner']}")
    for level, owner in matrix["priorities"].items():
        env.out(f"  {level} → {owner}")
    followup = data["followup"]
    hours = ", ".join(f"{p} {h:g} h" for p, h in followup["hours"].items())
    env.out(f"Seguimiento: aviso al cliente cada {hours}.")
    business = followup["business_hours"]
    if business:
        env.out(f"  Solo cuenta el horario hábil: {', '.join(business['days'])} de "
                f"{business['start']} a {business['end']} (zona horaria del portal).")
    if followup["holidays"]:
        env.out(f"  Días feriados: {', '.join(followup['holidays'])}.")
    bump = data["bump"]
    if bump["after_hours"]:
        env.out("Subida automática de prioridad (escalate subir): " + ", ".join(
            f"{p} tras {h:g} h" for p, h in bump["after_hours"].items()) + ".")
    else:
        env.out("Subida automática de prioridad: no configurada.")
    quality = data["quality"]
    env.out(f"Calidad: mínimo {quality['minimum']}; pesos "
            + ", ".join(f"{k} {w}" for k, w in quality["weights"].items()) + ".")
    if quality["screens"]:
        env.out(f"  Pantallas del portal: {', '.join(quality['screens'])}.")
    alike = data["incidents"]
    env.out(f"Incidentes: se compara con los tickets abiertos de los últimos {alike['days']} "
            f"días; se propone un incidente desde {alike['minimum']} tickets parecidos "
            f"(similitud {alike['similarity']:g} de 100); la prioridad sube a "
            + ", ".join(f"{p} con {n} clientes" for p, n in alike["priority"].items()) + ".")
    if data["templates"]:
        env.out(f"Plantillas: {', '.join(data['templates'])} (escalate plantillas).")


DAY_NAMES = {1: "lun", 2: "mar", 3: "mié", 4: "jue", 5: "vie", 6: "sáb", 7: "dom"}


def describe(policy: Any, default_hours: float) -> dict[str, Any]:
    """The policy as plain data: what `--json` prints (every level's interval filled in)."""
    from ..domain.incidents import Rules
    from ..domain.priority import Priority

    followup = policy.followup
    alike = Rules.of(policy.incidents)  # the section's values, each default filled in
    business = followup.business_hours
    return {
        "matrix": {
            "priorities": {p.value: owner for p, owner in policy.matrix.owners.items()},
            "rules": [{"where_contains": list(r.where_contains), "owner": r.owner}
                      for r in policy.matrix.rules],
        },
        "followup": {
            "hours": {p.value: followup.hours_for(p, default_hours) for p in Priority},
            "business_hours": None if business is None else {
                "days": [DAY_NAMES[d] for d in business.days],
                "start": business.start.strftime("%H:%M"),
                "end": business.end.strftime("%H:%M")},
            "holidays": [d.isoformat() for d in followup.holidays],
        },
        "bump": {"after_hours": {p.value: h for p, h in policy.bump.after_hours.items()}},
        "quality": {"minimum": policy.quality.minimum, "weights": dict(policy.quality.weights),
                    "screens": list(policy.quality.screens)},
        "incidents": {"days": alike.days, "minimum": alike.minimum,
                      "similarity": alike.threshold,
                      "priority": {p.value: clients for p, clients in alike.levels}},
        "templates": list(policy.templates),
    }
