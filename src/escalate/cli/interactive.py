"""Interactive `create`: ask what is missing (each answer checked as typed), review, send.

What HubSpot holds is read while the agent types (`Lookahead`) and said at the field it is
about: a contact that does not exist, several that share a phone (the one named as the
client comes preselected), a name spelled another way. Ctrl-C at any question, choice,
confirmation, editor or at the review keeps the answers as a draft and says how to resume
it. New questions and review lines go in `ask_missing` and `render`.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..domain.answers import EscalationInput
from ..domain.contact_choice import Chosen
from ..domain.escalation import Channel, check_field
from ..errors import EscalateError, InvalidInput, Unreachable
from . import drafts
from .env import Env
from .escalation import (
    checked,
    matrix_route,
    missing_fields,
    owner_text,
    quality_line,
    quality_rules,
    read_before_sending,
    report,
    send,
    show_preview,
    validate,
)
from .fields import FIELDS, label, problem_lines
from .incidents import ask_incident
from .lookahead import AT_THE_FIELD, Lookahead
from .prompts import Asker, ToolkitAsker, choose_contact, priority_checklist

if TYPE_CHECKING:
    from pathlib import Path

    from ..domain.escalation import Escalation
    from ..domain.incident_choice import Choice
    from ..domain.quality import Quality, Rules
    from ..domain.records import Contact
    from ..domain.templates import Template
    from ..workflows.create import Checks
    from ..workflows.files import LocalFile
    from ..workflows.lookup import Prepared
    from ..workflows.portal import Portal
    from .sensitive import Review

CHANNELS = [*((c.label, c.value) for c in Channel), ("Sin indicar", "")]
PASTE = "pegar"
PASTE_HINT = "(«pegar»: la imagen copiada)"
PORTAL_WAIT = 5.0  # seconds the portal's own fields wait for the portal read at the form's end
SEND, EDIT, DRAFT, CANCEL, CONTACT = "send", "edit", "draft", "cancel", "contact"
EDITABLE = ("policy", "client_name", "email", "phone", "priority", "what", "how", "where",
            "when", "changes", "channel", "attachments")


MARKS = "✓✗⚠›"  # what a line under a field starts with: found, refused, warned, a hint


class Session:
    """One agent's escalation at the terminal, from the first question to the ticket."""

    def __init__(self, env: Env, answers: EscalationInput, *,
                 resumed: drafts.Resumed | None = None, accept_contact: bool = False,
                 keep_sensitive: bool = False, min_quality: int | None = None,
                 template: tuple[str, Template] | None = None,
                 incidents: Choice | None = None) -> None:
        self.env = env
        self.incidents = incidents  # --incidente / --sin-incidente, or look and offer
        self.incident_line: str | None = None  # what the agent chose, shown in the review
        self.answers = answers
        self.resumed = resumed
        self.accept_contact = accept_contact
        self.draft_id = resumed.entry_id if resumed is not None else None
        # The contact chosen among several sharing a phone (a draft's, until it no longer
        # holds): kept with the draft, so taking it up again does not ask again.
        self.chosen = resumed.chosen if resumed is not None else None
        self.ask: Asker = ToolkitAsker()
        self.sending = False
        self.kept_elsewhere = False  # the reads kept the escalation in the outbox themselves
        self.editing = resumed.editing if resumed is not None else None  # asked again first
        self.interrupted: str | None = None  # the field kept half-written at Ctrl-C
        self.ahead: Lookahead | None = None  # reads while typing (none in a dry run)
        self.wants_ahead = False  # not a dry run: start them at the first answer
        self.said_open: set[str] = set()  # the policies whose open tickets were said
        self.keep_sensitive = keep_sensitive
        self._sensitive: Review | None = None  # the agent's decisions on sensitive data
        self.min_quality = min_quality
        self._rules: Rules | None = None
        self.checks: Checks | None = None  # what `validated` found: masked, kept, the score
        self.quality: Quality | None = None
        self.template = template  # (name, template): chosen by --plantilla or asked first
        self.images_scanned = False  # the attachments' images read by the OCR

    # -- the whole session --------------------------------------------------------------

    def run(self, *, dry_run: bool, as_json: bool) -> None:
        self.wants_ahead = not dry_run
        try:
            self._run(dry_run=dry_run, as_json=as_json)
        except KeyboardInterrupt as exc:
            import typer

            from .hints import interrupted

            # One message, saying where the work is (exit 130 all the same).
            if self.sending:
                interrupted(self.env, getattr(exc, "next_steps", ()))
            elif not self._keep("Interrumpido: lo escrito quedó guardado como borrador."):
                self.env.err.print("Interrumpido: no había nada escrito que guardar.")
            self.env.interrupt_told = True
            raise typer.Exit(130) from None
        except EscalateError as exc:
            # The answers are never lost: what failed before the send is kept as a draft
            # (the send itself, and the reads that found HubSpot unreachable, keep their own).
            if not self.sending and not self.kept_elsewhere and int(exc.exit_code) != 0 \
                    and drafts.has_answers(self.answers):
                self.draft_id = drafts.keep(self.env, self.answers, self.draft_id,
                                            chosen=self.chosen, resumed=self.resumed,
                                            template=self.template_name)
                exc.next_steps = (*exc.next_steps, drafts.resume_step(
                    self.draft_id, "Lo escrito quedó guardado como borrador. Para seguir:"))
            raise
        finally:
            if self.ahead is not None:
                self.ahead.close()

    def _run(self, *, dry_run: bool, as_json: bool) -> None:
        if missing_fields(self.answers):
            self.ask_missing()
        if not self.images_scanned and self.answers.get("attachments"):
            self.answers["attachments"] = self.scanned(list(self.answers["attachments"]))
        from ..domain.screening import DESCRIBED

        for field in DESCRIBED:  # what came from options or a draft, reviewed as typed
            if str(self.answers.get(field) or "").strip():
                self.answers[field] = self.screened(field, str(self.answers[field]))  # type: ignore[literal-required]
        escalation, files = self.validated()
        if dry_run:
            assert self.checks is not None and self.quality is not None
            from .incidents import preview_alike

            similar = (preview_alike(self.env, escalation, self.incidents)
                       if self.incidents is not None else None)
            show_preview(self.env, escalation, files, as_json, self.checks, self.quality,
                         similar, chosen=self.chosen)
            return
        self.review(escalation, files, as_json)

    def _keep(self, why: str) -> bool:
        if not drafts.has_answers(self.answers):
            return False
        self.draft_id = drafts.keep(self.env, self.answers, self.draft_id,
                                    editing=self.interrupted, chosen=self.chosen,
                                    resumed=self.resumed, template=self.template_name)
        from rich.markup import escape

        from .hints import command_line

        hint = command_line(self.env, drafts.resume_step(self.draft_id))
        self.env.err.print(f"{why}\nPara seguir: [bold]{escape(hint)}[/]")
        return True

    def keep_partial(self, field: str, text: str) -> None:
        """What was typed in the interrupted field, so the draft loses nothing but what no
        draft may hold: free text is kept with its sensitive data masked (what the agent
        chose to keep, kept), as the outbox stores escalations."""
        from ..domain.screening import DESCRIBED, screen_text

        if not text.strip():
            return
        if field in DESCRIBED:
            text, _ = screen_text(text, field, tuple(self.sensitive.kept),
                                  keep_all=self.keep_sensitive)
        a = self.answers
        if field == "contact":
            a["email" if "@" in text else "phone"] = text.strip()
        elif field == "attachments":
            try:
                a["attachments"] = split_paths(text, self.env.folder)
            except ValueError:
                a["attachments"] = [text.strip()]
        elif field == "changes":
            a["changes"] = [*(a.get("changes") or []), text.strip()]
        else:
            a[field] = text  # type: ignore[literal-required]
        self.interrupted = field

    def pending(self, field: str) -> bool:
        """Still to ask: blank, or interrupted half-written (asked again with its text)."""
        if field == self.editing:
            return True
        if field == "contact":
            return not str(self.answers.get("email") or "").strip() and not str(
                self.answers.get("phone") or "").strip()
        return not str(self.answers.get(field) or "").strip()

    def asked(self, field: str, question: Callable[[], str]) -> str:
        """One question, remembered as the one being typed (for Ctrl-C)."""
        from .prompts import Interrupted

        try:
            answer = question()
        except Interrupted as exc:
            self.keep_partial(field, exc.partial)
            raise
        if field == self.editing:
            self.editing = None
        self.start_ahead()
        return answer

    def start_ahead(self) -> None:
        """The reads while typing start once the first answer is in: started before the
        first question, their imports (the HubSpot client) held the interpreter while the
        question was drawn (≈50 ms of the agent's wait, benchmarks/interactive.py)."""
        if self.ahead is None and self.wants_ahead:
            self.ahead = Lookahead(self.env)
            self.look_ahead()  # what the options or a draft already say

    # -- questions ----------------------------------------------------------------------

    def ask_missing(self) -> None:
        """Each missing value in the order of the form, then the optional ones."""
        a = self.answers

        def current(field: str) -> str:
            return str(a.get(field) or "")

        if self.template is None:
            self.template = self.ask_template()
        self.apply_template()
        for field in ("policy", "client_name"):
            if self.pending(field):
                a[field] = self.ask_field(field, current(field))
            if field == "policy":
                self.look_ahead()
                self.warm_up()
        self.say_open_tickets()  # the policy's search has run while the name was typed
        if self.pending("contact"):
            self.ask_contact(current("email") or current("phone"))
        if not str(a.get("priority") or "").strip():
            a["priority"] = self.ask_priority()
        self.settle_contact()  # its lookup has run while the priority was chosen
        self.say_open_tickets(wait=AT_THE_FIELD)  # if still going at the client's name
        for field in ("what", "how", "where"):
            if self.pending(field):
                a[field] = self.ask_field(field, current(field))  # type: ignore[literal-required]
        self.look_alike()  # while CUÁNDO, the channel and the attachments are answered
        if self.pending("when"):
            a["when"] = self.ask_field("when", current("when")) or None
        self.ask_the_rest()

    def ask_the_rest(self) -> None:
        """The form's end: channel, the portal's own fields, changes, attachments."""
        a = self.answers
        if not a.get("channel"):
            a["channel"] = self.ask_channel()
        if self.ahead is not None:
            self.ask_portal_fields(self.ahead.portal(wait=PORTAL_WAIT))
        if not a.get("changes") or self.editing == "changes":
            a["changes"] = self.ask_changes()
        a["changes"] = self.ask_template_changes(list(a.get("changes") or []))
        if not a.get("attachments") or self.editing == "attachments":
            a["attachments"] = self.ask_attachments(shlex.join(a.get("attachments") or []))

    def check(self, field: str) -> Callable[[Any], str | None]:
        settings, now = self.env.settings, self.env.now()

        def problem(text: str) -> str | None:
            if field in ("policy", "client_name", "what", "how", "where") and not text.strip():
                return "No puede quedar vacío."
            from .fields import own_hint

            found = check_field(field, text, settings.rules(), now)
            if found is None and field in ("what", "how", "where", "when"):
                found = self.room(field, text)
            if found is None:
                return None
            return own_hint(field, found)
        return problem

    def room(self, field: str, text: str) -> str | None:
        """HubSpot's limit on the description, checked at the field that passes it."""
        from ..domain.escalation import room_problem

        typed = {f: str(self.answers.get(f) or "") for f in ("what", "how", "where", "when")}
        problem = room_problem({**typed, field: text})
        return None if problem is None else problem + " (Ctrl-U borra todo lo escrito)"

    # -- what HubSpot holds, said at the field ------------------------------------------

    def typed_contact(self) -> tuple[str | None, str | None]:
        """The email and phone as they will be looked up (normalised), if valid."""
        from ..domain.addresses import normalise_email
        from ..domain.escalation import Problem, normalise_phone
        from ..domain.text import clean

        a, settings = self.answers, self.env.settings
        typed = clean(str(a.get("email") or ""))
        email = normalise_email(typed) if typed else None
        try:
            phone = (normalise_phone(str(a.get("phone")), settings.phone_region)
                     if str(a.get("phone") or "").strip() else None)
        except Problem:
            return None, None
        return (None, None) if typed and email is None else (email, phone)

    def warm_up(self) -> None:
        """The score's words and the scan's patterns compiled while the agent types the
        client's name, not after QUÉ (benchmarks/interactive.py: ≈30 ms of the tool's own
        time); not at start, where it would slow the first question."""
        import threading

        from ..workflows.quality import warm_up

        threading.Thread(target=warm_up, name="warm-up", daemon=True).start()

    def typed_policy(self) -> str:
        """The policy as its search is keyed: upper case, one space between words."""
        return " ".join(str(self.answers.get("policy") or "").upper().split())

    def look_ahead(self) -> None:
        """Start what can be read with the answers so far (the policy's tickets, the
        contact); each read starts once per value."""
        if self.ahead is None:
            return
        policy = self.typed_policy()
        if policy:
            self.ahead.policy(policy)
        email, phone = self.typed_contact()
        if email or phone:
            self.ahead.contact(email, phone)

    def say_open_tickets(self, wait: float = 0.0) -> None:
        """Open tickets with the typed policy, said under the first fields while the client
        is on the line (the review asks again, on a fresh read: search lags writes)."""
        policy = self.typed_policy()
        if self.ahead is None or not policy or policy in self.said_open:
            return
        own = self.resumed.entry_id if self.resumed is not None else None
        found = self.ahead.open_tickets(policy, own, wait)
        if not found:
            return
        self.said_open.add(policy)
        portal = self.ahead.portal()
        listed = "; ".join(f"{t.id} «{t.subject}»" + (f" ({portal.stage_label(t.stage)})"
                                                        if portal is not None else "")
                           for t in found[:3]) + (" …" if len(found) > 3 else "")
        count = "1 ticket abierto" if len(found) == 1 else f"{len(found)} tickets abiertos"
        self.under(f"[yellow]⚠ La póliza {self.env.shown(policy)} ya tiene {count}:[/] "
                   f"{self.env.shown(listed)}. Si es el mismo "
                   "problema, agregue la información a ese ticket; al revisar podrá enviar "
                   "de todos modos.")

    def look_alike(self) -> None:
        """Start the search for open tickets like this one (a fresh escalation, looking)."""
        choice = self.incidents
        if (self.ahead is None or self.resumed is not None or choice is None
                or choice.join is not None or not choice.detect):
            return
        from ..domain.text import clean

        what, where = (clean(str(self.answers.get(f) or ""), multiline=True)
                       for f in ("what", "where"))
        if what and where:
            self.ahead.alike(what, where, choice)

    def settle_contact(self) -> None:
        """The contact's lookup, said under its field: not found, asked again while the
        client is on the line; several, chosen now (the one named as the client first);
        found with the name spelled another way, which name goes on the ticket."""
        tried: set[tuple[str | None, str | None]] = set()
        while self.ahead is not None:
            key = self.typed_contact()
            self.ahead.contact(*key)
            found = self.ahead.found_contact(*key)
            if found is None:
                return  # not read yet, or HubSpot failed: the review reads it again
            if found.problem is not None and key not in tried:
                tried.add(key)  # typed again as it was: the review says it once more
                # What to do, and the way out while the contact is made in HubSpot.
                hint = f" {self.env.shown(found.problem.hint)}" if found.problem.hint else ""
                self.under(f"[red]✗ {self.env.shown(found.problem.message)}[/]{hint} Ctrl-C "
                           "guarda lo escrito como borrador para seguir después.")
                a = self.answers
                self.ask_contact(str(a.get("email") or a.get("phone") or ""))
                continue
            if found.contact is None and found.candidates:
                found.contact = self.choose(key, found.candidates)
            elif found.contact is not None:
                self.chosen_gone(key, found.contact)
            if found.contact is not None:
                self.confirm_name(found.contact)
            return

    def choose(self, key: tuple[str | None, str | None], candidates: list[Contact], *,
               again: bool = False) -> Contact:
        """The client among the contacts sharing a phone (`key`: the email and phone looked
        up): the one chosen before (a resumed draft's choice) while it holds, said so; else
        asked, saying why a kept choice no longer holds. `again`: the agent asks to change."""
        kept = self.chosen
        if kept is not None and not again:
            contact, why = kept.held(key, candidates)
            if contact is not None:
                self.under(f"[green]✓[/] Contacto elegido antes entre los que comparten el "
                           f"teléfono: {self.env.shown(contact.name)} (id {contact.id}); "
                           "«Cambiar el contacto» en la revisión elige otro.")
                return contact
            self.under("[yellow]⚠ Se pregunta de nuevo por el contacto:[/] "
                       f"{self.env.shown(why or '')}.")
        chosen = choose_contact(candidates, self.ask, str(self.answers.get("client_name") or ""))
        self.chosen = Chosen(chosen.id, *key)
        return chosen

    def chosen_gone(self, key: tuple[str | None, str | None], contact: Contact) -> None:
        """A kept choice among several, when the phone now finds one contact only: the one
        chosen is that one (nothing to say), or it no longer has the phone (said, and the
        choice forgotten: the contact found is the only one the phone names)."""
        kept = self.chosen
        if kept is None or (kept.email, kept.phone) != key or kept.contact_id == contact.id:
            return
        self.under(f"[yellow]⚠ El contacto elegido antes (id {kept.contact_id}) ya no tiene "
                   f"ese teléfono en HubSpot:[/] ahora es solo de {self.env.shown(contact.name)} "
                   f"(id {contact.id}).")
        self.chosen = None

    def confirm_name(self, contact: Contact) -> None:
        """The contact found, said under the field; a near-miss spelling of its name asks
        which one names the ticket (HubSpot's, unless the agent says otherwise)."""
        from ..domain.names import same_person, spelled_alike
        from ..domain.text import printable

        typed = str(self.answers.get("client_name") or "")
        shown = self.env.shown  # HubSpot's text (and the agent's), inert on the terminal
        self.under(f"[green]✓[/] Contacto: {shown(contact.name)} · "
                   f"{shown(contact.email or 'sin correo')} (id {contact.id})")
        if not (contact.firstname or contact.lastname) or spelled_alike(
                typed, contact.firstname, contact.lastname):
            return
        if not same_person(typed, contact.firstname, contact.lastname):
            self.under(f"[yellow]¿Es el mismo cliente?[/] En HubSpot se llama "
                       f"«{shown(contact.name)}»; usted escribió «{shown(typed)}».")
            return
        self.answers["client_name"] = self.ask.select(
            "¿Con qué nombre va el ticket?",
            [(printable(f"1) {contact.name} (como está en HubSpot)"), contact.name),
             (printable(f"2) {typed} (como lo escribió)"), typed)], contact.name,
            keys=[("1",), ("2",)])

    def ask_priority(self) -> str:
        """The checklist; a priority the portal lacks is refused here, not at the review."""
        while True:
            chosen = priority_checklist(self.ask)
            portal = self.ahead.portal() if self.ahead is not None else None
            if portal is None or chosen.portal_option(portal.priority_options) is not None:
                return chosen.value
            self.under(f"[red]✗ El portal no tiene la prioridad {chosen.value}[/]: elija otra "
                       "o pida a un administrador que la agregue.")

    def under(self, line: str) -> None:
        """A line under the question just answered, wrapped to the terminal between words and
        never cut; its mark (✓, ✗, ⚠, ›) hangs out, the rest of its lines under its text, so
        the next question's «?» is the only thing at the left edge."""
        from rich.table import Table
        from rich.text import Text

        text = Text.from_markup(line)
        hanging = text.plain[:1] in MARKS and text.plain[1:2] == " "
        mark, rest = (text[:2], text[2:]) if hanging else (Text(""), text)
        grid = Table.grid()
        grid.add_column(width=2 + len(mark), no_wrap=True)
        grid.add_column(overflow="fold")
        grid.add_row(Text("  ") + mark, rest)
        self.env.err.print(grid)

    def ask_field(self, field: str, default: str = "") -> str:
        multiline = field in ("what", "how")

        def question(current: str) -> str:
            return self.asked(field, lambda: self.ask.text(
                FIELDS[field].question, default=current, check=self.check(field),
                multiline=multiline))

        self.template_hint(field)
        answer = question(default)
        if field in ("what", "how", "where", "when"):  # the description's free text
            answer = self.screened(field, answer, question)
            self.hint(field, answer)
        return answer

    def screened(self, field: str, text: str,
                 again: Callable[[str], str] | None = None) -> str:
        """The answer with its sensitive data decided finding by finding; masking that
        leaves QUÉ, CÓMO or DÓNDE without content is refused and the field asked again."""
        from ..domain.screening import REQUIRED_TEXT
        from ..domain.sensitive import meaningful

        again = again or (lambda current: self.ask_field(field, current))
        while True:
            typed = text
            try:
                text = self.sensitive.text(field, text, again)
            except KeyboardInterrupt:  # Ctrl-C at a finding: the draft keeps the text
                if self.interrupted != field:  # (not re-asked and half-typed: kept then)
                    self.keep_partial(field, text)
                raise
            if field not in REQUIRED_TEXT or text == typed or meaningful(text):
                return text
            self.under(f"[red]✗ Sin los datos sensibles, {label(field)} no dice nada:[/] "
                       "escríbalo sin ellos.")
            text = again(text)

    # -- the portal's own required fields ----------------------------------------------

    def ask_portal_fields(self, portal: Portal | None) -> dict[str, str]:
        """Each property the portal requires and escalate does not fill, asked as its kind
        asks; a given one that breaks a rule asked again. Returns the values to write."""
        from ..domain.rules import FieldProblem, field_value
        from .portal_fields import ask_one, checked_fields, missing_to_ask, parsed

        given = parsed(list(self.answers.get("fields") or []))
        if portal is None:
            return given
        for name, value in list(given.items()):
            info = portal.ticket_property(name)
            try:
                field_value(info, name, value, portal.rules.of(name), portal.properties)
            except FieldProblem as exc:
                if info is None or exc.unaskable:
                    continue  # said with every other problem by checked_fields (exit 2)
                self.under(f"[red]✗ {self.env.shown(exc.message)}[/]")
                given[name] = ask_one(self.ask, portal, info, value)
        for info in missing_to_ask(portal, given):
            given[info.name] = ask_one(self.ask, portal, info)
            self.answers["fields"] = [f"{n}={v}" for n, v in given.items()]
        self.answers["fields"] = [f"{n}={v}" for n, v in given.items()]
        return checked_fields(portal, self.answers["fields"])

    # -- the template of the kind of case -----------------------------------------------

    def ask_template(self) -> tuple[str, Template] | None:
        """The first question when the policy file has templates: which kind of case."""
        loaded = self.env.policy_in_file()
        templates = loaded.policy.templates if loaded is not None else None
        if not templates:
            return None
        options = [(f"{t.title or name} ({name})", name) for name, t in templates.items()]
        # «Ninguna» first under the pointer: an Enter out of habit (or a policy number typed
        # before looking) picks no template, never the first one.
        chosen = self.ask.select("¿Qué tipo de caso es? (plantilla)",
                                 [*options, ("Ninguna: un caso general", "")], "")
        return (chosen, templates[chosen]) if chosen else None

    def apply_template(self) -> None:
        """The template's default priority, unless one was given."""
        if self.template is None:
            return
        from ..domain.templates import apply

        name, template = self.template
        had_priority = bool(str(self.answers.get("priority") or "").strip())
        self.answers.update(apply(name, template, self.answers).answers)
        if template.priority is not None and not had_priority:
            self.under(f"Plantilla {self.env.shown(name)}: prioridad {template.priority.value} (se "
                       "puede cambiar en la revisión).")

    def template_hint(self, field: str) -> None:
        hint = self.template[1].hint(field) if self.template is not None else None
        if hint:
            self.under(f"[cyan]Pista de la plantilla:[/] {self.env.shown(hint)}")

    def ask_template_changes(self, changes: list[str]) -> list[str]:
        """Each `campo=valor` the template requires and the agent did not give, asked by
        its name (never empty)."""
        if self.template is None:
            return changes
        from ..domain.templates import apply

        name, template = self.template
        missing = apply(name, template, {**self.answers, "changes": changes}).missing_changes
        if missing:
            self.template_hint("changes")
        for field in missing:
            value = self.asked("changes", lambda f=field: self.ask.text(  # type: ignore[misc]
                f"{f}: valor nuevo (lo pide la plantilla {name})",
                check=lambda t: None if t.strip() else "La plantilla pide este dato."))
            value = value.strip()
            named, sign, rest = value.partition("=")  # «serie=3VW…», as the question before
            if sign and named.strip().casefold() == field.casefold():
                value = rest.strip()
            changes.append(f"{field}={value}")
            self.answers["changes"] = list(changes)
        return changes

    @property
    def template_name(self) -> str | None:
        return self.template[0] if self.template is not None else None

    def template_problems(self) -> dict[str, str]:
        """What the template still requires (changes, evidence), keyed by field."""
        if self.template is None:
            return {}
        from ..domain.templates import apply

        return apply(self.template[0], self.template[1], self.answers).problems()

    @property
    def sensitive(self) -> Review:
        if self._sensitive is None:
            from .sensitive import Review

            self._sensitive = Review(self.env, lambda: self.ask, keep_all=self.keep_sensitive)
        return self._sensitive

    @property
    def rules(self) -> Rules:
        if self._rules is None:
            self._rules = quality_rules(self.env)
        return self._rules

    def hint(self, field: str, answer: str | list[str]) -> None:
        """The quality items this answer could meet and does not, under it (never blocking)."""
        from ..domain.quality import hints
        from ..workflows.quality import capture_of

        form = EscalationInput(**self.answers)
        form[field] = answer  # type: ignore[literal-required]
        for line in hints(capture_of(form), field, self.rules):
            self.under(f"[dim]› {self.env.shown(line)}[/]")

    def ask_contact(self, default: str = "") -> None:
        email, phone = self.check("email"), self.check("phone")

        def problem(text: str) -> str | None:
            if not text.strip():
                return "Escriba el correo o el teléfono del cliente."
            return email(text) if "@" in text else phone(text)

        answer = self.asked("contact", lambda: self.ask.text(
            "Correo o teléfono del cliente", default=default, check=problem))
        by_email = "@" in answer
        self.answers["email" if by_email else "phone"] = answer
        self.answers["phone" if by_email else "email"] = None
        self.look_ahead()

    def ask_channel(self) -> str | None:
        current = self.answers.get("channel") or Channel.TELEFONO.value
        chosen = self.ask.select("¿Por dónde reportó el cliente? (canal)", CHANNELS, current)
        return chosen or None

    def ask_changes(self) -> list[str]:
        """Data to change: asked only when the case speaks of an endoso or of a change of
        the client's data (guide, rule B.a).

        After a «sí» the first answer may not be empty (an Enter typed after the «s» would
        otherwise end the list at once); each change is kept as soon as it is answered."""
        from ..domain.quality import speaks_of_changes

        a = self.answers
        changes = list(a.get("changes") or [])
        typed = changes.pop() if self.editing == "changes" and changes else ""
        said_yes = bool(changes or typed)
        if not said_yes and not speaks_of_changes(
                *(str(a.get(f) or "") for f in ("what", "how", "where"))):
            return []
        if not said_yes:
            self.env.err.print("El caso habla de un endoso o de un cambio de datos: anote cada "
                               "dato que el cliente pidió cambiar (regla B.a de la guía).")
        check = self.check("changes")
        while True:
            must = said_yes and not changes

            def problem(t: str, must: bool = must) -> str | None:
                if not t.strip():
                    return ("Respondió que sí: escriba el dato como campo=valor (o «ninguno» "
                            "si no hay cambios)." if must else None)
                if must and t.strip().lower() == "ninguno":
                    return None
                return check([t])

            question = ("Dato a cambiar, campo=valor (por ejemplo placa=ABC1234; después, "
                        "una respuesta vacía termina la lista)" if must else
                        "Dato a cambiar, campo=valor (por ejemplo placa=ABC1234; vacío para "
                        "terminar)")
            answer = self.asked("changes", lambda: self.ask.text(
                question, default=typed, check=problem))  # noqa: B023
            typed = ""
            if not answer.strip() or (must and answer.strip().lower() == "ninguno"):
                return changes
            changes.append(answer.strip())
            a["changes"] = list(changes)
            self.hint("changes", list(changes))

    def ask_attachments(self, default: str = "") -> list[str]:
        max_bytes = self.env.settings.max_file_bytes

        def problem(text: str) -> str | None:
            try:
                given = split_paths(text, self.env.folder)
            except ValueError:
                return "Hay una comilla sin cerrar."
            # «pegar» is the clipboard's image: evidence, checked when it is taken.
            paths = [p for p in given if not pasted(p)]
            if not given and self.template is not None and self.template[1].evidence:
                return (f"La plantilla {self.template[0]} pide evidencia: adjunte una captura "
                        "o un documento.")
            from ..workflows.files import check_files

            try:
                check_files(paths, max_bytes, cwd=self.env.folder)
            except InvalidInput as exc:
                return "; ".join(exc.problems)
            return None

        self.template_hint("attachments")

        asked = FIELDS["attachments"].question
        if self.template is not None and self.template[1].evidence:
            asked = asked.replace("vacío si ninguno", f"la plantilla {self.template[0]} pide "
                                  "al menos uno")

        def question(current: str) -> Callable[[], str]:
            return lambda: self.ask.text(asked, default=current, check=problem,
                                         instruction=PASTE_HINT)

        while True:
            answer = self.asked("attachments", question(default))
            from ..clipboard import ClipboardProblem

            try:
                paths = [self.paste() if pasted(p) else p
                         for p in split_paths(answer, self.env.folder)]
                break
            except ClipboardProblem as exc:  # no image there: said, and asked again
                self.under(f"[red]✗ {self.env.shown(exc.problems[0])}[/]")
                default = answer
        paths = self.scanned(paths)
        self.hint("attachments", paths)
        return paths

    def paste(self) -> str:
        """The clipboard's image saved as a dated PNG (clipboard.py), said under the field."""
        from ..clipboard import paste_image

        path = paste_image(self.env.settings.home, self.env.now(), self.env.environ)
        self.under(f"[green]✓[/] Imagen del portapapeles: {self.env.shown(str(path))}")
        return str(path)

    def scanned(self, paths: list[str]) -> list[str]:
        """The images read before upload: each one showing sensitive data covered, kept or
        left out, as the agent chooses (cli/screenshots.py)."""
        from .screenshots import screened_paths

        self.images_scanned = True
        if not paths:
            return paths
        a = self.answers
        known = [str(a.get(k) or "") for k in ("client_name", "email", "phone")]
        return screened_paths(self.env, paths, known, interactive=True, ask=self.ask)

    # -- validation and review ----------------------------------------------------------

    def validated(self) -> tuple[Escalation, list[LocalFile]]:
        """The escalation; a problem only the whole form shows is fixed field by field."""
        while True:
            try:
                escalation, files = validate(self.env, self.answers, typed_as_flags=False,
                                             resumed=self.resumed)
                needed = self.template_problems()
                if needed:
                    raise InvalidInput(list(needed.values()), fields=needed)
                escalation, self.checks, self.quality = checked(
                    self.env, escalation, files, typed=False, keep=set(self.sensitive.kept),
                    keep_all=self.sensitive.keep_all, masked_before=self.sensitive.masked,
                    kept=self.sensitive.kept_json())
                return escalation, files
            except InvalidInput as exc:
                for line in (problem_lines(exc.fields, typed=False) if exc.fields
                             else exc.problems):
                    self.env.err.print(f"[red]✗[/] {self.env.shown(line)}", markup=True)
                fields = [f for f in exc.fields if f in EDITABLE or f == "contact"]
                if not fields:
                    fields = [f for f in missing_fields(self.answers)] or ["attachments"]
                for field in fields:
                    self.edit(field)

    def review(self, escalation: Escalation, files: list[LocalFile], as_json: bool) -> None:
        prepared: Prepared | None = None
        contact: Contact | None = None
        while True:
            if prepared is None or prepared.escalation.policy != escalation.policy or (
                    (prepared.escalation.email, prepared.escalation.phone)
                    != (escalation.email, escalation.phone)):
                prepared = self.read_and_settle(escalation, files)
                contact = prepared.contact
            prepared.escalation = escalation
            assert self.checks is not None
            self.checks = replace(self.checks, fields=self.ask_portal_fields(prepared.portal))
            problem = self.render(prepared, contact, files)
            actions = self.actions(prepared, problem)
            choice = self.ask.select("¿Qué hacemos?", actions, self.first_choice(prepared))
            if choice == CONTACT:
                if prepared.lookup.candidates:  # the same phone: another of its contacts
                    contact = prepared.lookup.contact = self.choose(
                        (escalation.email, escalation.phone), prepared.lookup.candidates,
                        again=True)
                    continue
                self.edit("contact")
                self.settle_contact()
                escalation, files = self.revalidated(escalation)
                continue
            if choice == SEND:
                assert contact is not None
                self.sending = True
                assert self.checks is not None
                result = send(self.env, prepared, files, contact, resumed=self.resumed,
                              interactive=True, checks=self.checks)
                if self.draft_id and self.resumed is None:
                    self.env.outbox.done(self.draft_id)
                report(self.env, result, as_json)
                return
            if choice == DRAFT:
                self._keep("Borrador guardado; no se envió nada.")
                return
            if choice == CANCEL:
                if self.cancelled():
                    return
                continue
            field = self.ask.select("¿Qué campo?", [(f"{label(f)}: {self.shown(f)}", f)
                                                    for f in EDITABLE])
            self.edit(field)
            if field in ("email", "phone"):
                self.settle_contact()
            escalation, files = self.revalidated(escalation)

    def read_and_settle(self, escalation: Escalation, files: list[LocalFile]) -> Prepared:
        """The review's reads, with the contact settled among several sharing the phone
        (a kept choice while it holds) and the incident offered, asked."""
        prepared = self.read(escalation, files)
        key = (escalation.email, escalation.phone)
        if prepared.contact is None and prepared.lookup.candidates:
            prepared.lookup.contact = self.choose(key, prepared.lookup.candidates)
        elif prepared.contact is not None:
            self.chosen_gone(key, prepared.contact)
        self.incident_line = ask_incident(self.env, self.ask, prepared.incidents)
        return prepared

    def cancelled(self) -> bool:
        """Cancel asks first; True when the session ends (discarded, or kept as a draft)."""
        then = self.ask.select(
            "¿Descartar la escalación? Lo escrito se perderá",
            [("No, volver a la revisión", EDIT), ("No, guardarla como borrador", DRAFT),
             ("Sí, descartarla", CANCEL)], EDIT)
        if then == EDIT:
            return False
        if then == DRAFT:
            self._keep("Borrador guardado; no se envió nada.")
            return True
        if self.resumed is not None:
            self.env.outbox.done(self.resumed.entry_id)
        elif self.draft_id:
            self.env.outbox.done(self.draft_id)
        self.env.err.print("Cancelado: no se envió nada.")
        return True

    def read(self, escalation: Escalation, files: list[LocalFile]) -> Prepared:
        """What the review shows: what the lookahead read for these values, the rest read
        now (an unreachable HubSpot keeps the escalation in the outbox)."""
        known = None
        if self.ahead is not None:
            # The contact chosen among several at its field is in the lookup read then.
            known = self.ahead.known(escalation.email, escalation.phone, escalation.policy)
            for warning in self.ahead.warnings:
                self.env.warn(warning)
            self.ahead.warnings.clear()
        with self.env.err.status("Buscando el contacto y tickets abiertos de la póliza…"):
            try:
                return read_before_sending(self.env, escalation, files, self.resumed, known,
                                           checks=self.checks, incidents=self.incidents,
                                           chosen=self.chosen)
            except Unreachable:
                self.kept_elsewhere = True
                raise

    def revalidated(self, escalation: Escalation) -> tuple[Escalation, list[LocalFile]]:
        """The escalation again after an edit, keeping its identity (one ticket, ever)."""
        kept_id = escalation.escalate_id
        again, files = self.validated()
        return again.replace(escalate_id=kept_id), files

    def first_choice(self, prepared: Prepared) -> str:
        """The review's default: never a send the agent should think about first."""
        if prepared.name_mismatch and not self.accept_contact:
            return CONTACT  # a contact with another name is never sent on a habitual Enter
        if self.quality is not None and (self.quality.below_minimum
                                         or not self.sending_allowed()):
            return EDIT  # an escalation an engineer cannot start from is edited first
        return SEND

    def sending_allowed(self) -> bool:
        """Below `--calidad-minima` the escalation is not sent until it is raised."""
        return (self.min_quality is None or self.quality is None
                or self.quality.score >= self.min_quality)

    def actions(self, prepared: Prepared, problem: str | None) -> list[tuple[str, str]]:
        if problem is not None or not self.sending_allowed():
            send_label = None
        elif prepared.duplicates:
            count = len(prepared.duplicates)
            send_label = (f"Enviar de todos modos (ya hay {count} "
                          f"{'abierto' if count == 1 else 'abiertos'} con esta póliza)")
        elif prepared.name_mismatch and not self.accept_contact:
            send_label = "Enviar: es el mismo cliente"
        else:
            send_label = "Enviar"
        options = [(send_label, SEND)] if send_label else []
        if prepared.name_mismatch or prepared.lookup.candidates or prepared.contact is None:
            options = [("Cambiar el contacto", CONTACT), *options]
        return [*options, ("Editar un campo", EDIT), ("Guardar borrador", DRAFT),
                ("Cancelar", CANCEL)]

    def render(self, prepared: Prepared, contact: Contact | None,
               files: list[LocalFile]) -> str | None:
        """The ticket exactly as it will be stored; returns why it cannot be sent, if so.
        What came from HubSpot (names, labels, subjects) is shown inert (`safe`)."""
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        from .columns import safe as escape
        from .when import shown_moment

        e = prepared.escalation
        portal = prepared.portal
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column()
        grid.add_row("Ticket", escape(e.subject()))
        grid.add_row("Etapa", escape(f"{portal.stage.label} ({portal.pipeline.label})"))
        option = prepared.priority_option()
        priority = f"[bold {e.priority.colour}]{e.priority.icon} {e.priority.value}[/]"
        grid.add_row("Prioridad", priority + (f" ({option})" if option else
                                              " [red](el portal no tiene esta prioridad)[/]"))
        grid.add_row("Fecha", shown_moment(self.env, e.created_at, portal))
        problem: str | None = None
        if contact is not None:
            grid.add_row("Contacto", escape(f"{contact.name} · {contact.email or 'sin correo'}"
                                            f" · {contact.best_phone or 'sin teléfono'} "
                                            f"(id {contact.id})"))
            if prepared.name_mismatch and not self.accept_contact:
                grid.add_row("[yellow]¿Mismo cliente?[/]",
                             f"escrito: [bold]{escape(e.client_name)}[/]  ·  en HubSpot: "
                             f"[bold]{escape(contact.name)}[/]")
        else:
            lookup = prepared.lookup
            problem = lookup.problem.message if lookup.problem else "sin contacto"
            grid.add_row("Contacto", f"[red]{escape(problem)}[/]")
        if option is None:
            problem = problem or "prioridad"
        grid.add_row("Dueño", escape(owner_text(matrix_route(self.env, e))))
        if self.checks is not None and self.checks.fields:
            from .portal_fields import shown

            grid.add_row("Campos del portal", escape(shown(portal, dict(self.checks.fields))))
        if self.quality is not None:
            grid.add_row("Calidad", self.quality_text(self.quality))
        if files:
            grid.add_row("Adjuntos", escape(", ".join(f"{f.name} ({size(f.size)})"
                                                      for f in files)))
        if self.incident_line:
            grid.add_row("Incidente", escape(self.incident_line))
        if prepared.duplicates:
            grid.add_row("[yellow]Posibles duplicados[/]", "\n".join(escape(
                f"{t.id}: {t.subject} ({portal.stage_label(t.stage)}) "
                f"{portal.account.ticket_url(t.id)}") for t in prepared.duplicates))
        else:
            grid.add_row("Duplicados", "ninguno abierto con esta póliza [dim](los tickets "
                                       "creados en el último minuto pueden no aparecer aún)[/]")
        # Wrapped, never cropped: the console soft-wraps by default, which inside a panel
        # would cut every line at the terminal's width.
        self.env.err.print(Panel(grid, title="Revise el ticket antes de enviarlo",
                                 expand=False), soft_wrap=False, overflow="fold")
        self.env.err.print(Panel(Text(e.content(), overflow="fold"), title="Descripción",
                                 expand=False), soft_wrap=False, overflow="fold")
        return problem

    def quality_text(self, quality: Quality) -> str:
        """The score in the review, coloured by the minimum, and what would raise it."""
        colour = "red" if quality.below_minimum else "green"
        text = f"[bold {colour}]{self.env.shown(quality_line(quality, labelled=False))}[/]"
        if self.min_quality is not None and quality.score < self.min_quality:
            text += f"\n[red]--calidad-minima pide {self.min_quality}: no se envía así.[/]"
        return text + "".join(f"\n• {self.env.shown(line)}" for line in quality.lines())

    def shown(self, field: str) -> str:
        value = self.answers.get(field)
        text = ("; ".join(value) or "—") if isinstance(value, list) else str(value or "—")
        first = text.splitlines()[0] if text.strip() else "—"
        return first if len(first) <= 50 else first[:49] + "…"

    def edit(self, field: str) -> None:
        """Ask one field again, its current value ready to edit."""
        a = self.answers
        if field == "contact":
            self.ask_contact(str(a.get("email") or a.get("phone") or ""))
        elif field == "priority":
            a["priority"] = self.ask_priority()
        elif field == "channel":
            a["channel"] = self.ask_channel()
        elif field == "changes":
            check = self.check("changes")
            text = self.ask.text("Cambios, campo=valor separados por «;» (vacío: ninguno)",
                                 default="; ".join(a.get("changes") or []),
                                 check=lambda t: check(split_changes(t)))
            a["changes"] = split_changes(text)
        elif field == "attachments":
            a["attachments"] = self.ask_attachments(shlex.join(a.get("attachments") or []))
        elif field in ("email", "phone"):
            check = self.check(field)
            answer = self.ask.text(FIELDS[field].question + " (vacío: ninguno)",
                                   default=str(a.get(field) or ""),
                                   check=lambda t: check(t) if t.strip() else None)
            a[field] = answer or None  # type: ignore[literal-required]
        elif field in FIELDS:
            a[field] = self.ask_field(field, str(a.get(field) or ""))  # type: ignore[literal-required]
        else:
            raise EscalateError(f"campo desconocido: {field}")


def split_paths(text: str, folder: Path) -> list[str]:
    """Paths as terminals and file managers paste them (cli/pasted.py)."""
    from ..system import here
    from .pasted import file_in, split

    return split(text, file_in(folder), here())


def pasted(path: str) -> bool:
    """«pegar» among the attachments: the clipboard's image."""
    return path.strip().lower() == PASTE


def split_changes(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1048576:.1f} MB"
