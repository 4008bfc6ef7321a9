"""One problem, many clients: which open escalations look like this one, and the incident
they make. Pure; `now` passed in.

Two escalations are compared on QUÉ and DÓNDE: QUÉ folded (accents, case, punctuation,
filler words and numbers out, each word cut to its first letters so «guarda», «guardar»
and «guardado» agree) and scored with rapidfuzz's token_set_ratio; DÓNDE by its medium and
screen (`report.where_parts`), the same screen weighing more than the same medium. The
weights and the default threshold were chosen on `tests/data/incident_day.json` (3 problems
× 20 clients in different words, 100 others; `benchmarks/incidents.py` prints the figures).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .priority import Priority
from .report import normalised, where_parts

STEM = 5  # letters of each word compared: «rechazado», «rechaza», «rechazo» agree
SCREEN_WEIGHT = 0.2  # DÓNDE's share of the score; QUÉ holds the rest
SAME_MEDIUM = 50  # DÓNDE's score when the medium agrees but the screen does not
SIMILAR = 70  # score (0-100) at or above which two escalations look like one problem
SUBJECT_WORDS = 8  # «INCIDENTE: <QUÉ en pocas palabras> (N clientes)»
PREFIX = "INCIDENTE: "


@dataclass(frozen=True)
class Rules:
    """The team's `[incidentes]`, each value its default where the file says none: days
    looked back, tickets alike (with the new one) from which an incident is proposed, the
    score from which two escalations are alike, and the clients that raise its priority."""

    days: int = 7
    minimum: int = 3
    threshold: float = SIMILAR
    levels: tuple[tuple[Priority, int], ...] = ((Priority.ALTA, 5), (Priority.URGENTE, 20))

    @classmethod
    def of(cls, section: Any) -> Rules:
        """From the policy file's validated section (its None values: the defaults)."""
        found = {name: getattr(section, attr) for name, attr in (
            ("days", "days"), ("minimum", "minimum"), ("threshold", "threshold"))
            if getattr(section, attr) is not None}
        if section.priority is not None:
            found["levels"] = tuple(section.priority.items())
        return cls(**found)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What an escalation is compared on: QUÉ reduced to stems, DÓNDE's medium and screen."""

    what: str
    medium: str
    screen: str

    @classmethod
    def of(cls, what: str, where: str) -> Fingerprint:
        medium, screen = where_parts(where)
        return cls(_stems(what), medium, _stems(screen))


def _stems(text: str) -> str:
    return " ".join(word[:STEM] for word in normalised(text).split())


def similarity(one: Fingerprint, other: Fingerprint) -> float:
    """0-100: how much two escalations look like the same problem."""
    from rapidfuzz.fuzz import token_set_ratio

    what = token_set_ratio(one.what, other.what)
    if one.medium != other.medium:
        where = 0.0
    elif one.screen == other.screen or not one.screen or not other.screen:
        where = 100.0
    else:
        where = float(SAME_MEDIUM)
    return (1 - SCREEN_WEIGHT) * what + SCREEN_WEIGHT * where


@dataclass(frozen=True, slots=True)
class Open:
    """An open escalation that may be compared: its ticket, when it was made, its
    fingerprint, and the incident it already belongs to (None: none)."""

    ticket_id: str
    created_at: datetime
    fingerprint: Fingerprint
    incident_id: str | None = None


@dataclass(frozen=True, slots=True)
class Match:
    ticket_id: str
    score: float
    incident_id: str | None


@dataclass(frozen=True)
class Detection:
    """What a new escalation is offered: the open tickets that look like it (best first),
    the incident to join (the one most of them belong to), or whether enough of them
    (with this one) make a new incident worth proposing."""

    similar: tuple[Match, ...]
    incident_id: str | None
    propose: bool

    @property
    def offered(self) -> bool:
        return self.incident_id is not None or self.propose

    def since(self, opened: dict[str, datetime]) -> datetime | None:
        """The oldest similar ticket's creation (for «desde ayer»)."""
        moments = [opened[m.ticket_id] for m in self.similar if m.ticket_id in opened]
        return min(moments) if moments else None


def detect(new: Fingerprint, candidates: Iterable[Open], now: datetime, *, days: int,
           minimum: int, threshold: float = SIMILAR) -> Detection:
    """The open escalations of the last `days` that look like `new`; the incident most of
    them belong to, else a proposal when they and `new` are at least `minimum`."""
    since = now - timedelta(days=days)
    similar = sorted((Match(c.ticket_id, round(score, 1), c.incident_id)
                      for c in candidates if c.created_at >= since
                      for score in (similarity(new, c.fingerprint),) if score >= threshold),
                     key=lambda m: (-m.score, m.ticket_id))
    incidents = Counter(m.incident_id for m in similar if m.incident_id is not None)
    if incidents:
        best = max(incidents.items(), key=lambda kv: (kv[1], -_id_order(kv[0])))[0]
        return Detection(tuple(similar), best, False)
    return Detection(tuple(similar), None, len(similar) + 1 >= minimum)


def _id_order(ticket_id: str) -> int:
    return int(ticket_id) if ticket_id.isdigit() else 0


# -- the incident ticket ---------------------------------------------------------------


def subject(what: str, affected: int) -> str:
    """`INCIDENTE: <QUÉ en pocas palabras> (N clientes)`."""
    words = " ".join(what.split()).rstrip(".").split(" ")
    short = " ".join(words[:SUBJECT_WORDS]) + ("…" if len(words) > SUBJECT_WORDS else "")
    clients = "1 cliente" if affected == 1 else f"{affected} clientes"
    return f"{PREFIX}{short} ({clients})"


def retitled(current: str, affected: int) -> str:
    """The incident's name with the count of clients made current (a name someone edited
    in HubSpot keeps its words)."""
    head, sep, tail = current.rpartition(" (")
    if sep and tail.endswith(")") and "client" in tail:
        current = head
    clients = "1 cliente" if affected == 1 else f"{affected} clientes"
    return f"{current} ({clients})"


def raised(current: Priority | None, affected: int,
           thresholds: Sequence[tuple[Priority, int]]) -> Priority | None:
    """The incident's priority for this many affected clients: the highest level whose
    threshold is reached, never below the current one."""
    order = list(Priority)
    reached = [level for level, count in thresholds if affected >= count]
    levels = [p for p in (current, *reached) if p is not None]
    return max(levels, key=order.index) if levels else None


@dataclass(frozen=True)
class Member:
    """A ticket of the incident, as its content reads."""

    ticket_id: str
    policy: str | None
    what: str
    how: str
    where: str


def best_described(members: Sequence[Member]) -> Member:
    """The member whose QUÉ, CÓMO and DÓNDE say the most (the longest together; the
    lowest id on a tie): the incident's description is written from it."""
    return max(members, key=lambda m: (len(" ".join((m.what, m.how, m.where)).split()),
                                       -_id_order(m.ticket_id)))


def content(best: Member, members: Sequence[Member]) -> str:
    """The incident ticket's description: the best-described member's sections and the
    affected policies."""
    policies = sorted({m.policy for m in members if m.policy})
    listed = "\n".join(f"- {p}" for p in policies) or "Ninguna"
    return "\n\n".join([f"QUÉ:\n{best.what}", f"CÓMO:\n{best.how}", f"DÓNDE:\n{best.where}",
                        f"PÓLIZAS AFECTADAS:\n{listed}"])


def closing_note(incident_id: str) -> str:
    """The note each member gets when the incident closes it."""
    return f"Resuelto con el incidente {incident_id}"
