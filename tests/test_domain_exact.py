"""The domain's exact answers, where a near miss would still pass a looser test: the
ticket's description word for word, each boundary on its right side, each message's
words. Written against the mutants `mutmut` found surviving (docs/architecture.md,
"Mutation testing"). Pure: no sandbox."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from escalate.domain.escalation import Change, Escalation, Rules, check_field
from escalate.domain.followup import Clock, Owed, Reason, overdue_order, waited
from escalate.domain.moments import epoch_ms, parse_iso, parse_time
from escalate.domain.priority import Priority
from escalate.domain.records import Contact, Pipeline, Stage, Ticket
from escalate.domain.text import clean, shown
from escalate.errors import InvalidInput

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=timezone.utc)
GOOD = {"policy": "POL-1001", "client_name": "Ana López", "email": "ana@example.com",
        "priority": "ALTA", "what": "No guarda", "how": "Guardar", "where": "Web"}


def build(**changes: object) -> Escalation:
    return Escalation.build({**GOOD, **changes}, Rules(), NOW)


def problems(**changes: object) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        build(**changes)
    return caught.value.fields


# -- the ticket's description, word for word ----------------------------------------------

def test_the_description_has_every_section_in_the_guides_order():
    full = build(what="La app cierra\n  la sesión", when="Ayer 10:00",
                 changes=["placa=ABC1234", "color=rojo"], channel="whatsapp")
    assert full.content() == (
        "QUÉ:\nLa app cierra\n  la sesión\n\nCÓMO:\nGuardar\n\nDÓNDE:\nWeb\n\n"
        "CUÁNDO:\nAyer 10:00\n\nCAMBIOS SOLICITADOS:\n- placa: ABC1234\n- color: rojo\n\n"
        "CANAL:\nWhatsApp")
    bare = build()
    assert bare.content().endswith("CUÁNDO:\nNo indicado\n\nCAMBIOS SOLICITADOS:\nNinguno\n\n"
                                   "CANAL:\nNo indicado")
    dated = bare.content(with_creation_date=True)
    assert dated == bare.content() + "\n\nFECHA DE CREACIÓN INDICADA:\n2026-11-22T15:00:00+00:00"


def test_the_json_form_reads_back_to_the_same_escalation():
    made = build(changes=["placa=ABC1234"], channel="chat", when="ayer", phone="5512345678")
    assert Escalation.from_json(made.as_json()) == made
    assert made.as_json()["channel"] == "chat" and build().as_json()["channel"] is None
    for missing in ("policy", "created_at"):
        with pytest.raises(ValueError):
            Escalation.from_json({**made.as_json(), missing: None})


# -- each field's check, at its boundary, with its words ------------------------------------

def test_a_missing_required_value_is_named_with_its_field():
    data = {k: v for k, v in GOOD.items() if k != "how"}
    with pytest.raises(InvalidInput) as caught:
        Escalation.build(data, Rules(), NOW)
    assert caught.value.fields == {"how": "falta este dato"}


def test_messages_start_with_a_capital_and_keep_the_rest():
    assert problems(client_name="A")["client_name"] == (
        "El nombre debe tener entre 2 y 100 caracteres")
    assert check_field("priority", "pronto", Rules(), NOW) == (
        "Prioridad desconocida «pronto»: use BAJA, MEDIA, ALTA o URGENTE")


def test_a_name_of_two_letters_or_a_hundred_characters_passes_one_more_does_not():
    assert build(client_name="Al").client_name == "Al"
    assert build(client_name="A" * 100).client_name == "A" * 100
    assert "client_name" in problems(client_name="A" * 101)


def test_the_internal_id_must_be_32_hex_characters_and_text():
    assert problems(escalate_id="xyz")["escalate_id"] == "Identificador interno no válido"
    assert problems(escalate_id=7)["escalate_id"] == "Valor no válido"
    assert problems(what=7)["what"] == "Se esperaba texto"


def test_the_policy_message_shows_the_default_shape_or_the_teams():
    default = problems(policy="P#")["policy"]
    assert "letras, números, «-» o «/», de 3 a 40, por ejemplo POL-1001" in default
    import re

    with pytest.raises(InvalidInput) as caught:
        Escalation.build({**GOOD, "policy": "POL-1"}, Rules(policy_pattern=re.compile("^X")),
                         NOW)
    assert "la forma de las pólizas que configuró su equipo" in caught.value.fields["policy"]


def test_a_date_five_minutes_ahead_passes_and_the_year_2000_is_the_first():
    assert build(created_at=(NOW + timedelta(minutes=5)).isoformat()).created_at == (
        NOW + timedelta(minutes=5))
    assert "en el futuro" in problems(created_at=(NOW + timedelta(minutes=6)).isoformat())[
        "created_at"]
    assert build(created_at="2000-01-01T00:00:00+00:00").created_at.year == 2000
    assert problems(created_at="1999-12-31T23:59:00+00:00")["created_at"] == (
        "La fecha 1999-12-31 es anterior a 2000-01-01")
    mexico = Escalation.build({**GOOD, "created_at": "2026-11-20T10:00"},
                              Rules(time_zone="America/Mexico_City"), NOW)
    assert mexico.created_at.utcoffset() == timedelta(hours=-6)
    given = datetime(2026, 11, 1, tzinfo=timezone.utc)
    assert build(created_at=given).created_at == given


def test_descriptions_keep_their_lines_and_when_is_optional():
    made = build(how="Paso 1\nPaso 2", when="ayer\npor la tarde")
    assert made.how == "Paso 1\nPaso 2" and made.when == "ayer\npor la tarde"
    assert build(when="   ").when is None


def test_a_change_keeps_an_equals_sign_in_its_value_and_needs_both_sides():
    assert Change.parse("clave=a=b") == Change("clave", "a=b")
    for bad in ("=valor", "campo=", "sin signo"):
        with pytest.raises(ValueError, match="no tiene la forma campo=valor"):
            Change.parse(bad)
    made = build(changes=[Change("placa", "X1"), {"field": "color", "value": "rojo"}])
    assert made.changes == (Change("placa", "X1"), Change("color", "rojo"))
    assert build(changes="placa=X1").changes == (Change("placa", "X1"),)
    assert problems(changes=[{"campo": "x"}])["changes"] == "Se esperaba campo=valor"
    assert problems(changes=["malo"])["changes"].startswith("«malo» no tiene la forma")


def test_a_channel_may_be_blank_or_given_as_the_enum():
    from escalate.domain.escalation import Channel

    assert build(channel="  ").channel is None
    assert build(channel=Channel.WEB).channel is Channel.WEB
    assert problems(channel="fax")["channel"] == (
        "Canal desconocido «fax»: use telefono, correo, chat, whatsapp, redes, web")


def test_a_description_of_the_same_character_is_a_placeholder_two_are_not():
    assert "what" in problems(what="aaaa")
    assert build(what="ab").what == "ab"
    assert "what" in problems(what="N/A.")


def test_the_description_may_fill_hubspots_limit_exactly():
    from escalate.domain.limits import MAX_TEXT

    frame = len(build(what="x y").content()) - len("x y")
    exact = "x" + " " * (MAX_TEXT - frame - 2) + "y"
    assert len(build(what=exact).content()) == MAX_TEXT
    assert "what" in problems(what=exact + "z")


# -- text and moments --------------------------------------------------------------------------

def test_text_keeps_indentation_and_lines_only_where_asked_and_is_shortened_at_its_limit():
    assert clean("a\n  b", multiline=True) == "a\n  b"
    assert clean("a\n  b") == "a b"
    assert shown("x" * 10, 10) == "x" * 10
    assert shown("x" * 11, 10) == "x" * 9 + "…"


def test_moments_read_z_epoch_ms_and_a_given_zone():
    assert parse_iso("2026-11-20T10:00Z") == datetime(2026, 11, 20, 10, tzinfo=timezone.utc)
    assert parse_iso("2026-11-20T10:00+01:00").utcoffset() == timedelta(hours=1)
    local = timezone(timedelta(hours=-6))
    assert parse_iso("2026-11-20T10:00", local).utcoffset() == timedelta(hours=-6)
    assert parse_time("1763632800000") == datetime(2025, 11, 20, 10, tzinfo=timezone.utc)
    assert parse_time("2026-11-20T10:00") == datetime(2026, 11, 20, 10, tzinfo=timezone.utc)
    assert epoch_ms(datetime(2025, 11, 20, 10, tzinfo=timezone.utc)) == "1763632800000"


# -- records and priorities ---------------------------------------------------------------------

def test_records_read_as_json_with_none_for_blanks_and_stages_by_id_or_label():
    assert Contact("1", "Ana", "", "", "", "").as_json() == {
        "id": "1", "name": "Ana", "email": None, "phone": None}
    assert Contact("1", "Ana", "", "a@x.io", "", "55").as_json()["phone"] == "55"
    pipeline = Pipeline("0", "Soporte", (Stage("7", "Tech Issues", False),))
    assert pipeline.stage("7") is pipeline.stage(" tech issues ") is not None
    assert pipeline.stage("8") is None and pipeline.stage("Nuevo") is None


def test_a_portal_option_in_lower_case_is_found_by_its_value():
    assert Priority.ALTA.portal_option([("high", "Alta urgencia")]) == "high"


# -- the follow-up clock at its boundaries -----------------------------------------------------

CLOCK = Clock(pipeline_id="0", open_stages={"1"}, closed_stages={"4"}, hours=48)


def ticket(stage: str = "1", created: float = 72, update: float | None = None,
           closed: float | None = None, ticket_id: str = "1") -> Ticket:
    def ago(hours: float | None) -> datetime | None:
        return None if hours is None else NOW - timedelta(hours=hours)

    return Ticket(id=ticket_id, subject="s", pipeline="0", stage=stage, priority="HIGH",
                  created_at=ago(created), closed_at=ago(closed),
                  last_client_update=ago(update))


def test_a_closed_ticket_whose_client_heard_at_the_close_is_not_owed():
    assert CLOCK.owed(ticket("4", closed=5, update=5), NOW) is None
    owed = CLOCK.owed(ticket("4", closed=5), NOW)
    assert owed is not None and owed.ticket.id == "1"
    assert owed.since == NOW - timedelta(hours=5) and owed.hours_waiting == 5
    edge = ticket("4", closed=CLOCK.closed_lookback.total_seconds() / 3600)
    assert CLOCK.owed(edge, NOW) is not None  # exactly at the cutoff: still owed
    closed_at = ticket("4")
    entered = Ticket("1", "s", "0", "4", "HIGH", NOW - timedelta(hours=72),
                     properties={"hs_v2_date_entered_4": epoch_ms(NOW - timedelta(hours=3))})
    assert CLOCK.closed_at(entered) == NOW - timedelta(hours=3)
    assert CLOCK.closed_at(closed_at) is None


def test_due_soon_at_its_edges():
    at_interval = ticket(created=48)
    assert CLOCK.due_soon(at_interval, NOW)  # exactly due: not owed yet, due soon
    assert not CLOCK.due_soon(ticket(created=24), NOW)  # due exactly at the look-ahead's end
    assert CLOCK.due_soon(ticket(created=10), NOW, within=timedelta(hours=40))
    assert not CLOCK.due_soon(ticket(stage="4", created=30), NOW)
    other = Ticket("1", "s", "9", "1", "HIGH", NOW - timedelta(hours=30))
    assert not CLOCK.due_soon(other, NOW)
    assert not CLOCK.due_soon(Ticket("1", "s", "0", "1", "HIGH", None), NOW)


def test_the_most_overdue_comes_first_then_by_ticket():
    def owed(ticket_id: str, hours: float) -> Owed:
        return Owed(ticket(ticket_id=ticket_id), Reason.SIN_RESOLVER, NOW, hours, hours, False)

    order = sorted([owed("2", 5), owed("1", 50), owed("3", 50)], key=overdue_order)
    assert [o.ticket.id for o in order] == ["1", "3", "2"]


def test_the_longest_wait_after_a_moment_is_rounded_as_an_owed_calls():
    later = NOW - timedelta(hours=10, seconds=20)
    assert CLOCK.longest_wait(later, NOW) == 10.01
    assert CLOCK.longest_wait(NOW + timedelta(hours=1), NOW) == 0.0


def test_waits_read_in_minutes_below_an_hour():
    assert waited(59.4 / 60) == "hace 59 min"
    assert waited(1) == "hace 1 h"
    assert waited(0) == "hace 0 min"


def test_a_wait_of_exactly_the_interval_kept_the_promise():
    created = NOW - timedelta(hours=100)
    at_interval = [created + timedelta(hours=48)]
    assert not CLOCK.waited_past(Priority.ALTA, created, at_interval, created + timedelta(
        hours=96))
    assert CLOCK.waited_past(Priority.ALTA, created, [], created + timedelta(hours=49))
    assert CLOCK.waited_past(Priority.ALTA, created, [created + timedelta(hours=49)],
                             created + timedelta(hours=50))
    assert not CLOCK.waited_past(Priority.ALTA, created, [created], created + timedelta(
        hours=48))


# -- emails at the limits the fast path checks itself ---------------------------------------

def slow(address: str) -> str | None:
    """email-validator's own answer (the fast path must agree with it)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(address, check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


@pytest.mark.parametrize("address", [
    "a" * 64 + "@example.com", "a" * 65 + "@example.com",  # the local part's limit
    "a@" + "b" * 63 + ".com", "a@" + "b-" * 31 + "bb.com",  # a label of 63, and of 64
    "a" * 60 + "@" + ".".join(["c" * 61] * 3) + ".com",  # 253 in all, and past it
    "a" * 64 + "@" + ".".join(["c" * 62] * 3) + ".co",
    "a@" + ".".join(["d" * 63] * 3) + "." + "e" * 61 + ".io",  # a domain of 253 and more
    "a@" + ".".join(["d" * 63] * 3) + "." + "e" * 62 + ".io",
    "ana@example.test", "ana@Example.COM",
])
def test_the_fast_path_agrees_with_email_validator_at_every_limit(address: str):
    from escalate.domain.addresses import normalise_email

    assert normalise_email(address) == slow(address)


def test_a_users_email_is_lower_case_and_trimmed():
    from escalate.domain.addresses import user_email

    assert user_email("  Ana.Agente@Example.COM ") == "ana.agente@example.com"
    assert user_email("no es un correo") is None


def test_hubspot_values_name_their_level_in_any_case():
    assert Priority.from_hubspot("high") is Priority.ALTA
    assert Priority.from_hubspot("URGENT") is Priority.URGENTE
    assert Priority.from_hubspot(None) is None and Priority.from_hubspot("x") is None
    plain = Clock(pipeline_id="0", open_stages={"1"}, closed_stages=set(), hours=48)
    assert plain.level("HIGH") is Priority.ALTA  # no portal options known: HubSpot's values


def test_checking_one_field_uses_the_teams_rules_and_the_commands_clock():
    import re

    team = Rules(policy_pattern=re.compile(r"^X-\d+$"))
    assert check_field("policy", "X-12", team, NOW) is None
    assert check_field("policy", "POL-1", team, NOW) is not None
    later = (NOW + timedelta(hours=1)).isoformat()
    assert check_field("created_at", later, Rules(), NOW + timedelta(hours=2)) is None
    assert check_field("created_at", later, Rules(), NOW) is not None


def test_the_json_form_leaves_blank_values_blank():
    data = {**build().as_json(), "email": "", "phone": 7, "when": None, "channel": ""}
    made = Escalation.from_json(data)
    assert (made.email, made.phone, made.when, made.channel) == (None, None, None, None)


def test_times_without_an_offset_are_utc_whatever_the_machines_zone(
        monkeypatch: pytest.MonkeyPatch):
    import time

    monkeypatch.setenv("TZ", "America/Mexico_City")
    time.tzset()
    try:
        assert parse_time("2026-11-20T10:00") == datetime(2026, 11, 20, 10,
                                                          tzinfo=timezone.utc)
        stored = {**build().as_json(), "created_at": "2026-11-20T10:00:00"}
        assert Escalation.from_json(stored).created_at.utcoffset() == timedelta(0)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_without_a_portal_zone_times_are_shown_in_the_machines_zone_of_that_day(
        monkeypatch: pytest.MonkeyPatch):
    """A fixed offset taken from now (CET in winter) showed July's 12:00 UTC as 13:00 CET."""
    import time

    from escalate.cli.when import MachineZone
    from escalate.domain.moments import moment_label

    monkeypatch.setenv("TZ", "Europe/Madrid")
    time.tzset()
    try:
        here = MachineZone()
        july = datetime(2026, 7, 1, 12, tzinfo=timezone.utc).astimezone(here)
        january = datetime(2026, 1, 15, 12, tzinfo=timezone.utc).astimezone(here)
        assert moment_label(july) == "2026-07-01 14:00 CEST, UTC+02:00"
        assert moment_label(january) == "2026-01-15 13:00 CET, UTC+01:00"
        assert july == datetime(2026, 7, 1, 12, tzinfo=timezone.utc)  # the same moment
        # a wall-clock time read in it (the report's --desde) is that day's offset
        assert datetime(2026, 7, 1, 0, 0, tzinfo=here).utcoffset() == timedelta(hours=2)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_elapsed_time_backwards_is_none():
    assert CLOCK.elapsed(NOW, NOW - timedelta(hours=1)) == timedelta(0)


def test_an_update_at_the_creation_or_at_the_end_counts():
    created = NOW - timedelta(hours=100)
    end = created + timedelta(hours=60)
    # the update at `end` restarts the wait: 60 h before it is past the 48 h promise...
    assert CLOCK.waited_past(Priority.ALTA, created, [end], end)
    # ...but an update at the very creation and one at 48 h keep it
    assert not CLOCK.waited_past(Priority.ALTA, created,
                                 [created, created + timedelta(hours=48)],
                                 created + timedelta(hours=90))


@pytest.mark.parametrize("address", [
    "a" * 32 + "." + "a" * 31 + "@example.com",  # a dotted local part of 64...
    "a" * 32 + "." + "a" * 32 + "@example.com",  # ...and of 65
    "a@" + ".".join(["d" * 63] * 3) + "." + "e" * 61,  # a domain of 253...
    "a@" + ".".join(["d" * 63] * 3) + "." + "e" * 62,  # ...and of 254
    "a" * 32 + "." + "a" * 31 + "@" + ".".join(["c" * 63, "c" * 63, "c" * 58]) + ".io",
    "a" * 32 + "." + "a" * 31 + "@" + ".".join(["c" * 63, "c" * 63, "c" * 59]) + ".io",
])
def test_the_fast_path_never_accepts_what_email_validator_refuses(address: str):
    from escalate.domain.addresses import normalise_email

    assert normalise_email(address) == slow(address)


def test_the_policy_files_owners_are_users_emails_under_any_spelling_of_a_level():
    from pathlib import Path

    from escalate.policy_file import parse

    policy = parse('[matrix]\nurgent = "Guardia@Aseguradora.Example"\nALTA = "tl@a.example"\n'
                   '[followup]\nhours = { high = 12 }\n', Path("escalate.toml"))
    assert policy.matrix.route(Priority.URGENTE, "web").owner == "guardia@aseguradora.example"
    assert policy.matrix.route(Priority.ALTA, "web").owner == "tl@a.example"
    assert policy.matrix.route(Priority.BAJA, "web").owner is None
    assert policy.followup.hours_for(Priority.ALTA, 48) == 12
    assert policy.followup.hours_for(None, 48) == 48
    ruled = parse('[matrix]\nALTA = "tl@a.example"\n[[matrix.rules]]\n'
                  'where_contains = ["app"]\nowner = "app@a.example"\n', Path("escalate.toml"))
    assert ruled.matrix.route(Priority.ALTA, "la app móvil").owner == "app@a.example"
    assert ruled.matrix.route(Priority.ALTA, "portal web").owner == "tl@a.example"
    # Whole words, case and accents ignored: «app» is not in «WhatsApp» nor «aplicación».
    for where, owner in (("WhatsApp del cliente", "tl@a.example"),
                         ("la aplicación", "tl@a.example"), ("APP", "app@a.example"),
                         ("app-móvil", "app@a.example"), ("Mi App.", "app@a.example"),
                         ("happy path", "tl@a.example")):
        assert ruled.matrix.route(Priority.ALTA, where).owner == owner, where
    accents = parse('[[matrix.rules]]\nwhere_contains = ["Móvil", "portal  web"]\n'
                    'owner = "m@a.example"\n', Path("escalate.toml"))
    assert accents.matrix.route(Priority.BAJA, "app MOVIL").rule == (
        "regla 1 de [[matrix.rules]]: DÓNDE dice «Móvil»")
    assert accents.matrix.route(Priority.BAJA, "Portal Web, pagos").owner == "m@a.example"
    assert accents.matrix.route(Priority.BAJA, "automóviles").owner is None
    assert ruled.matrix.route(Priority.ALTA, "portal web").rule == "[matrix] ALTA"
    for bad, words in (('URGENTE = "nadie"', "«nadie» no es un correo válido"),
                       ("URGENTE = 7", "se esperaba el correo de un usuario de HubSpot")):
        with pytest.raises(InvalidInput) as caught:
            parse(f"[matrix]\n{bad}\n", Path("escalate.toml"))
        assert words in caught.value.message


def test_an_unreadable_json_form_says_what_is_missing():
    with pytest.raises(ValueError, match="falta policy"):
        Escalation.from_json({**build().as_json(), "policy": None})
    with pytest.raises(ValueError, match="falta la fecha de creación"):
        Escalation.from_json({**build().as_json(), "created_at": "ayer"})
    with pytest.raises(ValueError, match="cambios ilegibles"):
        Escalation.from_json({**build().as_json(), "changes": [{"campo": 1}]})


def test_no_changes_given_as_an_empty_text_is_none():
    assert build(changes="").changes == ()


def test_a_date_without_offset_and_without_a_portal_zone_is_still_aware():
    made = build(created_at="2026-11-20T10:00")
    assert made.created_at.tzinfo is not None


def test_business_days_are_the_portals_whatever_the_machines_zone(
        monkeypatch: pytest.MonkeyPatch):
    import time
    from datetime import time as clock_time
    from zoneinfo import ZoneInfo

    from escalate.domain.business_hours import BusinessCalendar

    tokyo = ZoneInfo("Asia/Tokyo")
    calendar = BusinessCalendar((1, 2, 3, 4, 5), clock_time(9), clock_time(18), set(), tokyo)
    monkeypatch.setenv("TZ", "America/Mexico_City")
    time.tzset()
    try:
        # Monday 08:00 to 10:00 in Tokyo (Sunday evening in Mexico): one working hour.
        start = datetime(2026, 11, 23, 8, tzinfo=tokyo)
        assert calendar.elapsed(start, start + timedelta(hours=2)) == timedelta(hours=1)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_the_answers_an_escalation_stands_for_build_it_again():
    made = build(changes=["placa=ABC1234"], channel="chat", when="ayer", phone="5512345678",
                 created_at="2026-11-20T10:00:00+00:00")
    again = Escalation.from_input(made.as_input(), Rules(), NOW).replace(
        escalate_id=made.escalate_id)
    assert again == made
    assert build().as_input()["channel"] is None
