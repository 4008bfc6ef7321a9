"""The follow-up clock without a server: intervals per priority, business hours, holidays,
DST changes in the portal's zone, the closed-ticket cutoff, the look-ahead and the search
bounds; and the policy file's bad inputs, each reported with its line."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalate.domain.business_hours import BusinessCalendar
from escalate.domain.followup import Clock, Reason
from escalate.domain.policy import Policy
from escalate.domain.priority import Priority
from escalate.domain.records import Ticket
from escalate.errors import InvalidInput
from escalate.policy_file import parse

MEXICO = ZoneInfo("America/Mexico_City")
NEW_YORK = ZoneInfo("America/New_York")
OPTIONS = (("LOW", "Low"), ("MEDIUM", "Medium"), ("HIGH", "High"), ("URGENT", "Urgent"))
OPEN, CLOSED = "2", "4"


def clock(policy: dict[str, object] | None = None, *, hours: float | None = None,
          zone: str | None = "America/Mexico_City", options: tuple[tuple[str, str], ...]
          = OPTIONS) -> Clock:
    return Clock.build("0", {"1", OPEN, "3"}, {CLOSED}, default_hours=48,
                       policy=Policy.model_validate(policy or {}).followup,
                       override_hours=hours, time_zone=zone, priority_options=options)


def ticket(created: datetime, *, priority: str = "MEDIUM", stage: str = OPEN,
           update: datetime | None = None, closed: datetime | None = None) -> Ticket:
    return Ticket(id="7", subject="POL-1 - Ana", pipeline="0", stage=stage, priority=priority,
                  created_at=created, closed_at=closed, last_client_update=update)


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)  # type: ignore[misc]


NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)
OFFICE = {"followup": {"hours": {"URGENTE": 4, "ALTA": 24},
                       "business_hours": {"days": ["lun", "mar", "mié", "jue", "vie"],
                                          "start": "09:00", "end": "18:00"},
                       "holidays": ["2026-12-25", "2027-01-01"]}}


# -- intervals ------------------------------------------------------------------------

def test_without_a_policy_every_priority_waits_48_hours_and_exactly_48_is_not_late():
    plain = clock()
    for option, _label in OPTIONS:
        assert plain.owed(ticket(NOW - timedelta(hours=48), priority=option), NOW) is None
        owed = plain.owed(ticket(NOW - timedelta(hours=48, minutes=1), priority=option), NOW)
        assert owed is not None and owed.reason is Reason.SIN_RESOLVER
        assert owed.hours_waiting == 48.02


def test_each_priority_has_its_own_interval_and_unnamed_ones_keep_the_default():
    rules = clock({"followup": {"hours": {"URGENTE": 4, "ALTA": 24}}})
    five_hours = NOW - timedelta(hours=5)
    assert rules.owed(ticket(five_hours, priority="URGENT"), NOW) is not None
    assert rules.owed(ticket(five_hours, priority="HIGH"), NOW) is None
    assert rules.owed(ticket(NOW - timedelta(hours=25), priority="HIGH"), NOW) is not None
    assert rules.owed(ticket(NOW - timedelta(hours=47), priority="LOW"), NOW) is None
    assert rules.owed(ticket(NOW - timedelta(hours=49), priority="LOW"), NOW) is not None
    assert rules.hours_for(None) == 48


def test_hours_given_on_the_command_line_override_every_priority():
    rules = clock({"followup": {"hours": {"URGENTE": 4, "BAJA": 100}}}, hours=10)
    assert rules.owed(ticket(NOW - timedelta(hours=5), priority="URGENT"), NOW) is None
    assert rules.owed(ticket(NOW - timedelta(hours=11), priority="URGENT"), NOW) is not None
    assert rules.owed(ticket(NOW - timedelta(hours=11), priority="LOW"), NOW) is not None


def test_a_portal_whose_options_are_renamed_still_finds_the_level():
    rules = clock({"followup": {"hours": {"URGENTE": 4}}},
                  options=(("p1", "Baja"), ("p4", "Urgente")))
    assert rules.priority(ticket(NOW, priority="p4")) is Priority.URGENTE
    assert rules.owed(ticket(NOW - timedelta(hours=5), priority="p4"), NOW) is not None


def test_the_last_client_update_restarts_the_wait():
    rules = clock()
    old = NOW - timedelta(hours=100)
    assert rules.owed(ticket(old, update=NOW - timedelta(hours=47)), NOW) is None
    owed = rules.owed(ticket(old, update=NOW - timedelta(hours=49)), NOW)
    assert owed is not None and owed.since == NOW - timedelta(hours=49)


def test_a_ticket_without_a_create_date_or_an_update_is_never_owed():
    assert clock().owed(Ticket("7", "s", "0", OPEN, "HIGH", None), NOW) is None


def test_tickets_of_another_pipeline_are_ignored():
    other = Ticket("7", "s", "9", OPEN, "HIGH", NOW - timedelta(hours=100))
    assert clock().owed(other, NOW) is None


def test_offsets_do_not_change_the_wait():
    created = (NOW - timedelta(hours=49)).astimezone(timezone(timedelta(hours=-6)))
    owed = clock().owed(ticket(created), NOW)
    assert owed is not None and owed.hours_waiting == 49


# -- business hours -------------------------------------------------------------------

def test_a_weekend_does_not_count():
    rules = clock(OFFICE)
    friday = local(MEXICO, 2026, 11, 20, 17, 0)  # one business hour left on Friday
    urgent = ticket(friday, priority="URGENT")
    assert rules.elapsed(friday, local(MEXICO, 2026, 11, 23, 10, 0)) == timedelta(hours=2)
    assert rules.owed(urgent, local(MEXICO, 2026, 11, 23, 11, 59)) is None
    owed = rules.owed(urgent, local(MEXICO, 2026, 11, 23, 12, 30))
    assert owed is not None and owed.hours_waiting == 4.5


def test_an_incidents_client_waits_like_any_other_in_business_and_calendar_hours():
    rules = clock(OFFICE)
    closed_on = local(MEXICO, 2026, 11, 20, 17, 0)  # Friday, one business hour left
    monday = local(MEXICO, 2026, 11, 23, 12, 0)
    incident = ticket(closed_on - timedelta(days=1), stage=CLOSED, closed=closed_on)
    member = ticket(closed_on - timedelta(days=2))
    owed = rules.owed_for_incident(member, incident, monday)
    alone = rules.owed(ticket(closed_on - timedelta(days=1), stage=CLOSED, closed=closed_on),
                       monday)
    assert owed is not None and alone is not None
    assert (owed.hours_waiting, owed.calendar_hours, owed.business) == (4, 67, True)
    assert owed.wait_label() == alone.wait_label()
    elsewhere = Ticket(**{**vars(member), "pipeline": "9"})  # another pipeline: not ours
    assert rules.owed_for_incident(elsewhere, incident, monday) is None


def test_a_holiday_does_not_count():
    rules = clock(OFFICE)
    thursday = local(MEXICO, 2026, 12, 24, 17, 0)  # Friday 25 is Christmas
    monday = local(MEXICO, 2026, 12, 28, 10, 0)
    assert rules.elapsed(thursday, monday) == timedelta(hours=2)
    assert rules.owed(ticket(thursday, priority="URGENT"), monday) is None


def test_a_ticket_created_outside_business_hours_starts_waiting_when_the_office_opens():
    rules = clock(OFFICE)
    saturday_night = local(MEXICO, 2026, 11, 21, 22, 0)
    assert rules.elapsed(saturday_night, local(MEXICO, 2026, 11, 23, 9, 0)) == timedelta(0)
    assert rules.elapsed(saturday_night, local(MEXICO, 2026, 11, 23, 11, 0)) == timedelta(
        hours=2)
    evening = local(MEXICO, 2026, 11, 23, 20, 0)  # Monday after closing
    assert rules.elapsed(evening, local(MEXICO, 2026, 11, 24, 9, 30)) == timedelta(minutes=30)


def test_exactly_the_interval_in_business_hours_is_not_yet_late():
    rules = clock(OFFICE)
    monday = local(MEXICO, 2026, 11, 23, 9, 0)
    urgent = ticket(monday, priority="URGENT")
    assert rules.owed(urgent, local(MEXICO, 2026, 11, 23, 13, 0)) is None
    assert rules.owed(urgent, local(MEXICO, 2026, 11, 23, 13, 1)) is not None
    # 24 business hours from Monday 09:00 are 9 + 9 + 6: Wednesday 15:00.
    high = ticket(monday, priority="HIGH")
    assert rules.owed(high, local(MEXICO, 2026, 11, 25, 15, 0)) is None
    assert rules.owed(high, local(MEXICO, 2026, 11, 25, 15, 1)) is not None


def test_business_hours_follow_the_portals_time_zone_not_utc():
    tokyo = clock(OFFICE, zone="Asia/Tokyo")
    mexico = clock(OFFICE)
    moment = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)  # Monday 10:00 in Tokyo
    start = datetime(2026, 11, 23, 0, 0, tzinfo=timezone.utc)
    assert tokyo.elapsed(start, moment) == timedelta(hours=1)
    assert mexico.elapsed(start, moment) == timedelta(0)  # Sunday evening in Mexico City
    assert clock(OFFICE, zone="Nowhere/Atlantis").calendar is not None  # unknown: UTC


def test_a_dst_change_inside_the_window_makes_that_day_shorter_or_longer():
    every_day = {"followup": {"business_hours": {
        "days": ["lun", "mar", "mie", "jue", "vie", "sab", "dom"],
        "start": "00:00", "end": "12:00"}}}
    york = clock(every_day, zone="America/New_York")
    # Spring forward on Sunday 8 March 2026 at 02:00: that morning has 11 hours.
    before = local(NEW_YORK, 2026, 3, 7, 12, 0)
    after = local(NEW_YORK, 2026, 3, 9, 0, 0)
    assert york.elapsed(before, after) == timedelta(hours=11)
    # Fall back on Sunday 1 November 2026: 13 hours.
    assert york.elapsed(local(NEW_YORK, 2026, 10, 31, 12, 0),
                        local(NEW_YORK, 2026, 11, 2, 0, 0)) == timedelta(hours=13)
    # Mexico City still had DST in 2022: 3 April 2022 lost an hour there.
    old_mexico = clock(every_day, zone="America/Mexico_City")
    assert old_mexico.elapsed(local(MEXICO, 2022, 4, 2, 12, 0),
                              local(MEXICO, 2022, 4, 4, 0, 0)) == timedelta(hours=11)


def test_office_hours_across_a_dst_change_stay_nine_to_six_local():
    rules = clock(OFFICE, zone="America/New_York")
    friday = local(NEW_YORK, 2026, 3, 6, 18, 0)
    monday = local(NEW_YORK, 2026, 3, 9, 10, 0)  # now on EDT
    assert rules.elapsed(friday, monday) == timedelta(hours=1)
    assert rules.elapsed(local(NEW_YORK, 2026, 3, 9, 9, 0),
                         local(NEW_YORK, 2026, 3, 9, 18, 0)) == timedelta(hours=9)


# -- closed tickets, look-ahead, search bounds ----------------------------------------

def test_a_ticket_closed_60_days_ago_is_no_longer_owed_but_one_closed_29_days_ago_is():
    rules = clock()
    created = NOW - timedelta(days=90)
    long_ago = ticket(created, stage=CLOSED, closed=NOW - timedelta(days=60))
    recent = ticket(created, stage=CLOSED, closed=NOW - timedelta(days=29))
    assert rules.owed(long_ago, NOW) is None
    owed = rules.owed(recent, NOW)
    assert owed is not None and owed.reason is Reason.RESUELTO_SIN_AVISAR
    told = ticket(created, stage=CLOSED, closed=NOW - timedelta(days=2),
                  update=NOW - timedelta(days=1))
    assert rules.owed(told, NOW) is None
    # an update before the close does not count: the client has not heard of it
    before = ticket(created, stage=CLOSED, closed=NOW - timedelta(hours=5),
                    update=NOW - timedelta(hours=10))
    assert rules.owed(before, NOW) is not None


def test_due_soon_looks_24_hours_ahead_at_the_tickets_own_interval():
    rules = clock({"followup": {"hours": {"URGENTE": 4}}})
    assert rules.due_soon(ticket(NOW - timedelta(hours=30)), NOW)
    assert not rules.due_soon(ticket(NOW - timedelta(hours=20)), NOW)
    assert not rules.due_soon(ticket(NOW - timedelta(hours=50)), NOW)  # already owed
    assert rules.due_soon(ticket(NOW - timedelta(hours=1), priority="URGENT"), NOW)


def test_the_search_bounds_come_from_the_clock():
    rules = clock({"followup": {"hours": {"URGENTE": 4, "ALTA": 24}}})
    window = rules.search_window(NOW)
    assert window.open_anchor_before == NOW + timedelta(hours=24) - timedelta(hours=4)
    assert window.closed_since == NOW - timedelta(days=30)
    assert clock().search_window(NOW).open_anchor_before == NOW - timedelta(hours=24)


@settings(max_examples=300, deadline=None)
@given(hours_ago=st.floats(min_value=0, max_value=24 * 20), update_ago=st.none() | st.floats(
    min_value=0, max_value=24 * 20), priority=st.sampled_from([o for o, _ in OPTIONS]),
    now_offset=st.integers(min_value=0, max_value=24 * 14 * 4))
def test_every_ticket_owed_or_due_soon_is_inside_the_search_bounds(
        hours_ago: float, update_ago: float | None, priority: str, now_offset: int) -> None:
    rules = clock(OFFICE)
    now = NOW + timedelta(minutes=15 * now_offset)
    item = ticket(now - timedelta(hours=hours_ago), priority=priority,
                  update=None if update_ago is None else now - timedelta(hours=update_ago))
    if rules.owed(item, now) is not None or rules.due_soon(item, now):
        anchor = rules.anchor(item)
        assert anchor is not None and anchor < rules.search_window(now).open_anchor_before


@settings(max_examples=300, deadline=None)
@given(start=st.datetimes(min_value=datetime(2021, 1, 1), max_value=datetime(2027, 12, 31),
                          timezones=st.just(NEW_YORK)),
       first=st.integers(min_value=0, max_value=60 * 24 * 40),
       second=st.integers(min_value=0, max_value=60 * 24 * 40))
def test_business_time_adds_up_and_never_exceeds_the_clocks(start: datetime, first: int,
                                                             second: int) -> None:
    calendar = BusinessCalendar((1, 2, 3, 4, 5), time(9), time(18), {date(2026, 12, 25)},
                                NEW_YORK)
    middle = start + timedelta(minutes=first)
    end = middle + timedelta(minutes=second)
    whole = calendar.elapsed(start, end)
    assert whole == calendar.elapsed(start, middle) + calendar.elapsed(middle, end)
    assert timedelta(0) <= whole <= end - start
    assert calendar.elapsed(end, start) == timedelta(0)


def test_a_working_week_is_five_days_of_nine_hours_and_a_holiday_takes_one():
    calendar = BusinessCalendar((1, 2, 3, 4, 5), time(9), time(18), set(), MEXICO)
    monday = local(MEXICO, 2026, 11, 23, 0, 0)
    assert calendar.elapsed(monday, monday + timedelta(days=7)) == timedelta(hours=45)
    christmas = BusinessCalendar((1, 2, 3, 4, 5), time(9), time(18), {date(2026, 12, 25)},
                                 MEXICO)
    week = local(MEXICO, 2026, 12, 21, 0, 0)
    assert christmas.elapsed(week, week + timedelta(days=7)) == timedelta(hours=36)
    # a moment inside the day counts from it; one after closing counts nothing that day
    assert calendar.elapsed(local(MEXICO, 2026, 11, 23, 17, 30),
                            local(MEXICO, 2026, 11, 24, 9, 30)) == timedelta(hours=1)


def test_the_client_waited_past_the_promise_when_any_gap_between_updates_was_too_long():
    rules = clock({"followup": {"hours": {"ALTA": 24}}})
    created = NOW - timedelta(hours=100)
    steady = [created + timedelta(hours=h) for h in (20, 40, 60, 80)]
    assert not rules.waited_past(Priority.ALTA, created, steady, created + timedelta(hours=95))
    assert rules.waited_past(Priority.ALTA, created, steady, created + timedelta(hours=105))
    assert rules.waited_past(Priority.ALTA, created, [created + timedelta(hours=30)],
                             created + timedelta(hours=31))
    assert not rules.waited_past(Priority.BAJA, created, [], created + timedelta(hours=48))


# -- the policy file's bad inputs: exit 2, with the line ------------------------------

@pytest.mark.parametrize(("text", "line", "words"), [
    ("[followup]\nhours = { URGENTE = -4, ALTA = 24 }\n", 2, "mayores que 0"),
    ("# equipo\n[followup]\nhours = { ALTA = 0 }\n", 3, "mayores que 0"),
    ("[bump]\nafter_hours = { BAJA = 72, URGENTE = 4 }\n", 2, "URGENTE es el nivel más alto"),
    ("[bump]\nafter_hours = { urgent = 4 }\n", 2, "URGENTE es el nivel más alto"),
    ("[bump]\nafter_hours = { MEDIA = -1 }\n", 2, "mayores que 0"),
    ('[followup]\nbusiness_hours = { days = ["lun"], start = "18:00", end = "09:00" }\n', 2,
     "cierre debe ser posterior"),
    ('[followup]\nbusiness_hours = { days = ["lun", "funday"] }\n', 2, "día desconocido «funday»"),
    ('\n\n[followup]\nholidays = ["2026-12-25", "navidad"]\n', 4,
     "«navidad» no es una fecha"),
    ('[followup]\nholidays = ["2026-13-25"]\n', 2, "no es una fecha"),
])
def test_a_bad_policy_names_the_problem_and_its_line(text: str, line: int, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse(text, Path("escalate.toml"))
    assert caught.value.exit_code == 2
    [problem] = caught.value.problems
    assert f"escalate.toml, línea {line}" in problem and words in problem


def test_every_problem_of_a_policy_is_reported_at_once_with_its_line() -> None:
    text = ('[matrix]\nALTA = "no-es-correo"\nSUPER = "x@aseguradora.example"\n'
            '[followup]\nhours = { URGENTE = "cuatro" }\n'
            '[bump]\nafter_hours = { URGENTE = 4, BAJA = -1 }\n')
    with pytest.raises(InvalidInput) as caught:
        parse(text, Path("escalate.toml"))
    problems = caught.value.problems
    expected = [("línea 2", "no es un correo válido"), ("línea 3", "clave desconocida"),
                ("línea 5", "número de horas"), ("línea 7", "mayores que 0"),
                ("línea 7", "URGENTE es el nivel más alto")]
    for line, words in expected:
        assert any(line in p and words in p for p in problems), (line, words, problems)
    assert len(problems) == len(expected)


def test_a_good_policy_reads_days_hours_and_holidays():
    policy = parse('[followup]\nhours = { URGENT = 4, alta = 24 }\n'
                   'business_hours = { days = ["Lunes", "MIÉ", "vie"], start = "8:30", '
                   'end = "17:00" }\nholidays = ["2026-12-25"]\n'
                   '[bump]\nafter_hours = { BAJA = 72, MEDIA = 48, ALTA = 24 }\n',
                   Path("escalate.toml"))
    assert policy.followup.hours_for(Priority.URGENTE, 48) == 4
    assert policy.followup.hours_for(Priority.BAJA, 48) == 48
    assert policy.followup.business_hours.days == (1, 3, 5)
    assert policy.followup.business_hours.start == time(8, 30)
    assert policy.followup.holidays == (date(2026, 12, 25),)
    assert policy.bump.after(Priority.MEDIA) == 48 and policy.bump.after(Priority.URGENTE) is None


# -- followup with the policy's intervals, end to end ---------------------------------

def test_followup_uses_each_prioritys_interval_and_hours_override_them_all(cli, sandbox):
    from .test_bump import seed as seed_tickets

    (cli.cwd / "escalate.toml").write_text("[followup]\nhours = { URGENTE = 4 }\n",
                                           encoding="utf-8")
    urgent, high = seed_tickets(sandbox, {"priority": "URGENT", "created": 5},
                                {"priority": "HIGH", "created": 5})
    listed = cli("followup", "--todos", "--json")
    assert listed.code == 0, listed.err
    assert [r["id"] for r in listed.json()] == [urgent]
    assert cli("followup", "--todos", "--horas", "10", "--json").json() == []
    both = cli("followup", "--todos", "--horas", "3", "--json").json()
    # most overdue first: the same wait, so by ticket id
    assert [r["id"] for r in both] == sorted([urgent, high])
