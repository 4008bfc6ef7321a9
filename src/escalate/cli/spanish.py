"""Spanish for the parts of the help and usage errors that Typer writes itself."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

_TITLES = {
    "ARGUMENTS_PANEL_TITLE": "Argumentos",
    "OPTIONS_PANEL_TITLE": "Opciones",
    "COMMANDS_PANEL_TITLE": "Comandos",
    "ERRORS_PANEL_TITLE": "Error",
    "REQUIRED_LONG_STRING": "[obligatorio]",
    "DEFAULT_STRING": "[por omisión: {}]",
    "ENVVAR_STRING": "[variable: {}]",
    "ABORTED_TEXT": "Cancelado.",
}


def _spanish_help_labels() -> None:
    from typer import rich_utils  # imported only when help is shown

    for name, text in _TITLES.items():
        setattr(rich_utils, name, text)


_BUILT_IN_HELP = {
    "help": "Mostrar esta ayuda y salir.",
    "install_completion": "Instalar el autocompletado para esta shell.",
    "show_completion": "Mostrar el autocompletado para esta shell, para copiarlo.",
}


def _spanish_help_option(command: Any, ctx: Any) -> None:
    for param in command.get_params(ctx):
        text = _BUILT_IN_HELP.get(getattr(param, "name", None) or "")
        if text:
            param.help = text


class SpanishCommand(TyperCommand):
    def format_help(self, ctx: Any, formatter: Any) -> None:
        _spanish_help_labels()
        _spanish_help_option(self, ctx)
        super().format_help(ctx, formatter)


class SpanishGroup(TyperGroup):
    def format_help(self, ctx: Any, formatter: Any) -> None:
        _spanish_help_labels()
        _spanish_help_option(self, ctx)
        super().format_help(ctx, formatter)


def click_errors() -> Any:
    """Typer's usage-error classes: vendored since typer 0.29, click's before."""
    try:
        from typer._click import exceptions
    except ImportError:  # pragma: no cover - older typer on plain click
        from click import exceptions  # type: ignore[no-redef]
    return exceptions


def usage_error_message(exc: Any) -> str:
    """A Spanish line for Typer's own usage errors (unknown option, bad value, ...)."""
    errors = click_errors()

    if isinstance(exc, errors.NoSuchOption):
        hint = ""
        if exc.possibilities:
            hint = " ¿Quiso decir " + " o ".join(sorted(exc.possibilities)) + "?"
        return f"opción desconocida {exc.option_name}.{hint}"
    if isinstance(exc, errors.MissingParameter):
        param = exc.param
        name = param.opts[0] if param is not None and getattr(param, "opts", None) else "?"
        if param is not None and getattr(param, "param_type_name", "") == "argument":
            name = str(param.human_readable_name)
        return f"falta {name}."
    if isinstance(exc, errors.BadOptionUsage):
        return f"uso incorrecto de {exc.option_name}: {exc.message}"
    if isinstance(exc, errors.BadParameter):
        param = exc.param
        name = param.opts[0] if param is not None and getattr(param, "opts", None) else "valor"
        return f"valor no válido para {name}: {exc.message}"
    if isinstance(exc, errors.NoArgsIsHelpError):
        return "falta el comando."
    if isinstance(exc, errors.UsageError):
        message = str(exc.message)
        if message.startswith("No such command"):
            return "comando desconocido " + message.split("No such command", 1)[1].strip(" .")
        if message.startswith("Got unexpected extra argument"):
            return "sobran argumentos: " + message.split("(", 1)[-1].rstrip(")")
        return message
    return str(getattr(exc, "message", exc))


__all__ = ["SpanishCommand", "SpanishGroup", "typer", "usage_error_message"]
