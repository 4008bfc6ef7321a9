"""The team's policy file: where it is found, read as TOML, every problem with its line.

Found through ESCALATE_POLICY_FILE, else `escalate.toml` in the current folder, else in
ESCALATE_HOME; no file means the default policy (no owners, 48 h, no bump).
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InvalidInput

FILE_NAME = "escalate.toml"
# Far above any team's policy (a few KB, templates included), far below what costs memory.
MAX_BYTES = 512 * 1024
MAX_DEPTH = 12  # levels of tables, arrays and dotted keys; the file's own format uses 4


@dataclass(frozen=True)
class LoadedPolicy:
    """The policy in force and the file it came from (None: the defaults)."""

    policy: Any  # domain.policy.Policy; imported lazily to keep start-up light
    path: Path | None


def find(explicit: Path | None, cwd: Path, home: Path) -> Path | None:
    """The policy file to read: the configured one (which must exist), else the first found."""
    if explicit is not None:
        path = explicit if explicit.is_absolute() else cwd / explicit
        if not path.is_file():
            raise InvalidInput([f"ESCALATE_POLICY_FILE={str(explicit)!r}: no existe ese archivo "
                                "(o es una carpeta)."],
                               hint="Corrija la ruta o quite la variable.")
        return path
    for candidate in (cwd / FILE_NAME, home / FILE_NAME):
        if candidate.is_file():
            return candidate
    return None


def in_force(explicit: Path | None, cwd: Path, home: Path) -> LoadedPolicy | None:
    """The policy file in force, read and validated; None without one, whose defaults the
    callers know (pydantic, a tenth of a second, is then not even loaded)."""
    path = find(explicit, cwd, home)
    return None if path is None else read(path)


def load(explicit: Path | None, cwd: Path, home: Path) -> LoadedPolicy:
    """Read and validate the policy in force; exit 2 listing every problem with its line."""
    from .domain.policy import Policy

    path = find(explicit, cwd, home)
    if path is None:
        return LoadedPolicy(Policy(), None)
    return read(path)


def read(path: Path) -> LoadedPolicy:
    """The policy in the file `path` (found by `find`); exit 2 as `load`. Read as Windows
    editors save it (Notepad's BOM, PowerShell 5's UTF-16, CRLF); another encoding is
    refused naming it."""
    from .system import SAVE_AS_UTF8, TooLarge, UnreadableText, read_text

    try:
        text = read_text(path, MAX_BYTES)
    except OSError as exc:
        from .os_errors import reason

        raise InvalidInput([f"No se pudo leer el archivo de políticas {path}: "
                            f"{reason(exc)}."]) from None
    except UnreadableText as exc:
        raise InvalidInput([f"El archivo de políticas {path} está guardado en {exc.encoding}: "
                            "no se puede leer."], hint=f"Ábralo y {SAVE_AS_UTF8}.") from None
    except TooLarge:
        raise InvalidInput([f"El archivo de políticas {path} pesa más de "
                            f"{MAX_BYTES // 1024} KB: no es un archivo de políticas."],
                           hint="Revise ESCALATE_POLICY_FILE o el archivo.") from None
    return LoadedPolicy(parse(text, path), path)


def parse(text: str, path: Path) -> Any:
    """A `Policy` from TOML text; problems name the file and line."""
    from pydantic import ValidationError

    from .domain.nesting import toml_too_deep
    from .domain.policy import Policy

    deep = toml_too_deep(text, MAX_DEPTH)
    if deep is not None:  # before the parser, whose cost grows with the depth
        raise InvalidInput([f"{path.name}, línea {deep.line}: anida más de {MAX_DEPTH} "
                            "niveles (tablas, listas o claves con puntos): no es un archivo "
                            "de políticas."], hint="Revise el archivo; el formato está en "
                                                   "docs/guia-supervisores.md.")
    toml = _toml()
    try:
        data = toml.loads(text)
    except toml.TOMLDecodeError as exc:
        line, column = _decode_place(exc)
        where = f"{path.name}, línea {line}, columna {column}" if line else path.name
        raise InvalidInput([f"{where}: no es TOML válido."],
                           hint="Revise la sintaxis: secciones [matrix], [followup], [bump], "
                                "[calidad], [plantillas.NOMBRE]; "
                                "textos entre comillas.") from None
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = []
        places = Places(text)
        for error in exc.errors():
            # `owners` is the model's name for the priority keys written directly in [matrix].
            # pydantic's "[key]" marks a bad table name: the place is the table's header.
            loc = [str(p) for p in error["loc"] if p not in ("owners", "[key]")]
            line = places.line_of(loc)
            where = f"{path.name}, línea {line}" if line else path.name
            key = ".".join(p for p in loc if not p.isdigit()) or "(archivo)"
            problems.append(f"{where} ({key}): {_message(error)}")
        raise InvalidInput(problems, hint="Corrija el archivo de políticas; el formato está en "
                                          "docs/guia-supervisores.md.") from None


_HEADER = re.compile(r"^\s*\[\[?\s*(.+?)\s*\]\]?\s*(#.*)?$")
_KEYS = re.compile(r"(?:^|[\s{,])([A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')\s*=")


class Places:
    """Where each table header and each key of a TOML text is, indexed in one pass, so
    that every problem of a file is placed in linear time (5,000 bad rules, one read)."""

    def __init__(self, text: str) -> None:
        self.headers: dict[tuple[str, ...], list[int]] = {}
        self.keys: dict[str, list[int]] = {}
        for n, line in enumerate(text.splitlines()):
            header = _HEADER.match(line)
            if header:
                path = tuple(_bare(k) for k in header.group(1).split("."))
                self.headers.setdefault(path, []).append(n)
                continue
            for key in _KEYS.findall(line):
                self.keys.setdefault(_bare(key), []).append(n)

    def line_of(self, loc: list[str]) -> int | None:
        """The line of the key a validation error points at: its table header, then the
        key (the first after the header)."""
        keys = [k for k in loc if not k.isdigit() and not k.startswith("function-")]
        start = 0
        # The deepest table header that the path names ([a], [a.b], [[a.b]]).
        for depth in range(len(keys), 0, -1):
            found = self.headers.get(tuple(keys[:depth]))
            if found:
                index = int(loc[depth]) if depth < len(loc) and loc[depth].isdigit() else 0
                start = found[min(index, len(found) - 1)]
                keys = keys[depth:]
                break
        else:
            if not keys:
                return None
        for key in reversed(keys):
            lines = self.keys.get(key, [])
            after = bisect_left(lines, start)
            if after < len(lines):
                return lines[after] + 1
        return start + 1 if keys == [] or start else None


def _bare(key: str) -> str:
    """A key as pydantic names it: without the quotes and spaces TOML allows around it."""
    return key.strip().strip("\"'")


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "clave desconocida"
    if kind == "missing":
        return "falta este dato"
    if kind in ("float_type", "float_parsing", "int_type", "int_parsing"):
        return "debe ser un número de horas (por ejemplo 24)"
    if kind.endswith(("_type", "_parsing")):
        return "valor no válido"
    if kind == "too_short":
        return "no puede quedar vacío"
    if kind == "greater_than":
        return "las horas deben ser mayores que 0"
    if kind == "finite_number":
        return "las horas deben ser un número finito"
    return str(error["msg"])


def _decode_place(exc: Any) -> tuple[int | None, int | None]:
    """Line and column of a TOML syntax error (attributes on 3.14+, else in the text)."""
    line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    if isinstance(line, int):
        return line, column if isinstance(column, int) else None
    found = re.search(r"line (\d+), column (\d+)", str(exc))
    return (int(found.group(1)), int(found.group(2))) if found else (None, None)


def _toml() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli

    return tomli
