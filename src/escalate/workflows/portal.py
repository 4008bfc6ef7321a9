"""What the tool needs to know about a portal, resolved once and cached under ESCALATE_HOME.

Pipeline and stage ids, priority options and the portal id rarely change; caching them
leaves a second `create` with only the contact lookup, the duplicate check and the create.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from ..config import Settings
from ..domain.records import INCIDENT_COUNT, Account, Pipeline, PropertyInfo, Stage
from ..errors import AuthProblem, Next, PortalLacks
from ..gateway import Gateway
from .json_cache import JsonCache

CACHE_SECONDS = 12 * 3600
CACHE_VERSION = 1

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
    {"name": INCIDENT_COUNT, "label": "Clientes afectados (incidente)", "type": "number",
     "fieldType": "number", "groupName": "escalate",
     "description": "En un ticket de incidente: cuántos clientes afecta."},
)
TOOL_PROPERTY_NAMES = tuple(p["name"] for p in TOOL_PROPERTIES)
# Added after portals were set up: until `setup` runs again, incidents are unavailable and
# everything else works as before (the create looks for no tickets alike).
LATER_PROPERTIES = (INCIDENT_COUNT,)
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

    @property
    def open_stage_ids(self) -> list[str]:
        return [s.id for s in self.pipeline.stages if not s.closed]

    @property
    def closed_stage_ids(self) -> list[str]:
        return [s.id for s in self.pipeline.stages if s.closed]

    def stage_label(self, stage_id: str) -> str:
        found = self.pipeline.stage(stage_id)
        return found.label if found else stage_id

    @property
    def missing_required(self) -> tuple[str, ...]:
        return tuple(m for m in self.missing_tool_properties if m not in LATER_PROPERTIES)

    @property
    def has_incidents(self) -> bool:
        """Whether `setup` made the incidents' property (issue 25) on this portal."""
        return INCIDENT_COUNT not in self.missing_tool_properties

    def require_tool_properties(self, *names: str) -> None:
        """The tool's properties every command needs (and `names`, some commands' own)."""
        missing = [*self.missing_required, *(n for n in names
                                             if n in self.missing_tool_properties)]
        if missing:
            raise AuthProblem(
                "El portal no tiene las propiedades de escalate (" + ", ".join(missing) + ").",
                next_steps=(SETUP,))


def resolve(gateway: Gateway, settings: Settings, now: datetime) -> Portal:
    """Read the portal: account, pipelines, ticket properties (three requests at once)."""
    account, pipelines, properties = gateway.together(
        gateway.account, gateway.ticket_pipelines, gateway.ticket_properties)
    pipeline, stage = _choose_stage(pipelines, settings.stage, settings.pipeline)
    priority = properties.get("hs_ticket_priority") or PropertyInfo("hs_ticket_priority",
                                                                    "enumeration")
    missing = tuple(n for n in TOOL_PROPERTY_NAMES if n not in properties)
    unique = properties.get("escalate_id")
    if unique is not None and not unique.unique:
        missing += ("escalate_id (valor único)",)
    return Portal(account=account, pipeline=pipeline, stage=stage,
                  priority_options=priority.options, missing_tool_properties=missing,
                  stage_setting=settings.stage, pipeline_setting=settings.pipeline,
                  fetched_at=now.timestamp())


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
        fresh = now - portal.fetched_at < CACHE_SECONDS
        same = (portal.stage_setting == self.settings.stage
                and portal.pipeline_setting == self.settings.pipeline)
        return portal if fresh and same and not portal.missing_required else None

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
    )


def load_portal(gateway: Gateway, settings: Settings, *, now: datetime, refresh: bool = False,
                warn: Callable[[str], None] | None = None) -> Portal:
    """The portal from cache when fresh, else from HubSpot (and cached).

    Safe to run beside other reads: `gateway.together(lambda: load_portal(...), ...)`.
    A cold load costs one round trip (its three reads go out at once)."""
    cache = PortalCache(settings)
    portal = None if refresh else cache.load(now.timestamp())
    if cache.warning and warn is not None:
        warn(cache.warning)
    if portal is None:
        portal = resolve(gateway, settings, now)
        cache.save(portal)
    return portal
