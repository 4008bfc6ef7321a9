"""What the tool needs to know about a portal, resolved once and cached under ESCALATE_HOME.

Pipeline and stage ids, priority options and the portal id rarely change; caching them
leaves a second `create` with only the contact lookup, the duplicate check and the create.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from ..config import Settings
from ..domain.records import (
    INCIDENT_COUNT,
    Account,
    Pipeline,
    PortalRules,
    PropertyInfo,
    PropertyRule,
    Stage,
)
from ..errors import AuthProblem, EscalateError, Next, PortalLacks, Unreachable
from ..gateway import Gateway
from .json_cache import JsonCache

CACHE_SECONDS = 12 * 3600
# A portal lacking some of the tool's optional properties is read again sooner: an admin
# may have run `setup` since, and every machine should see it within minutes, not hours.
LACKING_SECONDS = 600
CACHE_VERSION = 2  # 2: `lacking`, and the ticket properties with the admins' rules

# The ticket properties `escalate setup` creates, in its own group.
TOOL_GROUP = ("escalate", "Escalate")
TOOL_PROPERTIES: tuple[dict[str, Any], ...] = (
    {"name": "escalate_id", "label": "Escalate ID", "type": "string", "fieldType": "text",
     "groupName": "escalate", "hasUniqueValue": True,
     "description": "Identificador único de la escalación; evita tickets duplicados."},
    {"name": "escalate_policy", "label": "Póliza (escalate)", "type": "string",
     "fieldType": "text", "groupName": "escalate",
     "description": "Número de póliza normalizado."},
    {"name": "escalate_last_client_update", "label": "Último aviso al cliente",
     "type": "datetime", "fieldType": "date", "groupName": "escalate",
     "description": "Cuándo se informó al cliente por última vez."},
    # A "HubSpot user" property: its value is an owner id, so HubSpot's views and filters
    # show and pick the agent by name (docs/architecture.md, "Team: owners and tasks").
    {"name": "escalate_agent", "label": "Agente que escaló", "type": "enumeration",
     "fieldType": "select", "groupName": "escalate", "externalOptions": True,
     "referencedObjectType": "OWNER", "options": [],
     "description": "El agente que escaló el ticket (ESCALATE_AGENT)."},
    {"name": "escalate_quality", "label": "Calidad de la escalación", "type": "number",
     "fieldType": "number", "groupName": "escalate",
     "description": "Calificación 0-100: ¿puede un ingeniero empezar con esta escalación?"},
    {"name": INCIDENT_COUNT, "label": "Clientes afectados (incidente)", "type": "number",
     "fieldType": "number", "groupName": "escalate",
     "description": "En un ticket de incidente: cuántos clientes afecta."},
)
TOOL_PROPERTY_NAMES = tuple(p["name"] for p in TOOL_PROPERTIES)
QUALITY_PROPERTY = "escalate_quality"
# Added after portals were set up, so written or used only where the portal has them: a
# portal set up before they existed keeps creating tickets (doctor says to run setup
# again); it only lacks the score, and incidents are unavailable.
OPTIONAL_TOOL_PROPERTIES = frozenset({QUALITY_PROPERTY, INCIDENT_COUNT})
# What a portal without each of them goes without (doctor's words).
WITHOUT = {QUALITY_PROPERTY: "los tickets se crean sin su calificación de calidad",
           INCIDENT_COUNT: "no hay incidentes: crear no busca tickets parecidos"}
# What settles a portal without the tool's properties.
SETUP = Next("setup", "Un administrador del portal debe ejecutar una vez")


@dataclass(frozen=True)
class Portal:
    """The resolved escalation pipeline, stage, priority options and portal id."""

    account: Account
    pipeline: Pipeline
    stage: Stage
    priority_options: tuple[tuple[str, str], ...]
    missing_tool_properties: tuple[str, ...]
    stage_setting: str
    pipeline_setting: str | None
    fetched_at: float
    lacking: tuple[str, ...] = ()  # optional tool properties the portal does not have
    # The ticket properties and the admins' rules on them (`--campo`, required fields);
    # `rules_unread`: why the rules could not be read (HubSpot still enforces them).
    properties: tuple[PropertyInfo, ...] = ()
    rules: PortalRules = field(default_factory=PortalRules)
    rules_unread: str | None = None

    def ticket_property(self, name: str) -> PropertyInfo | None:
        return next((p for p in self.properties if p.name == name), None)

    @property
    def open_stage_ids(self) -> list[str]:
        return [s.id for s in self.pipeline.stages if not s.closed]

    @property
    def closed_stage_ids(self) -> list[str]:
        return [s.id for s in self.pipeline.stages if s.closed]

    def not_closed_filter(self) -> dict[str, Any]:
        """A search filter for the tickets not in a closed stage (rather than in an open
        one: a stage deleted since, or added after the portal was cached, is kept too)."""
        closed = self.closed_stage_ids
        if closed:
            return {"propertyName": "hs_pipeline_stage", "operator": "NOT_IN", "values": closed}
        return {"propertyName": "hs_pipeline_stage", "operator": "HAS_PROPERTY"}

    def gone_stage_filter(self) -> dict[str, Any]:
        """A search filter for the tickets in a stage the pipeline no longer has."""
        return {"propertyName": "hs_pipeline_stage", "operator": "NOT_IN",
                "values": [s.id for s in self.pipeline.stages]}

    def stage_label(self, stage_id: str) -> str:
        found = self.pipeline.stage(stage_id)
        return found.label if found else f"etapa {stage_id}, que ya no existe"

    @property
    def has_incidents(self) -> bool:
        """Whether `setup` made the incidents' property (issue 25) on this portal."""
        return INCIDENT_COUNT not in self.lacking

    def require_tool_properties(self, *names: str) -> None:
        """The tool's properties every command needs (and `names`, some commands' own)."""
        missing = [*self.missing_tool_properties, *(n for n in names if n in self.lacking)]
        if missing:
            raise AuthProblem(
                "El portal no tiene las propiedades de escalate (" + ", ".join(missing) + ").",
                next_steps=(SETUP,))


def resolve(gateway: Gateway, settings: Settings, now: datetime) -> Portal:
    """Read the portal: account, pipelines, ticket properties (three requests at once)."""
    account, pipelines, properties, (rules, unread) = gateway.together(
        gateway.account, gateway.ticket_pipelines, gateway.ticket_properties,
        lambda: _rules(gateway))
    pipeline, stage = _choose_stage(pipelines, settings.stage, settings.pipeline)
    priority = properties.get("hs_ticket_priority") or PropertyInfo("hs_ticket_priority",
                                                                    "enumeration")
    absent = [n for n in TOOL_PROPERTY_NAMES if n not in properties]
    missing = tuple(n for n in absent if n not in OPTIONAL_TOOL_PROPERTIES)
    unique = properties.get("escalate_id")
    if unique is not None and not unique.unique:
        missing += ("escalate_id (valor único)",)
    return Portal(account=account, pipeline=pipeline, stage=stage,
                  priority_options=priority.options, missing_tool_properties=missing,
                  stage_setting=settings.stage, pipeline_setting=settings.pipeline,
                  fetched_at=now.timestamp(),
                  lacking=tuple(n for n in absent if n in OPTIONAL_TOOL_PROPERTIES),
                  properties=tuple(properties.values()), rules=rules, rules_unread=unread)


def _rules(gateway: Gateway) -> tuple[PortalRules, str | None]:
    """The admins' ticket rules, read with the portal; a portal (or a key) that does not
    serve them still creates: HubSpot then says which rule a value breaks."""
    try:
        return gateway.ticket_rules(), None
    except Unreachable:
        raise
    except EscalateError as exc:
        return PortalRules(), exc.message


def _choose_stage(pipelines: list[Pipeline], stage_key: str,
                  pipeline_key: str | None) -> tuple[Pipeline, Stage]:
    if pipeline_key:
        chosen = [p for p in pipelines if p.id == pipeline_key
                  or p.label.casefold() == pipeline_key.casefold()]
        if not chosen:
            raise PortalLacks(
                f"El pipeline «{pipeline_key}» no existe en el portal. Pipelines de tickets: "
                + ", ".join(f"{p.label} (id {p.id})" for p in pipelines) + ".",
                hint="Corrija ESCALATE_PIPELINE.")
        pipelines = chosen
    matches = [(p, s) for p in pipelines for s in [p.stage(stage_key)] if s is not None]
    if not matches:
        available = "; ".join(f"{p.label}: " + ", ".join(s.label for s in p.stages)
                              for p in pipelines)
        raise PortalLacks(f"La etapa «{stage_key}» no existe en el portal. Etapas disponibles: "
                      f"{available}.", hint="Corrija ESCALATE_STAGE (etiqueta o id).")
    if len(matches) > 1:
        raise PortalLacks(
            f"La etapa «{stage_key}» existe en varios pipelines: "
            + ", ".join(f"{p.label} (id {p.id})" for p, _ in matches) + ".",
            hint="Indique cuál con ESCALATE_PIPELINE.")
    return matches[0]


class PortalCache:
    """The portal as last read, one cache file per portal and token (json_cache.py)."""

    def __init__(self, settings: Settings) -> None:
        self.file = JsonCache(settings, "portal", CACHE_VERSION)
        self.path = self.file.path
        self.settings = settings
        self.warning: str | None = None

    def load(self, now: float) -> Portal | None:
        raw = self.file.read()
        try:
            portal = _portal_from_json(raw) if raw is not None else None
        except (ValueError, KeyError, TypeError):
            self.file.damaged = True
            portal = None
        if self.file.damaged:
            self.warning = f"Se ignoró la caché dañada {self.path}; se vuelve a leer el portal."
        if portal is None:
            return None
        fresh = now - portal.fetched_at < (LACKING_SECONDS if portal.lacking else CACHE_SECONDS)
        same = (portal.stage_setting == self.settings.stage
                and portal.pipeline_setting == self.settings.pipeline)
        return portal if fresh and same and not portal.missing_tool_properties else None

    def time_zone(self) -> str | None:
        """The portal's time zone as last read, however old the cache (showing a time asks
        HubSpot nothing, and a portal's zone does not change with its pipelines)."""
        raw = self.file.read()
        account = raw.get("account") if isinstance(raw, dict) else None
        found = account.get("time_zone") if isinstance(account, dict) else None
        return found if isinstance(found, str) and found else None

    def save(self, portal: Portal) -> None:
        """Cache the portal; only a speed-up, so a full disk or a folder in the file's
        place never stops the command (json_cache.py)."""
        self.file.write(asdict(portal))

    def forget(self) -> None:
        self.file.forget()


def _portal_from_json(raw: dict[str, Any]) -> Portal:
    pipeline = raw["pipeline"]
    return Portal(
        account=Account(**raw["account"]),
        pipeline=Pipeline(id=pipeline["id"], label=pipeline["label"],
                          stages=tuple(Stage(**s) for s in pipeline["stages"])),
        stage=Stage(**raw["stage"]),
        priority_options=tuple((str(v), str(lbl)) for v, lbl in raw["priority_options"]),
        missing_tool_properties=tuple(raw["missing_tool_properties"]),
        stage_setting=raw["stage_setting"],
        pipeline_setting=raw["pipeline_setting"],
        fetched_at=float(raw["fetched_at"]),
        lacking=tuple(str(n) for n in raw.get("lacking") or ()),
        properties=tuple(_property(p) for p in raw.get("properties") or ()),
        rules=PortalRules(
            rules={str(name): tuple(PropertyRule(str(r["kind"]), tuple(map(str, r["arguments"])))
                                    for r in listed)
                   for name, listed in (raw.get("rules") or {}).get("rules", {}).items()},
            required=tuple(map(str, (raw.get("rules") or {}).get("required", ())))),
        rules_unread=raw.get("rules_unread"),
    )


def _property(raw: dict[str, Any]) -> PropertyInfo:
    return PropertyInfo(**{**raw, "options": tuple((str(v), str(lbl))
                                                    for v, lbl in raw.get("options") or ())})


def load_portal(gateway: Gateway, settings: Settings, *, now: datetime, refresh: bool = False,
                warn: Callable[[str], None] | None = None, needs: tuple[str, ...] = ()
                ) -> Portal:
    """The portal from cache when fresh, else from HubSpot (and cached); read again when
    the cached one lacks an optional property in `needs` (the command then refuses on a
    fresh read, never on a cache older than `setup`).

    Safe to run beside other reads: `gateway.together(lambda: load_portal(...), ...)`.
    A cold load costs one round trip (its three reads go out at once)."""
    cache = PortalCache(settings)
    portal = None if refresh else cache.load(now.timestamp())
    if cache.warning and warn is not None:
        warn(cache.warning)
    if portal is None or any(n in portal.lacking for n in needs):
        portal = resolve(gateway, settings, now)
        cache.save(portal)
    return portal
