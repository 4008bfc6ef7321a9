"""Keyring backends for the tests: a real `keyring` backend class each, whose store is a
JSON file named by ESCALATE_TEST_KEYRING (so a second process sees what the first stored).

Selected as a real installation selects one: `PYTHON_KEYRING_BACKEND=tests.keyring_backend.
FileKeyring` for a subprocess, `keyring.set_keyring(...)` in-process."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError


class FileKeyring(KeyringBackend):
    """Passwords in a JSON file: {service: {username: password}}."""

    priority = 1  # type: ignore[assignment]

    @property
    def file(self) -> Path:
        return Path(os.environ["ESCALATE_TEST_KEYRING"])

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            return dict(json.loads(self.file.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data.setdefault(service, {})[username] = password
        self.file.write_text(json.dumps(data), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if username not in data.get(service, {}):
            raise PasswordDeleteError("no such password")
        del data[service][username]
        self.file.write_text(json.dumps(data), encoding="utf-8")


class LockedKeyring(FileKeyring):
    """A keyring whose user did not unlock it: every use is refused."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("el llavero está bloqueado")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("el llavero está bloqueado")
