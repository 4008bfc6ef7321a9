"""A create at the edge, shared by the command (`create.py`) and the terminal session
(`interactive.py`): the answers validated under the names the agent knows, the workflow's
route called, and the preview and the result rendered."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from ..domain.answers import REQUIRED, EscalationInput
from ..errors import InvalidInput
from .env import Env
from .fields import at_the_edge, flag

if TYPE_CHECKING:
    from ..domain.contact_choice import Chosen
    from ..domain.escalation import Escalation
    from ..domain.incident_choice import Choice
    from ..domain.policy import Route
    from ..domain.quality import Quality, Rules
    from ..domain.records import Contact
    from ..domain.screening import Kept, Key
    from ..domain.sensitive import Finding
    from ..workflows.alike import Similar
    from ..workflows.create import Checks
    from ..workflows.files import LocalFile
    from ..workflows.lookup import Known, Prepared
    from ..workflows.portal import Portal
    from ..workflows.ticket import CreateResult
    from .drafts import Resumed


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
                        cwd=env.folder, notice=env.notice)
    return escalation, files


def quality_rules(env: Env) -> Rules:
    """The policy file's `[calidad]` rules; the defaults without a file (no TOML read)."""
    from ..domain.quality import Rules

    loaded = env.policy_in_file()
    if loaded is None:
        return Rules()
    rules: Rules = loaded.policy.quality.rules()
    return rules


def checked(env: Env, escalation: Escalation, files: list[LocalFile], *, typed: bool,
            keep: Collection[Key] = (), keep_all: bool = False,
            masked_before: Sequence[Finding] = (), kept: Sequence[Kept] = (),
            min_quality: int | None = None) -> tuple[Escalation, Checks, Quality]:
    """The escalation as it may be stored and sent: its sensitive data masked (said on
    stderr), masking that empties QUÉ, CÓMO or DÓNDE refused, and its quality scored
    (refused below `min_quality`). Local: no request."""
    from ..domain.screening import Kept as KeptFinding
    from ..domain.screening import masked_json, screen
    from ..workflows.create import Checks
    from ..workflows.quality import assess_escalation
    from .sensitive import emptied_problem, told

    screened = screen(escalation, keep, keep_all=keep_all)
    if screened.emptied:
        raise emptied_problem(screened.emptied, typed=typed)
    line = told(screened.masked, typed=typed)
    if line:
        env.warn(line)
    quality = assess_escalation(screened.escalation, len(files), quality_rules(env))
    if min_quality is not None and quality.score < min_quality:
        raise InvalidInput(
            [f"La calidad de la escalación es {quality.score} y --calidad-minima pide "
             f"{min_quality}. Lo que falta:", *(f"  • {line}" for line in quality.lines())],
            hint="Complete lo que falta y vuelva a intentarlo; no se envió nada.")
    if keep_all:  # what a terminal's review kept already is there, with its reason
        recorded = {(k.field, k.kind) for k in kept}
        kept = [*kept, *(KeptFinding(f.field, f.kind, "--conservar-datos")
                         for f in screened.kept if not f.field.startswith("changes")
                         and (f.field, f.kind) not in recorded)]
    checks = Checks(masked=tuple(masked_json([*masked_before, *screened.masked])),
                    kept=tuple(k.as_json() for k in kept), quality=quality.as_json())
    return screened.escalation, checks, quality


def time_zone(env: Env, answers: EscalationInput, *, offline: bool) -> str | None:
    """The portal's time zone, needed only for a date typed without offset.

    From the portal cache; read from the portal when unknown (not when nothing may be sent).
    """
    from ..domain.moments import has_offset

    text = str(answers.get("created_at") or "")
    if not text.strip() or has_offset(text):
        return None
    from ..workflows.portal import PortalCache, load_portal

    # A portal's zone does not change with its pipelines: the cache's, however old.
    cached = PortalCache(env.settings).time_zone()
    if cached is not None:
        return cached
    if offline:
        return None
    from ..errors import Unreachable

    try:
        return load_portal(env.gateway(), env.settings, now=env.now(),
                           warn=env.warn).account.time_zone
    except Unreachable as exc:
        # Nothing typed is lost to an unreachable HubSpot: read in this machine's zone (said,
        # with the zone), the escalation goes on and is kept in the outbox like any other.
        from ..domain.moments import parse_iso

        read = parse_iso(text)  # in this machine's zone, at that date's offset
        here = read.strftime("%z") if read is not None else ""
        offset = f" (UTC{here[:3]}:{here[3:]})" if here else ""
        env.warn(f"No se pudo leer la zona horaria del portal ({env.redact(exc.message)}): "
                 f"la fecha «{text.strip()}» se leyó en la de este equipo{offset}. Si no es "
                 f"la del portal, escríbala con su desfase, por ejemplo {text.strip()}-06:00.")
        return None


def read_before_sending(env: Env, escalation: Escalation, files: list[LocalFile],
                        resumed: Resumed | None, known: Known | None = None, *,
                        checks: Checks | None = None, incidents: Choice | None = None,
                        chosen: Chosen | None = None) -> Prepared:
    """The workflow's reads before the review (an unreachable HubSpot keeps the escalation
    in the outbox, with `chosen`, the contact picked among several: exit 5, saying how to
    send it); `known`: what was read while typing."""
    from ..workflows.create import read_before_sending as read

    return read(escalation, files, env, warn=env.warn,
                replaces=resumed.entry_id if resumed is not None else None, known=known,
                checks=checks, incidents=incidents,
                maybe_sent=resumed is not None and resumed.maybe_sent, chosen=chosen)


def send(env: Env, prepared: Prepared, files: list[LocalFile], contact: Contact, *,
         resumed: Resumed | None, interactive: bool, checks: Checks) -> CreateResult:
    """The workflow's create: kept in the outbox, sent, its ticket returned."""
    from ..workflows.create import submit
    from .prompts import TerminalUi

    return submit(prepared, files, contact, env, ui=TerminalUi(env, interactive),
                  replaces=resumed.entry_id if resumed is not None else None, checks=checks,
                  maybe_sent=resumed is not None and resumed.maybe_sent)


def matrix_route(env: Env, escalation: Escalation) -> Route | None:
    """Who the policy's matrix makes the ticket's owner, and why (None: no policy file)."""
    from ..workflows.team import matrix_route as route

    return route(env.settings, escalation.priority, escalation.where, env.folder)


def owner_text(route: Route | None) -> str:
    """The owner line of the review and the preview."""
    if route is None:
        return "nadie (no hay archivo de políticas con matriz)"
    return f"{route.owner or 'nadie'} ({route.rule})"


def report(env: Env, result: CreateResult, as_json: bool) -> None:
    if as_json:
        env.out_json(result.as_json())
        return
    subject = result.ticket.subject or result.escalation.subject()
    priority = result.escalation.priority
    line = (f"Ticket {result.ticket.id} creado: {subject} · {priority.icon} {priority.value}"
            f" · {result.url}")
    if result.attachments:
        line += f"\n{len(result.attachments)} adjunto(s) en la nota {result.note_id}."
    if result.incident:
        line += f"\nSumado al incidente {result.incident}."
    env.out(line)


def cached_portal(env: Env) -> Portal | None:
    """The portal as the cache knows it (reads nothing from HubSpot)."""
    from ..workflows.portal import PortalCache

    return PortalCache(env.settings).load(env.now().timestamp())


def dry_run_contact(env: Env, escalation: Escalation,
                    chosen: Chosen | None = None) -> dict[str, Any]:
    """`--simular`: the contact a send would use, as the JSON's `contact` says it. Looked up
    when HubSpot can be reached, with reads only (the contact by email, a search by phone
    and a batch read of what it found): a dry run sends nothing, but reading is not
    sending. Without a key, or with HubSpot out of reach, it says it could not check (said
    at the first refused connection: there is nothing to keep trying for) and goes on.
    `chosen`: a resumed draft's contact among those sharing the phone, the one a send
    would use while the choice holds (`drafts.settle_kept_choice`). Each read gets a few
    seconds (`dry_run.attempt`): a HubSpot that never answers is said, not waited for."""
    from ..workflows.lookup import contact_by, named_client, names_match
    from .dry_run import attempt

    said: dict[str, Any] = {"email": escalation.email, "phone": escalation.phone,
                            "checked": False, "found": None, "same_client": None,
                            "candidates": [], "problem": None, "chosen_by": None}
    lookup, why_not = attempt(env, lambda gateway: contact_by(gateway, escalation.email,
                                                              escalation.phone))
    if lookup is None:
        return {**said, "problem": f"no se comprobó en HubSpot: {why_not}"}
    from .drafts import settle_kept_choice

    why = settle_kept_choice(chosen, (escalation.email, escalation.phone), lookup)
    # Among contacts sharing the phone: the draft's choice, else (as a script's send would)
    # the one named as the client, when exactly one is.
    by = "draft" if lookup.contact is not None and lookup.candidates else None
    if lookup.contact is None and lookup.candidates and why is None:
        lookup.contact = named_client(escalation, lookup.candidates)
        by = "name" if lookup.contact is not None else None
    found = lookup.contact
    problem = (env.redact(lookup.problem.message) if lookup.problem
               else f"no se usa el contacto elegido en el borrador: {why}" if why else None)
    return {**said, "checked": True, "found": found.as_json() if found else None,
            "same_client": names_match(escalation, found) if found else None,
            "candidates": [c.as_json() for c in lookup.candidates],
            "problem": problem, "chosen_by": by}


def contact_lines(escalation: Escalation, contact: dict[str, Any]) -> list[str]:
    """The preview's lines about the contact (`dry_run_contact`'s findings), for people:
    each value from HubSpot one line (`printable`), so a name with a line break in it
    cannot forge a line of the preview (`Env.out` keeps the line breaks of its text)."""
    from ..domain.text import printable

    def named(c: dict[str, Any]) -> str:
        return " · ".join(printable(v) for v in (c["name"], c["email"], c["phone"]) if v) + \
            f" (id {printable(c['id'])})"

    typed = " / ".join(v for v in (escalation.email, escalation.phone) if v)
    found, candidates = contact["found"], contact["candidates"]
    if found is not None:
        shared = f" entre los {len(candidates)} que comparten el teléfono"
        lines = [f"Contacto: {named(found)}" + {
            "draft": f", el elegido en el borrador{shared}",
            "name": f", el que se llama como el cliente{shared} (en la terminal se elige)",
        }.get(contact["chosen_by"], "")]
        if not contact["same_client"]:
            lines.append(f"  ¿Mismo cliente? En HubSpot se llama «{printable(found['name'])}»; "
                         f"el cliente escrito es «{escalation.client_name}» (al enviar sin "
                         "terminal hace falta --aceptar-contacto).")
        return lines
    if candidates:
        return [f"Contacto: este teléfono lo comparten {len(candidates)} contactos; al enviar "
                "se elige uno en la terminal (sin terminal no se envía: indique el correo):",
                *(f"  • {named(c)}" for c in candidates),
                *([f"  ({printable(contact['problem'])})"] if contact["problem"] else [])]
    if not contact["checked"]:
        return [f"Contacto: {typed} ({printable(contact['problem'])})"]
    return [f"Contacto: {printable(contact['problem'])}"]


def show_preview(env: Env, escalation: Escalation, files: list[LocalFile],
                 as_json: bool, checks: Checks, quality: Quality,
                 similar: Similar | None = None, *, chosen: Chosen | None = None) -> None:
    from ..domain.moments import moment_label
    from .when import reading_zone

    route = matrix_route(env, escalation)
    contact = dry_run_contact(env, escalation, chosen)
    portal = cached_portal(env)  # the cache read once, for the time zone and the fields
    # Shown as the review shows it: to the minute, in the zone the agent reads times in.
    created = escalation.created_at.astimezone(reading_zone(env, portal))
    preview = {
        "dry_run": True,
        "subject": escalation.subject(),
        "priority": escalation.priority.value,
        "stage": env.settings.stage,
        "content": escalation.content(),
        "contact": contact,
        "created_at": created.isoformat(timespec="minutes"),
        "attachments": [f.name for f in files],
        "owner": None if route is None else {"id": None, "email": route.owner,
                                             "rule": route.rule},
        "quality": checks.quality,
        "masked": list(checks.masked),
        "fields": dict(checks.fields),
        "similar": similar.as_json() if similar is not None else [],
        "incident": None,  # a simulation joins nothing
    }
    if similar is not None and similar.offered:
        from .incidents import similar_notice

        env.warn(similar_notice(env, similar))
    if as_json:
        env.out_json(preview)
        return
    env.out(f"Ticket (simulación, no se envió nada): {preview['subject']}")
    env.out(f"Etapa: {preview['stage']} · Prioridad: {escalation.priority.icon} "
            f"{escalation.priority.value} · Fecha: {moment_label(created)}")
    for line in contact_lines(escalation, contact):
        env.out(line)
    env.out(f"Dueño: {owner_text(route)}")
    if files:
        env.out("Adjuntos: " + ", ".join(f.name for f in files))
    if checks.fields:
        from .portal_fields import shown

        env.out("Campos del portal: " + shown(portal, dict(checks.fields))
                .replace("\n", "; "))
    env.out(quality_line(quality))
    for line in quality.lines():
        env.out(f"  • {line}")
    env.out("")
    env.out(escalation.content())


def quality_line(quality: Quality, *, labelled: bool = True) -> str:
    """The score as the preview says it («Calidad: 75/100 …»; unlabelled in the review's
    row, which is labelled already)."""
    below = (f" (por debajo del mínimo {quality.minimum})" if quality.below_minimum else "")
    raise_it = "; lo que la subiría:" if quality.lines() else ""
    return f"{'Calidad: ' if labelled else ''}{quality.score}/100{below}{raise_it}"
