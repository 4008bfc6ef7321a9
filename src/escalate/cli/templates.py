"""`escalate plantillas` (alias `templates`): the policy file's templates per kind of case."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from .env import Env

if TYPE_CHECKING:
    from ..domain.answers import EscalationInput
    from ..domain.templates import Applied, Template

# The template's questions as the agent reads them.
QUESTION_LABELS = {"what": "QUÉ", "how": "CÓMO", "where": "DÓNDE", "when": "CUÁNDO",
                   "changes": "Cambios", "attachments": "Adjuntos", "channel": "Canal"}


def templates(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Resultado en JSON por stdout.")]
    = False,
) -> None:
    """Listar las plantillas por tipo de caso del archivo de políticas.

    Cada [plantillas.NOMBRE] con su título, prioridad por omisión, los cambios campo=valor
    que pide, si pide evidencia y la pista de cada pregunta.

    Ejemplo: escalate plantillas --json
    """
    env: Env = ctx.ensure_object(Env)
    loaded = env.policy
    listed = describe(loaded.policy.templates)
    if as_json:
        env.out_json(listed)
        return
    if not listed:
        where = (f"El archivo {loaded.path} no define plantillas." if loaded.path
                 else "No hay archivo de políticas, así que no hay plantillas.")
        env.out(f"{where} Se definen en el archivo de políticas como [plantillas.NOMBRE] "
                "(docs/guia-supervisores.md).")
        return
    env.out(f"Plantillas de {loaded.path}:")
    for item in listed:
        env.out(f"\n{item['name']} — {item['title']}")
        if item["priority"]:
            env.out(f"  Prioridad por omisión: {item['priority']}")
        if item["changes"]:
            env.out("  Cambios requeridos: " + ", ".join(f"{c}=…" for c in item["changes"]))
        if item["evidence"]:
            env.out("  Evidencia requerida: una captura o un documento")
        for field, hint in item["hints"].items():
            env.out(f"  {QUESTION_LABELS[field]}: {hint}")


def describe(templates: Any) -> list[dict[str, Any]]:
    """The templates as plain data, in the file's order: what `--json` prints."""
    return [{"name": name, "title": template.title or name,
             "priority": template.priority.value if template.priority else None,
             "changes": list(template.changes), "evidence": template.evidence,
             "hints": dict(template.hints)}
            for name, template in templates.items()]


def chosen(env: Env, name: str) -> tuple[str, Template]:
    """The policy file's template called `name`; exit 2 listing them when none is."""
    from ..domain.templates import find

    return find(env.policy.policy.templates, name)


def applied_scripted(env: Env, name: str, answers: EscalationInput) -> EscalationInput:
    """`--plantilla`: the answers with the template's default priority; exit 2 naming the
    `campo=valor` fields and the evidence it requires that were not given (nothing sent)."""
    from ..domain.templates import apply
    from ..errors import InvalidInput
    from .fields import problem_lines

    key, template = chosen(env, name)
    applied: Applied = apply(key, template, answers)
    if not applied.complete:
        problems = applied.problems()
        raise InvalidInput(problem_lines(problems, typed=True), fields=problems,
                           hint="No se envió nada.")
    return applied.answers
