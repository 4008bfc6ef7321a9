"""The `escalate` command: global options, the commands, and the one place errors become exits.

Heavy imports (hubspot, rich tables, the sandbox) happen inside the commands, so that
`escalate --help` stays fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .. import __version__
from ..errors import REPORT_TO, EscalateError, ExitCode, InvalidToken
from .env import Env
from .names import ALIASES
from .spanish import (
    SpanishCommand,
    SpanishGroup,
    click_errors,
    os_error_message,
    usage_error_message,
)

if TYPE_CHECKING:
    from ..outbox import Outbox

root = typer.Typer(
    name="escalate",
    help="Escala problemas técnicos de clientes como tickets de HubSpot, desde la terminal.\n\n"
         "Ejemplo: escalate --sandbox crear --poliza POL-1001 --cliente \"Ana López\" "
         "--correo ana.lopez@example.com --prioridad ALTA --que \"...\" --como \"...\" "
         "--donde \"...\"",
    cls=SpanishGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"escalate {__version__}")
        raise typer.Exit()


@root.callback()
def main_options(
    ctx: typer.Context,
    sandbox_mode: Annotated[bool, typer.Option(
        "--sandbox", help="Usar el HubSpot simulado de esta máquina (sin portal ni token).")]
    = False,
    verbose: Annotated[bool, typer.Option(
        "--detallado", "--verbose", "-v",
        help="Mostrar cada solicitud HTTP (método, ruta, estado, tiempo).")]
    = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Mostrar la versión y salir.")]
    = False,
    portal: Annotated[str | None, typer.Option(
        "--portal", metavar="ID",
        help="Usar la clave guardada de este portal (con varias; o ESCALATE_PORTAL).")]
    = None,
) -> None:
    env = ctx.ensure_object(Env)
    env.sandbox = env.sandbox or sandbox_mode
    env.verbose = env.verbose or verbose
    env.portal = env.portal or portal


# The commands in the order help lists them (typer puts groups after commands): the Spanish
# name, module in escalate.cli, its function (None: the module's own Typer group). Each is
# registered under its Spanish name and, hidden, under its English alias (cli/names.py).
# Each module is imported only when its command is used or listed.
SPANISH_COMMANDS: tuple[tuple[str, str, str | None], ...] = (
    ("crear", "create", "create"), ("adjuntar", "attach", "attach"),
    ("seguimiento", "followup", "followup"), ("contactado", "followup", "contacted"),
    ("subir", "bump", "bump"), ("informe", "report", "report"),
    ("politica", "policy", "policy"), ("plantillas", "templates", "templates"),
    ("diagnostico", "admin", "doctor"), ("configurar", "admin", "setup"),
    ("acceder", "login", "login"), ("salir", "login", "logout"),
    ("fusionar", "merge", "merge"), ("incidentes", "incidents", None),
    ("bandeja", "outbox", None), ("sandbox", "sandbox", None),
)
# name, module, function, hidden (an English alias)
COMMANDS: tuple[tuple[str, str, str | None, bool], ...] = tuple(
    spec for name, module, function in SPANISH_COMMANDS
    for spec in ((name, module, function, False),
                 *(((ALIASES[name], module, function, True),) if name in ALIASES else ())))


def _register(target: typer.Typer, name: str, module: str, function: str | None,
              hidden: bool) -> None:
    """Add one command to `target`, importing its module (and only it) now."""
    from importlib import import_module

    loaded = import_module(f".{module}", __package__)
    if function is None:
        target.add_typer(loaded.app, name=name, hidden=hidden)
    else:
        target.command(name, cls=SpanishCommand, hidden=hidden)(getattr(loaded, function))


def _info(name: str) -> Any:
    """The command's CommandInfo (or a group's TyperInfo), exactly as `app` registers it."""
    holder = typer.Typer()
    _register(holder, *next(spec for spec in COMMANDS if spec[0] == name))
    return (holder.registered_commands or holder.registered_groups)[0]


_whole: typer.Typer | None = None


def __getattr__(name: str) -> Any:
    """`app`: the Typer app with every command registered (the docs and tests walk it)."""
    global _whole
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _whole is None:
        import copy

        whole = copy.copy(root)
        whole.registered_commands, whole.registered_groups = [], []
        for spec in COMMANDS:
            _register(whole, *spec)
        _whole = whole
    return _whole


class _LazyCommands(MutableMapping[str, Any]):
    """The subcommands of `escalate`, each built (its options read from its signature, ≈3 ms
    apiece) only when the command line names it; the names and summaries come for free."""

    def __init__(self, names: Iterable[str]) -> None:
        self._infos: dict[str, Any] = dict.fromkeys(names)  # None: its module not imported
        self._built: dict[str, Any] = {}

    def _info(self, name: str) -> Any:
        if self._infos[name] is None:
            self._infos[name] = _info(name)
        return self._infos[name]

    def _build(self, name: str) -> Any:
        from typer.main import get_command_from_info, get_group_from_info

        info = self._info(name)
        if getattr(info, "typer_instance", None) is not None:
            return get_group_from_info(info, pretty_exceptions_short=root.pretty_exceptions_short,
                                       rich_markup_mode=root.rich_markup_mode,
                                       suggest_commands=root.suggest_commands)
        return get_command_from_info(info, pretty_exceptions_short=root.pretty_exceptions_short,
                                     rich_markup_mode=root.rich_markup_mode)

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in self._infos:
                raise KeyError(name)
            self._built[name] = self._build(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._infos.setdefault(name, None)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._infos[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._infos))

    def __len__(self) -> int:
        return len(self._infos)

    def summary(self, name: str) -> Any:
        """What the list of commands shows (name, help, hidden), without building it."""
        import inspect
        from types import SimpleNamespace

        if name in self._built:
            return self._built[name]
        info = self._info(name)
        if getattr(info, "typer_instance", None) is not None:
            from typer.main import solve_typer_info_defaults

            info = solve_typer_info_defaults(info)
            text = info.help
        else:
            text = inspect.cleandoc(info.help) if info.help else inspect.getdoc(info.callback)
        return SimpleNamespace(name=name, help=text, short_help=info.short_help,
                               hidden=bool(info.hidden), deprecated=bool(info.deprecated),
                               rich_help_panel=info.rich_help_panel)


_command: Any = None


def command() -> Any:
    """The `escalate` click command: its own options now, a subcommand when it is named.

    The same command as `typer.main.get_command(app)` (which the docs and tests walk), but
    `escalate --help` or `escalate create ...` do not read the other commands' signatures.
    Built once per process: click keeps no state of a run in its commands, and a process
    that runs the CLI again (the tests, in-process) skips reading the signatures again.
    """
    global _command
    if _command is None:
        from typer.main import get_command

        group = get_command(root)  # its options only: root registers no command
        group.commands = _LazyCommands(spec[0] for spec in COMMANDS)  # type: ignore[attr-defined]
        _command = group
    return _command


def run(argv: Sequence[str] | None = None, env: Env | None = None) -> int:
    """Run the CLI and return its exit code; every error becomes a message and a code here."""
    errors = click_errors()
    env = env or Env()
    if env.on_outbox_open is None:
        env.on_outbox_open = _bring_back_interrupted
    try:
        from .rescue import globals_first

        args = globals_first(list(argv) if argv is not None else sys.argv[1:])
        result: Any = command()(args=args, prog_name="escalate", standalone_mode=False, obj=env)
        return int(result) if isinstance(result, int) else ExitCode.OK
    except EscalateError as exc:
        show_error(env, exc)
        return _failed(env, argv, exc.exit_code, exc.message, error_field(exc))
    except typer.Exit as exc:  # the command said why itself (a result may be on stdout)
        return int(exc.exit_code)
    except errors.ClickException as exc:
        if isinstance(exc, errors.NoArgsIsHelpError) and exc.ctx is not None:
            env.out(exc.ctx.get_help())  # the help on stdout, as `--help` shows it
        message = env.redact(usage_error_message(exc))
        env.err.print(f"[red]Error:[/] {env.shown(message)}", markup=True, highlight=False)
        env.err.print(f"Use «{_help_command(exc, argv)}» para ver las opciones.")
        param = getattr(exc, "param", None)
        return _failed(env, argv, ExitCode.USAGE, message, getattr(param, "name", None))
    except (KeyboardInterrupt, typer.Abort) as exc:
        from .hints import interrupted

        interrupted(env, getattr(exc, "next_steps", ()))
        return _failed(env, argv, ExitCode.INTERRUPTED, "Interrumpido.", None)
    except OSError as exc:  # a folder, file or port the user named or configured
        message = env.redact(os_error_message(exc))
        env.err.print(f"[red]Error:[/] {env.shown(message)}")
        return _failed(env, argv, ExitCode.USAGE, message, None)
    except Exception as exc:  # a bug: say where to report it, never show the token
        import traceback

        details = traceback.format_exc()
        if env.verbose:
            env.err.print(env.shown(details))
        # Where it happened, never Python's English text (the traceback is in --verbose).
        message = f"Error inesperado (un fallo de escalate, no suyo) {where_it_failed(exc)}."
        env.err.print(f"[red]Error inesperado[/] (un fallo de escalate, no suyo) "
                      f"{where_it_failed(exc)}.\n"
                      f"Repórtelo {REPORT_TO} con la salida de «escalate --verbose ...».")
        return _failed(env, argv, ExitCode.BUG, message, None)
    finally:
        env.close()


def wants_json(argv: Sequence[str] | None) -> bool:
    """Whether the command line asked for JSON (`--json` before any `--`)."""
    words = list(argv if argv is not None else sys.argv[1:])
    return "--json" in (words[:words.index("--")] if "--" in words else words)


def _failed(env: Env, argv: Sequence[str] | None, code: int, message: str,
            field: str | None) -> int:
    """The exit code; with `--json`, the failure as JSON on stdout too (the Spanish message
    stays on stderr), so a script reads the code and the field, never the prose."""
    if wants_json(argv):
        import json

        env.out(json.dumps({"error": {"code": int(code), "message": message, "field": field}},
                           ensure_ascii=False, indent=2))
    return int(code)


def error_field(exc: EscalateError) -> str | None:
    """The one option or variable an error is about, as a script names it: the English
    option name without dashes (`client`, `email`), or the variable (`ESCALATE_HOME`)."""
    fields = list(getattr(exc, "fields", None) or {})
    if len(fields) != 1:
        return None
    from .fields import FIELDS

    spec = FIELDS.get(fields[0])
    return spec.flags[0].lstrip("-") if spec is not None else fields[0]


def where_it_failed(exc: BaseException) -> str:
    """A bug's place in escalate's code (`en escalate/workflows/lookup.py:120`), without
    Python's own words."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "escalate" in f.filename.replace("\\", "/").split("/")]
    if not frames:
        return "fuera del código de escalate"
    last = frames[-1]
    parts = last.filename.replace("\\", "/").split("/")
    shown = "/".join(parts[len(parts) - 1 - parts[::-1].index("escalate"):])
    return f"en {shown}:{last.lineno}"


def _help_command(exc: Any, argv: Sequence[str] | None) -> str:
    """The help that answers a usage error: the command's own (`escalate followup --help`).

    Click names the command in the error's context, except for an option missing its value
    (its parser raises without one): then the command is read from the command line."""
    ctx = getattr(exc, "ctx", None)
    if ctx is not None and ctx.command_path:
        return f"{ctx.command_path} --help"
    words = [a for a in (argv if argv is not None else sys.argv[1:]) if not a.startswith("-")]
    spec = next((c for c in COMMANDS if words and c[0] == words[0]), None)
    if spec is None:
        return "escalate --help"
    if spec[2] is None and len(words) > 1:  # a group (outbox, sandbox): its subcommand too
        return f"escalate {words[0]} {words[1]} --help"
    return f"escalate {words[0]} --help"


def _bring_back_interrupted(outbox: Outbox) -> None:
    """What a Ctrl-C kept at start-up becomes a draft when the outbox opens."""
    from .interrupted import import_interrupted

    import_interrupted(outbox)


def show_error(env: Env, exc: EscalateError) -> None:
    from .hints import sentence

    env.show_pending()  # what loading found (the sandbox notice) comes before the error
    if exc.exit_code == ExitCode.OK:  # the agent declined: a choice, not an error
        env.err.print(env.shown(exc.message))
    else:
        env.err.print(f"[red]Error:[/] {env.shown(exc.message)}")
    if isinstance(exc, InvalidToken) and not exc.source_named:
        from ..workflows.doctor import source_words

        # Which key was refused: one in the environment, a .env, the keyring or a file.
        env.err.print(f"La clave usada: {source_words(env.settings.token_source)}.")
    if exc.hint:
        env.err.print(env.shown(exc.hint))
    for step in exc.next_steps:
        env.err.print(env.shown(sentence(env, step)))


def main() -> None:
    """The `escalate` program: Ctrl-C is guarded before anything else happens."""
    from ..system import fit_console
    from .rescue import guard, settle

    argv = sys.argv[1:]
    guard(argv)  # first: a Ctrl-C from now on keeps the options of a `create`
    fit_console(sys.stdout, sys.stderr)
    env = Env()
    try:
        code = run(argv, env)
    except KeyboardInterrupt:  # it landed while an error was being shown, or on the way out
        sys.stderr.write("Interrumpido.\n")
        env.close()
        code = ExitCode.INTERRUPTED
    settle(env, code)
    finish(code)


def finish(code: int) -> None:
    """End the process with `code`, skipping Python's teardown.

    By now every file and the outbox are closed and every request has its answer; what
    remains is freeing each imported module's objects one by one, ≈50–80 ms of a 0.4 s
    `create` (benchmarks/startup.py). So: flush, run the atexit handlers, and leave. It
    also gives 130 after Ctrl-C whatever Python's own bookkeeping says (it can end the
    process by SIGINT instead)."""
    import atexit
    from contextlib import suppress

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed pipe or stream: nothing left to show
            stream.flush()
    os._exit(code)
