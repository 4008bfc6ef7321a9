"""The escalation history report: each ticket reduced to a few facts, then counted. Pure.

A ticket is read once (with its property histories) and kept as an `Escalated`: its
priority when escalated, agent, channel, DÓNDE (medium and screen), a short QUÉ, when it
was resolved, when the client was told, and the one-level raises of its priority. The
ticket's text itself is not kept: memory grows with the number of tickets, not their text.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from sys import intern
from typing import TYPE_CHECKING

from .bump import NEXT_LEVEL, PRIORITY, raises_noted
from .followup import Clock
from .history import TicketHistory, entered, times
from .moments import moment_label
from .oddities import Odd, Tally
from .priority import Priority
from .records import INCIDENT_COUNT
from .text import fold, plain_text

if TYPE_CHECKING:  # annotations only: a create's detection reads QUÉ/DÓNDE without pydantic
    from .policy import BumpPolicy

STAGE = "hs_pipeline_stage"
LAST_UPDATE = "escalate_last_client_update"
HISTORY = [STAGE, LAST_UPDATE, PRIORITY]
PROPERTIES = ["subject", "content", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_priority",
              "createdate", "closed_date", "escalate_agent", "escalate_last_client_update",
              "escalate_quality", INCIDENT_COUNT]
LABELS = ("QUÉ", "CÓMO", "DÓNDE", "CUÁNDO", "CAMBIOS SOLICITADOS", "CANAL")  # content()'s order
SHORT_WHAT = 160
NO_AGENT, NO_CHANNEL, NO_SCREEN = "sin agente", "sin canal", "sin pantalla"
NO_WHERE = "sin DÓNDE"  # a description without DÓNDE (typed in HubSpot, or rewritten)
NO_PRIORITY, UNKNOWN_PRIORITY = "sin prioridad", "prioridad desconocida"
SIMILAR = 80  # token_set_ratio at or above which two QUÉ texts are the same problem
MAX_GROUPS = 5_000  # groups a text may join; later one-off texts stay alone
RARE_WORDS = 3  # a text is compared with the groups sharing one of its rarest words,
CANDIDATES = 60  # at most this many (the most repeated first)
TOP = 10

_SECTION = re.compile(r"^\s*(" + "|".join(map(re.escape, LABELS)) + r")\s*:[ \t]*",
                      re.MULTILINE)
_APP = re.compile(r"\b(app|aplicacion|movil|android|ios|iphone|celular)\b")
_WEB = re.compile(r"\b(web|portal|navegador|pagina|sitio|chrome|safari|edge|firefox)\b")
_SCREEN = re.compile(r"\b(?:pantalla|seccion|modulo|menu|apartado|pestana)\s+"
                     r"(?:de\s+(?:la\s+|las\s+|los\s+|el\s+)?|del\s+)?([^,.;:\n]+)")
_STOP = frozenset({"a", "al", "con", "de", "del", "el", "en", "es", "la", "las", "lo", "los",
                   "no", "se", "su", "sus", "un", "una", "y", "o", "que", "por", "para", "le",
                   "les", "me", "mi", "cliente"})


def sections(description: str) -> dict[str, str]:
    """The labelled sections of a ticket description as plain text (`QUÉ:`, `DÓNDE:`, ...;
    also in one HubSpot's editor wrote as HTML); none in a text without them."""
    return _sections_of(plain_text(description))


def _sections_of(text: str) -> dict[str, str]:
    """`sections` of a description already made plain text (made so once: a second pass
    would read its escaped «&lt;b&gt;» as a tag)."""
    found: dict[str, str] = {}
    marks = list(_SECTION.finditer(text))
    for mark, following in zip(marks, [*marks[1:], None], strict=False):  # none: {}
        end = following.start() if following is not None else len(text)
        found.setdefault(mark.group(1), " ".join(text[mark.end():end].split()))
    return found


def where_parts(where: str) -> tuple[str, str]:
    """DÓNDE as (medium, screen): `web`, `app` or `otro`, and the screen or section named;
    no DÓNDE at all is «sin DÓNDE» for both."""
    if not where.strip():
        return NO_WHERE, NO_WHERE
    text = fold(where).lower()
    medium = "app" if _APP.search(text) else "web" if _WEB.search(text) else "otro"
    screen = ""
    named = _SCREEN.search(text)
    if named:
        screen = named.group(1)
    elif "," in text:
        screen = text.rsplit(",", 1)[1]
    screen = " ".join(screen.split())[:40].strip()
    return medium, screen or NO_SCREEN


@dataclass(frozen=True, slots=True)
class Raise:
    at: datetime
    level: Priority
    to: Priority


@dataclass(slots=True)
class Escalated:
    """What the report keeps of one ticket."""

    id: str
    created: datetime
    level: Priority | None  # the priority it was escalated with
    agent: str
    channel: str
    medium: str
    screen: str
    what: str
    resolved_at: datetime | None
    updates: tuple[datetime, ...]
    raises: tuple[Raise, ...]
    bumped: tuple[Raise, ...] = ()  # the raises `bump` made (confirmed by its notes)
    quality: int | None = None  # the score it was escalated with (`escalate_quality`)
    odd: tuple[Odd, ...] = ()  # what could not be read (counted in the report's own table)
    priority_key: str = ""  # the priority row it counts under

    @property
    def known_state(self) -> bool:
        """Whether its stage says open or closed (a deleted stage says neither)."""
        return Odd.UNKNOWN_STAGE not in self.odd


def escalated(item: TicketHistory, clock: Clock) -> Escalated | None:
    """The facts the report needs from a ticket read with its histories; None when it has
    no readable create date (the report counts it apart)."""
    ticket = item.ticket
    if ticket.created_at is None:
        return None
    content = plain_text(str(ticket.properties.get("content") or ""))
    parts = _sections_of(content)
    medium, screen = where_parts(parts.get("DÓNDE", ""))
    channel = parts.get("CANAL", "")
    priorities = item.of(PRIORITY)
    first = priorities[0].value if priorities else (ticket.priority or "")
    level = clock.level(first)
    odd = _unread(item, clock, content, parts, first, level)
    resolved = None
    if ticket.stage in clock.closed_stages:
        resolved = entered(item.of(STAGE), lambda s: s in clock.closed_stages) or (
            clock.closed_at(ticket))
    raises = []
    for before, after in pairwise(priorities):
        old, new = clock.level(before.value), clock.level(after.value)
        if old is not None and NEXT_LEVEL.get(old) == new and new is not None:
            raises.append(Raise(after.at, old, new))
    updates = times(item.of(LAST_UPDATE))
    if not updates and ticket.last_client_update is not None:
        updates = (ticket.last_client_update,)
    # Agents, channels and screens repeat: one shared string each, not one per ticket.
    return Escalated(
        id=ticket.id, created=ticket.created_at, level=level,
        agent=intern(str(ticket.properties.get("escalate_agent") or "") or NO_AGENT),
        channel=intern(channel if channel and channel != "No indicado" else NO_CHANNEL),
        medium=medium, screen=intern(screen),
        what=" ".join(parts.get("QUÉ", "").split())[:SHORT_WHAT],
        resolved_at=resolved, updates=updates, raises=tuple(raises), odd=odd,
        priority_key=level.value if level else UNKNOWN_PRIORITY if first else NO_PRIORITY,
        quality=_score(ticket.properties.get("escalate_quality")))


def _unread(item: TicketHistory, clock: Clock, content: str, parts: dict[str, str],
            priority: str, level: Priority | None) -> tuple[Odd, ...]:
    """What of a ticket escalate could not read: it was typed or edited in HubSpot."""
    ticket = item.ticket
    found = []
    if not content.strip():
        found.append(Odd.NO_DESCRIPTION)
    elif not parts:
        found.append(Odd.NO_SECTIONS)
    if level is None:
        found.append(Odd.UNKNOWN_PRIORITY if priority else Odd.NO_PRIORITY)
    if clock.unknown_stage(ticket):
        found.append(Odd.UNKNOWN_STAGE)
    if item.unreadable:
        found.append(Odd.UNREADABLE_HISTORY)
    return tuple(found)


def _score(value: object) -> int | None:
    """`escalate_quality` as HubSpot returns a number property («72», «72.0»), or None."""
    try:
        score = float(str(value))
    except ValueError:
        return None
    return round(score) if math.isfinite(score) and 0 <= score <= 100 else None


def confirm_bumps(item: Escalated, notes: Iterable[str]) -> None:
    """Keep as bumps the raises a bump note names (`Prioridad subida de MEDIA a ALTA`)."""
    named = raises_noted(notes)
    item.bumped = tuple(r for r in item.raises if (r.level.value, r.to.value) in named)


# -- the numbers ------------------------------------------------------------------------

@dataclass
class Resolution:
    priority: str
    resolved: int
    median_hours: float | None
    p90_hours: float | None
    hours: list[float] = field(default_factory=list, repr=False)  # for the distribution


@dataclass
class Promise:
    tickets: int
    waited_past: int
    resolved: int
    call_on_time: int
    call_late: int
    call_never: int
    call_pending: int  # resolved recently, still within the interval

    @property
    def waited_share(self) -> float | None:
        return _share(self.waited_past, self.tickets)

    @property
    def late_or_never_share(self) -> float | None:
        return _share(self.call_late + self.call_never, self.resolved - self.call_pending)


@dataclass
class Problem:
    what: str
    count: int
    ticket_ids: list[str]
    incident: str | None = None  # the incident most of these tickets belong to


@dataclass(frozen=True)
class Incident:
    """An incident opened in the period: its clients, and how long it took to resolve."""

    id: str
    subject: str
    affected: int
    created: datetime
    resolved_at: datetime | None

    @property
    def hours_to_resolve(self) -> float | None:
        if self.resolved_at is None:
            return None
        return _round(_hours(self.resolved_at - self.created))


def incident_of(item: TicketHistory, found: Escalated) -> Incident | None:
    """The incident a ticket of the window is (None: a client's escalation)."""
    ticket = item.ticket
    if not ticket.is_incident or found.created is None:
        return None
    return Incident(ticket.id, ticket.subject, int(float(ticket.properties.get(
        INCIDENT_COUNT) or 0)), found.created, found.resolved_at)


def link_incidents(problems: Iterable[Problem], member_of: Mapping[str, str]) -> None:
    """Each recurring problem named with the incident most of its tickets belong to (half
    or more of them), if any."""
    for problem in problems:
        counted = Counter(member_of[t] for t in problem.ticket_ids if t in member_of)
        if counted:
            incident, count = counted.most_common(1)[0]
            if 2 * count >= len(problem.ticket_ids):
                problem.incident = incident


@dataclass
class BumpEffect:
    transition: str  # "MEDIA→ALTA"
    bumped: int
    resolved_bumped: int
    median_after_bump: float | None  # hours from the bump to resolution
    compared: int  # resolved tickets not bumped that sat past the same threshold
    median_after_threshold: float | None
    saved_hours: float | None


@dataclass
class AgentFigures:
    """One agent's escalations in the window, as a supervisor weighs them."""

    agent: str  # the agent's email (the owner id when unknown, or NO_AGENT)
    escalations: int
    resolved: int
    median_resolution_hours: float | None
    kept: int  # resolved, and the client told within the interval
    late: int  # told after it
    never: int  # never told, past the interval
    pending: int  # not told yet, still within it
    waited_past: int  # clients who waited past the interval without an update
    recurring: int  # escalations in one of the recurring problems
    top_problem: str | None  # the recurring problem most of them belong to

    @property
    def promise_base(self) -> int:
        """Resolved tickets whose promise is settled: told, or past the interval untold."""
        return self.kept + self.late + self.never

    @property
    def late_or_never(self) -> int:
        return self.late + self.never


@dataclass(frozen=True, slots=True)
class Waiting:
    """A client the team kept waiting: past the interval without an update (`esperó`), or
    resolved and never called (`sin_aviso`), and for how long."""

    ticket_id: str
    agent: str
    reason: str
    hours: float  # as the clock counts (business hours when the policy sets them)
    calendar_hours: float  # the same stretch on the wall clock


# Score bands, as the quality score reads: below its endoso cap, up to the default minimum,
# good, very good (domain/quality.py: CRITICAL_CAP 40, DEFAULT_MINIMUM 50).
QUALITY_BANDS = (("0-39", 0, 39), ("40-59", 40, 59), ("60-79", 60, 79), ("80-100", 80, 100))
NO_SCORE = "sin calificación"


def score_band(score: int | None) -> str:
    return next((name for name, low, high in QUALITY_BANDS
                 if score is not None and low <= score <= high), NO_SCORE)


@dataclass
class QualityBand:
    """The tickets escalated with a score in one band, and how long resolving them took."""

    band: str
    tickets: int
    resolved: int
    median_hours: float | None


@dataclass
class AgentQuality:
    """One agent's scores: how many in each band, and their median."""

    agent: str
    scored: int
    median_score: float | None
    bands: dict[str, int]
    unscored: int


@dataclass
class Report:
    since: datetime
    until: datetime
    tickets: int
    breakdowns: dict[str, list[tuple[str, int]]]
    resolution: list[Resolution]
    promise: Promise
    recurring: list[Problem]
    bumps: list[BumpEffect]
    agent_names: dict[str, str] = field(default_factory=dict)  # agent (email) → full name
    agents: list[AgentFigures] = field(default_factory=list)
    waited: list[Waiting] = field(default_factory=list)  # longest first
    never_called: list[Waiting] = field(default_factory=list)  # longest first
    business_hours: bool = False  # waits are counted in business hours
    # What escalate could not read of the window's tickets (typed or edited in HubSpot),
    # and the tickets it could not count at all (no readable create date).
    unread: Tally = field(default_factory=Tally)
    quality_agents: list[AgentQuality] = field(default_factory=list)
    quality_bands: list[QualityBand] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)  # opened in the period

    def agent_label(self, agent: str) -> str:
        """An agent as a supervisor reads it: the full name if known, else the email."""
        return self.agent_names.get(agent) or agent


BREAKDOWNS = {"agente": "Por agente", "prioridad": "Por prioridad", "canal": "Por canal",
              "medio": "Por medio (DÓNDE)", "pantalla": "Por pantalla (DÓNDE)"}


def build(items: Sequence[Escalated], clock: Clock, bump: BumpPolicy, *, since: datetime,
          until: datetime, now: datetime, agents: Mapping[str, str] | None = None,
          agent_names: Mapping[str, str] | None = None,
          uncounted: Tally | None = None) -> Report:
    """Every table of the report from the tickets' facts; agents counted by `agents`
    (owner id → email), shown by `agent_names` (email → full name). `uncounted`: the
    tickets of the window left out (no readable create date), added to what could not be
    read of the others."""
    names = agents or {}
    counters: dict[str, Counter[str]] = {key: Counter() for key in BREAKDOWNS}
    unread = uncounted if uncounted is not None else Tally()
    for item in items:
        counters["agente"][names.get(item.agent, item.agent)] += 1
        counters["prioridad"][item.priority_key] += 1
        counters["canal"][item.channel] += 1
        counters["medio"][item.medium] += 1
        counters["pantalla"][item.screen] += 1
        unread.add_all(item.odd, item.id)
    breakdowns = {key: _ordered(counter, key) for key, counter in counters.items()}
    # A ticket in a deleted stage is neither open nor resolved: it counts in the breakdowns
    # and among its agent's escalations, never in the promise (overall or per agent).
    fates = [fate(item, clock, now) if item.known_state else Fate(item, None, False, 0.0, 0.0)
             for item in items]
    problems = recurring([(i.id, i.what) for i in items])
    return Report(since=since, until=until, tickets=len(items), breakdowns=breakdowns,
                  resolution=resolution(items),
                  promise=promise_of([f for f in fates if f.item.known_state]),
                  recurring=problems, bumps=bump_effects(items, bump),
                  agent_names=dict(agent_names or {}),
                  agents=agent_figures(fates, problems, names),
                  waited=waiting(fates, names, "esperó"),
                  never_called=waiting(fates, names, "sin_aviso"),
                  business_hours=clock.business, unread=unread,
                  quality_agents=quality_by_agent(items, names),
                  quality_bands=quality_bands(items))


def quality_by_agent(items: Sequence[Escalated], names: Mapping[str, str]
                     ) -> list[AgentQuality]:
    """Per agent: the score distribution over the bands and its median (unscored apart:
    tickets escalated before the score existed, or on a portal without the property)."""
    by_agent: dict[str, list[int | None]] = {}
    for item in items:
        by_agent.setdefault(names.get(item.agent, item.agent), []).append(item.quality)
    out = []
    for agent, scores in by_agent.items():
        known = [s for s in scores if s is not None]
        bands = Counter(score_band(s) for s in known)
        out.append(AgentQuality(
            agent, len(known), _round(statistics.median(known)) if known else None,
            {name: bands[name] for name, _, _ in QUALITY_BANDS}, len(scores) - len(known)))
    return sorted(out, key=lambda a: (-(a.scored + a.unscored), a.agent))


def quality_bands(items: Sequence[Escalated]) -> list[QualityBand]:
    """Per score band: tickets, resolved, and the median hours to resolution."""
    out = []
    for name in [*(n for n, _, _ in QUALITY_BANDS), NO_SCORE]:
        own = [i for i in items if score_band(i.quality) == name]
        took = [_hours(i.resolved_at - i.created) for i in own if i.resolved_at is not None]
        if own:
            out.append(QualityBand(name, len(own), len(took),
                                   _round(statistics.median(took)) if took else None))
    return out


def resolution(items: Iterable[Escalated]) -> list[Resolution]:
    """Hours from creation to resolution, median and 90th percentile, per priority."""
    hours: dict[Priority, list[float]] = {p: [] for p in Priority}
    for item in items:
        if item.resolved_at is not None and item.level is not None:
            hours[item.level].append((item.resolved_at - item.created).total_seconds() / 3600)
    return [Resolution(p.value, len(h), _round(statistics.median(h)) if h else None,
                       _round(percentile(h, 90)) if h else None, sorted(h))
            for p, h in hours.items()]


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `pct` % at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def call_after_resolution(item: Escalated, clock: Clock, now: datetime) -> str | None:
    """How the client heard of the resolution: `a_tiempo`, `tarde` (after the priority's
    interval), `nunca`, `pendiente` (not yet, still within it); None if not resolved."""
    if item.resolved_at is None:
        return None
    interval = timedelta(hours=clock.hours_for(item.level))
    call = next((u for u in item.updates if u >= item.resolved_at), None)
    if call is None:
        return "nunca" if clock.elapsed(item.resolved_at, now) > interval else "pendiente"
    return "tarde" if clock.elapsed(item.resolved_at, call) > interval else "a_tiempo"


@dataclass(frozen=True, slots=True)
class Fate:
    """What the promise meant for one client: the longest wait without an update, whether
    it passed the interval, and how the resolution was told (None: not resolved)."""

    item: Escalated
    told: str | None
    waited_past: bool
    wait_hours: float  # the longest wait, as counted
    wait_calendar_hours: float
    untold_hours: float = 0.0  # resolved and never told: since the resolution, as counted
    untold_calendar_hours: float = 0.0


def fate(item: Escalated, clock: Clock, now: datetime) -> Fate:
    """The promise to one client (see `Fate`)."""
    start, stop = clock.longest_gap(item.created, item.updates, item.resolved_at or now)
    counted = clock.elapsed(start, stop)
    told = call_after_resolution(item, clock, now)
    untold = (_hours(clock.elapsed(item.resolved_at, now)),
              _hours(now - item.resolved_at)) if told == "nunca" and item.resolved_at else (
                  0.0, 0.0)
    return Fate(item, told, counted > timedelta(hours=clock.hours_for(item.level)),
                _hours(counted), _hours(stop - start), *untold)


def promise(items: Sequence[Escalated], clock: Clock, now: datetime) -> Promise:
    """How often the client waited past the interval, and how resolutions were told."""
    return promise_of([fate(item, clock, now) for item in items])


def promise_of(fates: Sequence[Fate]) -> Promise:
    calls: Counter[str] = Counter(f.told for f in fates if f.told is not None)
    return Promise(tickets=len(fates), waited_past=sum(f.waited_past for f in fates),
                   resolved=sum(calls.values()), call_on_time=calls["a_tiempo"],
                   call_late=calls["tarde"], call_never=calls["nunca"],
                   call_pending=calls["pendiente"])


def agent_figures(fates: Sequence[Fate], problems: Sequence[Problem],
                  names: Mapping[str, str]) -> list[AgentFigures]:
    """Per agent (by email, `names` mapping owner ids): escalations, median resolution,
    the promise kept or not, and the recurring problems their escalations fall in; the
    agents with most escalations first."""
    group_of = {i: n for n, p in enumerate(problems) for i in p.ticket_ids}
    by_agent: dict[str, list[Fate]] = {}
    for f in fates:
        by_agent.setdefault(names.get(f.item.agent, f.item.agent), []).append(f)
    figures = []
    for agent, own in by_agent.items():
        told: Counter[str] = Counter(f.told for f in own if f.told is not None)
        took = [_hours(f.item.resolved_at - f.item.created) for f in own
                if f.item.resolved_at is not None]
        groups: Counter[int] = Counter(group_of[f.item.id] for f in own
                                       if f.item.id in group_of)
        figures.append(AgentFigures(
            agent=agent, escalations=len(own), resolved=len(took),
            median_resolution_hours=_round(statistics.median(took)) if took else None,
            kept=told["a_tiempo"], late=told["tarde"], never=told["nunca"],
            pending=told["pendiente"], waited_past=sum(f.waited_past for f in own),
            recurring=sum(groups.values()),
            top_problem=problems[min(groups, key=lambda g: (-groups[g], g))].what
            if groups else None))
    return sorted(figures, key=lambda a: (-a.escalations, a.agent))


def waiting(fates: Sequence[Fate], names: Mapping[str, str], reason: str) -> list[Waiting]:
    """The clients who waited past the interval (`esperó`: their longest wait), or whose
    resolution was never told (`sin_aviso`: since it), longest first."""
    found = [Waiting(f.item.id, names.get(f.item.agent, f.item.agent), reason,
                     *((f.wait_hours, f.wait_calendar_hours) if reason == "esperó"
                       else (f.untold_hours, f.untold_calendar_hours)))
             for f in fates if (f.waited_past if reason == "esperó" else f.told == "nunca")]
    return sorted(found, key=lambda w: (-w.hours, _id_order(w.ticket_id)))


def window_label(since: datetime, until: datetime) -> str:
    """The window as a supervisor reads it: a last day said as included when the window
    ends at a midnight (`--hasta 2026-11-30`), else both moments."""
    start = moment_label(since)
    if (until.hour, until.minute, until.second, until.microsecond) == (0, 0, 0, 0):
        last = (until - timedelta(days=1)).date().isoformat()
        if (since.hour, since.minute) == (0, 0):
            return f"del {since.date().isoformat()} al {last}, ambos incluidos"
        return f"desde {start} hasta el {last} incluido"
    return f"desde {start} hasta {moment_label(until)}"


def normalised(text: str) -> str:
    """QUÉ for comparison: folded, lower case, no punctuation, no filler words."""
    words = re.findall(r"[a-z0-9]+", fold(text).lower())
    # Numbers (folios, amounts) tell two reports of one problem apart, not the problem.
    return " ".join(w for w in words if w not in _STOP and not w.isdigit())


def recurring(whats: Iterable[tuple[str, str]], top: int = TOP,
              cutoff: float = SIMILAR) -> list[Problem]:
    """Similar QUÉ texts grouped (rapidfuzz's token_set_ratio against each group's first
    text), the `top` groups of two or more tickets, largest first.

    Texts are taken most repeated first; each is compared only with the groups that share
    one of its rarest words (texts with no word in common are never that similar), at most
    `CANDIDATES` of them, so tens of thousands of texts group in seconds.
    """
    from rapidfuzz import fuzz, process

    same: dict[str, list[str]] = {}  # normalised text → ticket ids
    shown: dict[str, Counter[str]] = {}
    for ticket_id, what in whats:
        key = normalised(what)
        if key:
            same.setdefault(key, []).append(ticket_id)
            shown.setdefault(key, Counter())[what] += 1
    frequency: Counter[str] = Counter(w for key in same for w in set(key.split()))
    leaders: list[str] = []
    groups: list[list[str]] = []  # normalised texts per leader
    by_word: dict[str, list[int]] = {}  # word → leaders that contain it
    leader_words: list[set[str]] = []
    for key in sorted(same, key=lambda k: (-len(same[k]), k)):
        words = set(key.split())
        near: list[int] = []
        for word in sorted(words, key=lambda w: (frequency[w], w))[:RARE_WORDS]:
            near += by_word.get(word, ())[:CANDIDATES - len(near)]
        # Only groups sharing half the words of the shorter text can score that high.
        near = sorted(n for n in set(near)
                      if 2 * len(words & leader_words[n]) >= min(len(words),
                                                                  len(leader_words[n])))
        found = process.extractOne(key, [leaders[n] for n in near], scorer=fuzz.token_set_ratio,
                                   score_cutoff=cutoff) if near else None
        if found is not None:
            groups[near[found[2]]].append(key)
        elif len(leaders) < MAX_GROUPS:
            for word in words:
                by_word.setdefault(word, []).append(len(leaders))
            leader_words.append(words)
            leaders.append(key)
            groups.append([key])
    problems = []
    for members in groups:
        ids = [i for key in members for i in same[key]]
        if len(ids) < 2:
            continue
        spellings: Counter[str] = Counter()
        for key in members:
            spellings.update(shown[key])
        label = spellings.most_common(1)[0][0]
        problems.append(Problem(label, len(ids), sorted(ids, key=_id_order)))
    problems.sort(key=lambda p: (-p.count, p.what))
    return problems[:top]


def bump_effects(items: Iterable[Escalated], bump: BumpPolicy) -> list[BumpEffect]:
    """Per raise (BAJA→MEDIA, ...): how many tickets `bump` raised, and how long resolution
    took after the raise, against resolved tickets at that level that were not raised
    but sat past the same threshold (hours after the threshold)."""
    after_bump: dict[Priority, list[float]] = {p: [] for p in NEXT_LEVEL}
    bumped: Counter[Priority] = Counter()
    unbumped: dict[Priority, list[float]] = {p: [] for p in NEXT_LEVEL}
    for item in items:
        first = item.bumped[0] if item.bumped else None
        if first is not None:
            bumped[first.level] += 1
            if item.resolved_at is not None:
                after_bump[first.level].append(_hours(item.resolved_at - first.at))
        elif item.resolved_at is not None and item.level in NEXT_LEVEL and not item.raises:
            threshold = bump.after(item.level)
            took = _hours(item.resolved_at - item.created)
            if threshold is not None and took > threshold:
                unbumped[item.level].append(took - threshold)
    effects = []
    for level, to in NEXT_LEVEL.items():
        done, other = after_bump[level], unbumped[level]
        with_bump = _round(statistics.median(done)) if done else None
        without = _round(statistics.median(other)) if other else None
        effects.append(BumpEffect(
            f"{level.value}→{to.value}", bumped[level], len(done), with_bump, len(other),
            without, _round(without - with_bump) if with_bump is not None
            and without is not None else None))
    return effects


def _ordered(counter: Counter[str], key: str) -> list[tuple[str, int]]:
    if key == "prioridad":
        order = {p.value: n for n, p in enumerate(Priority)}
        return sorted(counter.items(), key=lambda kv: (order.get(kv[0], 9), kv[0]))
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole > 0 else None


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def _round(value: float) -> float:
    return round(value, 2)


def _id_order(ticket_id: str) -> tuple[int, str]:
    return (int(ticket_id), "") if ticket_id.isdigit() else (0, ticket_id)

