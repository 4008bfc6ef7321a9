"""A portal as it really is: `tests/data/realistic_portal.json` loaded into a sandbox through
HubSpot's own API (pipelines, stages, property options, contacts, companies, merges,
archives) and `/_sandbox/history` (tickets with their past)."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .conftest import Sandbox

DATA = Path(__file__).parent / "data" / "realistic_portal.json"
HOUR_MS = 3_600_000
CRM = "/crm/objects/2026-09"
PIPELINES = "/crm/pipelines/2026-09/tickets"
TICKET_TO_CONTACT, TICKET_TO_COMPANY = 16, 339
_PLACEHOLDER = re.compile(r"\{(ago|stage|pipeline|contact):([\w/.-]+)\}")


@dataclass
class Realistic:
    """The loaded portal: each named ticket, contact and company with its id, the stages
    and pipelines made, and the moment the hours are counted back from."""

    ids: dict[str, str] = field(default_factory=dict)
    stages: dict[str, str] = field(default_factory=dict)
    pipelines: dict[str, str] = field(default_factory=dict)
    now_ms: int = 0
    spec: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.ids[name]

    def names(self, *wanted: str) -> set[str]:
        return {self.ids[name] for name in wanted}

    def fill(self, value: Any) -> Any:
        """A value with its placeholders filled in ({ago:N} is epoch ms N hours back)."""
        if not isinstance(value, str):
            return value

        def one(found: re.Match[str]) -> str:
            kind, name = found.groups()
            if kind == "ago":
                return str(self.now_ms - int(float(name) * HOUR_MS))
            if kind == "stage":
                return self.stages[name]
            if kind == "pipeline":
                return self.pipelines[name]
            return self.ids[name]

        return _PLACEHOLDER.sub(one, value)

    def ago(self, hours: float) -> int:
        return self.now_ms - int(hours * HOUR_MS)


def load(sandbox: Sandbox, path: Path = DATA) -> Realistic:
    """Seed the sandbox with the realistic portal; what was made, by name."""
    spec = json.loads(path.read_text(encoding="utf-8"))
    portal = Realistic(now_ms=int(time.time() * 1000), spec=spec)
    _pipelines(sandbox, portal, spec)
    options = sandbox.options("tickets", "hs_ticket_priority")
    sandbox.set_options("tickets", "hs_ticket_priority", [*options, *spec["priority_options"]])
    for kind in ("contacts", "companies"):
        for name, properties in spec[kind].items():
            made = sandbox.api("POST", f"{CRM}/{kind}", {"properties": properties})
            portal.ids[name] = str(made["id"])
    names = list(spec["tickets"])
    records = [_record(portal, name, spec["tickets"][name]) for name in names]
    made = sandbox.control("POST", "history", {"object": "tickets", "records": records})
    portal.ids.update(zip(names, made["ids"], strict=True))
    for step in spec["afterwards"]:
        _afterwards(sandbox, portal, step)
    return portal


def _pipelines(sandbox: Sandbox, portal: Realistic, spec: dict[str, Any]) -> None:
    for name, pipeline in spec["pipelines"].items():
        made = sandbox.api("POST", PIPELINES, {"label": pipeline["label"], "stages": [
            {"label": label, "metadata": {"ticketState": state}}
            for label, state in pipeline["stages"].items()]})
        portal.pipelines[name] = str(made["id"])
        for stage in made["stages"]:
            portal.stages[f"{name}/{stage['label']}"] = str(stage["id"])
    for name, stage in spec["stages"].items():
        made = sandbox.api("POST", f"{PIPELINES}/0/stages", {
            "label": stage["label"], "metadata": {"ticketState": stage["state"]}})
        portal.stages[name] = str(made["id"])


def _record(portal: Realistic, name: str, ticket: dict[str, Any]) -> dict[str, Any]:
    """One ticket as `/_sandbox/history` takes it."""
    properties: dict[str, Any] = {"hs_pipeline": "0", "hs_pipeline_stage": "2"}
    if ticket.get("priority"):
        properties["hs_ticket_priority"] = ticket["priority"]
    tool = ticket.get("escalate")
    if tool:  # as `escalate create` writes it
        properties.update(subject=f"{tool['policy']} - {tool['client']}",
                          escalate_policy=tool["policy"], escalate_id=f"realista-{name}",
                          escalate_agent=tool["agent"])
    if ticket.get("sections"):
        properties["content"] = "\n\n".join(f"{label}:\n{text}"
                                            for label, text in ticket["sections"].items())
    if ticket.get("long_content"):
        long = ticket["long_content"]
        properties["content"] = (long["repeat"] * (long["length"] // len(long["repeat"]) + 1)
                                 )[:long["length"]]
    properties.update(ticket.get("properties") or {})
    links = [{"to": {"id": portal.fill(c)}, "types": [
        {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": TICKET_TO_CONTACT}]}
        for c in ticket.get("contacts") or []]
    links += [{"to": {"id": portal.ids[c]}, "types": [
        {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": TICKET_TO_COMPANY}]}
        for c in ticket.get("companies") or []]
    return {"properties": {k: portal.fill(v) for k, v in properties.items()},
            "created_at": portal.ago(ticket["hours_ago"]), "associations": links,
            "changes": [{"at": portal.ago(change["hours_ago"]),
                         "properties": {k: portal.fill(v)
                                        for k, v in change["properties"].items()}}
                        for change in ticket.get("changes") or []]}


def _afterwards(sandbox: Sandbox, portal: Realistic, step: dict[str, Any]) -> None:
    """What people did since: merges, archives, a stage deleted, users deactivated."""
    if "merge" in step:
        kind = step["merge"]
        sandbox.api("POST", f"{CRM}/{kind}/merge", {
            "primaryObjectId": portal.ids.get(step["primary"], step["primary"]),
            "objectIdToMerge": portal.ids[step["merged"]]})
    elif "archive" in step:
        sandbox.api("DELETE", f"{CRM}/{step['archive']}/{portal.ids[step['name']]}")
    elif "delete_stage" in step:
        sandbox.api("DELETE", f"{PIPELINES}/0/stages/{portal.stages[step['delete_stage']]}"
                              "?validateReferencesBeforeDelete=false")
    else:
        sandbox.control("POST", "owners", {"archived": step["deactivate_owners"]})
