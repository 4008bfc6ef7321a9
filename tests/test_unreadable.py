"""Never «Error inesperado» on data: the functions that read HubSpot's values (dates,
descriptions and their sections, priorities, owners, property histories, tasks, notes) take
arbitrary strings, nulls and missing keys without raising; what they cannot read becomes
"unknown" and is counted (docs/guia-supervisores.md, "Tickets que escalate no escribió")."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from escalate.domain.bump import due_raise, raises_noted
from escalate.domain.followup import Clock, levels_of
from escalate.domain.history import changes, entered, run_start, times, with_history
from escalate.domain.moments import parse_iso, parse_time
from escalate.domain.oddities import Odd, Tally
from escalate.domain.policy import BumpPolicy
from escalate.domain.priority import Priority
from escalate.domain.report import (
    LABELS,
    NO_WHERE,
    build,
    escalated,
    normalised,
    recurring,
    sections,
    where_parts,
)
from escalate.domain.team import CallKey, Task
from escalate.domain.text import plain_text
from escalate.gateway.shapes import contact_from_json, ticket_from_json

NOW = datetime(2026, 12, 2, 18, tzinfo=timezone.utc)
CLOCK = Clock.build("0", ["1", "2", "3"], ["4"], default_hours=48,
                    priority_options=[("LOW", "Low"), ("MEDIUM", "Medium"), ("HIGH", "High"),
                                      ("URGENT", "Urgent"), ("CRITICAL", "Crítica")])
BUMP = BumpPolicy.model_validate({"after_hours": {"BAJA": 72, "MEDIA": 48, "ALTA": 24}})

# What a property can hold when people and other integrations write it: anything.
moments = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                       timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=-6)),
                                                  None]))
values = st.one_of(
    st.none(), st.just(""), st.text(max_size=80),
    st.from_regex(r"\A[0-9]{1,30}\Z"),  # epoch ms, and far beyond any year datetime holds
    moments.map(lambda m: m.isoformat()),
    st.sampled_from(["0", "1", "2", "4", "99", "LOW", "high", "URGENT", "CRITICAL", "9002",
                     "²³", "١٢٣", "2026-13-45T99:99:99Z", "QUÉ:", "<p>QUÉ: a</p>"]),
    st.text(alphabet="<>/pbrQUÉDÓNCAL: \n&;nbsp", max_size=60),
)
NAMES = ["subject", "content", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_priority",
         "createdate", "closed_date", "escalate_last_client_update", "escalate_policy",
         "escalate_id", "escalate_agent", "hubspot_owner_id", "hs_v2_date_entered_4"]
properties = st.dictionaries(st.sampled_from(NAMES), values)  # missing keys: not drawn
entry = st.one_of(
    st.dictionaries(st.sampled_from(["value", "timestamp", "sourceType", "sourceId"]), values),
    st.none(), st.text(max_size=10), st.integers(), st.lists(st.none(), max_size=2))
history = st.dictionaries(st.sampled_from(["hs_pipeline_stage", "hs_ticket_priority",
                                           "escalate_last_client_update", "other"]),
                          st.one_of(st.lists(entry, max_size=6), st.none(), st.text(max_size=5)))


@given(st.one_of(st.none(), st.text(), values))
def test_a_date_is_read_or_none_never_an_error(text: str | None):
    found = parse_time(text)
    assert found is None or found.tzinfo is not None
    if text is not None:
        parsed = parse_iso(text, timezone.utc)
        assert parsed is None or parsed.tzinfo is not None


def test_dates_past_what_datetime_holds_and_other_digits_are_unread():
    assert parse_time("9" * 20) is None  # HubSpot epoch ms beyond year 9999
    assert parse_time("²³") is None and parse_time("١٢٣") is None  # digits, not ASCII
    assert parse_time("1764698400000") == datetime(2025, 12, 2, 18, 0, tzinfo=timezone.utc)


@given(st.one_of(st.none(), st.text(), values))
def test_a_description_is_read_as_text_and_its_sections_found_or_none(content: str | None):
    text = plain_text(content)
    assert isinstance(text, str)
    if content and "<" not in content:
        assert text == content  # plain text is kept as it is
    found = sections(text)
    assert set(found) <= set(LABELS)
    assert all("\n" not in v for v in found.values())
    medium, screen = where_parts(found.get("DÓNDE", ""))
    assert medium in ("app", "web", "otro", NO_WHERE) and screen and len(screen) <= 40


def test_hubspots_rich_text_description_keeps_its_sections():
    html = ("<p>QUÉ:<br>No aparece el botón de <b>pagar</b></p><p>DÓNDE:<br>App&nbsp;móvil, "
            "pantalla de pagos</p><p>CANAL:<br>WhatsApp</p>")
    assert sections(plain_text(html)) == {"QUÉ": "No aparece el botón de pagar",
                              "DÓNDE": "App móvil, pantalla de pagos", "CANAL": "WhatsApp"}
    assert plain_text("a < b y c > d") == "a < b y c > d"
    assert where_parts("") == (NO_WHERE, NO_WHERE)


@given(st.lists(entry, max_size=8))
def test_a_history_is_read_entry_by_entry_and_the_unreadable_ones_counted(raw: list[Any]):
    found, left_out = changes(raw)
    assert len(found) + left_out == len(raw)
    assert [c.at for c in found] == sorted(c.at for c in found)
    run_start(found, "2", None)
    entered(found, lambda v: v == "4")
    assert all(t.tzinfo is not None for t in times(found))


@settings(max_examples=300, deadline=None)
@given(properties, history, st.text(max_size=12))
def test_any_ticket_is_counted_listed_or_left_out_never_an_error(props: dict[str, Any],
                                                                  past: Any, ticket_id: str):
    ticket = ticket_from_json({"id": ticket_id or "1", "properties": props})
    read = with_history(ticket, past if isinstance(past, dict) else {},
                        ["hs_pipeline_stage", "hs_ticket_priority",
                         "escalate_last_client_update"])
    CLOCK.owed(ticket, NOW)
    CLOCK.due_soon(ticket, NOW)
    CLOCK.priority(ticket)
    due_raise(read, CLOCK, BUMP, NOW)
    item = escalated(read, CLOCK)
    uncounted = Tally()
    if item is None:
        assert ticket.created_at is None
        uncounted.add(Odd.NO_CREATE_DATE, ticket.id)
    items = [item] if item is not None else []
    report = build(items, CLOCK, BUMP, since=NOW - timedelta(days=30), until=NOW, now=NOW,
                   uncounted=uncounted)
    assert report.tickets + uncounted.count(Odd.NO_CREATE_DATE) == 1
    if item is not None and item.level is None:
        assert {Odd.NO_PRIORITY, Odd.UNKNOWN_PRIORITY} & set(item.odd)
    from escalate.report_html import render

    assert "<html" in render(report, lambda i: f"https://app.example/ticket/{i}", NOW)


def test_a_ticket_typed_in_hubspot_is_counted_with_what_could_not_be_read():
    props = {"subject": "Cliente molesto", "hs_pipeline": "0", "hs_pipeline_stage": "99",
             "hs_ticket_priority": "CRITICAL", "createdate": "2026-12-01T10:00:00Z"}
    ticket = ticket_from_json({"id": "7", "properties": props})
    read = with_history(ticket, {"hs_ticket_priority": [{"value": "CRITICAL"}]},
                        ["hs_ticket_priority"])
    item = escalated(read, CLOCK)
    assert item is not None and item.priority_key == "prioridad desconocida"
    assert set(item.odd) == {Odd.NO_DESCRIPTION, Odd.UNKNOWN_PRIORITY, Odd.UNKNOWN_STAGE,
                             Odd.UNREADABLE_HISTORY}
    assert item.medium == NO_WHERE and item.agent == "sin agente"
    report = build([item], CLOCK, BUMP, since=NOW - timedelta(days=3), until=NOW, now=NOW)
    assert report.promise.tickets == 0  # neither open nor resolved: left out of the promise
    assert [(r["reason"], r["count"]) for r in report.unread.as_json()] == [
        ("etapa_desconocida", 1), ("prioridad_desconocida", 1), ("sin_descripcion", 1),
        ("historial_ilegible", 1)]


def test_a_description_in_html_is_read_once_so_an_escaped_tag_stays_as_written():
    content = ("<p>QUÉ: El botón &lt;b&gt;Guardar&lt;/b&gt; no responde</p>"
               "<p>DÓNDE: App, pantalla &lt;div&gt;Pagos</p>")
    props = {"subject": "POL-1 - Ana", "hs_pipeline": "0", "hs_pipeline_stage": "1",
             "hs_ticket_priority": "HIGH", "createdate": "2026-12-01T10:00:00Z",
             "content": content}
    ticket = ticket_from_json({"id": "8", "properties": props})
    item = escalated(with_history(ticket, {}, []), CLOCK)
    assert item is not None
    assert item.what == "El botón <b>Guardar</b> no responde"  # as alike and incidents read it
    assert (item.medium, item.screen) == where_parts("App, pantalla <div>Pagos")


@given(st.lists(st.tuples(st.sampled_from(["LOW", "", "x", "MEDIUM"]), st.text(max_size=12)),
                max_size=6), st.one_of(st.none(), st.text(max_size=12)))
def test_a_priority_option_maps_to_a_level_or_none(options: list[tuple[str, str]],
                                                     value: str | None):
    levels = levels_of(options)
    assert all(isinstance(level, Priority) for level in levels.values())
    assert Priority.from_hubspot(value) in (None, *Priority)
    assert CLOCK.level(value) in (None, *Priority)


@given(st.dictionaries(st.sampled_from(["hs_task_subject", "hs_task_body", "hs_task_status",
                                        "hubspot_owner_id"]), values), st.text(max_size=80))
def test_a_task_and_a_note_are_read_whatever_a_person_wrote_on_them(task: dict[str, Any],
                                                                      note: str):
    read = Task.from_properties("1", task)
    assert isinstance(read.open, bool)
    assert read.key is None or read.key.ticket_id
    assert CallKey.parse(note) is None or CallKey.parse(note) == CallKey.parse(note)
    assert raises_noted([note, task.get("hs_task_body") or ""]) <= {
        (a, b) for a in ("BAJA", "MEDIA", "ALTA") for b in ("MEDIA", "ALTA", "URGENTE")}


@given(st.dictionaries(st.sampled_from(["firstname", "lastname", "email", "phone",
                                        "mobilephone"]), values))
def test_a_contact_has_a_name_to_show_whatever_it_holds(props: dict[str, Any]):
    contact = contact_from_json({"id": "5", "properties": props})
    assert contact.name and contact.as_json()["id"] == "5"


@given(st.lists(st.tuples(st.from_regex(r"\A[0-9]{1,6}\Z"), st.text(max_size=200)),
                max_size=12))
def test_recurring_problems_group_any_text(whats: list[tuple[str, str]]):
    for _ticket, what in whats:
        assert isinstance(normalised(what), str)
    found = recurring(whats)
    assert all(p.count >= 2 for p in found)
