"""The commands' names: Spanish first, the English one kept as an alias (cli-contract.md,
"2026-12 additions"). One table, read by the command list, the help screens (each shows
its examples with the name it was called by) and the command lines the tool prints."""

from __future__ import annotations

import re

# Spanish name → its English alias, for every command and subcommand that has one.
ALIASES: dict[str, str] = {
    "crear": "create", "adjuntar": "attach", "seguimiento": "followup",
    "contactado": "contacted", "subir": "bump", "informe": "report", "politica": "policy",
    "bandeja": "outbox", "enviar": "send", "descartar": "drop", "diagnostico": "doctor",
    "configurar": "setup", "acceder": "login", "salir": "logout", "plantillas": "templates",
    "servir": "serve", "reiniciar": "reset", "incidentes": "incidents", "abrir": "open",
    "unir": "join", "separar": "split", "fusionar": "merge",
}
SPANISH: dict[str, str] = {english: spanish for spanish, english in ALIASES.items()}


def spanish(name: str) -> str:
    """A command's Spanish name, whichever of its names is given."""
    return SPANISH.get(name, name)


def called_as(text: str, command_path: str) -> str:
    """`text` (a help screen's examples, written with the Spanish names) with the command
    named as it was called: «escalate bump --simular» after `escalate bump --help`."""
    program, *words = command_path.split(" ")
    canonical = " ".join([program, *(spanish(w) for w in words)])
    if canonical == command_path:
        return text
    return re.sub(re.escape(canonical) + r"(?=[\s.,;:)»]|$)", command_path, text)
