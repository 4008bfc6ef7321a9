"""`escalate create`: the options gathered, then the terminal session or the workflow's route."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

import typer

from ..domain.answers import EscalationInput
from ..errors import InvalidInput
from .env import Env
from .escalation import (
    cached_portal,
    checked,
    read_before_sending,
    report,
    send,
    show_preview,
    validate,
)
from .fields import CHANNEL_NAMES
from .incidents import incident_choice, preview_alike, similar_notice

if TYPE_CHECKING:
    from ..workflows.lookup import Prepared
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
        f"{CHANNEL_NAMES}.")] = None,
    draft: Annotated[str | None, typer.Option(
        "--borrador", "--draft", metavar="ID", help="Retomar un borrador (o una escalación "
        "que requiere acción) de la bandeja de salida, con todo lo escrito.")] = None,
    fields: Annotated[list[str] | None, typer.Option(
        "--campo", "--field", metavar="NOMBRE=VALOR", help="Propiedad de ticket que el "
        "portal exige (repetible); la opción por su etiqueta o su valor.")] = None,
    template: Annotated[str | None, typer.Option(
        "--plantilla", "--template", metavar="NOMBRE", help="Plantilla del archivo de "
        "políticas para este tipo de caso: su prioridad por omisión, los cambios y la "
        "evidencia que pide (escalate plantillas las lista).")] = None,
    keep_sensitive: Annotated[bool, typer.Option(
        "--conservar-datos", "--keep-sensitive", help="Conservar los datos sensibles "
        "encontrados (CURP, RFC, salud) en lugar de ocultarlos; tarjetas, contraseñas, NIP y "
        "códigos se ocultan siempre.")] = False,
    min_quality: Annotated[int | None, typer.Option(
        "--calidad-minima", "--min-quality", metavar="N", help="No crear (salida 2) si la "
        "calidad de la escalación, de 0 a 100, queda por debajo de N.")] = None,
    incident: Annotated[str | None, typer.Option(
        "--incidente", "--incident", metavar="ID", help="Sumar el ticket a este incidente "
        "(escalate incidentes los lista).")] = None,
    no_incident: Annotated[bool, typer.Option(
        "--sin-incidente", "--no-incident", help="No buscar tickets parecidos ni sumarlo a "
        "un incidente.")] = False,
    accept_contact: Annotated[bool, typer.Option(
        "--aceptar-contacto", "--accept-contact", help="Crear aunque el contacto encontrado "
        "tenga otro nombre que --cliente.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--simular", "--dry-run", help="Validar y mostrar el ticket sin enviar nada (solo "
        "lee: busca el contacto que usaría, si HubSpot responde).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Resultado en JSON por stdout.")]
    = False,
    no_input: Annotated[bool, typer.Option(
        "--sin-preguntas", "--no-input", help="No preguntar nunca (falla si falta algo).")]
    = False,
) -> None:
    """Crear un ticket de escalación en la etapa «Tech Issues», asociado al contacto.

    En una terminal pregunta lo que falte, revisa cada respuesta al escribirla y muestra
    el ticket antes de enviarlo. Ctrl-C guarda lo escrito como borrador.

    Ejemplo (en una línea; o con «\\» al final de cada línea en bash, «`» en PowerShell):

      escalate crear --poliza POL-1001 --cliente "Ana López" \\
        --correo ana.lopez@example.com --prioridad ALTA \\
        --que "El endoso no guarda el cambio de placa" \\
        --como "Endosos > Vehículo > Guardar; queda cargando" \\
        --donde "Portal web, endosos"
    """
    env: Env = ctx.ensure_object(Env)
    if min_quality is not None and not 0 <= min_quality <= 100:
        raise InvalidInput([f"--calidad-minima debe ser un número entero de 0 a 100 (se "
                            f"escribió {min_quality})."])
    typed = EscalationInput(
        policy=policy, client_name=client, email=email, phone=phone, priority=priority,
        what=what, how=how, where=where, when=when, changes=list(change or []),
        channel=channel, created_at=date, attachments=_paths(attach),
        fields=list(fields or []))
    interactive = env.interactive(no_input)
    choice = incident_choice(incident, no_incident)
    resumed: Resumed | None = None
    if draft:
        resumed, typed, template = taken_up(env, draft, typed, template)
    if interactive:
        from .interactive import Session
        from .templates import chosen

        if not dry_run:
            env.require_backend()  # exit 4 before a question, never after twelve answers
        env.load_settings()
        env.show_pending()  # the sandbox notice and settings warnings, before any question

        session = Session(env, typed, resumed=resumed, accept_contact=accept_contact,
                          keep_sensitive=keep_sensitive, min_quality=min_quality,
                          template=chosen(env, template) if template else None,
                          incidents=choice)
        if resumed is None:
            session.run(dry_run=dry_run, as_json=as_json)
            return
        with env.outbox.working_on(resumed.entry_id):  # the lease held while typing
            session.run(dry_run=dry_run, as_json=as_json)
        return
    if template:
        from .templates import applied_scripted

        typed = applied_scripted(env, template, typed)
    escalation, files = validate(env, typed, typed_as_flags=True, resumed=resumed,
                                 offline=dry_run)
    escalation, checks, quality = checked(env, escalation, files, typed=True,
                                          keep_all=keep_sensitive, min_quality=min_quality)
    from .portal_fields import checked_fields, parsed

    given = list(typed.get("fields") or [])
    checks = replace(checks, fields=parsed(given))  # kept as typed if HubSpot is unreachable
    if dry_run:
        portal = cached_portal(env)
        if portal is not None:
            checks = replace(checks, fields=checked_fields(portal, given))
        show_preview(env, escalation, files, as_json, checks, quality,
                     preview_alike(env, escalation, choice),
                     chosen=resumed.chosen if resumed is not None else None)
        return
    from ..workflows.lookup import require_contact
    from .screenshots import screened_files

    files = screened_files(env, files, (escalation.client_name, escalation.email or "",
                                        escalation.phone or ""), interactive=False)
    prepared = read_before_sending(env, escalation, files, resumed, checks=checks,
                                   incidents=choice,
                                   chosen=resumed.chosen if resumed is not None else None)
    checks = replace(checks, fields=checked_fields(prepared.portal, given))
    if resumed is not None:
        _kept_choice(env, prepared, resumed)
    contact = require_contact(prepared, accept_contact=accept_contact)
    _warn_before_sending(env, prepared)
    result = send(env, prepared, files, contact, resumed=resumed, interactive=False,
                  checks=checks)
    report(env, result, as_json)


def _kept_choice(env: Env, prepared: Prepared, resumed: Resumed) -> None:
    """The contact a resumed draft chose among those sharing the phone, used while the
    choice holds (as at a terminal, which would not ask); when it no longer does, why, and
    the phone's contacts are listed as for any script (exit 3)."""
    from .drafts import settle_kept_choice

    escalation = prepared.escalation
    why = settle_kept_choice(resumed.chosen, (escalation.email, escalation.phone),
                             prepared.lookup)
    if why is not None:
        from ..workflows.lookup import ambiguous

        # The agent chose someone once: no other is taken for them, even by the name.
        env.warn(f"No se usa el contacto elegido en el borrador: {why}.")
        raise ambiguous(escalation, prepared.lookup.candidates)
    elif resumed.chosen is not None and prepared.lookup.candidates and prepared.contact:
        from ..domain.text import printable

        env.notice(f"Contacto elegido en el borrador entre los que comparten el teléfono: "
                   f"{printable(prepared.contact.name)} (id {prepared.contact.id}).")


def _warn_before_sending(env: Env, prepared: Prepared) -> None:
    """What a script's create goes on despite: open tickets alike, open tickets with the
    policy (the review asks about both at a terminal)."""
    similar = prepared.incidents.similar
    if similar is not None and similar.offered:
        join = (f"use --incidente {similar.incident.id} para sumarlo, o --sin-incidente para "
                "no buscar" if similar.incident is not None else "--sin-incidente: no buscar")
        env.warn(f"{similar_notice(env, similar)} Se crea sin sumarlo ({join}).")
    if prepared.duplicates:
        env.warn(f"Ya hay {len(prepared.duplicates)} ticket(s) abiertos con la póliza "
                 f"{prepared.escalation.policy}: "
                 + ", ".join(t.id for t in prepared.duplicates) + ". Se crea de todos modos.")


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


def taken_up(env: Env, draft: str, typed: EscalationInput, template: str | None
             ) -> tuple[Resumed, EscalationInput, str | None]:
    """`--borrador`: the draft (or kept create) taken up, the answers typed now over its own,
    and the template: the one named now, else the draft's (if the policy file still has
    it), so what it requires is still required."""
    from .drafts import resume

    resumed = resume(env, draft)
    if not template and resumed.template:
        template = kept_template(env, resumed.template)
    return resumed, merge(resumed.answers, typed), template


def kept_template(env: Env, name: str) -> str | None:
    """The template a draft was typed with, so what it requires is still required; None,
    said, when the policy file no longer has it (the draft goes on without it)."""
    if name in env.policy.policy.templates:
        return name
    env.warn(f"La plantilla {name} del borrador ya no está en el archivo de políticas: se "
             "sigue sin ella.")
    return None
