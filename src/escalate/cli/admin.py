"""`escalate doctor` (what is misconfigured) and `escalate setup` (the tool's properties).

Both call a workflow (workflows/doctor.py) and render its report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .env import Env

if TYPE_CHECKING:
    from ..config import Settings
    from ..errors import Next
    from ..gateway import Gateway

OK, BAD, ADVICE = "✓", "✗", "!"  # ADVICE: holds, with something to do or not checkable


def doctor(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Resultado en JSON por stdout.")]
    = False,
) -> None:
    """Revisar token (service key), permisos, pipeline y etapa, prioridades, propiedades,
    createdate, el agente y los dueños del archivo de políticas; decir qué corregir.

    Ejemplo: escalate diagnostico --json
    """
    env: Env = ctx.ensure_object(Env)
    from ..workflows.doctor import doctor as run_doctor
    from .hints import sentence

    settings = env.settings
    pending, damaged = env.outbox.entries()
    def connect() -> tuple[Gateway, Settings]:
        gateway = env.gateway()
        return gateway, env.settings

    report = run_doctor(
        settings, connect,
        load_policy=lambda: env.policy,
        pending=len(pending), damaged=len(damaged), now=env.now(), redact=env.redact)
    def spell(step: Next) -> str:
        return sentence(env, step)

    if as_json:
        env.out_json(report.as_json(spell))
    else:
        for check in report.checks:
            mark = BAD if not check.ok else ADVICE if check.advice else OK
            env.out(f"{mark} {check.name}: {check.detail}")
            for fix in check.fixes(spell) if not check.ok else ():
                env.out(f"    → {fix}")
    if report.exit_code:
        raise typer.Exit(int(report.exit_code))


def setup(ctx: typer.Context) -> None:
    """Crear en el portal las propiedades de ticket de escalate (una vez, y otra vez tras
    actualizar escalate; repetirlo no daña). Necesita una service key (o token de app
    privada heredada) con el permiso tickets.

    Ejemplo: escalate configurar
    """
    env: Env = ctx.ensure_object(Env)
    from ..workflows.doctor import setup as run_setup
    from ..workflows.portal import TOOL_GROUP

    report = run_setup(env.gateway(), env.settings)
    env.out(f"{OK} Grupo de propiedades «{TOOL_GROUP[1]}»: "
            + ("creado" if report.group_created else "ya existía"))
    for name, outcome in report.properties:
        env.out(f"{OK} Propiedad {name}: {outcome}")
    from ..workflows.incidents import INVERSE, LABEL

    env.out(f"{OK} Etiquetas de asociación «{LABEL}» / «{INVERSE}» entre tickets: "
            + ("creadas" if report.labels_created else "ya existían"))
    for warning in report.warnings:
        env.warn(warning)
    env.out("Listo: el portal está preparado para escalate.")
