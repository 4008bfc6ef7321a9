"""The tool's exception family: each kind carries its exit code and its Spanish message."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

# Where an unexpected error (a bug) is to be reported, after «Repórtelo» (so «al», never
# «a el»).
REPORT_TO = "al equipo de desarrollo de escalate (issue en el repositorio del proyecto)"


class ExitCode(IntEnum):
    OK = 0
    BUG = 1
    USAGE = 2
    REFUSED = 3
    AUTH = 4
    UNREACHABLE = 5
    INTERRUPTED = 130


@dataclass(frozen=True)
class ErrorItem:
    """One entry of `errors[]` in HubSpot's error body (or of its property-problem list)."""

    code: str | None = None
    message: str = ""
    in_: str | None = None  # HubSpot's `in`: which field (a property name, "body", ...)
    context: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class HubSpotAnswer:
    """HubSpot's error answer, parsed once by the gateway (every field optional there)."""

    status: int
    category: str | None = None
    sub_category: str | None = None
    message: str = ""
    correlation_id: str | None = None
    errors: tuple[ErrorItem, ...] = ()
    context: dict[str, tuple[str, ...]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def reference(self) -> str:
        """The correlation id as agents see it at the end of every message."""
        return f" [correlationId {self.correlation_id}]" if self.correlation_id else ""


@dataclass(frozen=True)
class Next:
    """A command the person can run next, named by what it does (`action`, one of
    ACTIONS) rather than spelled: the CLI writes the command line in the words and the
    mode the agent used (`--sandbox`). `lead` is the sentence it ends."""

    action: str
    lead: str
    target: str | None = None  # the entry id, or the ticket id, the command acts on

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown action {self.action!r}")


# What a Next may name: the CLI has one command line for each (cli/hints.py).
ACTIONS = frozenset({
    "outbox", "outbox_send", "resume", "drop", "setup", "doctor", "templates",  # commands
    "attach",  # attach files to the ticket `target`
    "incident_join",  # join the ticket to the incident (`target`: "TICKET INCIDENTE")
    "accept_contact", "by_email",  # an option to add to the command just run
})


class EscalateError(Exception):
    """A failure the user can act on: a Spanish message and an exit code.

    `answer` is HubSpot's parsed error answer when HubSpot refused; workflows branch on
    the exception's type and attributes, never on its message text. `next_steps` names what
    the person can run to settle it (the CLI spells each command after the hint).
    """

    exit_code = ExitCode.BUG
    keep = False  # True: the outbox keeps the entry for `outbox send` even on a fresh command
    # True: retrying cannot fix it and what the agent typed must not be lost: the entry
    # waits as "requiere acción", even on a fresh command.
    needs_agent = False

    def __init__(self, message: str, *, hint: str | None = None,
                 answer: HubSpotAnswer | None = None,
                 next_steps: tuple[Next, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.answer = answer
        self.next_steps = next_steps

    @property
    def correlation_id(self) -> str | None:
        return self.answer.correlation_id if self.answer is not None else None


class InvalidInput(EscalateError):
    """What the user typed cannot be sent; nothing was sent."""

    exit_code = ExitCode.USAGE

    def __init__(self, problems: list[str], *, hint: str | None = None,
                 fields: dict[str, str] | None = None,
                 next_steps: tuple[Next, ...] = ()) -> None:
        self.problems = problems
        self.fields = dict(fields or {})  # field name -> Spanish problem, for the CLI to label
        if len(problems) == 1:
            message = problems[0]
        else:
            message = "Hay datos que corregir:\n" + "\n".join(f"  • {p}" for p in problems)
        super().__init__(message, hint=hint, next_steps=next_steps)


class Declined(EscalateError):
    """The agent chose not to send (a possible duplicate): nothing was sent, not an error."""

    exit_code = ExitCode.OK


class Refused(EscalateError):
    """HubSpot refused the request or found nothing (exit 3)."""

    exit_code = ExitCode.REFUSED


class NotFound(Refused):
    """The contact, ticket or object asked for does not exist."""


class Conflict(Refused):
    """A unique value is already taken (HTTP 409 of any kind)."""


class UniqueConflict(Conflict):
    """An object already holds this unique property value: HubSpot's 409
    `OBJECT_ALREADY_EXISTS`, or a 400 `VALIDATION_ERROR` naming the property as already
    having the value. `property_name` is None when HubSpot did not say which."""

    def __init__(self, message: str, *, property_name: str | None = None,
                 existing_id: str | None = None, hint: str | None = None,
                 answer: HubSpotAnswer | None = None) -> None:
        super().__init__(message, hint=hint, answer=answer)
        self.property_name = property_name
        self.existing_id = existing_id


class FileChanged(Refused):
    """An attachment is no longer the file that was checked (changed, grown, replaced by
    another or by a link, deleted, no longer a regular file): it is never uploaded, and the
    entry waits for the agent. `files`: the names as they would have been in HubSpot."""

    needs_agent = True

    def __init__(self, message: str, *, files: tuple[str, ...],
                 next_steps: tuple[Next, ...] = ()) -> None:
        super().__init__(message, next_steps=next_steps)
        self.files = files


class PortalLacks(Refused):
    """The portal, read again, still lacks what the escalation needs (its priority option,
    the stage or pipeline of the settings): the escalation waits for the agent, kept."""

    needs_agent = True


class InvalidProperty(Refused):
    """HubSpot refused property values: `problems` maps each property named to its codes
    (PROPERTY_DOESNT_EXIST, INVALID_OPTION, READ_ONLY_VALUE, INVALID_LONG, ...)."""

    def __init__(self, message: str, *, problems: dict[str, tuple[str, ...]],
                 hint: str | None = None, answer: HubSpotAnswer | None = None) -> None:
        super().__init__(message, hint=hint, answer=answer)
        self.problems = problems

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.problems)

    def has(self, name: str, *codes: str) -> bool:
        """Whether `name` is refused (with one of `codes`, when given)."""
        found = self.problems.get(name)
        if found is None:
            return False
        return not codes or any(c in found for c in codes)

    def missing(self) -> tuple[str, ...]:
        """The properties named that the portal does not have."""
        return tuple(n for n, c in self.problems.items() if "PROPERTY_DOESNT_EXIST" in c)


class InvalidAssociations(Refused):
    """An association points at objects that do not exist (`object_ids`)."""

    def __init__(self, message: str, *, object_ids: tuple[str, ...] = (),
                 hint: str | None = None, answer: HubSpotAnswer | None = None) -> None:
        super().__init__(message, hint=hint, answer=answer)
        self.object_ids = object_ids


class NeedsAdmin(Refused):
    """HubSpot refused because of how the portal is configured, not because of what the
    agent typed: exit 3, and the outbox keeps the entry until an admin fixes the portal."""

    keep = True


class RequiredProperties(NeedsAdmin):
    """The portal requires properties the tool does not set (`properties`): an admin rule."""

    def __init__(self, message: str, *, properties: tuple[str, ...], hint: str | None = None,
                 answer: HubSpotAnswer | None = None) -> None:
        super().__init__(message, hint=hint, answer=answer)
        self.properties = properties


class RuleRefused(NeedsAdmin):
    """HubSpot refused a value for a validation rule an admin set on the property (API
    2026-09 enforces them on writes): `property_name`, and the rule's kind (HubSpot's
    `ruleType`) and arguments when HubSpot's answer says which."""

    def __init__(self, message: str, *, property_name: str, rule_kind: str | None = None,
                 rule_arguments: tuple[str, ...] = (), hint: str | None = None,
                 answer: HubSpotAnswer | None = None) -> None:
        super().__init__(message, hint=hint, answer=answer)
        self.property_name = property_name
        self.rule_kind = rule_kind
        self.rule_arguments = rule_arguments


class AuthProblem(EscalateError):
    """No token, a token HubSpot rejects, a missing scope, or a portal not set up."""

    exit_code = ExitCode.AUTH
    keep = True


class InvalidToken(AuthProblem):
    """HubSpot does not accept the token (401)."""

    source_named = False  # the message says which key (the one typed at `acceder`)


class MissingScopes(AuthProblem):
    """The token lacks permissions: `scopes` names them when HubSpot says which."""

    def __init__(self, message: str, *, scopes: tuple[str, ...] = (), hint: str | None = None,
                 answer: HubSpotAnswer | None = None) -> None:
        super().__init__(message, hint=hint, answer=answer)
        self.scopes = scopes


class Unreachable(EscalateError):
    """HubSpot could not be reached, or kept refusing with 429/5xx, after retries."""

    exit_code = ExitCode.UNREACHABLE
    keep = True


class RateLimited(Unreachable):
    """HubSpot kept answering 429 (`policy`: TEN_SECONDLY_ROLLING, SECONDLY, DAILY...)."""

    def __init__(self, message: str, *, policy: str | None = None, hint: str | None = None,
                 answer: HubSpotAnswer | None = None) -> None:
        super().__init__(message, hint=hint, answer=answer)
        self.policy = policy


class ServerError(Unreachable):
    """HubSpot answered 5xx (or something that was not HubSpot's answer) until the retry
    budget ran out."""


class AmbiguousWrite(Unreachable):
    """A write was sent but its answer was lost: it may or may not have been carried out.
    `failure` is the error that lost it (a 5xx answer, a reset), when there was one."""

    def __init__(self, message: str, *, failure: EscalateError | None = None,
                 hint: str | None = None, answer: HubSpotAnswer | None = None) -> None:
        super().__init__(message, hint=hint,
                         answer=answer or (failure.answer if failure is not None else None))
        self.failure = failure


class Interrupted(KeyboardInterrupt):
    """Ctrl-C while work was being sent: it stays in the outbox, and `next_steps` says how
    to send it later (the CLI shows them with its one «Interrumpido»)."""

    def __init__(self, next_steps: tuple[Next, ...] = ()) -> None:
        super().__init__()
        self.next_steps = next_steps
