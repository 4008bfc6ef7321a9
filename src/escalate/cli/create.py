"""`escalate create`: gather, validate, keep in the outbox, send, report."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from ..errors import InvalidInput
from .env import Env
from .prompts import TerminalUi, ask_missing
from .sending import run_entry

REQUIRED = ("policy", "client", "priority", "what", "how", "where")
FLAG = {"policy": "--poliza", "client": "--cliente", "priority": "--prioridad",
        "what": "--que", "how": "--como", "where": "--donde", "contact": "--correo/--telefono"}


def create(
    ctx: typer.Context,
    policy: Annotated[str | None, typer.Option("--policy", "--poliza",
                                               help="Número de póliza (obligatorio).")] = None,
    client: Annotated[str | None, typer.Option("--client", "--cliente",
                                               help="Nombre completo del cliente.")] = None,
    email: Annotated[str | None, typer.Option("--email", "--correo",
                                              help="Correo del cliente: encuentra el contacto.")]
    = None,
    phone: Annotated[str | None, typer.Option(
        "--phone", "--telefono", help="Teléfono del cliente: encuentra el contacto "
        "(se requiere correo o teléfono).")] = None,
    priority: Annotated[str | None, typer.Option(
        "--priority", "--prioridad", help="BAJA, MEDIA, ALTA o URGENTE (o LOW, MEDIUM, HIGH, "
        "URGENT).")] = None,
    what: Annotated[str | None, typer.Option("--what", "--que",
                                             help="QUÉ pasa: el problema que vio el cliente.")]
    = None,
    how: Annotated[str | None, typer.Option("--how", "--como",
                                            help="CÓMO pasó: los pasos para reproducirlo.")]
    = None,
    where: Annotated[str | None, typer.Option(
        "--where", "--donde", help="DÓNDE: web o app, pantalla, sección.")] = None,
    when: Annotated[str | None, typer.Option("--when", "--cuando",
                                             help="CUÁNDO ocurrió.")] = None,
    change: Annotated[list[str] | None, typer.Option(
        "--change", "--cambio", help="Dato que el cliente pidió cambiar, campo=valor "
        "(repetible).")] = None,
    attach: Annotated[list[str] | None, typer.Option(
        "--attach", "--adjunto", help="Captura o documento a adjuntar (repetible).")] = None,
    date: Annotated[str | None, typer.Option(
        "--date", "--fecha", help="Fecha de creación del ticket, ISO 8601 (por omisión, "
        "ahora).")] = None,
    channel: Annotated[str | None, typer.Option(
        "--channel", "--canal", help="Por dónde reportó el cliente: telefono, correo, chat, "
        "whatsapp, redes o web.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run",
                                          help="Validar y mostrar el ticket sin enviar nada.")]
    = False,
    as_json: Annotated[bool, typer.Option("--json", help="Resultado en JSON por stdout.")]
    = False,
    no_input: Annotated[bool, typer.Option("--no-input",
                                           help="No preguntar nunca (falla si falta algo).")]
    = False,
) -> None:
    """Crear un ticket de escalación en la etapa «Tech Issues», asociado al contacto.

    Ejemplo:

      escalate create --poliza POL-1001 --cliente "Ana López" --correo ana.lopez@example.com
      --prioridad ALTA --que "El endoso no guarda el cambio de placa"
      --como "Endosos > Vehículo > Guardar; queda cargando" --donde "Portal web, endosos"
    """
    env: Env = ctx.ensure_object(Env)
    raw: dict[str, Any] = {
        "policy": policy, "client": client, "email": email, "phone": phone,
        "priority": priority, "what": what, "how": how, "where": where, "when": when,
        "changes": list(change or []), "channel": channel, "created_at": date,
    }
    interactive = env.interactive(no_input)
    settings = env.settings
    from ..workflows.create import create_entry, escalation_from_input
    from ..workflows.files import check_files

    try:
        if interactive:
            ask_missing(env, raw)
        missing = [FLAG[k] for k in REQUIRED if not (raw.get(k) or "").strip()]
        if not (raw.get("email") or "").strip() and not (raw.get("phone") or "").strip():
            missing.append(FLAG["contact"])
        if missing:
            raise InvalidInput(["faltan datos obligatorios: " + ", ".join(missing)],
                               hint="Sin terminal no se pregunta: páselos como opciones.")
        escalation = escalation_from_input(raw, settings, env.now())
        files = check_files(list(attach or []), settings.max_file_bytes)
    except KeyboardInterrupt:
        _keep_draft(env, raw)
        raise
    if dry_run:
        _show_preview(env, escalation, [f.name for f in files], as_json)
        return
    entry = create_entry(escalation, files)
    env.outbox.put(entry)
    result = run_entry(env, entry, ui=TerminalUi(env, interactive), fresh=True)
    if as_json:
        env.out(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
    else:
        env.out(_summary(result))


def _summary(result: Any) -> str:
    subject = result.ticket.subject or result.escalation.subject()
    priority = result.escalation.priority
    line = (f"Ticket {result.ticket.id} creado: {subject} · {priority.icon} {priority.value}"
            f" · {result.url}")
    if result.attachments:
        line += f"\n{len(result.attachments)} adjunto(s) en la nota {result.note_id}."
    return line


def _show_preview(env: Env, escalation: Any, file_names: list[str], as_json: bool) -> None:
    preview = {
        "dry_run": True,
        "subject": escalation.subject(),
        "priority": escalation.priority.value,
        "stage": env.settings.stage,
        "content": escalation.content(),
        "contact": {"email": escalation.email, "phone": escalation.phone},
        "created_at": escalation.created_at.isoformat(),
        "attachments": file_names,
    }
    if as_json:
        env.out(json.dumps(preview, ensure_ascii=False, indent=2))
        return
    env.out(f"Ticket (simulación, no se envió nada): {preview['subject']}")
    env.out(f"Etapa: {preview['stage']} · Prioridad: {escalation.priority.icon} "
            f"{escalation.priority.value} · Fecha: {preview['created_at']}")
    env.out("Contacto: " + " / ".join(v for v in (escalation.email, escalation.phone) if v))
    if file_names:
        env.out("Adjuntos: " + ", ".join(file_names))
    env.out("")
    env.out(escalation.content())


def _keep_draft(env: Env, raw: dict[str, Any]) -> None:
    """Ctrl-C while typing: what was typed waits in the outbox as a draft."""
    if not any(v for v in raw.values()):
        return
    import uuid

    from ..outbox import Entry

    env.outbox.put(Entry(id=uuid.uuid4().hex, kind="draft", payload={"input": raw}),
                   claim=False)
    env.err.print("Lo escrito quedó guardado como borrador en la bandeja de salida "
                  "(escalate outbox).")
