"""Drafts: what the agent typed, kept in the outbox when they stop, and taken up again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain.answers import EscalationInput
from ..errors import InvalidInput, Next
from ..short_ids import short_id
from .env import Env


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
    from ..workflows.entries import new_entry

    payload: dict[str, Any] = {"input": dict(answers)}
    if editing:
        payload["editing"] = editing
    entry = new_entry("draft", payload, entry_id=draft_id)
    env.outbox.put(entry, claim=False)
    return entry.id


def resume_step(entry_id: str, lead: str = "Para seguir:") -> Next:
    """The step that takes a kept draft up again."""
    return Next("resume", lead, entry_id)


def resume(env: Env, wanted: str) -> Resumed:
    """The draft or unsent create whose id starts with `wanted` (8 characters or more)."""
    from ..workflows.entries import migrate

    try:
        entry = migrate(env.outbox.get(wanted, what="borrador"))
    except ValueError as exc:
        from ..workflows.entries import unreadable

        raise InvalidInput([f"«{wanted[:40]}»: {unreadable(exc)}"]) from None
    if entry.kind in ("draft", "create"):
        take_lease(env, entry.id)
    if entry.kind == "draft":
        editing = entry.payload.get("editing")
        return Resumed(answers=_input(entry.payload.get("input")), entry_id=entry.id,
                       editing=editing if isinstance(editing, str) else None)
    if entry.kind == "create" and not entry.state.get("ticket"):
        return _kept_create(entry.payload, entry.id)
    raise InvalidInput([f"la entrada {short_id(entry.id)} ya no se puede editar: HubSpot ya "
                        "tiene parte de ella"],
                       next_steps=(Next("outbox_send", "Termine de enviarla con"),))


def take_lease(env: Env, entry_id: str) -> None:
    """This terminal holds the draft while it is taken up (renewed while the agent types,
    `Outbox.working_on`); another that holds it is named, and nothing is done here: one
    draft never becomes two tickets from two terminals."""
    held = env.outbox.lease(entry_id)
    if held is None or held.host is None:
        return
    import socket
    from datetime import datetime

    where = ("esta máquina" if held.host == socket.gethostname() else held.host) + (
        f", proceso {held.pid}" if held.pid else "")
    since = ""
    if held.since is not None:
        from .when import reading_zone

        moment = datetime.fromtimestamp(held.since, reading_zone(env))
        minutes = max(0, int((env.now().timestamp() - held.since) // 60))
        since = f" desde las {moment:%H:%M} (hace {minutes} min)"
    raise InvalidInput([f"el borrador {short_id(entry_id)} está abierto en otra terminal "
                        f"({where}){since}: no se retoma aquí, para que no se envíe dos veces"],
                       hint="Termínelo o ciérrelo en esa terminal (Ctrl-C lo guarda de nuevo) "
                            "y vuelva a intentarlo.")


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


def _kept_create(payload: dict[str, Any], entry_id: str) -> Resumed:
    """A kept create taken up again: its answers (its attachments' paths among them), and
    its identity, so that it never becomes two tickets."""
    from ..domain.escalation import Escalation

    try:
        escalation = Escalation.from_json(payload["escalation"])
    except (KeyError, TypeError, ValueError) as exc:
        from ..workflows.entries import unreadable

        raise InvalidInput([unreadable(exc)]) from None
    answers = escalation.as_input()
    answers["attachments"] = [str(f.get("path")) for f in payload.get("files") or []
                              if isinstance(f, dict)]
    return Resumed(answers=_input(answers), entry_id=entry_id,
                   escalate_id=escalation.escalate_id)
