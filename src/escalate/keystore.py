"""Where `escalate acceder` keeps service keys: the OS keyring, else a private file.

The keyring (`keyring`: Windows Credential Locker, macOS Keychain, the Secret Service of a
Linux desktop) holds each key under the service `escalate` and the portal's id. It cannot
list what it holds, so `claves.json` in the configuration folder (0600, in a 0700 folder)
lists each stored portal with its HubSpot domain and the keyring backend that holds its
key. Where there is no keyring (a headless Linux: `keyring` raises `NoKeyringError`), the
key itself goes in that file, and the agent is told so.

Reading a key imports only the backend it was stored in (no search for backends, which
costs ≈0.1 s): a command run with HUBSPOT_ACCESS_TOKEN never imports `keyring` at all.
"""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import AuthProblem, EscalateError, ExitCode

SERVICE = "escalate"
FILE_NAME = "claves.json"
VERSION = 1
FILE_SOURCE = "file"

# The backends keyring ships, in the agent's words.
BACKEND_WORDS = {
    "keyring.backends.Windows": "el Administrador de credenciales de Windows",
    "keyring.backends.macOS": "el Llavero de macOS",
    "keyring.backends.SecretService": "el llavero del escritorio (Secret Service)",
    "keyring.backends.libsecret": "el llavero del escritorio (libsecret)",
    "keyring.backends.kwallet": "KWallet",
}


@dataclass(frozen=True)
class Stored:
    """One portal's stored key: where it is (never the key itself)."""

    portal: str
    backend: str | None  # "module:Class" of the keyring backend; None: in the file
    domain: str = ""  # the portal's HubSpot domain, for messages

    @property
    def source(self) -> str:
        """`keyring:<backend>` or `file`, as `doctor --json` names it."""
        if self.backend is None:
            return FILE_SOURCE
        module, _, name = self.backend.partition(":")
        return f"keyring:{module.removeprefix('keyring.backends.')}.{name}"

    @property
    def where(self) -> str:
        """Where the key is, in Spanish."""
        if self.backend is None:
            return "un archivo privado"
        module = self.backend.partition(":")[0]
        return BACKEND_WORDS.get(module, f"el llavero {self.source.removeprefix('keyring:')}")


class KeyringRefused(EscalateError):
    """The keyring exists but would not take or give the key (locked, refused)."""

    exit_code = ExitCode.AUTH

    def __init__(self, message: str, *, backend: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.backend = backend


class KeyStore:
    """The stored keys of one configuration folder."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE_NAME

    # -- the list -------------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"version": VERSION, "portals": {}}
        except (OSError, ValueError) as exc:
            raise AuthProblem(f"No se pudo leer la lista de claves guardadas {self.path}: "
                              f"{_local_reason(exc)}.",
                              hint="Bórrela y vuelva a guardar la clave con «escalate "
                                   "acceder».") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("portals"), dict):
            raise AuthProblem(f"La lista de claves guardadas {self.path} está dañada.",
                              hint="Bórrela y vuelva a guardar la clave con «escalate "
                                   "acceder».")
        return raw

    def _write(self, data: dict[str, Any]) -> None:
        from .system import write_private

        data["version"] = VERSION
        write_private(self.path, json.dumps(data, ensure_ascii=False, indent=1))

    def stored(self) -> dict[str, Stored]:
        """Every stored portal, by id."""
        return {portal: Stored(portal, item.get("backend"), str(item.get("domain") or ""))
                for portal, item in self._read()["portals"].items() if isinstance(item, dict)}

    def choose(self, portal: str | None) -> Stored | None:
        """The portal asked for, or the only one stored (None: nothing stored). Exit 4
        listing the stored ones when `portal` is not among them, or several are stored and
        none was chosen."""
        stored = self.stored()
        if portal is not None:
            if portal in stored:
                return stored[portal]
            if not stored:
                return None
            raise AuthProblem(f"No hay una clave guardada para el portal {portal}; "
                              f"hay para: {listing(stored)}.",
                              hint="Elija uno de esos con --portal (o ESCALATE_PORTAL), o "
                                   f"guarde la de {portal} con «escalate acceder --portal "
                                   f"{portal}».")
        if len(stored) > 1:
            raise AuthProblem(f"Hay claves guardadas para varios portales ({listing(stored)}) "
                              "y no se eligió ninguno.",
                              hint="Elija con --portal ID o con la variable ESCALATE_PORTAL.")
        return next(iter(stored.values()), None)

    # -- keys -----------------------------------------------------------------------------

    def key(self, entry: Stored) -> str:
        """The key of a stored portal; exit 4 when its store cannot give it."""
        if entry.backend is None:
            key = self._read().get("keys", {}).get(entry.portal)
        else:
            backend = _backend_from(entry.backend)
            try:
                key = backend.get_password(SERVICE, entry.portal)
            except Exception as exc:  # keyring's errors, and the OS's through them
                raise KeyringRefused(
                    f"{_upper(entry.where)} no entregó la clave del portal "
                    f"{entry.portal} ({entry.source}): {_reason(exc)}.", backend=entry.source,
                    hint="Desbloquee el llavero y repita; o vuelva a guardar la clave con "
                         "«escalate acceder».") from None
        if not key:
            raise AuthProblem(f"La clave del portal {entry.portal} ya no está en "
                              f"{entry.where} ({entry.source}).",
                              hint="Guárdela de nuevo con «escalate acceder».")
        return str(key)

    def save(self, portal: str, key: str, domain: str, *, to_file: bool = False) -> Stored:
        """Keep `key` for `portal` (replacing any earlier one): in the keyring, or in the
        file when `to_file` or no keyring exists. KeyringRefused when the keyring exists
        but refuses (locked, denied): nothing is stored then."""
        data = self._read()
        backend = None if to_file else _default_backend()
        if backend is not None:
            from keyring.errors import NoKeyringError

            try:
                backend.set_password(SERVICE, portal, key)
            except NoKeyringError:  # a backend that turns out to have no store behind it
                backend = None
            except Exception as exc:  # keyring's errors, and the OS's through them
                entry = Stored(portal, _backend_path(backend))
                raise KeyringRefused(
                    f"{_upper(entry.where)} ({entry.source}) no aceptó la clave: "
                    f"{_reason(exc)}.", backend=entry.source,
                    hint="Desbloquee el llavero y repita «escalate acceder».") from None
        keys = data.setdefault("keys", {})
        if backend is None:
            keys[portal] = key
        else:
            keys.pop(portal, None)  # a key moved from the file to the keyring leaves it
        name: str | None = None if backend is None else _backend_path(backend)
        earlier = data["portals"].get(portal)
        data["portals"][portal] = {"backend": name, "domain": domain}
        self._write(data)
        earlier_backend = earlier.get("backend") if isinstance(earlier, dict) else None
        if earlier_backend and earlier_backend != name:  # the old copy goes: one key, one place
            with suppress(Exception):
                _backend_from(earlier_backend).delete_password(SERVICE, portal)
        return Stored(portal, name, domain)

    def forget(self, entry: Stored) -> None:
        """Remove a stored key from its store and from the list."""
        if entry.backend is not None:
            backend = _backend_from(entry.backend)
            from keyring.errors import PasswordDeleteError

            try:
                backend.delete_password(SERVICE, entry.portal)
            except PasswordDeleteError:
                pass  # already gone from the keyring: only the list still named it
            except Exception as exc:  # keyring's errors, and the OS's through them
                raise KeyringRefused(
                    f"{_upper(entry.where)} no dejó borrar la clave del portal "
                    f"{entry.portal} ({entry.source}): {_reason(exc)}.",
                    backend=entry.source,
                    hint="Desbloquee el llavero y repita «escalate salir».") from None
        data = self._read()
        data["portals"].pop(entry.portal, None)
        data.get("keys", {}).pop(entry.portal, None)
        self._write(data)


def listing(stored: dict[str, Stored]) -> str:
    return ", ".join(f"{p} ({s.domain})" if s.domain else p for p, s in sorted(stored.items()))


def _default_backend() -> Any:
    """The keyring backend `keyring` picks here (PYTHON_KEYRING_BACKEND and keyringrc
    included); the first of a chain; None where only keyring's `fail` backend is left, or
    keyring is not installed (Linux without the `keyring` extra)."""
    try:
        import keyring
    except ImportError:
        return None

    backend = keyring.get_keyring()
    chain = getattr(backend, "backends", None)
    if chain:
        backend = chain[0]
    if type(backend).__module__ in ("keyring.backends.fail", "keyring.backends.null"):
        return None
    return backend


def _backend_path(backend: Any) -> str:
    return f"{type(backend).__module__}:{type(backend).__qualname__}"


def _backend_from(path: str) -> Any:
    """The backend a key was stored in, imported alone."""
    from importlib import import_module

    module, _, name = path.partition(":")
    try:
        found: Any = import_module(module)
        for part in name.split("."):
            found = getattr(found, part)
        return found()
    except Exception as exc:
        raise AuthProblem(f"El llavero {path} donde se guardó la clave ya no está disponible: "
                          f"{_reason(exc)}.",
                          hint="Guarde la clave de nuevo con «escalate acceder».") from None


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


# keyring's errors by name, in the agent's words (their own texts are English).
KEYRING_REASONS = {
    "KeyringLocked": "el llavero está bloqueado",
    "NoKeyringError": "no hay llavero en esta sesión",
    "InitError": "el llavero no se pudo abrir",
    "PasswordSetError": "el llavero no aceptó guardar la clave",
    "PasswordDeleteError": "el llavero no dejó borrar la clave",
    "ModuleNotFoundError": "falta el módulo de ese llavero (¿se desinstaló?)",
    "ImportError": "falta el módulo de ese llavero (¿se desinstaló?)",
}


def _reason(exc: BaseException) -> str:
    """Why the keyring (or the OS through it) refused, in Spanish: never its English text."""
    for kind in type(exc).__mro__:
        if kind.__name__ in KEYRING_REASONS:
            return KEYRING_REASONS[kind.__name__]
    return _local_reason(exc) if isinstance(exc, OSError) else (
        f"el llavero respondió con un error ({type(exc).__name__})")


def _local_reason(exc: BaseException) -> str:
    """A local file's problem in Spanish (os_errors), or that its content is damaged."""
    if isinstance(exc, OSError):
        from .os_errors import reason

        return reason(exc)
    return "está dañada"
