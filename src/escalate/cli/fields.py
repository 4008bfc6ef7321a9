"""The one table where a field of the escalation meets the agent: its flags, label and question.

The domain speaks of `client_name`; only this module knows it is `--cliente`, labelled
«Cliente» and asked as «Nombre completo del cliente».
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidInput


@dataclass(frozen=True)
class FieldSpec:
    flags: tuple[str, str]  # English name, Spanish alias
    label: str
    question: str
    hint: str = ""  # what to write instead of a placeholder («...», «-»)


FIELDS: dict[str, FieldSpec] = {
    "policy": FieldSpec(("--policy", "--poliza"), "Póliza", "Número de póliza"),
    "client_name": FieldSpec(("--client", "--cliente"), "Cliente",
                             "Nombre completo del cliente"),
    "email": FieldSpec(("--email", "--correo"), "Correo", "Correo del cliente"),
    "phone": FieldSpec(("--phone", "--telefono"), "Teléfono", "Teléfono del cliente"),
    "priority": FieldSpec(("--priority", "--prioridad"), "Prioridad", "Prioridad"),
    "what": FieldSpec(("--what", "--que"), "QUÉ", "QUÉ pasa (el problema que vio el cliente)",
                      "escriba lo que el cliente vio"),
    "how": FieldSpec(("--how", "--como"), "CÓMO", "CÓMO pasó (los pasos)",
                     "escriba los pasos que siguió, por ejemplo «Pagos > Tarjeta > Pagar»"),
    "where": FieldSpec(("--where", "--donde"), "DÓNDE",
                       "DÓNDE (web o app, pantalla, sección)",
                       "escriba dónde pasó: web o app, pantalla, sección"),
    "when": FieldSpec(("--when", "--cuando"), "CUÁNDO", "CUÁNDO ocurrió (opcional)"),
    "changes": FieldSpec(("--change", "--cambio"), "Cambios",
                         "Dato que el cliente pidió cambiar, campo=valor"),
    "channel": FieldSpec(("--channel", "--canal"), "Canal",
                         "¿Por dónde reportó el cliente?"),
    "created_at": FieldSpec(("--date", "--fecha"), "Fecha", "Fecha de creación (ISO 8601)"),
    "attachments": FieldSpec(("--attach", "--adjunto"), "Adjuntos",
                             "Adjuntos: rutas de archivos (arrastre o pegue; vacío si ninguno)"),
}
# The channels as options take them (domain.escalation.Channel's values, a test holds them
# to it): written here because option help is read before the domain is loaded.
CHANNEL_NAMES = "telefono, correo, chat, whatsapp, redes o web"
CONTACT_FLAGS = "--correo/--telefono"
DOMAIN_HINT = "escriba lo que el cliente vio"  # the domain's one hint for every description
CONTACT_LABEL = "Correo o teléfono"


def label(field: str) -> str:
    if field == "contact":
        return CONTACT_LABEL
    spec = FIELDS.get(field)
    return spec.label if spec else field


def flag(field: str) -> str:
    """The Spanish flag of a field, as help and messages show it."""
    if field == "contact":
        return CONTACT_FLAGS
    spec = FIELDS.get(field)
    return spec.flags[1] if spec else field


def own_hint(field: str, message: str) -> str:
    """The domain's problem with a field, its hint replaced by the field's own."""
    spec = FIELDS.get(field)
    if spec is None or not spec.hint or not message.endswith(DOMAIN_HINT):
        return message
    return message[:-len(DOMAIN_HINT)] + spec.hint


def problem_lines(fields: dict[str, str], *, typed: bool) -> list[str]:
    """Each field's problem under the name the agent knows: the flag when typed as flags."""
    lines = []
    for field, message in fields.items():
        name = f"{label(field)} ({flag(field)})" if typed else label(field)
        lines.append(f"{name}: {own_hint(field, message)}")
    return lines


def at_the_edge(exc: InvalidInput, *, typed: bool) -> InvalidInput:
    """The domain's field-keyed problems, reworded with labels (and flags when typed)."""
    if not exc.fields:
        return exc
    return InvalidInput(problem_lines(exc.fields, typed=typed), hint=exc.hint, fields=exc.fields)
