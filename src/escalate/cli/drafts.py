"""Drafts: what the agent typed, kept in the outbox when they stop, and taken up again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..domain.answers import EscalationInput
from ..domain.contact_choice import Chosen
from ..errors import InvalidInput, Next
from ..short_ids import short_id
from .env import Env

if TYPE_CHECKING:
    from ..outbox import Entry
    from ..workflows.lookup import ContactLookup


def settle_kept_choice(chosen: Chosen | None, key: tuple[str | None, str | None],
                       lookup: ContactLookup) -> str | None:
    """A lookup that found several contacts sharing the phone, settled by a kept choice
    where nobody is asked (a scripted resume, a dry run): the contact chosen, while the
    choice holds for `key` (email, phone). Returns why it does not hold (the lookup left
    with its candidates); None when it holds or there is nothing to settle."""
    if chosen is None or lookup.contact is not None or not lookup.candidates:
        return None
    contact, why = chosen.held(key, lookup.candidates)
    lookup.contact = contact
    return why


@dataclass
class Resumed:
    """A draft (or a create that needs the agent) being completed again."""

    answers: EscalationInput
    entry_id: str
    escalate_id: str | None = None  # a create entry keeps its identity: never two tickets
    maybe_sent: bool = False  # a create that may be in HubSpot already: read before sending
    editing: str | None = None  # the field interrupted while typed: asked again first
    chosen: Chosen | None = None  # the contact chosen among several, and for what
    template: str | None = None  # the template chosen: what it requires is asked again


def has_answers(answers: EscalationInput) -> bool:
    return any(v not in (None, "", []) for v in answers.values())


def keep(env: Env, answers: EscalationInput, draft_id: str | None = None,
         editing: str | None = None, chosen: Chosen | None = None,
         resumed: Resumed | None = None, template: str | None = None) -> str:
    """Keep the answers as a draft (never sent by `outbox send`); returns its id.
    `editing`: the field whose answer was being typed (kept half-written); `chosen`: the
    contact chosen among several sharing a phone; `resumed`: what it was taken up from, a
    kept create's identity kept with it (its `escalate_id`, and whether a send may have
    reached HubSpot): the draft, sent later, is that ticket, never a second one;
    `template`: the template chosen, so what it requires (evidence, changes) is still
    required when the draft is taken up.

    All are optional keys of a version 2 draft, not a new version: a draft without them
    (kept before they existed) reads as one where nothing was being typed or chosen, and
    an older escalate reading a draft with them ignores them (it asks again)."""
    from ..workflows.entries import new_entry

    payload: dict[str, Any] = {"input": dict(answers)}
    if editing:
        payload["editing"] = editing
    if chosen is not None:
        payload["contact"] = chosen.as_json()
    if template:
        payload["template"] = template
    if resumed is not None and resumed.escalate_id:
        payload["escalate_id"] = resumed.escalate_id
        if resumed.maybe_sent:
            payload["maybe_sent"] = True
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
        editing, identity = entry.payload.get("editing"), entry.payload.get("escalate_id")
        template = entry.payload.get("template")
        return Resumed(answers=_input(entry.payload.get("input")), entry_id=entry.id,
                       template=template if isinstance(template, str) else None,
                       escalate_id=identity if isinstance(identity, str) else None,
                       maybe_sent=entry.payload.get("maybe_sent") is True,
                       editing=editing if isinstance(editing, str) else None,
                       chosen=Chosen.from_json(entry.payload.get("contact")))
    if entry.kind == "create" and not entry.state.get("ticket"):
        return _kept_create(entry)
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


def _kept_create(entry: Entry) -> Resumed:
    """A kept create taken up again: its answers (its attachments' paths among them), its
    identity, so that it never becomes two tickets, and the contact it was settled on."""
    from ..domain.escalation import Escalation

    payload = entry.payload
    try:
        escalation = Escalation.from_json(payload["escalation"])
    except (KeyError, TypeError, ValueError) as exc:
        from ..workflows.entries import unreadable

        raise InvalidInput([unreadable(exc)]) from None
    answers = escalation.as_input()
    answers["attachments"] = [str(f.get("path")) for f in payload.get("files") or []
                              if isinstance(f, dict)]
    contact = entry.state.get("contact")
    chosen = (Chosen(str(contact["id"]), escalation.email, escalation.phone)
              if isinstance(contact, dict) and contact.get("id") else None)
    # As `outbox send` reads it (workflows/ticket.py): the create was recorded as sent
    # before its request, or an attempt failed; HubSpot may hold the ticket either way.
    maybe_sent = bool(entry.state.get("create_sent")) or entry.attempts > 0
    return Resumed(answers=_input(answers), entry_id=entry.id,
                   escalate_id=escalation.escalate_id, maybe_sent=maybe_sent, chosen=chosen)
