"""Drafts: what the agent typed, kept in the outbox when they stop, and taken up again."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ..domain.answers import EscalationInput
from ..errors import InvalidInput
from .env import Env

DRAFT_VERSION = 1
SHORT_ID = 8


@dataclass
class Resumed:
    """A draft (or a create that needs the agent) being completed again."""

    answers: EscalationInput
    entry_id: str
    escalate_id: str | None = None  # a create entry keeps its identity: never two tickets
    editing: str | None = None  # the field interrupted while typed: asked again first


def has_answers(answers: EscalationInput) -> bool:
    return any(v not in (None, "", []) for v in answers.values())


def keep(env: Env, answers: EscalationInput, draft_id: str | None = None,
         editing: str | None = None) -> str:
    """Keep the answers as a draft (never sent by `outbox send`); returns its id.
    `editing`: the field whose answer was being typed (kept half-written)."""
    from ..outbox import Entry

    entry_id = draft_id or uuid.uuid4().hex
    payload: dict[str, Any] = {"version": DRAFT_VERSION, "input": dict(answers)}
    if editing:
        payload["editing"] = editing
    env.outbox.put(Entry(id=entry_id, kind="draft", payload=payload), claim=False)
    return entry_id


def resume_hint(entry_id: str, env: Env | None = None) -> str:
    rest = f"create --borrador {entry_id[:SHORT_ID]}"
    return env.command(rest) if env is not None else f"escalate {rest}"


def resume(env: Env, wanted: str) -> Resumed:
    """The draft or unsent create whose id starts with `wanted` (8 characters or more)."""
    key = wanted.strip().lower()
    if len(key) < SHORT_ID:
        raise InvalidInput([f"el id del borrador debe tener al menos {SHORT_ID} caracteres"],
                           hint=f"Véalo con «{env.command('outbox')}».")
    entries, _damaged = env.outbox.entries()
    found = [e for e in entries if e.id.lower().startswith(key)]
    if len(found) != 1:
        problem = ("no hay ningún borrador con el id «" + wanted + "»" if not found else
                   f"el id «{wanted}» corresponde a {len(found)} entradas: escriba más caracteres")
        raise InvalidInput([problem], hint=f"Véalos con «{env.command('outbox')}».")
    entry = found[0]
    if entry.kind == "draft":
        editing = entry.payload.get("editing")
        return Resumed(answers=_input(entry.payload.get("input")), entry_id=entry.id,
                       editing=editing if isinstance(editing, str) else None)
    if entry.kind == "create" and not entry.state.get("ticket"):
        return Resumed(answers=_from_escalation(entry.payload), entry_id=entry.id,
                       escalate_id=str(entry.payload.get("escalation", {}).get("escalate_id")
                                       or "") or None)
    raise InvalidInput([f"la entrada {entry.id[:SHORT_ID]} ya no se puede editar: HubSpot ya "
                        "tiene parte de ella"],
                       hint=f"Termine de enviarla con «{env.command('outbox send')}».")


def _input(raw: Any) -> EscalationInput:
    answers = EscalationInput()
    if not isinstance(raw, dict):
        return answers
    for key in ("policy", "client_name", "email", "phone", "priority", "what", "how", "where",
                "when", "channel", "created_at"):
        value = raw.get(key)
        if isinstance(value, str):
            answers[key] = value
    for key in ("changes", "attachments"):
        items = raw.get(key)
        if isinstance(items, list):
            answers[key] = [str(i) for i in items]  # type: ignore[literal-required]
    return answers


def _from_escalation(payload: dict[str, Any]) -> EscalationInput:
    data = payload.get("escalation") or {}
    answers = _input({**data, "changes": [f"{c.get('field')}={c.get('value')}"
                                          for c in data.get("changes") or []
                                          if isinstance(c, dict)],
                      "attachments": [str(f.get("path")) for f in payload.get("files") or []
                                      if isinstance(f, dict)]})
    return answers
