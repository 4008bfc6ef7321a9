"""Attachments on the agent's machine: checked before anything is uploaded."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..domain.text import clean
from ..errors import InvalidInput
from ..os_errors import reason

ACCEPTED = {
    "image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WebP",
    "image/heic": "HEIC", "image/heif": "HEIF", "image/avif": "AVIF",
    "application/pdf": "PDF",
}
SNIFF_BYTES = 8192
# What a file's extension declares: its content must be that (a text, or a link to
# /etc/passwd, named .png is not uploaded as a screenshot). Other extensions declare nothing.
DECLARED = {
    "png": {"PNG"}, "jpg": {"JPEG"}, "jpeg": {"JPEG"}, "jpe": {"JPEG"}, "gif": {"GIF"},
    "webp": {"WebP"}, "heic": {"HEIC", "HEIF"}, "heif": {"HEIC", "HEIF"}, "avif": {"AVIF"},
    "pdf": {"PDF"}, "txt": {"texto"}, "log": {"texto"}, "csv": {"texto"},
}


@dataclass(frozen=True)
class LocalFile:
    """A readable regular file to upload, and the safe name it will have in HubSpot."""

    path: Path
    name: str
    size: int
    kind: str
    identity: tuple[int, int] = (0, 0)  # device and inode: one file under any path


def check_files(paths: list[str], max_bytes: int, cwd: Path | None = None) -> list[LocalFile]:
    """Every file checked; all problems reported together (exit 2), nothing uploaded.

    Relative paths are read from `cwd` (the command's working folder). The same file
    given twice, under one path or two (a link, `./`), is uploaded and listed once.
    """
    files: list[LocalFile] = []
    problems: list[str] = []
    seen: set[tuple[int, int]] = set()
    for raw in paths:
        try:
            found = _check(raw, max_bytes, cwd)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if found.identity in seen:
            continue
        seen.add(found.identity)
        files.append(found)
    if problems:
        raise InvalidInput(problems, hint="No se subió ningún archivo.")
    return files


def _check(raw: str, max_bytes: int, cwd: Path | None = None) -> LocalFile:
    shown = clean(raw) or "(vacío)"
    path = Path(raw).expanduser()
    if cwd is not None and not path.is_absolute():
        path = cwd / path
    try:
        info = path.stat()  # follows a link: what counts is the file it points to
    except FileNotFoundError:
        raise ValueError(f"{shown}: el archivo no existe") from None
    except OSError as exc:
        raise ValueError(f"{shown}: no se puede leer ({reason(exc)})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ValueError(f"{shown}: es una carpeta, no un archivo")
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{shown}: no es un archivo normal")
    if info.st_size == 0:
        raise ValueError(f"{shown}: el archivo está vacío")
    if info.st_size > max_bytes:
        raise ValueError(f"{shown}: pesa {info.st_size / 1048576:.1f} MB y el máximo es "
                         f"{max_bytes / 1048576:g} MB (ESCALATE_MAX_FILE_MB)")
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as exc:
        raise ValueError(f"{shown}: no se puede leer ({reason(exc)})") from None
    kind = sniff(head)
    if kind is None:
        raise ValueError(f"{shown}: su contenido no es una imagen (PNG, JPEG, GIF, WebP, HEIC), "
                         "un PDF ni texto")
    name = safe_name(raw)
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    declared = DECLARED.get(extension)
    if declared is not None and kind not in declared:
        raise ValueError(f"{shown}: se llama .{extension} pero su contenido es {kind}: no se "
                         "adjunta (¿el archivo equivocado?)")
    return LocalFile(path=path, name=name, size=info.st_size, kind=kind,
                     identity=(info.st_dev, info.st_ino))


def sniff(head: bytes) -> str | None:
    """The file's kind from its first bytes (never its extension), or None if not accepted."""
    import filetype

    guess = filetype.guess(head)
    if guess is not None:
        return ACCEPTED.get(guess.mime)
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the sniff boundary
            return None
        text = head[: exc.start].decode("utf-8")
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text)
    return "texto" if text and printable / len(text) > 0.95 else None


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
