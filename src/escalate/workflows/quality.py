"""What the quality score reads of an escalation, or of a form as far as it is typed.

The score itself is `domain/quality.py`'s (pure); this module reads an escalation or a
form's answers as the score's `Capture`. Local: no HubSpot request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..domain.answers import EscalationInput
from ..domain.quality import Capture, Quality, Rules, assess

if TYPE_CHECKING:
    from ..domain.escalation import Escalation


def capture(escalation: Escalation, attachments: int) -> Capture:
    """What the score reads of a validated escalation and its number of files."""
    return Capture(what=escalation.what, how=escalation.how, where=escalation.where,
                   when=escalation.when,
                   changes=tuple((c.field, c.value) for c in escalation.changes),
                   attachments=attachments,
                   channel=escalation.channel.value if escalation.channel else None)


def capture_of(answers: EscalationInput) -> Capture:
    """What the score reads of a form as far as it is typed (for the hints under a field)."""
    changes = tuple((name.strip(), value.strip()) for name, _, value in
                    (c.partition("=") for c in answers.get("changes") or [] if "=" in c))
    return Capture(what=str(answers.get("what") or ""), how=str(answers.get("how") or ""),
                   where=str(answers.get("where") or ""), when=answers.get("when") or None,
                   changes=changes,
                   attachments=len(answers.get("attachments") or []),
                   channel=answers.get("channel") or None)


def warm_up() -> None:
    """Load and compile what scoring and scanning a text needs (the quality words, stdnum,
    the health terms): done once per process, so a session does it in the background."""
    assess(Capture(what="Aparece «Error 1»", how="Pagar", where="Web"))


def assess_escalation(escalation: Escalation, attachments: int, rules: Rules) -> Quality:
    return assess(capture(escalation, attachments), rules)
