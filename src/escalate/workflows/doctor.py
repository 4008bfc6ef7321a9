"""`doctor` (what is misconfigured, and how to fix it) and `setup` (the tool's properties),
as workflows returning typed reports; the CLI only renders them."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..errors import (
    AuthProblem,
    Conflict,
    EscalateError,
    ExitCode,
    MissingScopes,
    Next,
    Refused,
)
from ..gateway import Gateway

if TYPE_CHECKING:
    from ..domain.records import PortalRules, PropertyInfo
    from .portal import Portal

TOKEN_WORDS = "service key (o token de app privada heredada)"
# Each scope the tool uses, and the commands that need it (shown by doctor).
SCOPES: tuple[tuple[str, str], ...] = (
    ("tickets", "crear, seguimiento, contactado, adjuntar, subir, informe, configurar"),
    ("crm.objects.contacts.read", "crear, seguimiento"),
    ("crm.objects.contacts.write", "adjuntar y contactado (notas), las tareas de llamada de "
                                   "seguimiento"),
    ("files", "adjuntar y los adjuntos de crear"),
    ("crm.objects.owners.read", "ESCALATE_AGENT, la matriz del archivo de políticas, "
                                "seguimiento por agente"),
)
# Where the key came from, in words (a keyring is named as `doctor --json` names it).
TOKEN_SOURCES = {"env": "de HUBSPOT_ACCESS_TOKEN en el entorno",
                 "dotenv": "de HUBSPOT_ACCESS_TOKEN en el archivo .env",
                 "file": "guardada al acceder, en un archivo privado",
                 None: "la del sandbox"}


def source_words(source: str | None) -> str:
    """Where the key came from, in Spanish."""
    if source is not None and source.startswith("keyring:"):
        return f"guardada al acceder, en el llavero {source.removeprefix('keyring:')}"
    return TOKEN_SOURCES.get(source, str(source))
SCOPES_HINT = (f"Agregue los permisos que faltan a la {TOKEN_WORDS} en HubSpot (Desarrollo > "
               "Claves > Service keys; o Integraciones > Apps privadas) y vuelva a probar.")


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, whether it holds, and what to do if not."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None
    exit_code: ExitCode = ExitCode.OK
    steps: tuple[Next, ...] = ()  # the commands that fix it (the CLI spells them)
    token_source: str | None = None  # the Token check's: env, dotenv, keyring:<b>, file
    advice: bool = False  # holds, but says something to do or that could not be checked

    def fixes(self, spell: Callable[[Next], str]) -> list[str]:
        """What to do, in words and commands, when the check fails."""
        return [*([self.fix] if self.fix else []), *(spell(s) for s in self.steps)]

    def as_json(self, spell: Callable[[Next], str]) -> dict[str, Any]:
        shown = {"check": self.name, "ok": self.ok, "advice": self.advice,
                 "detail": self.detail, "fix": " ".join(self.fixes(spell)) or None}
        return {**shown, "token_source": self.token_source} if self.name == "Token" else shown


@dataclass
class DoctorReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        return max((c.exit_code for c in self.checks if not c.ok), default=ExitCode.OK)

    def as_json(self, spell: Callable[[Next], str]) -> list[dict[str, Any]]:
        return [c.as_json(spell) for c in self.checks]

    def run(self, name: str, check: Callable[[], str],
            redact: Callable[[str], str] = lambda s: s) -> bool:
        """Record one check; the tool's error it raises is the check's failure."""
        try:
            detail = check()
        except MissingScopes as exc:
            scopes = ", ".join(f"«{s}»" for s in exc.scopes) if exc.scopes else name
            self.checks.append(Check(
                name, False, f"a la {TOKEN_WORDS} le falta el permiso {scopes}",
                SCOPES_HINT, exc.exit_code))
            return False
        except EscalateError as exc:
            self.checks.append(Check(name, False, redact(exc.message), exc.hint, exc.exit_code,
                                     exc.next_steps))
            return False
        self.checks.append(Check(name, True, detail))
        return True

    def note(self, name: str, detail: str, *, ok: bool = True, fix: str | None = None,
             steps: tuple[Next, ...] = (), advice: bool = False) -> None:
        self.checks.append(Check(name, ok, detail, fix, steps=steps, advice=advice))


def doctor(settings: Settings, connect: Callable[[], tuple[Gateway, Settings]], *,
           load_policy: Callable[[], Any], pending: int, damaged: int, now: datetime,
           redact: Callable[[str], str] = lambda s: s) -> DoctorReport:
    """Every check in order; later checks that need HubSpot are skipped when it refuses.

    `connect` gives the gateway and the settings in force with it (the embedded sandbox
    points them elsewhere)."""
    from .portal import resolve

    report = DoctorReport()
    policy = _policy_check(report, load_policy)
    gateway_box: list[Gateway] = []

    def token() -> str:
        gateway, connected = connect()
        gateway_box.append(gateway)
        settings_box.append(connected)
        account = gateway.account()
        return (f"{TOKEN_WORDS} aceptada ({source_words(connected.token_source)}); portal "
                f"{account.portal_id} ({account.ui_domain})")

    settings_box: list[Settings] = []
    connected = report.run("Token", token, redact)
    settings = settings_box[0] if settings_box else settings
    report.checks[-1] = replace(report.checks[-1], token_source=settings.token_source)
    report.checks.insert(0, Check("Configuración", True, f"HubSpot en {settings.base_url}; "
                                                        f"datos en {settings.home}"))
    if connected and gateway_box:
        gateway = gateway_box[0]
        for scope, needed_by in SCOPES:
            if scope == "crm.objects.contacts.write":
                # A write cannot be probed without writing: say who needs it.
                report.note(f"Permiso {scope}", f"no se puede comprobar sin escribir; lo "
                                                f"necesitan {needed_by}", advice=True)
                continue
            report.run(f"Permiso {scope}", prober(gateway, scope, needed_by), redact)
        portals: list[Portal] = []

        def stage() -> str:
            portals.append(resolve(gateway, settings, now))
            portal = portals[0]
            return (f"pipeline «{portal.pipeline.label}» (id {portal.pipeline.id}), etapa "
                    f"«{portal.stage.label}» (id {portal.stage.id})")

        if report.run("Pipeline y etapa", stage, redact) and portals:
            portal = portals[0]
            report.run("Prioridades", lambda: _priorities(portal), redact)
            report.run("Propiedades de escalate", lambda: _tool_properties(portal), redact)
            _deleted_stages(report, gateway, portal, redact)
            for name in portal.lacking:
                from .portal import SETUP, WITHOUT

                report.note(f"Propiedad {name}", f"el portal no la tiene: {WITHOUT[name]}",
                            ok=False, steps=(SETUP,))
        _portal_rules(report, gateway, redact, portals[0] if portals else None)
        report.run("Fecha de creación (createdate)", lambda: _createdate(gateway), redact)
        agent = settings.agent
        if agent is None:
            from .team import AGENT_HINT

            report.note("Agente (ESCALATE_AGENT)", "sin ESCALATE_AGENT: los tickets no "
                        "registran agente y seguimiento lista al equipo. " + AGENT_HINT,
                        advice=True)
        else:
            report.run("Agente (ESCALATE_AGENT)",
                       lambda: _agent(gateway, settings, agent, now), redact)
        if policy is not None and policy.matrix.emails():
            report.run("Dueños del archivo de políticas",
                       lambda: _policy_owners(gateway, settings, policy, now), redact)
    report.note("Bandeja de salida", f"{pending} pendiente(s), {damaged} dañada(s)",
                ok=not damaged,
                steps=(Next("outbox_send", "Envíelas con"),) if pending else ())
    return report


def _policy_check(report: DoctorReport, load_policy: Callable[[], Any]) -> Any:
    loaded: list[Any] = []

    def check() -> str:
        loaded.append(load_policy())
        where = loaded[0].path
        if where is None:
            return "sin archivo (ESCALATE_POLICY_FILE, escalate.toml): no se asigna dueño"
        emails = loaded[0].policy.matrix.emails()
        return f"{where}; la matriz nombra {len(emails)} dueño(s)"

    report.run("Archivo de políticas", check)
    return loaded[0].policy if loaded else None


def prober(gateway: Gateway, scope: str, needed_by: str) -> Callable[[], str]:
    """One cheap read that needs `scope`; MissingScopes when the key lacks it."""
    probes: dict[str, Callable[[], Any]] = {
        "tickets": lambda: gateway.probe("tickets"),
        "crm.objects.contacts.read": lambda: gateway.probe("contacts"),
        "files": lambda: gateway.probe("files"),
        "crm.objects.owners.read": lambda: gateway.owners_page(1),
    }

    def run() -> str:
        try:
            probes[scope]()
        except MissingScopes as exc:
            raise MissingScopes(f"falta {scope}", scopes=exc.scopes or (scope,)) from None
        except AuthProblem as exc:
            raise MissingScopes(exc.message, scopes=(scope,)) from None
        return f"concedido (lo usan {needed_by})"

    return run


def _priorities(portal: Any) -> str:
    from ..domain.priority import Priority

    mapping = {p.value: p.portal_option(portal.priority_options) for p in Priority}
    missing = [name for name, option in mapping.items() if option is None]
    if missing:
        raise Refused(
            "el portal no tiene opción para " + ", ".join(missing) + " en hs_ticket_priority "
            "(tiene " + ", ".join(v for v, _ in portal.priority_options) + ")",
            hint="Agregue la opción en HubSpot (Configuración > Propiedades > Prioridad) o no "
                 "use esa prioridad.")
    shown = ", ".join(f"{name}→{option}" for name, option in mapping.items())
    own = [f"«{label}» ({value})" for value, label in portal.priority_options
           if value not in mapping.values()]
    if own:
        shown += ("; el portal tiene además " + ", ".join(own) + ": escalate no la conoce "
                  "(seguimiento con el intervalo por omisión, bump no la sube, el informe la "
                  "cuenta como prioridad desconocida)")
    return shown


DELETED_STAGES = "Tickets en etapas que ya no existen"


def _deleted_stages(report: DoctorReport, gateway: Gateway, portal: Any,
                    redact: Callable[[str], str]) -> None:
    """The pipeline's tickets left in a stage deleted since (one search): followup, bump
    and the report cannot tell whether they are open or closed."""
    from ..domain.oddities import SHOWN_IDS

    groups = [{"filters": [
        {"propertyName": "hs_pipeline", "operator": "EQ", "value": portal.pipeline.id},
        portal.gone_stage_filter()]}]
    try:
        found = list(itertools.islice(gateway.search_tickets(
            groups, properties=["hs_pipeline_stage"]), SHOWN_IDS))
    except EscalateError as exc:
        report.note(DELETED_STAGES, f"no se pudieron buscar ({redact(exc.message)})")
        return
    if not found:
        report.note(DELETED_STAGES, "ninguno")
        return
    total = found[0][1]
    ids = ", ".join(t.id for t, _ in found) + (" y más" if total > len(found) else "")
    report.note(DELETED_STAGES, f"{total} ticket(s) del pipeline «{portal.pipeline.label}» en "
                                f"una etapa que ya no existe ({ids}): seguimiento, bump y el "
                                "informe no saben si están abiertos",
                ok=False, fix="Muévalos en HubSpot a una etapa del pipeline.")


def _tool_properties(portal: Any) -> str:
    from .portal import TOOL_PROPERTY_NAMES

    portal.require_tool_properties()
    return ", ".join(n for n in TOOL_PROPERTY_NAMES if n not in portal.lacking)


def _createdate(gateway: Gateway) -> str:
    definition = gateway.ticket_property("createdate") or {}
    metadata = definition.get("modification_metadata") or definition.get(
        "modificationMetadata") or {}
    read_only = metadata.get("read_only_value", metadata.get("readOnlyValue"))
    if read_only is None:
        return "el portal no dice si se puede escribir (sin modificationMetadata)"
    if read_only:
        return ("de solo lectura en este portal: la fecha de creación que se indique queda "
                "en la descripción del ticket, no en «Create date»")
    return "se puede escribir: la fecha de creación que se indique es la del ticket"


RULES_CHECK = "Reglas del portal (tickets)"


def _portal_rules(report: DoctorReport, gateway: Gateway, redact: Callable[[str], str],
                  portal: Portal | None) -> None:
    """The ticket properties an admin made required that `create` does not fill, each with
    what it needs, and the rules on what it fills (API 2026-09 enforces them on writes).
    Read with the portal when it was read (as `create` reads them), else on their own."""
    from ..domain.rules import TOOL_FILLS, checked, describe, required_missing

    unread = portal.rules_unread if portal is not None else None
    fix: str | None = None
    steps: tuple[Next, ...] = ()
    if portal is not None:
        rules = portal.rules
    else:
        try:
            rules = gateway.ticket_rules()
        except EscalateError as exc:
            unread, fix, steps = exc.message, exc.hint, exc.next_steps
    if unread is not None:
        report.note(RULES_CHECK, f"no se pudieron leer ({redact(unread)}): escalate "
                                 "envía igual, y si HubSpot rechaza un valor dice cuál y por qué",
                    fix=fix, steps=steps)
        return
    missing = required_missing(rules, ())
    properties = ({p.name: p for p in portal.properties} if portal is not None
                  else gateway.ticket_properties() if missing else {})
    lines = [_required_line(name, properties.get(name), rules) for name in missing]
    lines += [f"«{name}» (la llena escalate) debe {describe(rule)}"
              + ("" if checked(rule) else ": escalate no sabe comprobarla; HubSpot dirá si no "
                                          "se cumple")
              for name, listed in rules.rules.items() if name in TOOL_FILLS for rule in listed]
    if not lines:
        report.note(RULES_CHECK, "ninguna regla ni propiedad obligatoria que escalate no cumpla")
        return
    report.checks.append(Check(
        RULES_CHECK, not missing, "; ".join(lines),
        "Un administrador del portal debe quitar la regla de obligatoria en HubSpot "
        "(Configuración > Propiedades) o escalate debe poder llenarla." if missing else None,
        ExitCode.REFUSED if missing else ExitCode.OK))


def _required_line(name: str, info: PropertyInfo | None, rules: PortalRules) -> str:
    """A required property escalate does not fill: what it needs, and whether it can ask."""
    from ..domain.rules import needs, unaskable

    shown = f"«{name}»" + (f" ({info.label})" if info is not None and info.label else "")
    cannot = unaskable(info) if info is not None else "no existe en el portal"
    return (f"{shown} es obligatoria y escalate no la llena: {needs(info, rules.of(name))}"
            + (f"; escalate no puede pedirla: {cannot}" if cannot else ""))


def _agent(gateway: Gateway, settings: Settings, agent: str, now: datetime) -> str:
    from .team import owners_for

    owner = owners_for(gateway, settings, [agent], now=now, fresh=True)[agent]
    if owner is None:
        raise Refused(f"{agent} no es un usuario de HubSpot",
                      hint="Corrija ESCALATE_AGENT con el correo con el que el agente entra "
                           "a HubSpot.")
    return f"{owner.email} → usuario {owner.id} ({owner.name})"


def _policy_owners(gateway: Gateway, settings: Settings, policy: Any, now: datetime) -> str:
    from .team import owners_for

    emails = policy.matrix.emails()
    found = owners_for(gateway, settings, emails, now=now, fresh=True)
    unknown = [e for e in emails if found[e] is None]
    if unknown:
        raise Refused("HubSpot no conoce a " + ", ".join(unknown),
                      hint="Corrija esos correos en el archivo de políticas (deben ser usuarios "
                           "de HubSpot) o pida que les den acceso al portal.")
    return ", ".join(f"{e} → {o.id}" for e, o in found.items() if o is not None)


# -- setup ------------------------------------------------------------------------------


@dataclass
class SetupReport:
    group_created: bool = False
    properties: list[tuple[str, str]] = field(default_factory=list)  # (name, what happened)
    labels_created: bool = False  # the ticket-to-ticket «Incidente» / «Cliente afectado»
    warnings: list[str] = field(default_factory=list)


# If a portal refuses the "HubSpot user" definition, escalate_agent still holds the owner id.
AGENT_FALLBACK = {"name": "escalate_agent", "label": "Agente que escaló", "type": "string",
                  "fieldType": "text", "groupName": "escalate",
                  "description": "Id de usuario de HubSpot del agente que escaló el ticket."}


def setup(gateway: Gateway, settings: Settings) -> SetupReport:
    """Create the tool's group and the properties missing; what exists is left as it is."""
    from .incidents import ensure_labels
    from .portal import TOOL_GROUP, TOOL_PROPERTIES, PortalCache

    report = SetupReport(group_created=gateway.create_property_group(*TOOL_GROUP))
    for definition in TOOL_PROPERTIES:
        name = str(definition["name"])
        try:
            created = gateway.create_ticket_property(definition)
        except Conflict:
            created = False
        except Refused:
            if name != "escalate_agent":
                raise
            created = gateway.create_ticket_property(AGENT_FALLBACK)
            report.properties.append((name, "creada como texto (el portal no aceptó el tipo "
                                            "«usuario de HubSpot»)" if created else "ya existía"))
            continue
        report.properties.append((name, "creada" if created else "ya existía"))
    report.labels_created = ensure_labels(gateway)
    existing = gateway.ticket_properties()
    unique = existing.get("escalate_id")
    if unique is not None and not unique.unique:
        report.warnings.append(
            "escalate_id existe pero sin «valor único»: los reenvíos podrían duplicar tickets. "
            "Bórrela en HubSpot y vuelva a preparar el portal (esta misma orden).")
    PortalCache(settings).forget()
    return report
