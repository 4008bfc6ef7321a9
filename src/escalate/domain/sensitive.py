"""Sensitive data in what an agent types: found, shown where it is, and masked.

Payment cards (13–19 digits passing Luhn, with any separators), a CVV or an expiry next
to one, CLABE account numbers (their check digit), passwords, NIP and one-time codes after
the words that introduce them, CURP and RFC (checked with python-stdnum) and health terms
(`health_terms.txt`, a list kept as data). Pure: no I/O but reading that list once.

The rule of the escalation guide: an endoso's own `campo=valor` carries the personal data
the client asked to change (a CURP, an address) and is kept; what pays (a card, its CVV
and expiry) and what opens an account (passwords, NIP, codes) is masked everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .text import fold

# Kinds of finding, as JSON names them (`"masked": [{"field", "kind"}]`), and their label.
CARD, CARD_SECURITY, CARD_EXPIRY, CLABE = "card", "card_security", "card_expiry", "clabe"
PASSWORD, PIN, ONE_TIME_CODE = "password", "pin", "one_time_code"
CURP, RFC, HEALTH = "curp", "rfc", "health"
LABELS = {
    CARD: "número de tarjeta", CARD_SECURITY: "CVV de tarjeta",
    CARD_EXPIRY: "vencimiento de tarjeta", CLABE: "cuenta CLABE", PASSWORD: "contraseña",
    PIN: "NIP", ONE_TIME_CODE: "código de un solo uso", CURP: "CURP", RFC: "RFC",
    HEALTH: "dato de salud",
}
# Masked wherever they are, even in an endoso's campo=valor.
ALWAYS_MASKED = frozenset({CARD, CARD_SECURITY, CARD_EXPIRY, PASSWORD, PIN, ONE_TIME_CODE})
CHANGES = "changes"  # the field name of the campo=valor list

# Digits in groups split by one space, hyphen or dot: how cards are written.
# Letters glued to it do not hide a card (`ABC4111111111111111`).
_DIGIT_RUN = re.compile(r"(?<!\d)\d+(?:[ .\-]\d+)*(?!\d)")
_GROUP = re.compile(r"\d+")
_NEAR_CARD = 40  # characters around a card where a bare CVV or expiry belongs to it
_EXPIRY = re.compile(r"(?<!\d)(?:0[1-9]|1[0-2])\s?/\s?(?:\d{4}|\d{2})(?!\d)")
_BARE_CVV = re.compile(r"(?<![\d/])\d{3,4}(?![\d/])")
_NAMED_CVV = re.compile(
    r"\b(?:cvv2?|cvc|cv2|c[oó]digo de seguridad(?: de la tarjeta)?)\b\W{0,3}(?:es\s+|era\s+)?"
    r"(\d{3,4})(?!\d)", re.IGNORECASE)
_SECRET_SEPARATOR = r"(?:\s*[:=]\s*|\s+(?:es|era|fue|ser[ií]a|qued[oó] como|nueva)\s*:?\s*|\s+)"
_PASSWORD = re.compile(
    r"\b(?:contrase[ñn]as?|password|passwd|pwd|clave (?:de acceso|secreta|de internet|"
    r"de la app|del portal))" + _SECRET_SEPARATOR + r"[\"'«“]?([^\s\"'»”,;]{3,64})",
    re.IGNORECASE)
_PIN = re.compile(r"\b(?:nip|pin)\b" + _SECRET_SEPARATOR + r"(\d{4,6})(?!\d)", re.IGNORECASE)
_CODE = re.compile(
    r"\b(?:otp|token|c[oó]digo (?:de verificaci[oó]n|de acceso|sms|otp|de un solo uso|"
    r"de confirmaci[oó]n|que (?:le )?lleg[oó](?: por sms)?|enviado por sms))"
    + _SECRET_SEPARATOR + r"(\d{4,8})(?!\d)", re.IGNORECASE)
_CURP = re.compile(r"(?<![A-Z0-9])[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d(?![A-Z0-9])",
                   re.IGNORECASE)
_RFC = re.compile(r"(?<![A-Z0-9Ñ&])[A-ZÑ&]{3,4}\d{6}[A-Z0-9]{3}(?![A-Z0-9])", re.IGNORECASE)
_DIAGNOSIS = re.compile(
    r"\b(?:diagnosticad[oa] (?:con|de)|diagn[oó]stico(?: m[eé]dico)?(?:\s*:|\s+de)|"
    r"padece(?: de)?)\s+([^\n.;,()]{3,60})", re.IGNORECASE)
# Words a password slot holds that are not the password ("la contraseña nueva no entra").
_NOT_SECRETS = frozenset({
    "INCORRECTA", "INCORRECTO", "INVALIDA", "NUEVA", "ANTERIOR", "ACTUAL", "DE", "DEL", "LA",
    "EL", "NO", "SE", "ES", "ERA", "FUE", "QUE", "Y", "O", "CON", "PARA", "POR", "EN", "SU",
    "CORRECTA", "TEMPORAL", "CADUCADA", "VENCIDA", "BLOQUEADA", "OLVIDADA", "EXPIRADA", "AL",
    "MAL", "BIEN", "SIN", "UN", "UNA", "NI", "TAMPOCO", "ENTRA", "FUNCIONA", "SIRVE",
})


@dataclass(frozen=True)
class Finding:
    """One piece of sensitive data: the field it is in, its kind and where (start, end)."""

    field: str
    kind: str
    start: int
    end: int
    text: str

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    def as_json(self) -> dict[str, str]:
        """What `--json` tells of a masked finding (never the value itself)."""
        return {"field": self.field, "kind": self.kind}


@dataclass(frozen=True)
class Masked:
    """Fields after masking: their new text, what was masked, and the fields it emptied."""

    fields: dict[str, str]
    changes: tuple[tuple[str, str], ...]
    masked: tuple[Finding, ...]
    kept: tuple[Finding, ...]
    emptied: tuple[str, ...]  # fields left with nothing but masks (QUÉ must be asked again)


# -- finding ------------------------------------------------------------------------------


def scan(text: str, field: str = "text") -> list[Finding]:
    """Every finding in `text`, in order, none overlapping (the longest wins)."""
    cards = list(_cards(text))
    # A CLABE first: an 18-digit CLABE that also passes Luhn is named for what it is.
    found = [Finding(field, kind, start, end, text[start:end])
             for kind, start, end in _clabes(text)]
    found.extend(Finding(field, CARD, start, end, text[start:end]) for start, end in cards)
    # Secrets named as such before a card's guessed companions: a «NIP 1234» next to a card
    # is a NIP, not the card's CVV (of two findings of one span, the first stays).
    for kind, start, end in (*_secrets(text), *_card_companions(text, cards),
                             *_identities(text), *_health(text)):
        found.append(Finding(field, kind, start, end, text[start:end]))
    return _without_overlaps(found)


def scan_fields(fields: Mapping[str, str | None],
                changes: Sequence[tuple[str, str]] = ()) -> list[Finding]:
    """Findings of every free-text field, then of each change's value (field `changes`,
    spans counted in the value)."""
    found: list[Finding] = []
    for name, text in fields.items():
        if text:
            found.extend(scan(text, name))
    for index, (_, value) in enumerate(changes):
        found.extend(Finding(f"{CHANGES}[{index}]", f.kind, f.start, f.end, f.text)
                     for f in scan(value, CHANGES))
    return found


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check (payment cards' check digit)."""
    from stdnum import luhn

    return bool(digits) and bool(luhn.is_valid(digits))


def clabe_valid(digits: str) -> bool:
    """Whether 18 digits are a CLABE: weights 3, 7, 1 modulo 10 give the last digit."""
    if len(digits) != 18 or not digits.isdigit():
        return False
    weighted = sum(int(d) * (3, 7, 1)[i % 3] % 10 for i, d in enumerate(digits[:17]))
    return (10 - weighted % 10) % 10 == int(digits[17])


def _cards(text: str) -> Iterable[tuple[int, int]]:
    """Spans of card numbers: the longest Luhn-valid 13–19 digits of consecutive groups."""
    for run in _DIGIT_RUN.finditer(text):
        groups = [(m.start() + run.start(), m.end() + run.start())
                  for m in _GROUP.finditer(run.group())]
        i = 0
        while i < len(groups):
            best = None
            for j in range(len(groups) - 1, i - 1, -1):
                digits = "".join(text[s:e] for s, e in groups[i:j + 1])
                if 13 <= len(digits) <= 19 and luhn_valid(digits) \
                        and not _is_phone(text, groups[i][0], j > i):
                    best = j
                    break
            if best is None:
                i += 1
                continue
            yield groups[i][0], groups[best][1]
            i = best + 1


def _is_phone(text: str, start: int, grouped: bool) -> bool:
    """A grouped number after «+» or the word teléfono is an international phone."""
    before = fold(text[max(0, start - 16):start])
    return grouped and (before.rstrip().endswith("+") or bool(re.search(
        r"(TEL|TELEFONO|CELULAR|CEL|WHATSAPP|MOVIL)\W*$", before)))


def _card_companions(text: str, cards: list[tuple[int, int]]
                     ) -> Iterable[tuple[str, int, int]]:
    for match in _NAMED_CVV.finditer(text):
        yield CARD_SECURITY, match.start(1), match.end(1)
    for start, end in cards:
        lo, hi = max(0, start - _NEAR_CARD), min(len(text), end + _NEAR_CARD)
        for match in _EXPIRY.finditer(text, lo, hi):
            yield CARD_EXPIRY, match.start(), match.end()
        for match in _BARE_CVV.finditer(text, end, hi):
            if not _inside_expiry(text, match.start(), lo, hi):
                yield CARD_SECURITY, match.start(), match.end()


def _inside_expiry(text: str, at: int, lo: int, hi: int) -> bool:
    return any(m.start() <= at < m.end() for m in _EXPIRY.finditer(text, lo, hi))


def _secrets(text: str) -> Iterable[tuple[str, int, int]]:
    for kind, pattern in ((PASSWORD, _PASSWORD), (PIN, _PIN), (ONE_TIME_CODE, _CODE)):
        for match in pattern.finditer(text):
            value = match.group(1)
            said = match.group(0)[: match.start(1) - match.start()]
            if kind == PASSWORD and not _looks_like_password(value, said):
                continue
            yield kind, match.start(1), match.end(1)


def _looks_like_password(value: str, introduced: str) -> bool:
    """A word after «contraseña» is the password when the agent said so (`:`, `es`), or
    when it has the digits or symbols a password has and a sentence word has not."""
    word = fold(value).strip(".")
    if word in _NOT_SECRETS or not word:
        return False
    separated = bool(re.search(r"[:=]|\s(ES|ERA|FUE|SERIA|QUEDO COMO|NUEVA)\b", fold(introduced)))
    return separated or bool(re.search(r"[\d!@#$%&*?¿¡_\-]", value))


def _identities(text: str) -> Iterable[tuple[str, int, int]]:
    from stdnum.mx import curp, rfc

    for match in _CURP.finditer(text):
        if curp.is_valid(match.group().upper()):
            yield CURP, match.start(), match.end()
    for match in _RFC.finditer(text):
        try:
            rfc.validate(match.group().upper(), validate_check_digits=True)
        except ValueError:  # stdnum's ValidationError: not an RFC (a policy, a code)
            continue
        yield RFC, match.start(), match.end()


def _clabes(text: str) -> Iterable[tuple[str, int, int]]:
    for run in _DIGIT_RUN.finditer(text):
        digits = re.sub(r"\D", "", run.group())
        if clabe_valid(digits):
            yield CLABE, run.start(), run.end()


def _health(text: str) -> Iterable[tuple[str, int, int]]:
    folded = "".join(_fold_char(ch) for ch in text)  # spans stay the text's own
    for match in _health_pattern().finditer(folded):
        yield HEALTH, match.start(), match.end()
    for match in _DIAGNOSIS.finditer(text):
        yield HEALTH, match.start(1), match.end(1)


def _fold_char(char: str) -> str:
    folded = fold(char)
    return folded if len(folded) == 1 else char


@lru_cache(maxsize=1)
def _health_pattern() -> re.Pattern[str]:
    from importlib.resources import files

    lines = files(__package__).joinpath("health_terms.txt").read_text(encoding="utf-8")
    terms = sorted({fold(line) for line in lines.splitlines()
                    if line.strip() and not line.lstrip().startswith("#")}, key=len, reverse=True)
    words = "|".join(r"\s+".join(map(re.escape, term.split())) for term in terms)
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)")


def _without_overlaps(found: list[Finding]) -> list[Finding]:
    """Sorted by start; where two overlap the longer stays (a card over its own digits)."""
    kept: list[Finding] = []
    for finding in sorted(found, key=lambda f: (f.start, -(f.end - f.start))):
        if kept and finding.start < kept[-1].end:
            if finding.end - finding.start > kept[-1].end - kept[-1].start:
                kept[-1] = finding
            continue
        kept.append(finding)
    return kept


# -- masking ------------------------------------------------------------------------------


def mask(text: str, findings: Iterable[Finding]) -> str:
    """`text` with each finding replaced by its mask (a card keeps its last four digits).

    A mask glued to other digits can leave a new card-shaped run (a code masked out of the
    middle of a long number): masked again until none is left. Each pass replaces 13 digits
    or more with four, so it ends."""
    masked = _replaced(text, findings)
    while True:
        left = [Finding("", CARD, start, end, masked[start:end]) for start, end in _cards(masked)]
        if not left:
            return masked
        masked = _replaced(masked, left)


def _replaced(text: str, findings: Iterable[Finding]) -> str:
    out, at = [], 0
    for finding in sorted(findings, key=lambda f: f.start):
        out.append(text[at:finding.start])
        out.append(mask_of(finding))
        at = finding.end
    out.append(text[at:])
    return "".join(out)


def mask_of(finding: Finding) -> str:
    """What stands in for one finding in the ticket."""
    digits = re.sub(r"\D", "", finding.text)
    if finding.kind == CARD:
        return f"**** **** **** {digits[-4:]}"
    if finding.kind == CLABE:
        return f"CLABE ************** {digits[-4:]}"
    if finding.kind == CARD_EXPIRY:
        return "**/**"
    if finding.kind in (CARD_SECURITY, PASSWORD, PIN, ONE_TIME_CODE):
        return "******"  # never the secret's length
    return f"[{LABELS[finding.kind]} oculto]"


def mask_escalation(fields: Mapping[str, str | None],
                    changes: Sequence[tuple[str, str]] = (),
                    keep: Iterable[Finding] = ()) -> Masked:
    """Every free-text field masked, and the endoso's changes masked where they pay or open
    an account; `keep` lists findings the agent chose to keep (never a card's)."""
    kept_by_agent = {(f.field, f.kind, f.start, f.end) for f in keep if f.kind not in ALWAYS_MASKED}
    masked: list[Finding] = []
    kept: list[Finding] = []
    out: dict[str, str] = {}
    emptied: list[str] = []
    for name, text in fields.items():
        if not text:
            out[name] = text or ""
            continue
        findings = scan(text, name)
        hide = [f for f in findings if (f.field, f.kind, f.start, f.end) not in kept_by_agent]
        kept.extend(f for f in findings if f not in hide)
        masked.extend(hide)
        out[name] = mask(text, hide)
        if hide and not meaningful(out[name]):
            emptied.append(name)
    new_changes = []
    for index, (field_name, value) in enumerate(changes):
        findings = [Finding(f"{CHANGES}[{index}]", f.kind, f.start, f.end, f.text)
                    for f in scan(value, CHANGES)]
        hide = [f for f in findings if f.kind in ALWAYS_MASKED]
        kept.extend(f for f in findings if f not in hide)
        masked.extend(hide)
        new_changes.append((field_name, mask(value, hide)))
    return Masked(out, tuple(new_changes), tuple(masked), tuple(kept), tuple(emptied))


def meaningful(text: str) -> bool:
    """Whether masked text still says something: letters beyond the masks' own words."""
    bare = re.sub(r"\*+|\[[^\]]* oculto\]|CLABE \*+ \d{4}", " ", text)
    words = [w for w in re.findall(r"[^\W\d_]{2,}", bare)]
    return len(words) >= 2
