"""Screenshots read before upload, and what must not reach HubSpot blacked out word by word.

The OCR is the optional extra `escalate[ocr]`: RapidOCR on ONNX Runtime, whose detection,
direction and recognition models ship inside its wheel, so nothing is downloaded at run
time. Each text line comes back with a box per character; card numbers, CURP, RFC and the
client's own known values (name, email, phone) found in a line are covered with the union
of their characters' boxes, so the rest of the line (the error message) stays readable.

In an image the OCR may misread a digit, which would break a check digit: here a run of
13–19 digits is covered whether or not it passes Luhn, and CURP and RFC are recognised by
their shape (letters and digits where each goes, O/0 and I/1 read either way).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..domain.text import fold
from ..system import with_extra

INSTALL = with_extra("ocr")  # how an agent adds the OCR, in the notice
NOT_SCANNED = ("Las imágenes no se revisan: sin el complemento de OCR no se buscan en ellas "
               f"tarjetas, CURP, RFC ni datos del cliente ({INSTALL}).")
PADDING = 3  # pixels around a covered word: antialiased edges stay covered too
# Text is looked for at the image's own size. RapidOCR's default ("min", 736) first enlarges
# an image until its short side is 736 px, for print photographed small: a 600 × 120 strip
# cut around an error became 3,680 × 736, and strips of one or two lines cost 1.3–4.6 s of
# CPU (0.08–0.20 s as they are; a whole screen 1 s), and on a strip cut to its 12-px line
# the enlarged line came apart into pieces a card number was split across (a leak).
# Screenshots show text at the size people read, which the detector finds as it is; "max"
# only shrinks what passes RapidOCR's own 2,000-px cap. Only where text is looked for
# changes: each line is still read from the image itself (benchmarks/screenshots.py).
DETECTION = {"det_limit_type": "max"}

CARD, CURP, RFC, KNOWN = "card", "curp", "rfc", "known"
LABELS = {CARD: "número de tarjeta", CURP: "CURP", RFC: "RFC", KNOWN: "dato del cliente"}
_DIGITISH = "0-9OoIlSB"  # how OCR misreads digits
_DIGIT_OF = str.maketrans("OoIlSB", "001158")
_CARD_RUN = re.compile(r"(?<![0-9])[0-9](?:[0-9]|[ .\-](?=[0-9])){12,24}(?![0-9])")
_LETTERISH = "A-Z01"  # and letters as digits (O read as 0)
_CURP = re.compile(rf"(?<![A-Z0-9])[{_LETTERISH}]{{4}}[{_DIGITISH}]{{6}}[HM][{_LETTERISH}]{{5}}"
                   rf"[A-Z0-9][{_DIGITISH}](?![A-Z0-9])", re.IGNORECASE)
_RFC = re.compile(rf"(?<![A-Z0-9&Ñ])[{_LETTERISH}&Ñ]{{3,4}}[{_DIGITISH}]{{6}}[A-Z0-9]{{3}}"
                  r"(?![A-Z0-9])", re.IGNORECASE)


class OcrUnavailable(Exception):
    """The extra is missing (`installed` False) or failed to load: images are not scanned."""

    def __init__(self, message: str, installed: bool) -> None:
        super().__init__(message)
        self.message = message
        self.installed = installed


@dataclass(frozen=True)
class Line:
    """One line of text the OCR read, and each character's box (x0, y0, x1, y1)."""

    text: str
    boxes: tuple[tuple[int, int, int, int], ...]
    score: float


@dataclass(frozen=True)
class Covered:
    """A word blacked out: its kind, the text the OCR read there, and the box covered."""

    kind: str
    text: str
    box: tuple[int, int, int, int]

    @property
    def label(self) -> str:
        return LABELS[self.kind]


@dataclass
class Redaction:
    """An image after the scan: where the covered copy is, what was covered, what was read."""

    source: Path
    output: Path
    covered: list[Covered] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)


def engine() -> Any:
    """The OCR engine, loaded once per process; OcrUnavailable when it cannot be."""
    return _engine()


@lru_cache(maxsize=1)
def _engine() -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        raise OcrUnavailable(NOT_SCANNED, installed=False) from None
    try:
        return RapidOCR(print_verbose=False, **DETECTION)
    except Exception as exc:  # a broken onnxruntime or model file: warn, never crash
        raise OcrUnavailable(
            f"El complemento de OCR está instalado pero no se pudo cargar ({type(exc).__name__}:"
            f" {str(exc)[:120]}): las imágenes no se revisan.", installed=True) from None


def read(path: Path) -> list[Line]:
    """The text lines in the image, each character with its box."""
    result, _ = engine()(str(path), return_word_box=True)
    return [_line(item) for item in result or []]


def _line(item: Sequence[Any]) -> Line:
    """RapidOCR's line (box, text, score, word boxes, word texts, ...) with a box per
    character: a word's box is shared out evenly among its characters."""
    text, score = str(item[1]), float(item[2])
    words = item[4] if len(item) > 4 and item[4] else [text]
    word_boxes = item[3] if len(item) > 3 and item[3] else [item[0]]
    boxes: list[tuple[int, int, int, int]] = []
    for word, quad in zip(words, word_boxes, strict=False):
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
        width = (x1 - x0) / max(len(word), 1)
        boxes.extend((round(x0 + i * width), y0, round(x0 + (i + 1) * width), y1)
                     for i in range(len(word)))
    joined = "".join(words)
    if joined != text or len(boxes) != len(text):  # no per-character boxes: the whole line
        quad = item[0]
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        width = (max(xs) - min(xs)) / max(len(text), 1)
        boxes = [(round(min(xs) + i * width), round(min(ys)), round(min(xs) + (i + 1) * width),
                  round(max(ys))) for i in range(len(text))]
    return Line(text, tuple(boxes), score)


def find(line: Line, known: Sequence[str] = ()) -> list[tuple[str, int, int]]:
    """Spans (kind, start, end) to cover in one line's text."""
    text = line.text
    spans: list[tuple[str, int, int]] = []
    for match in _CARD_RUN.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19:
            spans.append((CARD, match.start(), match.end()))
    for kind, pattern in ((CURP, _CURP), (RFC, _RFC)):
        spans.extend((kind, m.start(), m.end()) for m in pattern.finditer(text))
    spans.extend(_known(text, known))
    kept: list[tuple[str, int, int]] = []  # a name and its own words: covered once
    for span in sorted(spans, key=lambda s: (s[1], -(s[2] - s[1]))):
        if kept and span[1] < kept[-1][2]:
            if span[2] > kept[-1][2]:
                kept[-1] = (kept[-1][0], kept[-1][1], span[2])
            continue
        kept.append(span)
    return kept


def _known(text: str, known: Sequence[str]) -> Iterable[tuple[str, int, int]]:
    """The client's values wherever they are, whatever spaces, accents, case or separators
    the OCR kept: a name also word by word (words of four letters or more; from six
    letters one misread letter is allowed, from eight two: «Hemandez» is Hernández; «ñ»
    read as «ni» too); a phone by its last ten digits, with the «+» or parentheses."""
    from rapidfuzz.distance import Levenshtein

    kept = [i for i, ch in enumerate(text) if ch.isalnum() or ch in "@."]
    squeezed = "".join(_squeeze(text[i]) or text[i] for i in kept)
    for value in known:
        is_name = "@" not in value and not any(ch.isdigit() for ch in value)
        for needle in filter(None, _needles(value, is_name)):
            # Short words exactly: one letter off, «pena» would cover «espera».
            allowed = (0 if not is_name or len(needle) < 6 or needle == _squeeze(value)
                       else 1 if len(needle) < 8 else 2)
            for start, end in _occurrences(squeezed, needle, allowed, Levenshtein.distance):
                yield KNOWN, *_widened(text, kept[start], kept[end - 1] + 1)


def _needles(value: str, is_name: bool) -> set[str]:
    """What to look for of one known value: itself squeezed; a name's words of four letters
    or more (with «ñ» also as «ni»); a phone's last ten digits."""
    needles = {_squeeze(value)}
    if is_name:
        words = value.split() + [w.replace("ñ", "ni").replace("Ñ", "NI")
                                 for w in value.split() if "ñ" in w.lower()]
        needles |= {_squeeze(word) for word in words if len(_squeeze(word)) >= 4}
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 10:
        needles.add(digits[-10:])
    return needles


def _widened(text: str, first: int, last: int) -> tuple[int, int]:
    """A found span with the «+» and parentheses around a phone («+52 (55)», not a space)."""
    before = len(text[:first].rstrip(" "))
    while before > 0 and text[before - 1] in "(+":
        first = before = len(text[:before - 1].rstrip(" "))
    while last < len(text) and text[last] in ")":
        last += 1
    return first, last


def _occurrences(text: str, needle: str, allowed: int,
                 distance: Any) -> Iterable[tuple[int, int]]:
    """Where `needle` is in `text`, exactly or within `allowed` edits (longest windows
    first, none overlapping)."""
    if not allowed:
        for match in re.finditer(re.escape(needle), text):
            yield match.start(), match.end()
        return
    start = 0
    while start < len(text):
        found = None
        for size in range(len(needle) + allowed, max(len(needle) - allowed, 1) - 1, -1):
            window = text[start:start + size]
            if len(window) == size and distance(window, needle) <= allowed:
                found = size
                break
        if found:
            yield start, start + found
            start += found
        else:
            start += 1


def _squeeze(value: str) -> str:
    """Letters without accents in lower case, digits, «@» and «.»: how values are compared."""
    return "".join(fold(ch).lower()[:1] or ch for ch in value if ch.isalnum() or ch in "@.")


def redact(source: Path, output: Path, known: Sequence[str] = ()) -> Redaction:
    """Read `source`, write a copy with every finding blacked out to `output` (PNG)."""
    from PIL import Image, ImageDraw

    lines = read(source)
    covered = []
    for line in lines:
        for kind, start, end in find(line, known):
            boxes = line.boxes[start:end]
            # Characters' boxes are placed where the recogniser saw each one, up to half a
            # character off (a third left the stem of a first «M» showing): half more a side.
            side = max(PADDING, round(sum(b[2] - b[0] for b in boxes) / len(boxes) / 2))
            box = (min(b[0] for b in boxes) - side, min(b[1] for b in boxes) - PADDING,
                   max(b[2] for b in boxes) + side, max(b[3] for b in boxes) + PADDING)
            covered.append(Covered(kind, line.text[start:end], box))
    with Image.open(source) as image:
        copy = image.convert("RGB")
    draw = ImageDraw.Draw(copy)
    for item in covered:
        draw.rectangle(item.box, fill="black")
    copy.save(output, format="PNG")
    return Redaction(source, output, covered, lines)


# -- before upload: every image of a create or an attach --------------------------------------

MIN_TEXT_PIXELS = 8  # below this height (or width) no character is readable, to a person or OCR
COVERED_FOLDER = ("cubiertas",)  # under ESCALATE_HOME, 0700, beside the pasted «capturas»


@dataclass
class Scanned:
    """One file to upload and, for an image the OCR found something in, its covered copy."""

    file: Any  # workflows.files.LocalFile
    redaction: Redaction | None = None


def scan_files(files: Sequence[Any], known: Sequence[str], home: Path
               ) -> tuple[list[Scanned], OcrUnavailable | None]:
    """Each image read and, where it shows a card, CURP, RFC or a known value, covered in a
    private copy; the files as they were (and why) when the OCR is unavailable."""
    from ..system import private_dir
    scanned = [Scanned(f) for f in files]
    images = [s for s in scanned if _readable(s.file)]
    if not images:
        return scanned, None
    try:
        engine()
    except OcrUnavailable as exc:
        return scanned, exc
    folder = private_dir(home.joinpath(*COVERED_FOLDER))
    for item in images:
        output = _free(folder, Path(item.file.name).stem + "-cubierta.png")
        redaction = redact(Path(item.file.path), output, known)
        if redaction.covered:
            item.redaction = redaction
        else:
            output.unlink(missing_ok=True)
    return scanned, None


def will_read(files: Sequence[Any]) -> bool:
    """Whether `scan_files` would run the OCR on any of these: an image that may show text,
    with the extra installed (found, not loaded)."""
    from importlib.util import find_spec

    return any(_readable(f) for f in files) and find_spec("rapidocr_onnxruntime") is not None


def _readable(file: Any) -> bool:
    """An image the OCR reads: large enough to show a line of text."""
    from .files import IMAGES

    return file.kind in IMAGES and _may_hold_text(file.path)


def _may_hold_text(path: str) -> bool:
    """Whether the image is large enough to show a line someone could read (an icon, a
    tracking pixel: no; nothing to cover, and no engine loaded for it). Read from the
    header alone; without Pillow the OCR is not installed either, and says so."""
    try:
        from PIL import Image
    except ImportError:
        return True
    try:
        with Image.open(path) as image:
            return bool(min(image.size) >= MIN_TEXT_PIXELS)
    except (OSError, ValueError):  # not an image Pillow reads: the OCR says what it can
        return True


def _free(folder: Path, name: str) -> Path:
    path, counter = folder / name, 2
    while path.exists():
        path = folder / f"{Path(name).stem}-{counter}.png"
        counter += 1
    return path


def shown(item: Covered) -> str:
    """A covered value as the agent may see it: a card by its last four, an identity by
    its first four, a known value as read (it is the client's own)."""
    if item.kind == CARD:
        return "…" + re.sub(r"\D", "", item.text)[-4:]
    if item.kind in (CURP, RFC):
        return item.text[:4] + "…"
    return item.text
