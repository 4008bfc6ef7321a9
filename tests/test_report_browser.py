"""The HTML report in a real browser: headless Chromium renders its charts, offline.

Skipped only where no Chromium is installed (`.ci/run` installs Debian's `chromium`), and
the skip says so.
"""

from __future__ import annotations

import random
import re
import shutil
import struct
import subprocess
import time
import zlib
from datetime import datetime, timezone
from pathlib import Path

import pytest

from .conftest import Cli, Sandbox
from .test_report import POLICY, history, seed

CHROMIUM = next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 for found in [shutil.which(name)] if found), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no hay Chromium en esta máquina (en Debian: apt-get install -y "
                             "chromium; .ci/run lo instala): no se puede probar el HTML en un "
                             "navegador")


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--no-first-run", "--disable-extensions",
         f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=False)


def png_pixels(path: Path) -> tuple[int, int, bytes]:
    """Width, height and the decompressed scanlines of a PNG (no imaging library needed)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat = 8, b""
    width = height = 0
    while offset < len(data):
        (size,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + size]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        offset += 12 + size
    return width, height, zlib.decompress(idat)


def test_the_html_report_draws_its_charts_and_fits_1200_px_in_headless_chromium(
        cli: Cli, sandbox: Sandbox, tmp_path: Path):
    (cli.cwd / "escalate.toml").write_text(POLICY, encoding="utf-8")
    base_ms = int(time.time() * 1000)
    seed(sandbox, history(random.Random(7), 60), base_ms)
    since = datetime.fromtimestamp(base_ms / 1000 - 480 * 3600, tz=timezone.utc).isoformat()
    page = tmp_path / "informe.html"
    result = cli("report", "--desde", since, "--html", str(page))
    assert result.code == 0, result.err

    # The report has no script; a copy gets one that measures the laid-out page at 1200 px.
    probe = tmp_path / "medido.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", """<script>
const wide = [...document.querySelectorAll("section, .table")].filter(
  e => e.scrollWidth > e.clientWidth + 1 ||
       e.getBoundingClientRect().right > document.documentElement.clientWidth);
const cut = [...document.querySelectorAll("th, td, svg")].filter(e => {
  const box = e.getBoundingClientRect(), card = e.closest("section").getBoundingClientRect();
  return box.right > card.right + 1;});
document.body.dataset.fits = `${wide.length} ${cut.length}`;
</script></body>"""), encoding="utf-8")
    dom = chromium(tmp_path / "profile", "--dump-dom", "--window-size=1200,1600",
                   probe.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<svg") >= 5 + 4  # a chart per breakdown, one per priority
    assert dom.stdout.count('class="bar"') >= 20
    assert "Problemas recurrentes" in dom.stdout and "/ticket/" in dom.stdout
    assert "Ahorro" in dom.stdout and "Ana Martínez Ruiz" in dom.stdout
    # What a supervisor acts on: per agent, and the clients kept waiting, each linked.
    agents = dom.stdout.split("Por agente: resolución y promesa al cliente")[1].split(
        "</section>")[0]
    assert agents.count("<tr>") == 1 + 3 and "Luis Pérez Gómez" in agents  # two, and none
    assert re.search(r"\d+ de \d+ \(\d+\.\d %\)", agents)
    waited = dom.stdout.split("Clientes que esperaron más del intervalo sin aviso")[1].split(
        "</section>")[0]
    assert waited.count('href="https://app.sandbox.invalid/') >= 5
    assert 'data-fits="0 0"' in dom.stdout  # every table and chart fits its card

    # The report itself, as a supervisor sees it: drawn, not blank.
    shot = tmp_path / "informe.png"
    answer = chromium(tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,1600",
                      "--hide-scrollbars", page.as_uri())
    assert answer.returncode == 0 and shot.exists(), answer.stderr[-2000:]
    width, height, pixels = png_pixels(shot)
    assert (width, height) == (1280, 1600)
    # A blank page is a few byte values repeated; drawn bars and text are many.
    assert len(set(pixels)) > 50 and shot.stat().st_size > 20_000
