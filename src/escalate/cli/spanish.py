"""Spanish for the parts of the help and usage errors that Typer writes itself."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, get_args, get_origin

# typer 0.29 coerces every value through pydantic (≈60 ms to import); pyproject.toml
# bounds typer to the series whose internals these are.
from typer._coercion import RuntimeParam, build_runtime_param
from typer.core import TyperCommand, TyperGroup

from .helptext import render

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


_TYPE_METAVARS = {"str": "TEXTO", "int": "NÚMERO", "float": "NÚMERO", "datetime": "FECHA",
                  "Path": "ARCHIVO", "date": "FECHA"}


def _spanish_metavars(command: Any, ctx: Any) -> None:
    """TEXTO, NÚMERO, FECHA, ARCHIVO instead of <str>, <int>...; nothing on flags."""
    for param in command.get_params(ctx):
        if getattr(param, "param_type_name", "") == "argument":
            param.display_type_rich = lambda ctx: None  # its metavar already names it
            continue
        if getattr(param, "is_flag", False) or getattr(param, "is_bool_flag", False):
            param.metavar = ""
            continue
        if param.metavar is not None:
            continue
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or descriptor.is_choice:
            continue
        name = param._bare_type(descriptor.annotation)
        name = name[5:-1] if name.startswith("list[") else name
        param.metavar = _TYPE_METAVARS.get(name, "TEXTO")


def _spanish_usage(text: str) -> str:
    return (text.replace("Usage:", "Uso:").replace("[OPTIONS]", "[OPCIONES]")
            .replace("COMMAND [ARGS]...", "COMANDO [ARGUMENTOS]..."))


_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")


def _plain_value(annotation: Any, info: Any, value: Any) -> tuple[bool, Any]:
    """(True, the value) for what the command line gives plainly, the same value typer's
    pydantic adapter returns; (False, None) for anything else (typer's adapter decides)."""
    if getattr(info, "parser", None) is not None:
        return False, None
    if annotation in (bool, str) and isinstance(value, annotation):
        return True, value
    if get_origin(annotation) is list and get_args(annotation) == (str,) and isinstance(
            value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return True, list(value)
    unbounded = getattr(info, "min", None) is None and getattr(info, "max", None) is None
    if annotation in (int, float) and unbounded:
        return _plain_number(annotation, value)
    return False, None


def _plain_number(annotation: type, value: Any) -> tuple[bool, Any]:
    """An int or float option with no bounds: a default (8765, or 24 for a float) or the
    digits typed."""
    if type(value) in (annotation, int):
        return True, annotation(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return True, annotation(value)
    if annotation is float and isinstance(value, str) and _DECIMAL.fullmatch(value):
        return True, float(value)
    return False, None


@dataclass(frozen=True)
class _PlainParam(RuntimeParam):
    """Coercion of plain values without pydantic; anything else goes to typer's own."""

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        plain, result = _plain_value(self.annotation, self.parameter_info, value)
        if plain:
            return result
        adapter = build_runtime_param(param.type_descriptor)  # imports pydantic
        param._runtime_param = adapter
        return adapter._coerce_value(value, param=param, ctx=ctx)


def _plain_coercion(command: Any, ctx: Any) -> None:
    """Argument parsing without importing pydantic, for the values a command line gives."""
    for param in command.get_params(ctx):
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", False) is not None:
            continue
        param._runtime_param = _PlainParam(parameter_info=descriptor.parameter_info,
                                           annotation=descriptor.annotation)


REPEATED = "repeated"  # the BadOptionUsage of an option given twice (usage_error_message)


def _once_each(command: Any, ctx: Any, args: list[str]) -> None:
    """An option that takes one value, given twice (`--poliza A --poliza B`, or under both
    its names), is a usage error naming it: click would keep the last in silence."""
    takes: dict[str, Any] = {}
    for param in command.get_params(ctx):
        if getattr(param, "param_type_name", "") != "option" or param.is_flag or param.count:
            continue
        for name in (*param.opts, *param.secondary_opts):
            takes[name] = param
    group = isinstance(command, TyperGroup)
    seen: dict[str, list[str]] = {}
    index = 0
    while index < len(args):
        word = args[index]
        if word == "--" or (group and not word.startswith("-")):
            break  # the rest is positional, or the subcommand's own
        name, joined, _value = word.partition("=") if word.startswith("--") else (word, "", "")
        param = takes.get(name)
        if param is not None:
            if not param.multiple:
                seen.setdefault(param.name, []).append(name)
                if len(seen[param.name]) > 1:
                    error = click_errors().BadOptionUsage(name, REPEATED, ctx)
                    error.param = param
                    raise error
            index += 0 if joined else 1  # its value, whatever it looks like
        index += 1


class _Spanish:
    """Help, usage and argument parsing in Spanish, for a typer command or group."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _spanish_help_option(self, ctx)
        _spanish_metavars(self, ctx)
        formatter.write(render(self, ctx))

    def get_usage(self, ctx: Any) -> str:
        return _spanish_usage(super().get_usage(ctx))  # type: ignore[misc]

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _plain_coercion(self, ctx)
        _once_each(self, ctx, args)
        return list(super().parse_args(ctx, args))  # type: ignore[misc]


class SpanishCommand(_Spanish, TyperCommand):
    """A command whose help and usage errors speak Spanish."""


class SpanishGroup(_Spanish, TyperGroup):
    """A group whose help and usage errors speak Spanish; commands built only when named."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # the names only: a lazy mapping builds none of them


def click_errors() -> Any:
    """Typer's usage-error classes (click's, vendored in typer since 0.29)."""
    from typer._click import exceptions

    return exceptions


def _param_name(param: Any) -> str:
    if param is None:
        return "un valor"
    if getattr(param, "param_type_name", "") == "argument":
        return str(param.metavar or (param.name or "ARGUMENTO").upper()).rstrip(".")
    opts = list(getattr(param, "opts", None) or [])
    return opts[0] if opts else str(param.name)


def _quoted(text: str) -> str:
    return "«" + text.strip().strip("'\"") + "»"


def usage_error_message(exc: Any) -> str:
    """A Spanish line for every usage error the command-line parser raises."""
    errors = click_errors()

    if isinstance(exc, errors.NoSuchOption):
        hint = ""
        if exc.possibilities:
            hint = " ¿Quiso decir " + " o ".join(sorted(exc.possibilities)) + "?"
        return f"opción desconocida {exc.option_name}.{hint}"
    if isinstance(exc, errors.MissingParameter):
        param = exc.param
        kind = "el argumento" if getattr(param, "param_type_name", "") == "argument" else \
            "la opción"
        return f"falta {kind} {_param_name(param)}."
    if isinstance(exc, errors.BadOptionUsage):
        message = str(exc.message)
        if message == REPEATED:
            return (f"{exc.option_name} se indicó más de una vez: indique un solo valor (no se "
                    "toma el último en silencio).")
        if "requires" in message:
            return f"falta el valor de {exc.option_name}."
        if "does not take a value" in message:
            return f"{exc.option_name} no lleva valor."
        return f"uso incorrecto de {exc.option_name}."
    if isinstance(exc, errors.BadParameter):
        return f"valor no válido para {_param_name(exc.param)}: {_bad_value(str(exc.message))}"
    if isinstance(exc, errors.NoArgsIsHelpError):
        return "falta el comando."
    if isinstance(exc, errors.UsageError):
        message = str(exc.message)
        if message.startswith("No such command"):
            name, _, suggestion = message.split("No such command", 1)[1].partition("Did you mean")
            text = "comando desconocido " + _quoted(name.strip(" .")) + "."
            if suggestion:
                from .names import spanish

                # «creat» is near both «create» and «crear»: one command, its Spanish name.
                names = dict.fromkeys(spanish(o.strip(" '\"")) for o in
                                      suggestion.strip(" ?").split(","))
                text += " ¿Quiso decir " + " o ".join(_quoted(n) for n in names) + "?"
            return text
        if message.startswith("Got unexpected extra argument"):
            return "sobran argumentos: " + message.split("(", 1)[-1].rstrip(")") + "."
        if message.startswith("Argument") and "takes" in message:
            return "faltan valores en un argumento."
        return "uso incorrecto del comando."
    return "uso incorrecto del comando."


def _bad_value(message: str) -> str:
    """Click's (and typer's pydantic) reasons for a bad value, in Spanish."""
    for english, spanish in _PYDANTIC_REASONS:
        if message.startswith(english):
            return spanish
    value = message.split(" is not", 1)[0]
    if "is not a valid integer" in message:
        return f"{_quoted(value)} no es un número entero"
    if "is not a valid float" in message:
        return f"{_quoted(value)} no es un número"
    if "is not a valid boolean" in message:
        return f"{_quoted(value)} no es sí o no"
    if "is not one of" in message or "is not a valid choice" in message:
        return f"{_quoted(value)} no es una de las opciones"
    if "does not match the format" in message or "does not match the formats" in message:
        return f"{_quoted(value)} no es una fecha válida"
    if "is not in the range" in message or "is not in the valid range" in message:
        return f"{_quoted(value)} está fuera del rango admitido"
    if "does not exist" in message:
        return "el archivo no existe"
    return "valor no admitido"


_PYDANTIC_REASONS = (
    ("Input should be a valid integer", "no es un número entero"),
    ("Input should be a valid number", "no es un número"),
    ("Input should be a valid boolean", "no es sí o no"),
    ("Input should be a valid datetime", "no es una fecha y hora válida"),
    ("Input should be a valid date", "no es una fecha válida"),
    ("Input should be greater than", "es demasiado pequeño"),
    ("Input should be less than", "es demasiado grande"),
    ("Input should be", "valor no admitido"),
)

def os_error_message(exc: OSError) -> str:
    """An operating-system error in Spanish, naming the file it concerns (os_errors.py)."""
    from ..os_errors import message

    return message(exc)


__all__ = ["SpanishCommand", "SpanishGroup", "os_error_message", "usage_error_message"]
