"""The image in the clipboard, saved as a PNG the agent can attach.

The escalation guide's slowest step is a screenshot: save it, find the file, type its
path. Here the agent copies the capture and asks for it: on Windows and macOS through
Pillow's `ImageGrab` (the OS's own clipboard API); on Linux through `wl-paste` (Wayland)
or `xclip` (X11), the tools every desktop has a package for, so that Linux needs no
Pillow. The PNG is saved under ESCALATE_HOME/capturas (0700), named by date and time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from .errors import InvalidInput
from .system import private_dir, with_extra

FOLDER = "capturas"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TIMEOUT = 10  # seconds: a clipboard owner that never answers is not waited on forever
NOTHING = "No se adjuntó nada."
HOW_TO_COPY = ("Copie la captura (Impr Pant o Mayús+Impr Pant en Linux, Win+Mayús+S en "
               "Windows, Cmd+Ctrl+Mayús+4 en macOS) y vuelva a intentarlo.")


class ClipboardProblem(InvalidInput):
    """The clipboard holds no image, or cannot be read here: nothing is attached (exit 2)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__([message], hint=hint or NOTHING, fields={"clipboard": message})


def paste_image(home: Path, now: datetime, environ: Mapping[str, str] | None = None,
                platform: str | None = None) -> Path:
    """Save the clipboard's image as `capturas/portapapeles-AAAA-MM-DD_HH-MM-SS.png` under
    `home` and return its path; ClipboardProblem (exit 2) when there is no image."""
    environ = os.environ if environ is None else environ
    platform = platform or sys.platform
    if platform.startswith("linux") or platform.startswith("freebsd"):
        data = _linux_png(environ)
    else:
        data = _grab_png()
    return _save(data, private_dir(home / FOLDER), now)


def _save(data: bytes, folder: Path, now: datetime) -> Path:
    stamp = now.astimezone().strftime("%Y-%m-%d_%H-%M-%S")
    path = folder / f"portapapeles-{stamp}.png"
    counter = 2
    while path.exists():  # two pastes in the same second keep both
        path = folder / f"portapapeles-{stamp}-{counter}.png"
        counter += 1
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return path


# -- Linux: wl-paste or xclip ----------------------------------------------------------------


def _linux_png(environ: Mapping[str, str]) -> bytes:
    search = environ.get("PATH", os.defpath)
    wayland = environ.get("WAYLAND_DISPLAY") and shutil.which("wl-paste", path=search)
    xclip = environ.get("DISPLAY") and shutil.which("xclip", path=search)
    if wayland:
        command = [str(wayland)]
        list_types, read = [*command, "--list-types"], [*command, "--no-newline", "--type"]
    elif xclip:
        command = [str(xclip), "-selection", "clipboard", "-o"]
        list_types, read = [*command, "-t", "TARGETS"], [*command, "-t"]
    elif not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        raise ClipboardProblem(
            "No hay sesión gráfica (ni DISPLAY ni WAYLAND_DISPLAY): no hay portapapeles que "
            "leer en esta terminal.", hint="Guarde la captura como archivo y adjúntela por "
            "su ruta. " + NOTHING)
    else:
        raise ClipboardProblem(
            "Para leer el portapapeles hace falta wl-paste (paquete wl-clipboard, en Wayland) "
            "o xclip (paquete xclip, en X11), y no está ninguno.",
            hint="Instálelo, por ejemplo: sudo apt install wl-clipboard xclip. " + NOTHING)
    types = _run(list_types, environ).decode("utf-8", "replace").split()
    if "image/png" in types:
        return _png(_run([*read, "image/png"], environ))
    other = next((t for t in types if t.startswith("image/")), None)
    if other is not None:
        return _as_png(_run([*read, other], environ), other)
    if any(t.startswith("text/") or t in ("UTF8_STRING", "STRING", "TEXT") for t in types):
        raise ClipboardProblem("El portapapeles tiene texto, no una imagen.",
                               hint=f"{HOW_TO_COPY} {NOTHING}")
    raise ClipboardProblem("El portapapeles está vacío.", hint=f"{HOW_TO_COPY} {NOTHING}")


def _run(command: list[str], environ: Mapping[str, str]) -> bytes:
    """A clipboard tool's output; an empty clipboard (the tool says so, exit ≠ 0) is b""."""
    try:
        done = subprocess.run(command, capture_output=True, timeout=TIMEOUT,
                              env=dict(environ), check=False)
    except subprocess.TimeoutExpired:
        raise ClipboardProblem(f"{Path(command[0]).name} no respondió en {TIMEOUT} s al leer "
                               "el portapapeles.") from None
    return done.stdout if done.returncode == 0 else b""


def _png(data: bytes) -> bytes:
    if not data.startswith(PNG_SIGNATURE):
        raise ClipboardProblem("El portapapeles dice tener una imagen PNG pero no la entregó.",
                               hint=f"{HOW_TO_COPY} {NOTHING}")
    return data


def _as_png(data: bytes, kind: str) -> bytes:
    """Another image type (JPEG, BMP) made PNG, with Pillow where it is installed."""
    try:
        import io

        from PIL import Image
    except ImportError:
        raise ClipboardProblem(
            f"La imagen del portapapeles es {kind}, no PNG, y convertirla necesita Pillow "
            f"({with_extra('ocr')}).", hint=f"{HOW_TO_COPY} {NOTHING}") from None
    try:
        with Image.open(io.BytesIO(data)) as image:
            out = io.BytesIO()
            image.save(out, format="PNG")
    except OSError:
        raise ClipboardProblem(f"La imagen del portapapeles ({kind}) no se pudo leer.") from None
    return out.getvalue()


# -- Windows and macOS: Pillow's ImageGrab ---------------------------------------------------


def _grab_png() -> bytes:
    import io

    try:
        from PIL import Image, ImageGrab
    except ImportError:
        raise ClipboardProblem("Leer el portapapeles en este sistema necesita Pillow, que "
                               "escalate instala en Windows y macOS: reinstale escalate.") \
            from None
    grabbed = ImageGrab.grabclipboard()
    if isinstance(grabbed, list):  # files copied in the file manager: the first image
        grabbed = next((Image.open(p) for p in grabbed if _is_image(p)), None)
    if grabbed is None:
        raise ClipboardProblem("El portapapeles no tiene una imagen (está vacío o tiene "
                               "texto).", hint=f"{HOW_TO_COPY} {NOTHING}")
    out = io.BytesIO()
    grabbed.save(out, format="PNG")
    return out.getvalue()


def _is_image(path: str) -> bool:
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.verify()
    except OSError:
        return False
    return True
