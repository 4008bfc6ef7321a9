"""Sensitive data in free text: each kind found where it is and masked, the numbers that
look alike left alone, and a property: masked text never holds a card number."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalate.domain.sensitive import (
    CARD,
    CARD_EXPIRY,
    CARD_SECURITY,
    CLABE,
    CURP,
    HEALTH,
    ONE_TIME_CODE,
    PASSWORD,
    PIN,
    RFC,
    mask,
    mask_escalation,
    scan,
)

VISA = "4111111111111111"
CURP_OK = "GODE561231HDFRRN00"  # check digit computed by python-stdnum
RFC_OK = "GODE561231GR8"
CLABE_OK = "032180000118359719"


def luhn(digits: str) -> bool:
    """The test's own Luhn check, independent of the code's."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in scan(text, "what")]


@pytest.mark.parametrize(("text", "found"), [
    (f"Pagó con {VISA} y no aplicó", [(CARD, VISA)]),
    ("tarjeta 4111 1111 1111 1111", [(CARD, "4111 1111 1111 1111")]),
    ("tarjeta 4111-1111-1111-1111.", [(CARD, "4111-1111-1111-1111")]),
    ("amex 3782 822463 10005", [(CARD, "3782 822463 10005")]),
    ("póliza POL-1001 y tarjeta 5555.5555.5555.4444", [(CARD, "5555.5555.5555.4444")]),
    ("13 dígitos 4222222222222", [(CARD, "4222222222222")]),
])
def test_card_numbers_of_13_to_19_digits_passing_luhn_with_any_separators(text, found):
    assert kinds(text) == found


@pytest.mark.parametrize("text", [
    "Póliza AUT-2026-000123 del cliente", "póliza 0012345678", "folio 123456789012",
    "teléfono 55 1234 5678", "tel +52 1 55 1234 5678", "celular 2225550101",
    "fecha 2026-11-30 10:15", "el 30/11/2026 a las 14:30", "monto $12,345.67",
    "cobró 1,850.00 pesos dos veces", "4111 1111 1111 1112", "serie 3N1AB7AP5KY210001",
    "referencia 1234 5678 9012", "NIV 1HGCM82633A004352", "pagó 1.234.567,89",
])
def test_policy_numbers_phones_dates_and_amounts_are_not_cards(text):
    assert [k for k, _ in kinds(text) if k == CARD] == []


def test_cvv_and_expiry_next_to_a_card_are_found_and_far_away_they_are_not():
    text = f"tarjeta {VISA} vence 12/27 cvv 123"
    assert kinds(text) == [(CARD, VISA), (CARD_EXPIRY, "12/27"), (CARD_SECURITY, "123")]
    bare = f"tarjeta {VISA}, 09/28, 456"
    assert kinds(bare) == [(CARD, VISA), (CARD_EXPIRY, "09/28"), (CARD_SECURITY, "456")]
    far = "El endoso del 12/27 no guarda y el error 456 sigue apareciendo en la pantalla"
    assert kinds(far) == []
    assert kinds("me dio el código de seguridad 321") == [(CARD_SECURITY, "321")]


def test_a_nip_named_next_to_a_card_is_a_nip_not_its_cvv():
    assert kinds(f"tarjeta {VISA} y su NIP 1234") == [(CARD, VISA), (PIN, "1234")]


def test_a_clabe_is_found_by_its_check_digit():
    assert kinds(f"CLABE {CLABE_OK}") == [(CLABE, CLABE_OK)]
    assert kinds("cuenta 032180000118359718") == []  # wrong check digit


@pytest.mark.parametrize(("text", "found"), [
    ("su contraseña es Perro123 y no entra", [(PASSWORD, "Perro123")]),
    ("contraseña: hola", [(PASSWORD, "hola")]),
    ("password=Secreta!9", [(PASSWORD, "Secreta!9")]),
    ("entró con la contraseña Luna2026", [(PASSWORD, "Luna2026")]),
    ("NIP 1234", [(PIN, "1234")]),
    ("su nip es 9876", [(PIN, "9876")]),
    ("me dio el código de verificación 845512", [(ONE_TIME_CODE, "845512")]),
    ("OTP: 442199", [(ONE_TIME_CODE, "442199")]),
])
def test_secrets_after_the_words_that_introduce_them(text, found):
    assert kinds(text) == found


@pytest.mark.parametrize("text", [
    "la contraseña nueva no entra", "contraseña incorrecta", "olvidó su contraseña",
    "¿Olvidó su contraseña? da clic", "error código 500", "sale código E-102",
    "clave de agente 12345", "el pin del mapa no aparece", "token expirado",
])
def test_words_about_secrets_without_a_secret_are_not_flagged(text):
    assert kinds(text) == []


def test_curp_and_rfc_are_checked_with_their_check_digit():
    assert kinds(f"CURP {CURP_OK} no valida") == [(CURP, CURP_OK)]
    assert kinds(f"curp {CURP_OK.lower()}") == [(CURP, CURP_OK.lower())]
    assert kinds("CURP GODE561231HDFRRN09") == []  # wrong check digit
    assert kinds(f"RFC {RFC_OK}") == [(RFC, RFC_OK)]
    assert kinds("RFC GODE561231GR1") == []


@pytest.mark.parametrize(("text", "found"), [
    ("el asegurado tiene diabetes", [(HEALTH, "diabetes")]),
    ("reclamo por Cáncer de mama", [(HEALTH, "Cáncer")]),
    ("está EMBARAZADA y pidió el alta", [(HEALTH, "EMBARAZADA")]),
    ("fue diagnosticado con hipertensión arterial; pide reembolso",
     [(HEALTH, "hipertensión arterial")]),
    ("diagnóstico: fractura de tibia", [(HEALTH, "fractura de tibia")]),
    ("insuficiencia   renal crónica", [(HEALTH, "insuficiencia   renal")]),
])
def test_health_terms_and_diagnoses(text, found):
    assert kinds(text) == found


@pytest.mark.parametrize("text", [
    "póliza de gastos médicos mayores", "el VIHIQULO", "ansiosamente", "la asmática",
    "el hospital no aparece en la red",
])
def test_health_words_only_as_whole_words(text):
    assert [k for k, _ in kinds(text) if k == HEALTH] == []


def test_a_card_keeps_its_last_four_and_secrets_never_their_length():
    text = f"tarjeta {VISA} vence 12/27 cvv 123, NIP 1234, contraseña: abc"
    masked = mask(text, scan(text))
    assert masked == ("tarjeta **** **** **** 1111 vence **/** cvv ******, NIP ******, "
                      "contraseña: ******")
    assert mask(f"CURP {CURP_OK}", scan(f"CURP {CURP_OK}")) == "CURP [CURP oculto]"
    assert mask(f"CLABE {CLABE_OK}", scan(f"CLABE {CLABE_OK}")) == "CLABE CLABE **************" \
        " 9719"


def test_changes_keep_the_personal_data_asked_for_but_never_a_card():
    masked = mask_escalation(
        {"what": f"Cambio de CURP a {CURP_OK}; pagó con {VISA}", "how": "Endosos > Guardar"},
        [("curp_nueva", CURP_OK), ("domicilio", "Calle 5 de Mayo 44"),
         ("tarjeta", f"{VISA} 12/27")])
    assert CURP_OK not in masked.fields["what"] and VISA not in masked.fields["what"]
    assert masked.changes[0] == ("curp_nueva", CURP_OK)
    assert masked.changes[1] == ("domicilio", "Calle 5 de Mayo 44")
    assert masked.changes[2] == ("tarjeta", "**** **** **** 1111 **/**")
    assert {(f.field, f.kind) for f in masked.masked} == {
        ("what", CURP), ("what", CARD), ("changes[2]", CARD), ("changes[2]", CARD_EXPIRY)}
    assert [(f.field, f.kind) for f in masked.kept] == [("changes[0]", CURP)]


def test_the_agent_may_keep_a_curp_with_a_reason_but_never_a_card():
    fields = {"what": f"La CURP {CURP_OK} no valida; pagó con {VISA}"}
    found = scan(fields["what"], "what")
    masked = mask_escalation(fields, keep=found)
    assert CURP_OK in masked.fields["what"] and VISA not in masked.fields["what"]


def test_masking_that_would_leave_que_empty_is_reported():
    masked = mask_escalation({"what": VISA, "how": f"Pagó con la tarjeta {VISA} en Pagos"})
    assert masked.emptied == ("what",)
    assert mask_escalation({"what": f"El cobro a la tarjeta {VISA} salió doble"}).emptied == ()


# -- the property: no card number survives masking -----------------------------------------

CARDISH = st.builds(
    lambda body, sep: sep.join(body[i:i + 4] for i in range(0, len(body), 4)),
    st.text("0123456789", min_size=12, max_size=18).map(
        lambda d: d + next(str(c) for c in range(10) if luhn(d + str(c)))),
    st.sampled_from(["", " ", "-", "."]))
PIECES = st.one_of(CARDISH, st.text("0123456789 -./:+$,", max_size=12),
                   st.sampled_from(["tarjeta ", "cvv ", "póliza ", "tel ", " ", "\n", "a",
                                    "NIP ", "exp 12/27 ", "CLABE "]))


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=8).map("".join))
def test_masked_text_never_contains_a_luhn_valid_run_of_13_to_19_digits(text):
    masked = mask(text, scan(text))
    for run in re.findall(r"\d+", masked):
        assert not (13 <= len(run) <= 19 and luhn(run)), (text, masked)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_scanning_any_text_gives_spans_inside_it_none_overlapping(text):
    found = scan(text)
    for a, b in itertools.pairwise(found):
        assert a.end <= b.start
    for f in found:
        assert text[f.start:f.end] == f.text and f.text


def test_a_mask_glued_to_digits_leaves_no_card_behind():
    """Found by Hypothesis: masking a span out of a long digit run left 13 zeros, which pass
    Luhn; the masked text is scanned again until no card-shaped run is left."""
    text = "000012222264928256:000000exp 12/27 0000 0000 0000 0000 0180000000000000"
    masked = mask(text, scan(text))
    assert not any(13 <= len(run) <= 19 and luhn(run) for run in re.findall(r"\d+", masked))
