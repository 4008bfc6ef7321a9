"""The help screens, drawn as plain text: the same panels as typer's rich help, without rich.

Typer's own help imports rich's console, tables, markdown and syntax highlighting (≈100 ms of
a 0.3 s `escalate --help`); this draws the usage, the description, the panels of arguments,
options and commands with box characters, wrapped to the terminal's width. No colours.
"""

from __future__ import annotations

import inspect
import os
import shutil
import textwrap
from collections.abc import Iterable
from typing import Any

LABELS = {
    "arguments": "Argumentos",
    "options": "Opciones",
    "commands": "Comandos",
    "required": "[obligatorio]",
    "default": "[por omisión: {}]",
    "envvar": "[variable: {}]",
    "deprecated": "(obsoleto) ",
}
_PANEL = "rich_help_panel"


NAMES_ON_ONE_LINE = 24  # an option's names wider than this go one per line


def width() -> int:
    """The terminal's width (COLUMNS or TERMINAL_WIDTH when set), 80 when not a terminal."""
    forced = os.environ.get("TERMINAL_WIDTH", "")
    if forced.isdigit() and int(forced) > 0:
        return int(forced)
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def _wrap(text: str, size: int) -> list[str]:
    """Each line of `text` wrapped to `size`, a wrapped line's rest indented under it; empty
    lines stay."""
    lines: list[str] = []
    for line in text.splitlines() or [""]:
        indent = " " * (len(line) - len(line.lstrip(" ")))
        lines.extend(textwrap.wrap(line, size, break_on_hyphens=False, break_long_words=False,
                                   subsequent_indent=indent + "  " if indent else "")
                     or [""])
    return lines


def _reflowed(text: str) -> str:
    """Prose paragraphs joined into one line each (the terminal decides where they break);
    indented lines, such as an example's, are kept as written."""
    paragraphs = []
    for paragraph in text.split("\n\n"):
        lines = paragraph.splitlines()
        if paragraph.startswith("\b") or any(line.startswith(" ") for line in lines):
            paragraphs.append(paragraph.strip("\b\n"))
        else:
            paragraphs.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(paragraphs)


def _description(command: Any) -> list[str]:
    text = inspect.cleandoc(command.help or "").partition("\f")[0]
    first, *rest = text.split("\n\n")
    if not first.startswith("\b"):
        first = first.replace("\n", " ")
    parts = [first.strip().strip("\b")]
    if rest:
        parts.append(_reflowed("\n\n".join(rest)))
    if command.deprecated:
        parts[0] = LABELS["deprecated"] + parts[0]
    return parts


def _param_help(param: Any, ctx: Any) -> str:
    """The help of one option or argument, then its default and whether it is required."""
    from typer.core import TyperArgument, TyperOption

    items: list[str] = []
    text: str | None = getattr(param, "help", None)
    if text:
        paragraphs = [p.replace("\n", " ").strip() if not p.startswith("\b")
                      else p.strip("\b\n") for p in text.split("\n\n")]
        items.append(inspect.cleandoc(" ".join(paragraphs).strip()))
    envvar = getattr(param, "envvar", None)
    if envvar and getattr(param, "show_envvar", None):
        shown = envvar if isinstance(envvar, str) else ", ".join(str(e) for e in envvar)
        items.append(LABELS["envvar"].format(shown))
    if isinstance(param, (TyperOption, TyperArgument)):
        default = param._extract_default_help_str(ctx=ctx)
        is_str = isinstance(param.show_default, str)
        if is_str or (default is not None and (param.show_default or ctx.show_default)):
            shown = param._get_default_string(ctx=ctx, show_default_is_str=is_str,
                                              default_value=default)
            if shown:
                items.append(LABELS["default"].format(shown))
    if param.required:
        items.append(LABELS["required"])
    return " ".join(items)


def _param_row(param: Any, ctx: Any) -> list[str]:
    from typer.core import TyperArgument

    display = None
    if isinstance(param, TyperArgument):
        display = param.display_name_raw
        if param.metavar is None and param.nargs != 1:
            display += "..."
    long_names = [o for o in [*param.opts, *param.secondary_opts] if "--" in o]
    short_names = [display or o for o in [*param.opts, *param.secondary_opts] if "--" not in o]
    kind = param.display_type_rich(ctx=ctx) or ""
    ranged = param._get_number_range_help_str()
    if ranged:
        kind += f" [{ranged}]"
    names = ", ".join(long_names)
    if len(names) > NAMES_ON_ONE_LINE:  # a long pair stacks, leaving the help room
        names = "\n".join(long_names)
    return [names, ",".join(short_names), kind, _param_help(param, ctx)]


def _panel(title: str, rows: list[list[str]], size: int) -> list[str]:
    """A box titled `title`: fixed columns, then the last one wrapped to what is left."""
    inner = size - 4
    rows = [row for row in rows if any(row)]
    columns = len(rows[0])
    # A cell may hold several lines (an option's names, one per line).
    widths = [max(len(line) for row in rows for line in row[i].split("\n"))
              for i in range(columns - 1)]
    used = [w for w in widths if w]
    left = sum(used) + 2 * len(used)
    last = max(20, inner - left)
    lines = [f"╭─ {title} " + "─" * max(0, size - len(title) - 5) + "╮"]
    for row in rows:
        cells = [cell.split("\n") for cell in row[:-1]]
        wrapped = _wrap(row[-1], last) if row[-1] else [""]
        height = max(len(wrapped), *(len(c) for c in cells))
        for number in range(height):
            head = "".join((cell[number] if number < len(cell) else "").ljust(w) + "  "
                           for cell, w in zip(cells, widths, strict=False) if w)
            piece = wrapped[number] if number < len(wrapped) else ""
            lines.append("│ " + (head + piece).ljust(inner) + " │")
    lines.append("╰" + "─" * (size - 2) + "╯")
    return lines


def _grouped(items: Iterable[Any], default: str) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = {default: []}
    for item in items:
        groups.setdefault(getattr(item, _PANEL, None) or default, []).append(item)
    return groups


def render(command: Any, ctx: Any) -> str:
    """The whole help screen of a command or group, as typer's rich help lays it out."""
    from typer.core import TyperGroup

    size = width()
    lines = ["", " " + command.get_usage(ctx), ""]
    if command.help:
        from .names import called_as

        for part in _description(command):
            part = called_as(part, ctx.command_path)  # examples with the name typed
            lines.extend(" " + line for line in _wrap(part, size - 2))
            lines.append("")
    lines.extend(_parameter_panels(command, ctx, size))
    if isinstance(command, TyperGroup):
        lines.extend(_command_panels(command, ctx, size))
    if command.epilog:
        lines.append("")
        lines.extend(" " + line for line in _wrap(inspect.cleandoc(command.epilog), size - 2))
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _parameter_panels(command: Any, ctx: Any, size: int) -> list[str]:
    """The arguments' and options' panels, a required one marked with «*»."""
    from typer.core import TyperArgument, TyperOption

    params = [p for p in command.get_params(ctx) if not getattr(p, "hidden", False)]
    arguments = _grouped((p for p in params if isinstance(p, TyperArgument)),
                         LABELS["arguments"])
    options = _grouped((p for p in params if isinstance(p, TyperOption)), LABELS["options"])
    lines: list[str] = []
    for groups in (arguments, options):
        for title, members in groups.items():
            rows = [_param_row(p, ctx) for p in members]
            if any(p.required for p in members):
                rows = [["*" if p.required else "", *row]
                        for p, row in zip(members, rows, strict=True)]
            if rows:
                lines.extend(_panel(title, rows, size))
    return lines


def _command_panels(group: Any, ctx: Any, size: int) -> list[str]:
    """A group's commands, each with the first paragraph of its help; a Spanish name is
    followed by its English alias (`crear (create)`)."""
    from .names import ALIASES

    summary = getattr(group.commands, "summary", None)  # a lazy group's, unbuilt
    names = group.list_commands(ctx)
    listed = [summary(name) if summary else group.get_command(ctx, name) for name in names]
    commands = _grouped((c for c in listed if c is not None and not c.hidden),
                        LABELS["commands"])

    def shown(name: str) -> str:
        alias = ALIASES.get(name)
        return f"{name} ({alias})" if alias in names else name

    name_width = max((len(shown(c.name or "")) for cs in commands.values() for c in cs),
                     default=0)
    lines: list[str] = []
    for title, members in commands.items():
        rows = [[shown(sub.name or "").ljust(name_width), _summary_text(sub)]
                for sub in members]
        if rows:
            lines.extend(_panel(title, rows, size))
    return lines


def _summary_text(command: Any) -> str:
    text = inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0]
    text = text.replace("\b\n", "").replace("\n", " ").strip()
    return text + (" " + LABELS["deprecated"].strip() if command.deprecated else "")
