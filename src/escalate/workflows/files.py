"""Attachments on the agent's machine: checked once on the bytes read, uploaded exactly so.

Each file is opened once without following a link (a link typed by the agent is resolved
first and said, and its target checked like any other file), must be a regular file (a
FIFO or a device is refused at once, never read), and its size and kind are judged on the
bytes actually read, never on what `stat` said. What is kept with the outbox entry is the
content's SHA-256: at upload time the file is read again the same way and only those bytes,
if their hash is the one checked, are sent; a file changed, grown, replaced, turned into a
link or deleted since is `FileChanged` (the entry waits for the agent), never uploaded.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..domain.text import clean
from ..errors import FileChanged, InvalidInput
from ..os_errors import reason

ACCEPTED = {
    "image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WebP",
    "image/heic": "HEIC", "image/heif": "HEIF", "image/avif": "AVIF",
    "application/pdf": "PDF",
}
TEXT = "text/plain"
# Plain text is attached only under a name that says it is text: a `.env` linked or copied
# as `captura.png` is refused, whatever it holds.
TEXT_SUFFIXES = frozenset({".txt", ".log", ".csv", ".json", ".xml", ".md", ".har"})
IMAGES = frozenset(label for kind, label in ACCEPTED.items() if kind.startswith("image/"))
SNIFF_BYTES = 8192
# What a file's extension declares: its content must be that (a text, or a link to
# /etc/passwd, named .png is not uploaded as a screenshot; a PDF named .jpg neither). Other
# extensions declare nothing, and text still needs a name in TEXT_SUFFIXES.
DECLARED = {
    "png": {"PNG"}, "jpg": {"JPEG"}, "jpeg": {"JPEG"}, "jpe": {"JPEG"}, "gif": {"GIF"},
    "webp": {"WebP"}, "heic": {"HEIC", "HEIF"}, "heif": {"HEIC", "HEIF"}, "avif": {"AVIF"},
    "pdf": {"PDF"}, "txt": {"texto"}, "log": {"texto"}, "csv": {"texto"},
}
# Opened for reading only, never through a final link, without blocking on a FIFO with no
# writer (so it is refused at once), binary on Windows, closed in any child process.
_OPEN = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
         | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0))


@dataclass(frozen=True)
class LocalFile:
    """A file checked for upload: where it is read from (a link's target), the safe name it
    will have in HubSpot, its size, kind and content hash as read."""

    path: Path
    name: str
    size: int
    kind: str
    identity: tuple[int, int] = (0, 0)  # device and inode: one file under any path
    sha256: str = ""
    mime: str = "application/octet-stream"
    link: str | None = None  # what was typed, when it was a link to `path`

    def as_payload(self) -> dict[str, Any]:
        """How the outbox keeps it: the content's hash, not the content."""
        return {"path": str(self.path), "name": self.name, "sha256": self.sha256,
                "size": self.size, "mime": self.mime}


class Unfit(ValueError):
    """A file that cannot be attached, with the reason in the agent's words."""


def check_files(paths: list[str], max_bytes: int, cwd: Path | None = None,
                notice: Callable[[str], None] | None = None) -> list[LocalFile]:
    """Every file checked; all problems reported together (exit 2), nothing uploaded.

    Relative paths are read from `cwd` (the command's working folder). The same file
    given twice, under one path or two (a link, `./`), is uploaded and listed once. A link
    is followed once, here, and `notice` says where it leads.
    """
    files: list[LocalFile] = []
    problems: list[str] = []
    seen: set[tuple[int, int]] = set()
    for raw in paths:
        try:
            found = _check(raw, max_bytes, cwd)
        except Unfit as exc:
            problems.append(str(exc))
            continue
        if found.identity in seen:
            continue
        seen.add(found.identity)
        files.append(found)
        if found.link is not None and notice is not None:
            notice(f"{found.link} es un enlace: se adjunta el archivo al que apunta, "
                   f"{found.path}, con el nombre {found.name}.")
    if problems:
        raise InvalidInput(problems, hint="No se subió ningún archivo.")
    return files


def _check(raw: str, max_bytes: int, cwd: Path | None = None) -> LocalFile:
    shown = clean(raw) or "(vacío)"
    path = Path(raw).expanduser()
    if cwd is not None and not path.is_absolute():
        path = cwd / path
    link = None
    if path.is_symlink():
        link, path = shown, Path(os.path.realpath(path))
    content, info = read_once(path, max_bytes, shown)
    name = safe_name(raw)
    mime = sniff(content)
    if mime is None:
        raise Unfit(f"{shown}: su contenido no es una imagen (PNG, JPEG, GIF, WebP, HEIC), un "
                    "PDF ni texto")
    kind = ACCEPTED.get(mime, "texto")
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    declared = DECLARED.get(extension)
    if declared is not None and kind not in declared:
        raise Unfit(f"{shown}: se llama .{extension} pero su contenido es {kind}: no se "
                    "adjunta (¿el archivo equivocado?)")
    if mime == TEXT and Path(name).suffix.lower() not in TEXT_SUFFIXES:
        raise Unfit(f"{shown}: su contenido es texto y su nombre no (un texto se adjunta con "
                    "nombre " + ", ".join(sorted(TEXT_SUFFIXES)) + ")")
    return LocalFile(path=path, name=name, size=len(content), kind=kind,
                     identity=(info.st_dev, info.st_ino),
                     sha256=hashlib.sha256(content).hexdigest(), mime=mime, link=link)


def read_once(path: Path, max_bytes: int, shown: str) -> tuple[bytes, os.stat_result]:
    """The file's bytes, read through one descriptor that is a regular file reached without
    a final link, and at most `max_bytes` of them (a file that grows while read is refused
    as too big, never sent cut); `Unfit` in the agent's words otherwise."""
    try:
        fd = os.open(path, _OPEN)
    except FileNotFoundError:
        raise Unfit(f"{shown}: el archivo no existe") from None
    except OSError as exc:
        raise Unfit(_unopenable(path, shown, exc)) from None
    try:
        info = os.fstat(fd)
        _regular(info, shown)  # before reading: a FIFO or a device is never read
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        try:
            content = handle.read(max_bytes + 1)
        except OSError as exc:
            raise Unfit(f"{shown}: no se puede leer ({reason(exc)})") from None
    if not content:
        raise Unfit(f"{shown}: el archivo está vacío")
    if len(content) > max_bytes:
        size = max(info.st_size, len(content))
        raise Unfit(f"{shown}: pesa {size / 1048576:.1f} MB o más y el máximo es "
                    f"{max_bytes / 1048576:g} MB (ESCALATE_MAX_FILE_MB)")
    return content, info


def _unopenable(path: Path, shown: str, exc: OSError) -> str:
    import errno

    if exc.errno == errno.ELOOP:
        return f"{shown}: es un enlace (cambió mientras se revisaba)"
    if path.is_dir():
        return f"{shown}: es una carpeta, no un archivo"
    return f"{shown}: no se puede leer ({reason(exc)})"


def _regular(info: os.stat_result, shown: str) -> None:
    mode = info.st_mode
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise Unfit(f"{shown}: es una carpeta, no un archivo")
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        raise Unfit(f"{shown}: es una tubería (FIFO) o un socket, no un archivo")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise Unfit(f"{shown}: es un dispositivo, no un archivo")
    raise Unfit(f"{shown}: no es un archivo normal")


def sniff(content: bytes) -> str | None:
    """The content's type from its bytes (never its name): an accepted image or PDF by its
    magic bytes, or plain UTF-8 text throughout; None if neither."""
    import filetype

    guess = filetype.guess(content[:SNIFF_BYTES])
    if guess is not None:
        return guess.mime if guess.mime in ACCEPTED else None
    if b"\x00" in content:
        return None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text)
    return TEXT if text and printable / len(text) > 0.95 else None


def checked_bytes(stored: dict[str, Any], max_bytes: int) -> bytes:
    """The bytes to upload for a file kept with an outbox entry: read once as at the check,
    and only if their hash is the one checked (entries kept before hashes were: the file is
    checked again instead). `FileChanged` names the file otherwise."""
    name = str(stored.get("name") or Path(str(stored["path"])).name)
    try:
        content, _ = read_once(Path(str(stored["path"])), max_bytes, name)
    except Unfit as exc:
        raise FileChanged(str(exc), files=(name,)) from None
    expected = stored.get("sha256")
    if expected and hashlib.sha256(content).hexdigest() != expected:
        raise FileChanged(f"{name}: cambió desde que se revisó (otro contenido o tamaño)",
                          files=(name,))
    if not expected and sniff(content) is None:
        raise FileChanged(f"{name}: su contenido ya no es una imagen, un PDF ni texto",
                          files=(name,))
    return content


def verify(stored: Iterable[dict[str, Any]], max_bytes: int) -> None:
    """Every file still as it was checked, before any is uploaded; `FileChanged` naming all
    that are not (so no file of a changed set is left in HubSpot without its note)."""
    problems: list[str] = []
    names: list[str] = []
    for item in stored:
        try:
            checked_bytes(item, max_bytes)
        except FileChanged as exc:
            problems.append(exc.message)
            names.extend(exc.files)
    if problems:
        raise FileChanged("; ".join(problems), files=tuple(names))


def mime_of(stored: dict[str, Any]) -> str:
    """The content type a kept file is uploaded with."""
    if stored.get("mime"):
        return str(stored["mime"])
    import mimetypes

    return mimetypes.guess_type(str(stored.get("name") or ""))[0] or "application/octet-stream"


def safe_name(raw: str) -> str:
    """The base name as typed (a link's own name, never its target's path), made safe."""
    name = clean(os.path.basename(raw.rstrip("/\\")))
    name = "".join("_" if ch in '\\/:*?"<>|' else ch for ch in name).strip(" ").rstrip(". ")
    if name.startswith("."):  # a hidden name, or only dots before the extension (`..png`)
        name = "archivo." + name.lstrip(".") if name.lstrip(".") else ""
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 110] + dot + ext[:9]) if dot else name[:120]
    return name or "archivo"
