"""Screenshots read and blacked out before upload (the `escalate[ocr]` extra).

The captures are drawn here (tests/screens.py); with the extra installed, a sample of them
is scanned and each copy checked by pixels and by a second OCR read: no card, CURP, RFC or
client value left, the error line and the harmless numbers untouched. The full set's
numbers are benchmarks/screenshots.py's. Without the extra, the answer is that images are
not scanned; an extra that fails to load is a warning, never a crash."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from escalate.workflows import screenshots
from escalate.workflows.screenshots import Line, OcrUnavailable, find

from .screens import KINDS, check, make_screens, make_short_captures

try:
    import rapidocr_onnxruntime  # noqa: F401

    HAS_OCR = True
except ImportError:
    HAS_OCR = False
NEEDS_OCR = pytest.mark.skipif(not HAS_OCR, reason='sin el complemento: pip install '
                                                   '"escalate[ocr]"')


@pytest.fixture
def fresh_engine() -> Iterator[None]:
    """The engine is loaded once per process: tests that fake its loading start afresh."""
    screenshots._engine.cache_clear()
    yield
    screenshots._engine.cache_clear()


def test_the_generator_draws_30_distinct_screens_with_every_kind_of_secret(tmp_path: Path):
    screens = make_screens(tmp_path, 30)
    assert len({s.path.read_bytes() for s in screens}) == 30
    drawn = {secret.kind for s in screens for secret in s.secrets}
    assert drawn == set(KINDS)
    assert len({s.error.text for s in screens}) >= 8
    for screen in screens:
        assert screen.error.box[2] > screen.error.box[0]
        assert any(secret.kind == "name" for secret in screen.secrets)


def test_in_ocr_text_cards_curp_rfc_and_the_clients_values_are_found():
    line = Line("Tarjeta:4111111111111111CURP:GODE561231HDFRRN00", tuple(), 1.0)
    assert [(k, line.text[a:b]) for k, a, b in find(line)] == [
        ("card", "4111111111111111"), ("curp", "GODE561231HDFRRN00")]
    misread = Line("CURP:G0DE561231HDFRRNO0 RFC:GODE56l231GR8", tuple(), 1.0)
    assert [k for k, _, _ in find(misread)] == ["curp", "rfc"]
    client = Line("Cliente:AnaLopezRuiz Tel:(55)1234-5678 ana.lopez@example.com", tuple(), 1.0)
    found = [client.text[a:b] for _, a, b in find(client, ("Ana López Ruiz", "+52 55 1234 5678",
                                                           "ana.lopez@example.com"))]
    assert found == ["AnaLopezRuiz", "(55)1234-5678", "ana.lopez@example.com"]


def test_a_name_word_misread_is_still_found_but_short_words_are_not_guessed():
    line = Line("Cliente:JoseHemandezMora", tuple(), 1.0)
    assert [line.text[a:b] for _, a, b in find(line, ("José Hernández Mora",))] == [
        "Jose", "Hemandez", "Mora"]  # word by word
    peña = Line("Cliente:Ricardo Gomez Penia", tuple(), 1.0)
    assert "Penia" in [peña.text[a:b] for _, a, b in find(peña, ("Ricardo Gómez Peña",))]
    error = Line("Tiempo de espera agotado", tuple(), 1.0)
    assert find(error, ("Ricardo Gómez Peña", "Patricia Torres Lara")) == []


@pytest.mark.parametrize("text", ["Póliza:POL-2044", "Fecha:30/11/2026 10:15",
                                  "Monto:$17,365.00", "Error 500: No se pudo guardar"])
def test_harmless_numbers_are_not_covered(text: str):
    assert find(Line(text, tuple(), 1.0), ("Ana López",)) == []


@NEEDS_OCR
def test_screenshots_keep_no_secret_and_keep_the_error_line(tmp_path: Path):
    # The generator draws screen n after screens 0..n-1, so 24 are the set's first 24.
    screens = make_screens(tmp_path / "in", 24)
    # Web and phone screens, light and dark, sans, mono, serif and bold, and among them
    # every kind of secret (card, CURP, RFC, name, email, phone): all 30 in the benchmark.
    # On 23 the recogniser places a name's first letter late: the stem of its «M» showed.
    sample = [screens[n] for n in (0, 3, 14, 23)]
    assert {d.kind for s in sample for d in s.secrets} == set(KINDS)
    (tmp_path / "out").mkdir()
    for screen in sample:
        output = tmp_path / "out" / screen.path.name
        result = screenshots.redact(screen.path, output, screen.known)
        assert result.covered, screen.path.name
        verdict = check(screen, output, [line.text for line in screenshots.read(output)])
        assert verdict.leaks == [], screen.path.name
        assert verdict.error_kept, screen.path.name
        assert verdict.harmless_covered == [], screen.path.name


@NEEDS_OCR
def test_a_strip_cut_around_the_error_has_its_card_covered_and_keeps_the_error(tmp_path: Path):
    # Agents often paste just the error line: two lines (600 × 120), one line with the card
    # after the message (900 × 60), and one cut to its 12-px line (432 × 26) whose card the
    # OCR's old enlarging to 736 px split in two and left uncovered.
    strips = [s for s in make_short_captures(tmp_path / "in") if s.path.name.startswith(
        ("recorte-00-600x120", "recorte-02-900x60", "recorte-03-432x26"))]
    assert len(strips) == 3 and all(s.secrets[0].kind == "card" for s in strips)
    for strip in strips:
        output = tmp_path / f"out-{strip.path.name}"
        result = screenshots.redact(strip.path, output, ())
        assert [c.kind for c in result.covered] == ["card"], strip.path.name
        verdict = check(strip, output, [line.text for line in screenshots.read(output)])
        assert verdict.leaks == [], strip.path.name  # its ink black, not read again
        assert verdict.error_kept, strip.path.name  # untouched, and read again


@NEEDS_OCR
def test_an_image_without_secrets_is_left_as_it_was(tmp_path: Path):
    from PIL import Image

    [strip] = [s for s in make_short_captures(tmp_path / "in") if s.path.name.startswith(
        "recorte-01-600x120")]  # an error line alone
    result = screenshots.redact(strip.path, tmp_path / "out.png", ("Ana López",))
    assert any("encontrada" in line.text for line in result.lines)  # read, and nothing found
    assert result.covered == []
    with Image.open(strip.path) as a, Image.open(tmp_path / "out.png") as b:
        assert a.convert("RGB").tobytes() == b.convert("RGB").tobytes()


def test_an_image_too_small_to_show_a_line_is_not_read_and_loads_no_engine(
        tmp_path: Path, fresh_engine, monkeypatch):
    from PIL import Image

    from escalate.workflows.files import IMAGES

    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # loading would fail
    Image.new("RGB", (200, 7), "white").save(tmp_path / "strip.png")
    strip = types.SimpleNamespace(kind=next(iter(IMAGES)), path=str(tmp_path / "strip.png"),
                                  name="strip.png")
    scanned, unavailable = screenshots.scan_files([strip], [], tmp_path)
    assert unavailable is None and scanned[0].redaction is None
    Image.new("RGB", (200, 8), "white").save(tmp_path / "line.png")  # one line fits: read
    line = types.SimpleNamespace(**{**vars(strip), "path": str(tmp_path / "line.png")})
    assert screenshots.scan_files([line], [], tmp_path)[1] is not None


def test_without_the_extra_images_are_not_scanned(fresh_engine, monkeypatch):
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # import fails
    with pytest.raises(OcrUnavailable) as caught:
        screenshots.engine()
    assert not caught.value.installed
    # how the guide installs escalate (pipx or uv, from its folder), not a PyPI package
    assert "no se revisan" in caught.value.message
    assert 'pipx install --force ".[ocr]"' in caught.value.message


def test_an_extra_that_fails_to_load_is_a_warning_not_a_crash(fresh_engine, monkeypatch):
    broken = types.ModuleType("rapidocr_onnxruntime")

    def load(**_: object) -> None:
        raise RuntimeError("onnxruntime: cannot load model")

    broken.RapidOCR = load  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", broken)
    with pytest.raises(OcrUnavailable) as caught:
        screenshots.engine()
    assert caught.value.installed
    assert "no se pudo cargar" in caught.value.message and "cannot load model" in \
        caught.value.message
