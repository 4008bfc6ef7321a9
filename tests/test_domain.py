"""The domain without a server: validation, the ticket's text, priorities, emails.

The follow-up clock has its own suite, tests/test_clock.py."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalate.domain.escalation import Escalation, Rules
from escalate.domain.followup import waited
from escalate.domain.limits import MAX_TEXT
from escalate.domain.priority import Priority
from escalate.domain.text import clean
from escalate.errors import InvalidInput

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=timezone.utc)
GOOD = {"policy": " pol-1001 ", "client_name": " Ana   López ", "email": "ana@example.com",
        "priority": "alta", "what": "No guarda", "how": "Guardar", "where": "Web"}


def build(**changes: object) -> Escalation:
    return Escalation.build({**GOOD, **changes}, Rules(), NOW)


def problems(**changes: object) -> list[str]:
    """Each problem as `field: message` (the domain keys problems by field, never by flag)."""
    with pytest.raises(InvalidInput) as caught:
        build(**changes)
    return [f"{field}: {message}" for field, message in caught.value.fields.items()]


def test_subject_is_policy_upper_cased_and_name_with_single_spaces():
    assert build().subject() == "POL-1001 - Ana López"


def test_priorities_accept_spanish_english_any_case_and_accents():
    for text, expected in [("baja", "BAJA"), ("LOW", "BAJA"), ("Médium", "MEDIA"),
                           ("urgént", "URGENTE"), ("HIGH", "ALTA")]:
        assert Priority.parse(text).value == expected


def test_priority_maps_onto_portal_options_by_value_then_label():
    assert Priority.URGENTE.portal_option([("LOW", "Low"), ("URGENT", "Urgent")]) == "URGENT"
    assert Priority.URGENTE.portal_option([("p4", "Urgente")]) == "p4"
    assert Priority.URGENTE.portal_option([("LOW", "Low")]) is None


def test_phone_is_normalised_in_the_configured_region():
    assert build(phone="(55) 1234-5678", email=None).phone == "+525512345678"
    colombian = Escalation.build({**GOOD, "phone": "300 123 4567"},
                                 Rules(phone_region="CO"), NOW)
    assert colombian.phone == "+573001234567"


def test_one_of_email_or_phone_is_required():
    assert any(p.startswith("contact") for p in problems(email=None))


def test_descriptions_cannot_be_blank_or_placeholders():
    for value in ("   ", "...", "N/A", "xxx", "-"):
        assert any(p.startswith("what") for p in problems(what=value)), value


def test_names_allow_accents_apostrophes_hyphens_and_dots_only():
    assert build(client_name="María-José O'Neil Jr.").client_name == "María-José O'Neil Jr."
    assert any(p.startswith("client_name") for p in problems(client_name="12345"))
    assert any(p.startswith("client_name") for p in problems(client_name="A"))


def test_terminal_escapes_never_survive_in_any_field():
    escalation = build(what="Pantalla \x1b[31mroja\x1b[0m\x07 y 😀", client_name="Ana\x1b[2J López")
    assert escalation.what == "Pantalla roja y 😀"
    assert escalation.client_name == "Ana López"
    bad = problems(client_name="Ana\x1b]0;título\x07 López 💥")
    assert "\x1b" not in " ".join(bad)


def test_requested_changes_are_listed_in_the_content():
    content = build(changes=["placa=ABC-123", "color = rojo"]).content()
    assert "CAMBIOS SOLICITADOS:\n- placa: ABC-123\n- color: rojo" in content
    assert any(p.startswith("changes") for p in problems(changes=["placa"]))


def test_dates_are_timezone_aware_and_never_in_the_future():
    assert build().created_at == NOW
    assert build(created_at="2026-11-20T10:00:00Z").created_at.tzinfo is not None
    assert any("futuro" in p for p in problems(created_at="2026-12-01T00:00:00Z"))
    assert any(p.startswith("created_at") for p in problems(created_at="ayer"))


def test_content_over_hubspots_limit_is_refused_naming_the_field():
    [message] = problems(how="paso " * 20_000)
    assert "65.536" in message and message.startswith("how")


def test_the_model_round_trips_through_its_own_dump():
    escalation = build(changes=["placa=X1"], channel="whatsapp", phone="5512345678")
    again = Escalation.build(escalation.as_json(), Rules(), NOW)
    assert again == escalation


def test_a_custom_policy_pattern_is_enforced():
    rules = Rules(policy_pattern=re.compile(r"^\d{8}$"))
    with pytest.raises(InvalidInput):
        Escalation.build(GOOD, rules, NOW)
    assert Escalation.build({**GOOD, "policy": "12345678"}, rules, NOW).policy == "12345678"


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({
    key: st.one_of(st.none(), st.text(max_size=80))
    for key in ("policy", "client_name", "email", "phone", "priority", "what", "how", "where",
                "when", "channel", "created_at")
} | {"changes": st.lists(st.text(max_size=30), max_size=3)}))
def test_arbitrary_text_gives_a_valid_ticket_or_a_validation_error(data):
    try:
        escalation = Escalation.build(data, Rules(), NOW)
    except InvalidInput as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
        assert not any("\x1b" in p for p in exc.problems)
        return
    assert len(escalation.content()) <= MAX_TEXT
    assert escalation.subject().startswith(escalation.policy + " - ")
    assert "\x1b" not in escalation.content() + escalation.subject()


@given(st.text())
def test_cleaning_is_idempotent_and_strips_controls(text):
    once = clean(text, multiline=True)
    assert clean(once, multiline=True) == once
    assert not any(ord(c) < 32 and c not in "\n\t" for c in once)


def test_waits_read_in_spanish():
    assert waited(76) == "hace 3 d 4 h" and waited(5) == "hace 5 h" and waited(0.3) == "hace 18 min"


_LABEL = st.text("abcXYZ019-", min_size=1, max_size=8)
_LOCAL = st.text("abcXYZ019_+.-", min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    st.builds(lambda local, labels, tld: f"{local}@{'.'.join(labels)}.{tld}", _LOCAL,
              st.lists(_LABEL, min_size=1, max_size=3),
              st.sampled_from(["com", "MX", "test", "local", "org", "c", "co1", "example"])),
    st.text(max_size=40)))
def test_the_plain_email_path_agrees_with_email_validator(text):
    from email_validator import EmailNotValidError, validate_email

    from escalate.domain.addresses import normalise_email

    try:
        expected = str(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError:
        expected = None
    assert normalise_email(text) == expected


def test_the_channels_the_options_name_are_the_domains():
    from escalate.cli.fields import CHANNEL_NAMES
    from escalate.domain.escalation import Channel

    assert re.split(r", | o ", CHANNEL_NAMES) == [c.value for c in Channel]


def test_a_bump_note_names_its_raise_and_is_read_back():
    from escalate.domain.bump import Raise, raises_noted

    made = Raise("7", "POL-1 - Ana", Priority.MEDIA, Priority.ALTA, NOW, 49.5)
    assert made.note() == "Prioridad subida de MEDIA a ALTA: 49 h sin resolver"
    assert raises_noted([f"<p>{made.note()}</p>", "otra nota"]) == {("MEDIA", "ALTA")}
    assert raises_noted(["Prioridad subida de URGENTE a BAJA"]) == set()


def test_each_priority_has_one_colour_for_the_terminal_and_the_report():
    assert [p.colour for p in Priority] == ["green", "yellow", "dark_orange", "red"]
    assert len({p.html_colour for p in Priority}) == 4


def test_a_description_without_sections_has_none_instead_of_failing():
    from escalate.domain.report import sections

    assert sections("") == {} and sections("texto libre") == {}
    assert sections("QUÉ: a\nDÓNDE: b") == {"QUÉ": "a", "DÓNDE": "b"}
