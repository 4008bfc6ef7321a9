"""Questions at the terminal: text checked as typed, choices, confirmations.

The questions use prompt_toolkit (through questionary): line editing, history, select
lists. It is imported only here, only when a question is asked, so `escalate --help` never
loads it. Whether anything is asked at all is `Env.interactive`'s to say (a person at both
ends); tests that pretend to be a terminal give prompt_toolkit a pipe of keys.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .env import Env

if TYPE_CHECKING:
    from ..domain.priority import Priority
    from ..domain.records import Contact, Ticket

T = TypeVar("T")
Check = Callable[[str], "str | None"]  # the Spanish problem with an answer, or None

MULTILINE_HELP = ("(Enter termina; Alt-Enter o Esc y Enter agrega una línea; lo pegado queda "
                  "entero; Ctrl-U borra todo; Ctrl-X Ctrl-E abre su editor)")
SELECT_HELP = "(flechas y Enter)"
SHORTCUT_HELP = "(su número o inicial, o flechas y Enter)"


class Interrupted(KeyboardInterrupt):
    """Ctrl-C while typing an answer: what was typed so far, so the draft keeps it."""

    def __init__(self, partial: str) -> None:
        super().__init__()
        self.partial = partial


class Asker(Protocol):
    def text(self, question: str, *, default: str = "", check: Check | None = None,
             multiline: bool = False, instruction: str | None = None) -> str: ...

    def select(self, question: str, choices: Sequence[tuple[str, T]],
               default: T | None = None,
               keys: Sequence[Sequence[str]] | None = None) -> T: ...

    def confirm(self, question: str) -> bool: ...


class ToolkitAsker:
    """Questions with line editing; a bad answer stays in the field with its reason below.

    Every text question goes through one prompt_toolkit session: its layout and key
    bindings are built once (questionary builds them anew for each question, ≈0.1 s of CPU
    apiece), and each question brings its own message, check, keys and history."""

    def __init__(self) -> None:
        self.history: dict[str, Any] = {}
        self._session: Any = None

    def _text_session(self) -> Any:
        if self._session is None:
            from prompt_toolkit import PromptSession
            from prompt_toolkit.lexers import SimpleLexer
            from questionary.styles import merge_styles_default

            self._session = PromptSession(style=merge_styles_default([None]),
                                          lexer=SimpleLexer("class:answer"))
            reasons_under_the_answer(self._session)
        return self._session

    def text(self, question: str, *, default: str = "", check: Check | None = None,
             multiline: bool = False, instruction: str | None = None) -> str:
        from prompt_toolkit.history import InMemoryHistory
        from prompt_toolkit.key_binding import KeyBindings
        from prompt_toolkit.validation import ValidationError, Validator

        class Checked(Validator):
            def validate(self, document: Any) -> None:
                problem = check(document.text) if check is not None else None
                if problem is not None:
                    raise ValidationError(message=problem, cursor_position=len(document.text))

        bindings = KeyBindings()

        @bindings.add("c-c")
        def _interrupt(event: Any) -> None:
            event.app.exit(exception=Interrupted(event.current_buffer.text),
                           style="class:aborting")

        @bindings.add("c-u")
        def _clear(event: Any) -> None:
            """Everything typed goes: one key for a paste of 70,000 characters."""
            event.current_buffer.reset()

        if multiline:
            # One Enter ends the answer, as on one line; a pasted block keeps its line
            # breaks (the terminal marks a paste), and Alt-Enter (or Esc, Enter) adds one.
            @bindings.add("enter")
            def _finish(event: Any) -> None:
                buffer = event.current_buffer
                buffer.text = buffer.text.rstrip()
                buffer.validate_and_handle()

            @bindings.add("escape", "enter")
            def _new_line(event: Any) -> None:
                event.current_buffer.newline(copy_margin=False)

            @bindings.add("c-x", "c-e")
            def _edit(event: Any) -> None:
                open_in_editor(event.current_buffer)

        note = instruction or (MULTILINE_HELP if multiline else "")
        if multiline:
            # On lines of its own: a multi-line prompt wider than the terminal draws nothing;
            # wrapped between words, not where the terminal's edge falls.
            import shutil
            import textwrap

            width = shutil.get_terminal_size().columns
            print("\n".join(f"\x1b[2m{line}\x1b[0m" for line in textwrap.wrap(note, width)),
                  flush=True)
            note = ""
        message = [("class:qmark", "?"), ("class:question", f" {question} ")]
        if note:
            message.append(("class:instruction", f" {note} "))
        session = self._text_session()
        # Each question keeps its own answers (Up recalls them): the buffer reloads its
        # history from this attribute whenever a prompt resets it.
        session.history = session.default_buffer.history = self.history.setdefault(
            question, InMemoryHistory())
        try:
            answer = session.prompt(message, default=default, validator=Checked(),
                                    multiline=multiline, key_bindings=bindings)
        except EOFError:  # Ctrl-D on an empty answer: a way out, kept as Ctrl-C keeps it
            raise Interrupted("") from None
        return str(answer)

    def select(self, question: str, choices: Sequence[tuple[str, T]],
               default: T | None = None,
               keys: Sequence[Sequence[str]] | None = None) -> T:
        """A list; `default` preselected (Enter takes it). `keys`: per choice, the keys that
        answer it at once (its number, its initial), without Enter."""
        import questionary

        options = [questionary.Choice(title=label, value=index)
                   for index, (label, _value) in enumerate(choices)]
        start = next((o for o, (_l, v) in zip(options, choices, strict=True) if v == default),
                     None)
        asked = questionary.select(question, options, default=start, qmark="?",
                                   instruction=SHORTCUT_HELP if keys else SELECT_HELP)
        if keys:
            answer_with_keys(asked.application, keys)
        answered_briefly(asked.application)
        try:
            index = asked.unsafe_ask()
        except EOFError:  # Ctrl-D: as Ctrl-C
            raise Interrupted("") from None
        return choices[int(index)][1]

    def confirm(self, question: str) -> bool:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.formatted_text import FormattedText
        from prompt_toolkit.key_binding import KeyBindings

        bindings = KeyBindings()

        @bindings.add("s")
        @bindings.add("S")
        @bindings.add("y")
        @bindings.add("Y")
        def _yes(event: Any) -> None:
            event.app.exit(result=True)

        @bindings.add("n")
        @bindings.add("N")
        def _no(event: Any) -> None:
            event.app.exit(result=False)

        @bindings.add("<any>")
        def _other(event: Any) -> None:
            """Only s and n answer: an Enter typed out of habit decides nothing."""

        hint = "[s/n]"
        session: PromptSession[bool] = PromptSession(
            FormattedText([("bold", f"? {question} "), ("", f"{hint} ")]),
            key_bindings=bindings)
        answer = bool(session.prompt())
        print(f"  → {'sí' if answer else 'no'}", file=sys.stdout, flush=True)
        return answer


def open_in_editor(buffer: Any) -> None:
    """Ctrl-X Ctrl-E: the answer so far in the agent's editor (system.editor: never vi by
    surprise), then taken as the answer; with no editor, a hint above the field instead."""
    from prompt_toolkit.application import get_app, run_in_terminal

    from .. import system

    command = system.editor()
    if command is None:
        run_in_terminal(lambda: print(f"\x1b[33m{system.NO_EDITOR}\x1b[0m", flush=True))
        return
    import tempfile

    folder = system.private_dir(system.temp_folder())
    fd, name = tempfile.mkstemp(dir=folder, prefix="respuesta-", suffix=".txt")
    with open(fd, "w", encoding="utf-8") as handle:
        handle.write(buffer.text)

    async def edit() -> None:
        import subprocess
        from pathlib import Path

        from prompt_toolkit.document import Document

        try:
            ended = await run_in_terminal(lambda: subprocess.call([*command, name]),
                                          in_executor=True)
            if ended == 0:
                text = system.read_text(Path(name)).rstrip("\n")
                buffer.document = Document(text, cursor_position=len(text))
                buffer.validate_and_handle()
        except (OSError, system.UnreadableText) as exc:
            from ..os_errors import reason

            shown = exc.encoding if isinstance(exc, system.UnreadableText) else reason(exc)
            problem = f"No se pudo usar el editor «{command[0]}»: {shown}."
            await run_in_terminal(lambda: print(f"\x1b[33m{problem}\x1b[0m", flush=True))
        finally:
            Path(name).unlink(missing_ok=True)

    get_app().create_background_task(edit())


def priority_checklist(ask: Asker, default: Priority | None = None) -> Priority:
    """The escalation guide's checklist: the first that applies decides. Each line answers
    to its number or its priority's initial (U, A, M, B), without Enter."""
    from ..domain.priority import CHECKLIST, Priority

    lines = [*CHECKLIST, ("Ninguna de las anteriores", Priority.BAJA)]
    # The priority first: on a narrow terminal a long question is cut, never its answer.
    choices: list[tuple[str, Priority]] = [(f"{n}) {p.value:<7} {q}", p)
                                           for n, (q, p) in enumerate(lines, 1)]
    keys = [(str(n), p.value[0].lower(), p.value[0]) for n, (_q, p) in enumerate(lines, 1)]
    return ask.select("¿Qué describe mejor el caso? (la primera que aplique)", choices,
                      default, keys=keys)


class TerminalUi:
    """The workflows' questions, asked only when a person is at the terminal."""

    def __init__(self, env: Env, interactive: bool, *, progress: bool | None = None,
                 ask: Asker | None = None) -> None:
        self.env = env
        self.interactive = interactive
        self.show_progress = interactive if progress is None else progress
        self._ask = ask

    @property
    def ask(self) -> Asker:
        if self._ask is None:
            self._ask = ToolkitAsker()
        return self._ask

    def warn(self, text: str) -> None:
        self.env.warn(text)

    def choose_contact(self, candidates: list[Contact]) -> Contact | None:
        if not self.interactive:
            return None
        return choose_contact(candidates, self.ask)

    def confirm_duplicates(self, duplicates: list[Ticket]) -> bool | None:
        from ..domain.text import printable

        if not self.interactive:
            return None
        self.env.err.print("Ya hay tickets abiertos con esta póliza:", markup=False)
        for ticket in duplicates:
            self.env.err.print(f"  • {printable(f'{ticket.id}: {ticket.subject}')}",
                               markup=False)
        return self.ask.confirm("¿Crear otro ticket de todos modos?")

    def confirm_partial(self, uploaded: int, failed: list[str]) -> bool | None:
        if not self.interactive:
            return None
        self.env.err.print(f"No se pudieron subir: {self.env.shown(', '.join(failed))}.")
        return self.ask.confirm(f"¿Crear la nota con los {uploaded} archivos que sí subieron?")

    @contextmanager
    def progress(self, total: int) -> Iterator[Callable[[str], None]]:
        if not self.show_progress:
            yield lambda name: None
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        from .columns import safe

        with Progress(TextColumn("Subiendo"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.description}"), console=self.env.err,
                      transient=True) as bar:
            task = bar.add_task("", total=total)
            yield lambda name: bar.update(task, advance=1, description=safe(name))


def choose_contact(candidates: list[Contact], ask: Asker, client: str = "") -> Contact:
    """The agent picks the client among the contacts that share a phone (as HubSpot holds
    them, shown inert: `printable`); the one whose name is the client typed comes
    preselected, so a habitual Enter picks the right one."""
    from ..domain.names import closest
    from ..domain.text import printable

    # Numbered as the hint says («su número»): the first nine answer to theirs.
    choices = [(printable(f"{f'{n}) ' if n <= 9 else ''}{c.name} · {c.email or 'sin correo'}"
                          f" · {c.best_phone} (id {c.id})"), c)
               for n, c in enumerate(candidates, 1)]
    best = closest(client, [(c.firstname, c.lastname) for c in candidates]) if client else None
    chosen: Contact = ask.select(
        "Ese teléfono es de varios contactos: ¿cuál es el cliente?", choices,
        candidates[best] if best is not None else None,
        keys=[(str(n),) for n in range(1, min(len(candidates), 9) + 1)])
    return chosen


def answer_with_keys(application: Any, keys: Sequence[Sequence[str]]) -> None:
    """A questionary list that also answers to keys (each choice's own), at once: the
    choice is marked answered, as Enter would, so the line left on screen shows it."""
    from questionary.prompts.common import InquirerControl

    control = next(c for c in application.layout.find_all_controls()
                   if isinstance(c, InquirerControl))
    for index, choice_keys in enumerate(keys):
        for key in choice_keys:
            def pick(event: Any, index: int = index) -> None:
                control.pointed_at = index
                control.is_answered = True
                event.app.exit(result=control.get_pointed_at().value)

            application.key_bindings.add(key, eager=True)(pick)


def answered_briefly(application: Any) -> None:
    """The line a questionary list leaves once answered shows the choice up to its first
    gap of two spaces («2) ALTA», not the checklist's whole question after it): the whole
    line, wider than a laptop's terminal, was cut mid-word at its edge.

    questionary draws that line from the pointed choice's title once its list control is
    marked answered (by Enter, or `answer_with_keys`): the title is shortened at that
    moment. The control is questionary 2's `InquirerControl`, which pyproject.toml bounds."""
    from questionary.prompts.common import InquirerControl

    listed = next(c for c in application.layout.find_all_controls()
                  if isinstance(c, InquirerControl))

    class Answered(type(listed)):  # type: ignore[misc]
        @property
        def is_answered(self) -> bool:
            return bool(self.__dict__.get("_answered", False))

        @is_answered.setter
        def is_answered(self, value: bool) -> None:
            self.__dict__["_answered"] = value
            choice = self.get_pointed_at()
            if value and isinstance(choice.title, str):
                choice.title = choice.title.split("  ")[0].rstrip()

    listed.__class__ = Answered


def reasons_under_the_answer(session: Any) -> None:
    """Why an answer is refused, drawn right under it, wrapped to the terminal's width and
    never cut: prompt_toolkit draws it in a one-line toolbar at the bottom of the space it
    takes (on a terminal with room below the prompt, its last line, 36 rows down).

    The session's layout is public (`Layout.walk`, `ConditionalContainer.content`); its
    toolbar's place in it is prompt_toolkit 3.0's, which pyproject.toml bounds."""
    from prompt_toolkit.filters import has_validation_error, to_filter
    from prompt_toolkit.layout import ConditionalContainer, FormattedTextControl, Window

    def reason() -> Any:
        import textwrap

        from prompt_toolkit.application import get_app

        error = session.default_buffer.validation_error
        if not error:
            return []
        width = max(20, get_app().output.get_size().columns - 1)
        lines = textwrap.wrap(f"✗ {error.message}", width, break_on_hyphens=False)
        return [("class:validation-toolbar", "\n".join(lines))]  # between words

    under = Window(FormattedTextControl(reason), wrap_lines=True, dont_extend_height=True)
    for container in session.layout.walk():  # the toolbar is shown on this one filter
        if isinstance(container, ConditionalContainer) and (
                container.filter is has_validation_error):
            container.content = under
    # The answer takes only the lines it needs, so what follows stays right under it.
    session.layout.current_window.dont_extend_height = to_filter(True)
