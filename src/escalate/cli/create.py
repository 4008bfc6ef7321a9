"""`escalate create`: gather, validate, look up, review, keep in the outbox, send, report."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from ..domain.answers import REQUIRED, EscalationInput
from ..errors import InvalidInput
from .env import Env
from .fields import at_the_edge, flag

if TYPE_CHECKING:
    from ..domain.escalation import Escalation
    from ..workflows.create import CreateResult, Prepared
    from ..workflows.files import LocalFile
    from .drafts import Resumed


def create(
    ctx: typer.Context,
    policy: Annotated[str | None, typer.Option(
        "--poliza", "--policy", metavar="TEXTO", help="Número de póliza (obligatorio).")] = None,
    client: Annotated[str | None, typer.Option(
        "--cliente", "--client", metavar="TEXTO", help="Nombre completo del cliente.")] = None,
    email: Annotated[str | None, typer.Option(
        "--correo", "--email", metavar="TEXTO",
        help="Correo del cliente: encuentra el contacto.")] = None,
    phone: Annotated[str | None, typer.Option(
        "--telefono", "--phone", metavar="TEXTO", help="Teléfono del cliente: encuentra el "
        "contacto (se requiere correo o teléfono).")] = None,
    priority: Annotated[str | None, typer.Option(
        "--prioridad", "--priority", metavar="TEXTO", help="BAJA, MEDIA, ALTA o URGENTE (o "
        "LOW, MEDIUM, HIGH, URGENT).")] = None,
    what: Annotated[str | None, typer.Option(
        "--que", "--what", metavar="TEXTO", help="QUÉ pasa: el problema que vio el cliente.")]
    = None,
    how: Annotated[str | None, typer.Option(
        "--como", "--how", metavar="TEXTO", help="CÓMO pasó: los pasos para reproducirlo.")]
    = None,
    where: Annotated[str | None, typer.Option(
        "--donde", "--where", metavar="TEXTO", help="DÓNDE: web o app, pantalla, sección.")]
    = None,
    when: Annotated[str | None, typer.Option(
        "--cuando", "--when", metavar="TEXTO", help="CUÁNDO ocurrió.")] = None,
    change: Annotated[list[str] | None, typer.Option(
        "--cambio", "--change", metavar="CAMPO=VALOR", help="Dato que el cliente pidió "
        "cambiar (endosos), repetible.")] = None,
    attach: Annotated[list[str] | None, typer.Option(
        "--adjunto", "--attach", metavar="ARCHIVO",
        help="Captura o documento a adjuntar (repetible).")] = None,
    date: Annotated[str | None, typer.Option(
        "--fecha", "--date", metavar="FECHA", help="Fecha de creación del ticket, ISO 8601 "
        "(por omisión, ahora; sin desfase se lee en la zona horaria del portal).")] = None,
    channel: Annotated[str | None, typer.Option(
        "--canal", "--channel", metavar="TEXTO", help="Por dónde reportó el cliente: "
        "telefono, correo, chat, whatsapp, redes o web.")] = None,
    draft: Annotated[str | None, typer.Option(
        "--borrador", "--draft", metavar="ID", help="Retomar un borrador (o una escalación "
        "que requiere acción) de la bandeja de salida, con todo lo escrito.")] = None,
    accept_contact: Annotated[bool, typer.Option(
        "--aceptar-contacto", "--accept-contact", help="Crear aunque el contacto encontrado "
        "tenga otro nombre que --cliente.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--simular", "--dry-run", help="Validar y mostrar el ticket sin enviar nada.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Resultado en JSON por stdout.")]
    = False,
    no_input: Annotated[bool, typer.Option(
        "--sin-preguntas", "--no-input", help="No preguntar nunca (falla si falta algo).")]
    = False,
) -> None:
    """Crear un ticket de escalación en la etapa «Tech Issues», asociado al contacto.

    En una terminal pregunta lo que falte, revisa cada respuesta al escribirla y muestra
    el ticket antes de enviarlo. Ctrl-C guarda lo escrito como borrador.

    Ejemplo:

      escalate create --poliza POL-1001 --cliente "Ana López" --correo ana.lopez@example.com
      --prioridad ALTA --que "El endoso no guarda el cambio de placa"
      --como "Endosos > Vehículo > Guardar; queda cargando" --donde "Portal web, endosos"
    """
    env: Env = ctx.ensure_object(Env)
    typed = EscalationInput(
        policy=policy, client_name=client, email=email, phone=phone, priority=priority,
        what=what, how=how, where=where, when=when, changes=list(change or []),
        channel=channel, created_at=date, attachments=_paths(attach))
    interactive = env.interactive(no_input)
    resumed: Resumed | None = None
    if draft:
        from .drafts import resume

        resumed = resume(env, draft)
        typed = merge(resumed.answers, typed)
    if interactive:
        from .interactive import Session

        if not dry_run:
            env.require_backend()  # exit 4 before a question, never after twelve answers
        env.load_settings()
        env.show_pending()  # the sandbox notice and settings warnings, before any question

        Session(env, typed, resumed=resumed, accept_contact=accept_contact).run(
            dry_run=dry_run, as_json=as_json)
        return
    escalation, files = validate(env, typed, typed_as_flags=True, resumed=resumed,
                                 offline=dry_run)
    if dry_run:
        show_preview(env, escalation, files, as_json)
        return
    from ..workflows.create import require_contact

    prepared = read_before_sending(env, escalation, files, resumed)
    contact = require_contact(prepared, accept_contact=accept_contact)
    if prepared.duplicates:
        env.warn(f"Ya hay {len(prepared.duplicates)} ticket(s) abiertos con la póliza "
                 f"{escalation.policy}: " + ", ".join(t.id for t in prepared.duplicates)
                 + ". Se crea de todos modos.")
    result = send(env, prepared, files, contact, resumed=resumed, interactive=False)
    report(env, result, as_json)


def _paths(attach: list[str] | None) -> list[str]:
    """The --adjunto values, a file URI pasted as one (file:///C:/...) made a path."""
    from ..system import here
    from .pasted import from_uri

    platform = here()
    return [from_uri(value, platform) for value in attach or []]


def merge(kept: EscalationInput, typed: EscalationInput) -> EscalationInput:
    """A kept draft's answers, with what was typed now on top."""
    merged = EscalationInput(**kept)
    for key, value in typed.items():
        if value not in (None, "", []):
            merged[key] = value  # type: ignore[literal-required]
    return merged


def missing_fields(answers: EscalationInput) -> list[str]:
    """Required values not given, in the form's order (`contact`: neither email nor phone)."""
    def blank(field: str) -> bool:
        return not str(answers.get(field) or "").strip()

    order = [*REQUIRED[:2], "contact", *REQUIRED[2:]]
    return [f for f in order
            if (blank("email") and blank("phone") if f == "contact" else blank(f))]


def validate(env: Env, answers: EscalationInput, *, typed_as_flags: bool,
             resumed: Resumed | None = None,
             offline: bool = False) -> tuple[Escalation, list[LocalFile]]:
    """The escalation and its files, or every problem at once (exit 2)."""
    from ..workflows.create import escalation_from_input
    from ..workflows.files import check_files

    missing = missing_fields(answers)
    if missing:
        # Every problem at once: what is missing, and what was given but is not valid.
        from .fields import problem_lines

        absent = {*missing, *(("email", "phone") if "contact" in missing else ())}
        invalid: dict[str, str] = {}
        try:
            escalation_from_input(answers, env.settings, env.now(),
                                  time_zone(env, answers, offline=True))
        except InvalidInput as exc:
            invalid = {f: m for f, m in exc.fields.items() if f not in absent}
        raise InvalidInput(["faltan datos obligatorios: " + ", ".join(flag(f) for f in missing),
                            *problem_lines(invalid, typed=typed_as_flags)],
                           hint="Sin terminal no se pregunta: páselos como opciones.",
                           fields=invalid)
    try:
        escalation = escalation_from_input(answers, env.settings, env.now(),
                                           time_zone(env, answers, offline=offline))
    except InvalidInput as exc:
        raise at_the_edge(exc, typed=typed_as_flags) from None
    if resumed is not None and resumed.escalate_id:
        escalation = escalation.replace(escalate_id=resumed.escalate_id)
    files = check_files(list(answers.get("attachments") or []), env.settings.max_file_bytes,
                        cwd=env.folder)
    return escalation, files


def time_zone(env: Env, answers: EscalationInput, *, offline: bool) -> str | None:
    """The portal's time zone, needed only for a date typed without offset.

    From the portal cache; read from the portal when unknown (not when nothing may be sent).
    """
    from ..domain.moments import has_offset

    text = str(answers.get("created_at") or "")
    if not text.strip() or has_offset(text):
        return None
    from ..workflows.portal import load_portal

    cached = _cached_time_zone(env)
    if cached is not None:
        return cached
    if offline:
        return None
    return load_portal(env.gateway(), env.settings, now=env.now(), warn=env.warn).account.time_zone


def read_before_sending(env: Env, escalation: Escalation, files: list[LocalFile],
                        resumed: Resumed | None) -> Prepared:
    """The reads before the review; when HubSpot cannot be reached, the escalation waits in
    the outbox (exit 5) and `outbox send` does the reads and the create later.

    While HubSpot answers, this side gets ready to send: the outbox is opened and the code
    that carries out the entry is loaded, work that would otherwise come after the wait. It
    goes first in `together`, which runs its first call in this thread: the outbox's SQLite
    connection belongs to the thread that opens it."""
    from ..errors import Unreachable
    from ..workflows.create import create_entry, prepare

    gateway, settings, now = env.gateway(), env.settings, env.now()
    try:
        _, prepared = gateway.together(
            lambda: _ready_to_send(env),
            lambda: prepare(gateway, settings, escalation, now=now, warn=env.warn))
        return prepared
    except Unreachable as exc:
        entry = create_entry(escalation, files)
        env.outbox.put(entry, claim=False)
        env.outbox.failed(entry, exc.message)
        if resumed is not None and resumed.entry_id != entry.id:
            env.outbox.done(resumed.entry_id)
        kept = (f"La escalación quedó en la bandeja de salida (id {entry.id[:8]}): "
                f"reenvíela con «{env.command('outbox send')}».")
        exc.hint = f"{exc.hint}\n{kept}" if exc.hint else kept
        raise


def _ready_to_send(env: Env) -> None:
    """Open the outbox and load the sending code (see `read_before_sending`)."""
    from importlib import import_module

    env.open_outbox()
    import_module("escalate.cli.sending")


def send(env: Env, prepared: Prepared, files: list[LocalFile], contact: Any, *,
         resumed: Resumed | None, interactive: bool) -> CreateResult:
    """Keep the escalation in the outbox (before anything is written), then send it."""
    from ..workflows.create import create_entry
    from .prompts import TerminalUi
    from .sending import run_entry

    entry = create_entry(prepared.escalation, files, prepared, contact=contact)
    env.outbox.put(entry)
    if resumed is not None and resumed.entry_id != entry.id:
        env.outbox.done(resumed.entry_id)
    result = cast("CreateResult", run_entry(env, entry, ui=TerminalUi(env, interactive),
                                            fresh=True))
    result.possible_duplicates = prepared.duplicates
    return result


def report(env: Env, result: CreateResult, as_json: bool) -> None:
    if as_json:
        env.out(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return
    subject = result.ticket.subject or result.escalation.subject()
    priority = result.escalation.priority
    line = (f"Ticket {result.ticket.id} creado: {subject} · {priority.icon} {priority.value}"
            f" · {result.url}")
    if result.attachments:
        line += f"\n{len(result.attachments)} adjunto(s) en la nota {result.note_id}."
    env.out(line)


def _cached_time_zone(env: Env) -> str | None:
    """The portal's time zone if the portal cache knows it (reads nothing from HubSpot)."""
    from ..workflows.portal import PortalCache

    cached = PortalCache(env.settings).load(env.now().timestamp())
    return cached.account.time_zone if cached is not None else None


def show_preview(env: Env, escalation: Escalation, files: list[LocalFile],
                 as_json: bool) -> None:
    from ..domain.moments import zone

    # Shown as the review shows it: to the minute, in the portal's zone when known.
    portal_zone = zone(_cached_time_zone(env))
    created = (escalation.created_at.astimezone(portal_zone) if portal_zone is not None
               else escalation.created_at.astimezone())
    preview = {
        "dry_run": True,
        "subject": escalation.subject(),
        "priority": escalation.priority.value,
        "stage": env.settings.stage,
        "content": escalation.content(),
        "contact": {"email": escalation.email, "phone": escalation.phone},
        "created_at": created.isoformat(timespec="minutes"),
        "attachments": [f.name for f in files],
    }
    if as_json:
        env.out(json.dumps(preview, ensure_ascii=False, indent=2))
        return
    env.out(f"Ticket (simulación, no se envió nada): {preview['subject']}")
    env.out(f"Etapa: {preview['stage']} · Prioridad: {escalation.priority.icon} "
            f"{escalation.priority.value} · Fecha: {preview['created_at']}")
    env.out("Contacto: " + " / ".join(v for v in (escalation.email, escalation.phone) if v))
    if files:
        env.out("Adjuntos: " + ", ".join(f.name for f in files))
    env.out("")
    env.out(escalation.content())
