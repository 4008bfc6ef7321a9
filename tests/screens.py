"""Synthetic screenshots for the OCR's tests and benchmark, drawn with Pillow.

Each one looks like a capture an agent would attach: a web or app screen, light or dark,
several fonts and sizes, a form with the client's data (some of it a card number, a CURP,
an RFC, the name, email and phone) beside harmless numbers (policy, date, amount), and an
error line that must stay readable. The generator records where it drew each value, so a
check can tell, pixel by pixel, whether a value is still visible. Deterministic: the same
seed draws the same screens.

Shared by tests/test_screenshots.py and benchmarks/screenshots.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FONTS = [
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
]
NAMES = ["Ana López Ruiz", "Lucía Ortega Salas", "José Hernández Mora", "María Pérez Soto",
         "Luis Martínez Cano", "Sofía Ramírez Vega", "Jorge Castillo Díaz", "Elena Núñez Ríos",
         "Ricardo Gómez Peña", "Patricia Torres Lara"]
ERRORS = ["Error 500: No se pudo guardar el endoso", "ERR-417 Serie duplicada en otra póliza",
          "No fue posible procesar el pago (código 05)", "Póliza no encontrada en el sistema",
          "Sesión expirada, vuelva a iniciar sesión", "Error al emitir: folio no disponible",
          "Transacción declinada por el banco emisor", "El archivo excede el tamaño permitido",
          "Tiempo de espera agotado, intente más tarde", "Código postal inválido para el estado"]
TITLES = ["Portal de agentes - Endosos", "Pagos en línea", "Cotizador de autos",
          "Mi cuenta - Domiciliación", "Siniestros - Nuevo reporte", "Renovaciones"]
SIZES = [(1280, 720), (1024, 640), (900, 600), (430, 880)]
KINDS = ("card", "curp", "rfc", "name", "email", "phone")


@dataclass
class Drawn:
    """A value drawn on the screen and its box (x0, y0, x1, y1)."""

    kind: str
    text: str
    box: tuple[int, int, int, int]


@dataclass
class Screen:
    """A synthetic screenshot: its file, what it shows, and where."""

    path: Path
    error: Drawn
    secrets: list[Drawn] = field(default_factory=list)
    harmless: list[Drawn] = field(default_factory=list)
    known: tuple[str, ...] = ()  # the client's name, email and phone, as create knows them
    background: tuple[int, int, int] = (255, 255, 255)


def luhn_complete(body: str) -> str:
    """`body` with the Luhn digit that makes it a valid card number."""
    for check in "0123456789":
        digits = body + check
        total = 0
        for i, ch in enumerate(reversed(digits)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")


def card(rng: random.Random) -> str:
    prefix = rng.choice(["4", "51", "55", "37", "6011"])
    length = 15 if prefix == "37" else 16
    digits = luhn_complete(prefix + "".join(rng.choice("0123456789")
                                            for _ in range(length - len(prefix) - 1)))
    separator = rng.choice([" ", "-", " ", ""])
    if length == 15:
        return separator.join([digits[:4], digits[4:10], digits[10:]])
    return separator.join(digits[i:i + 4] for i in range(0, 16, 4))


def curp(rng: random.Random) -> str:
    from stdnum.mx import curp as stdnum_curp

    letters = "ABCDEFGHJKLMNPRSTUVWXZ"
    body = (rng.choice("BCDGHLMPRS") + rng.choice("AEIOU") + rng.choice(letters)
            + rng.choice(letters) + f"{rng.randint(60, 99):02d}{rng.randint(1, 12):02d}"
            f"{rng.randint(1, 28):02d}" + rng.choice("HM") + rng.choice(["DF", "PL", "JC", "NL"])
            + rng.choice("BCDFGHJKLMNPRSTVZ") + rng.choice("BCDFGHJKLMNPRSTVZ")
            + rng.choice("BCDFGHJKLMNPRSTVZ") + "0")
    return body + stdnum_curp.calc_check_digit(body)


def rfc(rng: random.Random) -> str:
    from stdnum.mx import rfc as stdnum_rfc

    letters = "ABCDEFGHJKLMNPRSTUVWXZ"
    body = ("".join(rng.choice(letters) for _ in range(4))
            + f"{rng.randint(60, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            + rng.choice(letters) + rng.choice("123456789"))
    return body + stdnum_rfc.calc_check_digit(body)


def email(name: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    first, last = plain.split()[:2]
    return f"{first}.{last}@example.com"


def phone(rng: random.Random) -> str:
    area = rng.choice(["55", "222", "33", "81"])
    rest = "".join(rng.choice("0123456789") for _ in range(10 - len(area)))
    return rng.choice([f"{area} {rest[:-4]} {rest[-4:]}", f"({area}) {rest[:-4]}-{rest[-4:]}",
                       f"+52 {area} {rest[:-4]} {rest[-4:]}"])


def make_screens(folder: Path, count: int = 30, seed: int = 2026) -> list[Screen]:
    """`count` screenshots in `folder` (PNG), each with the error line and 2–6 secrets."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    return [_screen(folder / f"captura-{n:02d}.png", rng, n) for n in range(count)]


def make_short_captures(folder: Path, seed: int = 2026) -> list[Screen]:
    """What agents paste besides whole screens: strips cut around the error (one line or
    two, a card, CURP or RFC beside it or not; light and dark) and a phone's own screenshots
    at its full resolution (1290 × 2796, text three times a web page's)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    strips = [_strip(folder / f"recorte-{n:02d}-{w}x{h}.png", rng, n, (w, h), kind, px,
                     message or ERRORS[(n * 3) % len(ERRORS)])
              for n, (w, h, kind, px, message) in enumerate(STRIPS)]
    phones = [_screen(folder / f"telefono-{n:02d}-{PHONE[0]}x{PHONE[1]}.png", rng, n,
                      size=PHONE, scale=3) for n in PHONE_SCREENS]
    return [*strips, *phones]


# (width, height, the secret beside the error line or None, text height in px, the error if
# not one of ERRORS): the fourth, a short message and a card cut to their line in a
# monospaced font, is one whose card RapidOCR's enlarging split across two lines.
STRIPS: list[tuple[int, int, str | None, int, str | None]] = [
    (600, 120, "card", 20, None), (600, 120, None, 22, None), (900, 60, "card", 20, None),
    (432, 26, "card", 12, "Pago rechazado"), (300, 40, None, 14, None),
    (480, 64, "rfc", 16, None), (700, 90, "curp", 18, None)]
PHONE = (1290, 2796)
PHONE_SCREENS = (3, 19)  # drawn as screens 3 (monospaced, light) and 19 (bold, dark) are


def _strip(path: Path, rng: random.Random, n: int, size: tuple[int, int],
           kind: str | None, px: int, message: str) -> Screen:
    """A strip cut around an error message: with a secret, on a second line where it is
    tall enough for two, else after the message on the same line."""
    from PIL import Image, ImageDraw

    width, height = size
    dark = n % 3 == 2
    background = (30, 30, 34) if dark else (255, 255, 255)
    ink = (255, 200, 200) if dark else (170, 20, 20)
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    font_path = FONTS[n % len(FONTS)]
    value = {"card": card, "curp": curp, "rfc": rfc}[kind](rng) if kind else ""
    label = {"card": "Tarjeta", "curp": "CURP", "rfc": "RFC"}.get(kind or "", "")
    two_lines = kind is not None and height >= 90
    rows = 2 if two_lines else 1
    font = _font(font_path, px)
    same_line = f"  {label}: " if kind and not two_lines else ""
    while (draw.textlength(message + same_line + value, font=font) > width - 24
           and font.size > 10):
        font = _font(font_path, font.size - 1)  # the whole line in the strip
    line_height = font.size * 3 // 2
    y = (height - rows * line_height) // 2 + (line_height - font.size) // 2
    draw.text((12, y), message, fill=ink, font=font)
    error = Drawn("error", message, _box(draw.textbbox((12, y), message, font=font)))
    secrets = []
    if kind:
        if two_lines:
            x, y = 12, y + line_height
            draw.text((x, y), f"{label}:", fill=ink, font=font)
            x += int(draw.textlength(f"{label}: ", font=font)) + 4
        else:
            draw.text((12, y), message + same_line, fill=ink, font=font)
            x = 12 + int(draw.textlength(message + same_line, font=font))
        draw.text((x, y), value, fill=ink, font=font)
        secrets.append(Drawn(kind, value, _box(draw.textbbox((x, y), value, font=font))))
    image.save(path, format="PNG")
    return Screen(path, error, secrets, [], (), background)


def _screen(path: Path, rng: random.Random, n: int, size: tuple[int, int] | None = None,
            scale: int = 1) -> Screen:
    """Screen `n` of the set; `size` and `scale` draw it as a phone does at its own
    resolution (every length times `scale`)."""
    from PIL import Image, ImageDraw

    width, height = size or SIZES[n % len(SIZES)]
    dark = n % 5 == 4
    background = (30, 30, 34) if dark else rng.choice([(255, 255, 255), (245, 246, 248)])
    ink = (230, 230, 230) if dark else (20, 20, 30)
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    font_path = FONTS[n % len(FONTS)]
    size_pt = rng.choice([16, 18, 20, 22, 24]) if width // scale > 500 else rng.choice([18, 20])
    size_px = size_pt * scale
    label_font, value_font = _font(font_path, size_px), _font(font_path, size_px)
    bar = (0, 82, 147) if not dark else (50, 50, 60)
    draw.rectangle((0, 0, width, 56 * scale), fill=bar)
    draw.text((20 * scale, 14 * scale), TITLES[n % len(TITLES)], fill=(255, 255, 255),
              font=_font(FONTS[1], 24 * scale))
    name = NAMES[n % len(NAMES)]
    values = {"card": card(rng), "curp": curp(rng), "rfc": rfc(rng), "name": name,
              "email": email(name), "phone": phone(rng)}
    shown = ["name", *rng.sample([k for k in KINDS if k != "name"], rng.randint(2, 5))]
    labels = {"card": "Tarjeta", "curp": "CURP", "rfc": "RFC", "name": "Cliente",
              "email": "Correo", "phone": "Teléfono"}
    when = f"{rng.randint(1, 28):02d}/11/2026 {rng.randint(8, 19)}:{rng.randint(10, 59)}"
    harmless = [("Póliza", f"POL-{rng.randint(1000, 9999)}"), ("Fecha", when),
                ("Monto", f"${rng.randint(1, 20)},{rng.randint(100, 999)}.00")]
    rows: list[tuple[str, str, str | None]] = [(labels[k], values[k], k) for k in shown]
    rows += [(label, value, None) for label, value in harmless]
    rng.shuffle(rows)
    x, y = 24 * scale, 80 * scale
    step = size_px + 18 * scale
    screen_secrets, screen_harmless = [], []
    for label, value, kind in rows:
        draw.text((x, y), f"{label}:", fill=ink, font=label_font)
        vx = x + int(draw.textlength(f"{label}: ", font=label_font)) + 8 * scale
        draw.text((vx, y), value, fill=ink, font=value_font)
        box = _box(draw.textbbox((vx, y), value, font=value_font))
        (screen_secrets if kind else screen_harmless).append(Drawn(kind or label, value, box))
        y += step
    message = ERRORS[n % len(ERRORS)]
    y += 10 * scale
    pad = 10 * scale
    error_font = _font(font_path, size_px)
    while (draw.textlength(message, font=error_font) > width - x - 40 * scale
           and error_font.size > 10):
        error_font = _font(font_path, error_font.size - 1)  # the whole line on a phone too
    text_box = draw.textbbox((x + 12 * scale, y + pad), message, font=error_font)
    draw.rectangle((x, y, min(width - 10 * scale, text_box[2] + 12 * scale), text_box[3] + pad),
                   fill=(253, 226, 226) if not dark else (90, 30, 30),
                   outline=(200, 40, 40), width=scale)
    draw.text((x + 12 * scale, y + pad), message,
              fill=(170, 20, 20) if not dark else (255, 200, 200), font=error_font)
    image.save(path, format="PNG")
    known = (name, values["email"], values["phone"])
    return Screen(path, Drawn("error", message, _box(text_box)), screen_secrets,
                  screen_harmless, known, background)


def _font(path: str, size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.truetype(path, size)
    except OSError:  # a machine without that font: Pillow's own, at the same size
        return ImageFont.load_default(size)


def _pixels(image: Any) -> list[tuple[int, int, int]]:
    raw = image.tobytes()
    return [(raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 3)]


def _box(box: Any) -> tuple[int, int, int, int]:
    return (int(box[0]), int(box[1]), int(box[2]), int(box[3]))


def ink_covered(original: Path, redacted: Path, box: tuple[int, int, int, int],
                background: tuple[int, int, int]) -> float:
    """The share of the text's ink in `box` that is black in the redacted copy (1.0: all)."""
    from PIL import Image

    with Image.open(original) as before, Image.open(redacted) as after:
        a, b = before.convert("RGB").crop(box), after.convert("RGB").crop(box)
        ink = covered = 0
        width = a.width
        for index, old in enumerate(_pixels(a)):
            new = b.getpixel((index % width, index // width))
            if sum(abs(o - g) for o, g in zip(old, background, strict=True)) > 120:
                ink += 1
                covered += new == (0, 0, 0)
    return covered / ink if ink else 1.0


@dataclass
class Verdict:
    """One redacted screenshot checked: secrets still visible (by pixels and by a second
    OCR read), harmless values and the error line still readable."""

    leaks: list[str]
    error_kept: bool
    harmless_covered: list[str]


def check(screen: Screen, redacted: Path, read_back: list[str] | None) -> Verdict:
    """Judge a redacted copy against what the generator drew; `read_back`, the OCR's second
    read of it (None: by pixels alone, for a copy whose redaction was judged already)."""
    from rapidfuzz import fuzz

    squeezed = "".join(_squeeze(t) for t in read_back or [])
    leaks = []
    for secret in screen.secrets:
        hidden = ink_covered(screen.path, redacted, secret.box, screen.background)
        needle = _squeeze(secret.text)
        read = needle in squeezed or (secret.kind in ("card", "phone")
                                      and _digits(secret.text)[-10:] in _digits(squeezed))
        if hidden < 0.98 or read:
            leaks.append(f"{secret.kind} {secret.text!r}: tapado {hidden:.0%}, "
                         f"{'legible' if read else 'no legible'} por OCR")
    error = screen.error
    untouched = ink_covered(screen.path, redacted, error.box, screen.background) < 0.02
    error_kept = untouched and (read_back is None
                                or fuzz.partial_ratio(_squeeze(error.text), squeezed) >= 90)
    harmless_covered = [d.text for d in screen.harmless
                        if ink_covered(screen.path, redacted, d.box, screen.background) > 0.5]
    return Verdict(leaks, error_kept, harmless_covered)


def _squeeze(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text)
    return "".join(ch.lower() for ch in plain if ch.isalnum() or ch in "@.")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())
