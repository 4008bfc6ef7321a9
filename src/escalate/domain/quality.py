"""The quality score: can an engineer start work from this escalation?

Built from the escalation guide's section A (qué, cómo, dónde) and point B.a (every datum of
an endoso), and from the research on bug reports: observed versus expected behaviour and
steps to reproduce matter most (Bettenburg et al., FSE 2008). Eight items, each worth its
weight (the policy file's `[calidad]` may change the weights and the minimum); the endoso
item is critical: an endoso without its `campo=valor` caps the score at 40. Penalties for
placeholders, text in capitals and sensitive data left in free text.

Pure and deterministic: the same input gives the same score and the same Spanish lines.
Each item's verdict is a plain rule over words (the labelled set in tests/data holds them;
benchmarks/quality.py prints their precision and recall).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .quality_words import (
    ACTIONS,
    BUTTON,
    ENDOSO,
    EVIDENCE,
    EXPECTED,
    IMPACT,
    IMPACT_PHRASES,
    NEGATED,
    NOT_WHEN,
    PLACEHOLDER,
    PLATFORMS,
    SCREENS,
    STEP_MARKERS,
    SYMPTOMS,
    VAGUE,
    WHEN,
)
from .text import fold

# Items in the order the review shows them: key, label, default weight.
ITEMS: tuple[tuple[str, str, int], ...] = (
    ("que", "QUÉ", 15), ("como", "CÓMO", 20), ("donde", "DÓNDE", 15),
    ("esperado", "ESPERADO", 10), ("evidencia", "EVIDENCIA", 15), ("impacto", "IMPACTO", 10),
    ("cuando", "CUÁNDO", 5), ("endoso", "ENDOSO", 10),
)
DEFAULT_WEIGHTS: dict[str, int] = {key: weight for key, _, weight in ITEMS}
LABELS: dict[str, str] = {key: label for key, label, _ in ITEMS}
DEFAULT_MINIMUM = 50
CRITICAL_CAP = 40  # an endoso without its data is never good enough to start work
PENALTIES = {"placeholder": 10, "capitals": 5, "sensitive": 10}

@dataclass(frozen=True)
class Capture:
    """What the score reads: the escalation's fields as typed (partial answers too)."""

    what: str = ""
    how: str = ""
    where: str = ""
    when: str | None = None
    changes: tuple[tuple[str, str], ...] = ()
    attachments: int = 0
    channel: str | None = None


@dataclass(frozen=True)
class Rules:
    """The team's choices (`[calidad]`): weights per item (sum 100), minimum, screens."""

    weights: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    minimum: int = DEFAULT_MINIMUM
    screens: tuple[str, ...] = ()


@dataclass(frozen=True)
class Item:
    """One item's verdict: met or not, its points, and one Spanish line about it."""

    key: str
    met: bool
    points: int
    weight: int
    line: str
    applies: bool = True  # False: the endoso item for a case that is not an endoso

    @property
    def label(self) -> str:
        return LABELS[self.key]

    def as_json(self) -> dict[str, object]:
        return {"item": self.key, "met": self.met, "points": self.points,
                "weight": self.weight, "applies": self.applies, "hint": self.line}


@dataclass(frozen=True)
class Quality:
    """The score (0–100), its items, the penalties taken, and whether it was capped."""

    score: int
    items: tuple[Item, ...]
    penalties: tuple[tuple[str, int, str], ...]  # kind, points taken, Spanish line
    capped: bool
    minimum: int

    @property
    def below_minimum(self) -> bool:
        return self.score < self.minimum

    def missing(self) -> list[Item]:
        """The items not met, heaviest first: what would raise the score."""
        return sorted((i for i in self.items if not i.met), key=lambda i: -i.weight)

    def lines(self) -> list[str]:
        """What would raise the score, one Spanish line each (items, then penalties)."""
        return [i.line for i in self.missing()] + [line for _, _, line in self.penalties]

    def as_json(self) -> dict[str, object]:
        return {"score": self.score, "minimum": self.minimum, "capped": self.capped,
                "items": [i.as_json() for i in self.items],
                "penalties": [{"kind": k, "points": p, "hint": line}
                              for k, p, line in self.penalties]}


# -- the score ------------------------------------------------------------------------------


def assess(capture: Capture, rules: Rules | None = None) -> Quality:
    """Score an escalation: each item by its rule, the penalties, the endoso cap."""
    rules = rules or Rules()
    verdicts = _verdicts(capture, rules)
    items = tuple(
        Item(key, met, rules.weights.get(key, 0) if met else 0, rules.weights.get(key, 0),
             line, applies)
        for key, (met, line, applies) in verdicts.items())
    penalties = tuple(_penalties(capture))
    score = sum(i.points for i in items) - sum(p for _, p, _ in penalties)
    score = max(0, min(100, score))
    capped = not verdicts["endoso"][0] and score > CRITICAL_CAP
    if capped:
        score = CRITICAL_CAP
    return Quality(score, items, penalties, capped, rules.minimum)


# Which items an answer to each question can meet: the hints shown under that question.
FIELD_ITEMS: dict[str, tuple[str, ...]] = {
    "what": ("que", "esperado", "impacto"), "how": ("como",), "where": ("donde",),
    "when": ("cuando",), "changes": ("endoso",), "attachments": ("evidencia",),
}


def hints(capture: Capture, field: str, rules: Rules | None = None) -> list[str]:
    """The lines to show under a question just answered: its items still missing (never
    blocking; an empty list when the answer meets them)."""
    quality = assess(capture, rules)
    wanted = FIELD_ITEMS.get(field, ())
    return [i.line for i in quality.items if i.key in wanted and not i.met]


def speaks_of_changes(*texts: str) -> bool:
    """Whether the case speaks of an endoso or of a change of the client's data (the
    guide's rule B.a): then the data to change is asked for, and only then."""
    return _has(_words(" ".join(texts)), ENDOSO)


def item_verdicts(capture: Capture, rules: Rules | None = None) -> dict[str, bool]:
    """Each item met or not (what the labelled set is compared with)."""
    return {key: met for key, (met, _, _) in _verdicts(capture, rules or Rules()).items()}


def _verdicts(capture: Capture, rules: Rules) -> dict[str, tuple[bool, str, bool]]:
    what, how, where = _words(capture.what), _words(capture.how), _words(capture.where)
    free = f"{what} {how} {where} {_words(capture.when or '')}"
    return {
        "que": _what(what, capture.what),
        "como": _how(how, capture.how),
        "donde": _where(where, rules.screens),
        "esperado": _expected(f"{what} {how}"),
        "evidencia": _evidence(capture),
        "impacto": _impact(free),
        "cuando": _when(capture.when, free),
        "endoso": _endoso(free, capture.changes),
    }


def _what(text: str, raw: str) -> tuple[bool, str, bool]:
    if not text.strip():
        return False, ("QUÉ: falta; escriba lo que el cliente vio (el mensaje, lo que no se "
                       "guardó)."), True
    rest = _without(text, VAGUE)
    words = _count_words(rest)
    quoted = bool(EVIDENCE.search(fold(raw)))
    symptom = quoted or _has(rest, SYMPTOMS) or bool(NEGATED.search(rest))
    if symptom and words >= (2 if quoted else 3):
        return True, "QUÉ: describe lo que el cliente vio.", True
    if words < 3:
        return False, ("QUÉ: «" + _short(raw) + "» no dice qué se ve; ¿qué mensaje aparece o "
                       "qué deja de hacer la pantalla?"), True
    return False, "QUÉ: no nombra un síntoma; ¿qué mensaje aparece o qué no se guarda?", True


def _how(text: str, raw: str) -> tuple[bool, str, bool]:
    steps = _steps(text, raw)
    if steps >= 2:
        return True, f"CÓMO: {steps} pasos para reproducirlo.", True
    if not text.strip():
        return False, "CÓMO: faltan los pasos; ¿qué hizo el cliente, paso a paso?", True
    return False, ("CÓMO: describe un solo paso; ¿qué hizo el cliente justo antes del error?"), True


def _steps(text: str, raw: str) -> int:
    """Steps written out: segments between markers (>, ;, «luego», 1.), comma-separated
    parts when one is an action, or the actions named."""
    folded = fold(raw).lower()
    segments = [s for s in STEP_MARKERS.split(folded) if _count_words(s or "") >= 1]
    actions = len(_pattern(ACTIONS).findall(BUTTON.sub(r" \1 ", text)))
    parts = [p for p in re.split(r",|(?<!\w)y(?!\w)", folded) if _count_words(p) >= 1]
    commas = len(parts) if actions and len(parts) > 1 else 0
    return max(len(segments) if len(segments) > 1 else 0, commas, min(actions, 9))


def _where(text: str, screens: Sequence[str]) -> tuple[bool, str, bool]:
    platform = _has(text, PLATFORMS)
    known = tuple(fold(s).lower() for s in screens)  # the team's own screen names
    screen = _has(text, SCREENS + known)
    if platform and screen:
        return True, "DÓNDE: dice si es app o web y la pantalla.", True
    if not platform and not screen:
        return False, "DÓNDE: ¿app o web, y en qué pantalla o sección?", True
    if not platform:
        return False, "DÓNDE: ¿fue en la app o en la web?", True
    examples = ", ".join(screens[:3]) if screens else "Endosos, Pagos, Emisión"
    return False, f"DÓNDE: ¿en qué pantalla o sección? (por ejemplo {examples})", True


def _expected(text: str) -> tuple[bool, str, bool]:
    if _has(text, EXPECTED):
        return True, "ESPERADO: dice qué debía pasar y qué pasó.", True
    return False, "ESPERADO: ¿qué debía pasar? (por ejemplo «debería guardar el endoso»)", True


def _evidence(capture: Capture) -> tuple[bool, str, bool]:
    if capture.attachments > 0:
        return True, "EVIDENCIA: lleva captura o documento.", True
    texts = " ".join(t for t in (capture.what, capture.how, capture.where) if t)
    if EVIDENCE.search(fold(texts)):
        return True, "EVIDENCIA: cita el código o el mensaje de error.", True
    return False, ("EVIDENCIA: adjunte una captura o copie el mensaje de error entre "
                   "comillas."), True


def _impact(text: str) -> tuple[bool, str, bool]:
    if _has(text, IMPACT) or IMPACT_PHRASES.search(text):
        return True, "IMPACTO: dice qué arriesga el cliente.", True
    return False, ("IMPACTO: ¿qué arriesga el cliente? (cancelación, dinero, no puede emitir "
                   "o renovar, varios clientes)"), True


def _when(when: str | None, text: str) -> tuple[bool, str, bool]:
    from .escalation import is_placeholder

    said = bool(when) and not is_placeholder(when or "") \
        and fold(when or "").strip(" .") not in NOT_WHEN
    if said or WHEN.search(fold(text)):
        return True, "CUÁNDO: dice cuándo pasó.", True
    return False, "CUÁNDO: ¿cuándo pasó? (fecha y hora aproximada)", True


def _endoso(text: str, changes: Sequence[tuple[str, str]]) -> tuple[bool, str, bool]:
    if not _has(text, ENDOSO):
        return True, "ENDOSO: no aplica.", False
    if changes:
        return True, f"ENDOSO: lleva {len(changes)} dato(s) campo=valor.", True
    return False, ("ENDOSO: habla de un endoso o un cambio de datos sin campo=valor; indique "
                   "el dato actual y el nuevo (por ejemplo placa=ABC1234). Sin ellos la "
                   f"calificación no pasa de {CRITICAL_CAP}."), True


def _penalties(capture: Capture) -> Iterable[tuple[str, int, str]]:
    texts = {"QUÉ": capture.what, "CÓMO": capture.how, "DÓNDE": capture.where,
             "CUÁNDO": capture.when or ""}
    placeholders = [label for label, text in texts.items() if PLACEHOLDER.search(fold(text))]
    if placeholders:
        yield ("placeholder", PENALTIES["placeholder"],
               f"Relleno en {', '.join(placeholders)}: cambie «xxx», «pendiente» o «ver "
               "adjunto» por el dato.")
    shouting = [label for label, text in texts.items() if _capitals(text)]
    if shouting:
        yield ("capitals", PENALTIES["capitals"],
               f"{', '.join(shouting)} en mayúsculas: escriba en mayúsculas y minúsculas.")
    from .sensitive import scan_fields

    found = scan_fields({"what": capture.what, "how": capture.how, "where": capture.where,
                         "when": capture.when})
    if found:
        kinds = ", ".join(dict.fromkeys(f.label for f in found))
        yield ("sensitive", PENALTIES["sensitive"],
               f"Datos sensibles en el texto ({kinds}): se ocultarán antes de enviar.")


# -- words ----------------------------------------------------------------------------------


def _words(text: str) -> str:
    """Folded lower-case text with spaced punctuation, padded: phrases match on word edges."""
    folded = fold(text).lower()
    return " " + re.sub(r"[^\w$/:>-]+", " ", folded) + " "


def _has(text: str, phrases: tuple[str, ...]) -> bool:
    return bool(_pattern(phrases).search(text))


@lru_cache(maxsize=32)
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a list of phrases, longest first, each on word edges."""
    alternatives = []
    for phrase in sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True):
        edge = r"(?!\w)" if phrase[-1].isalnum() else ""
        start = r"(?<!\w)" if phrase[0].isalnum() else ""
        alternatives.append(start + re.escape(phrase) + edge)
    return re.compile("|".join(alternatives))


def _without(text: str, phrases: Iterable[str]) -> str:
    for phrase in sorted(phrases, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", " ", text)
    return text


_STOP = frozenset({"de", "la", "el", "los", "las", "un", "una", "y", "o", "en", "a", "al",
                   "del", "que", "se", "su", "sus", "lo", "le", "con", "por", "para", "es",
                   "no", "ya", "muy", "mas", "pero", "como"})


def _count_words(text: str) -> int:
    return sum(1 for w in re.findall(r"[a-z0-9]+", text) if w not in _STOP)


def _capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 20 and sum(c.isupper() for c in letters) / len(letters) > 0.9


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:39] + "…"
