"""Operating-system errors in the agent's words: one table, read by the CLI's messages and
the outbox's local trouble. SQLite's own error names and its English texts are mapped onto
the same errno names, so a full disk reads the same whoever met it."""

from __future__ import annotations

import errno

# errno name -> what happened, in Spanish
REASONS = {
    "EACCES": "no hay permiso", "EPERM": "no hay permiso",
    "ENOENT": "no existe", "EISDIR": "es una carpeta",
    "ENOTDIR": "una parte de la ruta es un archivo, no una carpeta",
    "ENOSPC": "el disco está lleno", "EDQUOT": "el disco está lleno",
    "EFBIG": "el disco está lleno", "EROFS": "es de solo lectura", "EEXIST": "ya existe",
    "EBUSY": "otro proceso la tiene bloqueada",
    "EADDRINUSE": "la dirección o el puerto ya están en uso",
    "EADDRNOTAVAIL": "esa dirección no es de esta máquina",
    "ECONNREFUSED": "conexión rechazada", "ETIMEDOUT": "se agotó el tiempo de espera",
    "EMFILE": "demasiados archivos abiertos", "ENAMETOOLONG": "el nombre es demasiado largo",
    # not an errno: SQLite's name for a file replaced by another process while it was open
    "MOVED": "otro proceso reemplazó su archivo mientras se usaba",
}
_SQLITE = {"SQLITE_FULL": "ENOSPC", "SQLITE_PERM": "EACCES", "SQLITE_BUSY": "EBUSY",
           "SQLITE_LOCKED": "EBUSY"}
_TEXTS = (("disk is full", "ENOSPC"), ("readonly", "EROFS"), ("read-only", "EROFS"),
          ("locked", "EBUSY"))


def code(exc: BaseException) -> str | None:
    """The errno name of an OS or SQLite error (None: none is known)."""
    number = getattr(exc, "errno", None)
    if isinstance(number, int) and number in errno.errorcode:
        return errno.errorcode[number]
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name == "SQLITE_READONLY_DBMOVED":  # "readonly database", but the folder is writable
        return "MOVED"
    if name.startswith("SQLITE_READONLY"):
        return "EROFS"
    if name in _SQLITE:
        return _SQLITE[name]
    text = str(exc).lower()
    return next((found for words, found in _TEXTS if words in text), None)


def reason(exc: BaseException) -> str:
    """What happened, in Spanish."""
    import socket

    if isinstance(exc, socket.gaierror):
        return "no se encontró esa dirección"
    known = REASONS.get(code(exc) or "")
    if known:
        return known
    number = getattr(exc, "errno", None)
    return f"error del sistema (código {number})" if number else "error del sistema"


def message(exc: OSError) -> str:
    """An OS error in Spanish, naming the file it concerns."""
    return f"{exc.filename}: {reason(exc)}" if exc.filename is not None else reason(exc)
