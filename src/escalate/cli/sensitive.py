"""Sensitive data at the edge: each finding shown where it is and decided by the agent at a
terminal (mask, the default; keep with a reason; edit), masked and said on stderr in a
script (`--conservar-datos` keeps what may be kept). What pays or opens an account (a card,
its CVV and expiry, a password, a NIP, a code) is masked whatever is chosen."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from rich.markup import escape

from ..domain.screening import Kept, Key, key, screen_text
from ..domain.sensitive import ALWAYS_MASKED, CHANGES, Finding, mask_of, scan
from ..errors import InvalidInput
from .env import Env
from .fields import flag, label
from .prompts import Asker

MASK, KEEP, EDIT = "mask", "keep", "edit"
KEEP_OPTION = "--conservar-datos"
CONTEXT = 30  # characters shown each side of a finding


def field_name(finding_field: str, *, typed: bool) -> str:
    """Where a finding is, as the agent knows it (`changes[0]` is a change)."""
    name = CHANGES if finding_field.startswith(CHANGES) else finding_field
    if name not in ("what", "how", "where", "when", CHANGES):
        return "la nota" if not typed else "--nota"
    return flag(name) if typed else label(name)


def told(found: Iterable[Finding], *, typed: bool) -> str | None:
    """One line saying what was masked and where (never the value), or None."""
    places = dict.fromkeys(f"{f.label} en {field_name(f.field, typed=typed)}" for f in found)
    if not places:
        return None
    line = "Datos sensibles ocultados antes de guardar y enviar: " + "; ".join(places) + "."
    if typed and any(f.kind not in ALWAYS_MASKED for f in found):
        line += (f" Para conservarlos (nunca tarjetas, contraseñas, NIP ni códigos): "
                 f"{KEEP_OPTION}.")
    return line


def emptied_problem(fields: Sequence[str], *, typed: bool) -> InvalidInput:
    """Masking would leave a required description without content: refused (exit 2)."""
    return InvalidInput(
        [f"{field_name(f, typed=typed)}: sin los datos sensibles no queda nada que leer; "
         "escriba el problema sin ellos." for f in fields],
        fields={f: "sin los datos sensibles no queda nada que leer" for f in fields},
        hint="No se envió nada.")


def note_screened(env: Env, text: str, *, keep_all: bool, interactive: bool,
                  ask: Asker | None = None) -> str:
    """A note's text as it may be sent: reviewed at a terminal, else masked and said."""
    if interactive and scan(text, "note"):
        from .prompts import ToolkitAsker

        asker = ask or ToolkitAsker()
        review = Review(env, lambda: asker, keep_all=keep_all)
        return review.text("note", text, lambda current: asker.text(
            "Texto de la nota", default=current, multiline=True))
    masked_text, hidden = screen_text(text, "note", keep_all=keep_all)
    line = told(hidden, typed=True)
    if line:
        env.warn(line)
    return masked_text


@dataclass
class Review:
    """The agent's decisions at a terminal, finding by finding, kept across edits."""

    env: Env
    asker: Callable[[], Asker]  # the session's, looked up when asking (tests swap it)
    keep_all: bool = False  # --conservar-datos: what may be kept is kept without asking
    kept: dict[Key, str] = field(default_factory=dict)  # finding → the agent's reason
    masked: list[Finding] = field(default_factory=list)

    def text(self, name: str, text: str, ask_again: Callable[[str], str]) -> str:
        """`text` with each finding masked, kept or edited away, as the agent chooses."""
        while True:
            pending = [f for f in scan(text, name) if key(f) not in self.kept]
            edited = False
            hide: list[Finding] = []
            for finding in pending:
                choice = self.decide(finding, text)
                if choice == EDIT:
                    text = ask_again(text)
                    edited = True
                    break
                if choice == MASK:
                    hide.append(finding)
            if edited:
                continue
            if hide:
                from ..domain.sensitive import mask

                text = mask(text, hide)
                self.masked.extend(hide)
            return text

    def decide(self, finding: Finding, text: str) -> str:
        if self.keep_all and finding.kind not in ALWAYS_MASKED:
            self.kept[key(finding)] = KEEP_OPTION
            return KEEP
        ask = self.asker()
        where = field_name(finding.field, typed=False)
        self.env.err.print(f"  [yellow]⚠ {escape(finding.label)} en {escape(where)}:[/] "
                           + _in_context(text, finding), soft_wrap=False, overflow="fold")
        options = [(f"Ocultarlo ({mask_of(finding)})", MASK)]
        if finding.kind not in ALWAYS_MASKED:
            options.append(("Conservarlo (diga por qué)", KEEP))
        options.append(("Editar el texto", EDIT))
        choice = ask.select("¿Qué hacemos con este dato?", options, MASK)
        if choice == KEEP:
            reason = ask.text(
                "¿Por qué se conserva? (queda con la escalación)",
                check=lambda t: None if t.strip() else "Escriba el motivo.")
            self.kept[key(finding)] = reason.strip()
        return choice

    def kept_json(self) -> list[Kept]:
        return [Kept(f, kind, reason) for (f, kind, _), reason in self.kept.items()]


def _in_context(text: str, finding: Finding) -> str:
    """The finding in its sentence, marked, as rich markup."""
    start, end = finding.start, finding.end
    before = text[max(0, start - CONTEXT):start].replace("\n", " ")
    after = text[end:end + CONTEXT].replace("\n", " ")
    return (("…" if start > CONTEXT else "") + escape(before)
            + f"[reverse]{escape(text[start:end])}[/]" + escape(after)
            + ("…" if end + CONTEXT < len(text) else ""))
