"""The tool's exception family: each kind carries its exit code and its Spanish message."""

from __future__ import annotations

from enum import IntEnum

# Where an unexpected error (a bug) is to be reported.
REPORT_TO = "el equipo de desarrollo de escalate (issue en el repositorio del proyecto)"


class ExitCode(IntEnum):
    OK = 0
    BUG = 1
    USAGE = 2
    REFUSED = 3
    AUTH = 4
    UNREACHABLE = 5
    INTERRUPTED = 130


class EscalateError(Exception):
    """A failure the user can act on: a Spanish message and an exit code."""

    exit_code = ExitCode.BUG

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InvalidInput(EscalateError):
    """What the user typed cannot be sent; nothing was sent."""

    exit_code = ExitCode.USAGE

    def __init__(self, problems: list[str], *, hint: str | None = None) -> None:
        self.problems = problems
        if len(problems) == 1:
            message = problems[0]
        else:
            message = "Hay datos que corregir:\n" + "\n".join(f"  • {p}" for p in problems)
        super().__init__(message, hint=hint)


class Refused(EscalateError):
    """HubSpot refused the request or found nothing (exit 3)."""

    exit_code = ExitCode.REFUSED


class NotFound(Refused):
    """The contact, ticket or object asked for does not exist."""


class Conflict(Refused):
    """A unique value is already taken (HTTP 409)."""


class AuthProblem(EscalateError):
    """No token, a token HubSpot rejects, a missing scope, or a portal not set up."""

    exit_code = ExitCode.AUTH


class Unreachable(EscalateError):
    """HubSpot could not be reached, or kept refusing with 429/5xx, after retries."""

    exit_code = ExitCode.UNREACHABLE


class AmbiguousWrite(Unreachable):
    """A write was sent but its answer was lost: it may or may not have been carried out."""


class Interrupted(EscalateError):
    exit_code = ExitCode.INTERRUPTED
