"""Sensitive data taken out of an escalation or a note before it is stored or sent.

`sensitive.py` finds and masks; this module applies the guide's rule to what the tool
sends: every finding in the description's free text is masked unless the agent kept it
(with a reason, or `--conservar-datos` in a script); what pays or opens an account is
masked whatever was asked; an endoso's own `campo=valor` keeps the personal data the
client asked to change. Pure: the escalation in, the masked escalation and what was done
out, so the outbox stores only the masked text.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from .escalation import Change, Escalation
from .sensitive import ALWAYS_MASKED, Finding, mask, mask_escalation, scan, scan_fields

DESCRIBED = ("what", "how", "where", "when")  # the free-text fields of a description
REQUIRED_TEXT = ("what", "how", "where")  # a field masking empties is asked again
Key = tuple[str, str, str]  # field, kind, the text found: a finding the agent kept


def key(finding: Finding) -> Key:
    """What identifies a kept finding across edits (its place moves when others are masked)."""
    return finding.field, finding.kind, finding.text


@dataclass(frozen=True)
class Kept:
    """A finding the agent chose to keep, and why (stored with the escalation, never sent
    to HubSpot as such)."""

    field: str
    kind: str
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "kind": self.kind, "reason": self.reason}


@dataclass(frozen=True)
class Screened:
    """The escalation as it may be sent, what was masked, kept, and the required fields
    that masking left without content."""

    escalation: Escalation
    masked: tuple[Finding, ...]
    kept: tuple[Finding, ...]
    emptied: tuple[str, ...]


def findings(escalation: Escalation) -> list[Finding]:
    """Every finding in the description and the changes (`changes[i]` for a change)."""
    return scan_fields(_texts(escalation), _changes(escalation))


def screen(escalation: Escalation, keep: Collection[Key] = (), *,
           keep_all: bool = False) -> Screened:
    """Mask every finding but those in `keep` (or all that may be kept, `keep_all`)."""
    texts = _texts(escalation)
    found = scan_fields(texts, ())
    kept = [f for f in found if f.kind not in ALWAYS_MASKED and (keep_all or key(f) in keep)]
    done = mask_escalation(texts, _changes(escalation), kept)
    screened = escalation.replace(
        what=done.fields["what"], how=done.fields["how"], where=done.fields["where"],
        when=done.fields["when"] or None,
        changes=tuple(Change(name, value) for name, value in done.changes))
    emptied = tuple(f for f in done.emptied if f in REQUIRED_TEXT)
    return Screened(screened, done.masked, done.kept, emptied)


def screen_text(text: str, field: str, keep: Collection[Key] = (), *,
                keep_all: bool = False) -> tuple[str, list[Finding]]:
    """A note's text masked as a description is, and what was masked."""
    hide = [f for f in scan(text, field)
            if f.kind in ALWAYS_MASKED or not (keep_all or key(f) in keep)]
    return (mask(text, hide) if hide else text), hide


def masked_json(found: Iterable[Finding]) -> list[dict[str, str]]:
    """`"masked": [{"field", "kind"}]` as `--json` tells it, each once."""
    return [dict(pair) for pair in dict.fromkeys(
        tuple(f.as_json().items()) for f in found)]


def _texts(escalation: Escalation) -> dict[str, str | None]:
    return {name: getattr(escalation, name) for name in DESCRIBED}


def _changes(escalation: Escalation) -> list[tuple[str, str]]:
    return [(c.field, c.value) for c in escalation.changes]
