"""Email addresses, checked and normalised as `email-validator` does, plain ones without it.

email-validator builds its Unicode tables when imported (≈40 ms of a 0.4 s `create`).
Most addresses agents type are plain ASCII (ana.lopez@example.com): a pattern that accepts
only addresses email-validator accepts recognises them, normalised as it would (the domain
in lower case). Anything else goes to email-validator. tests/test_domain.py checks that
the two agree on generated addresses.
"""

from __future__ import annotations

import re

# A dot-atom local part of common characters, and a host name of letter-and-digit labels
# joined by single hyphens, under a top-level domain of letters: never quoted, never
# Unicode, never a double hyphen (Punycode), never an address literal.
_PLAIN = re.compile(
    r"(?P<local>[A-Za-z0-9_+-]{1,64}(?:\.[A-Za-z0-9_+-]{1,64})*)"
    r"@(?P<domain>(?:[A-Za-z0-9]{1,63}(?:-[A-Za-z0-9]{1,62})*\.)+[A-Za-z]{2,63})")
# Special-use and reserved names email-validator refuses (its SPECIAL_USE_DOMAIN_NAMES).
_RESERVED = ("arpa", "invalid", "local", "localhost", "onion", "test")


def normalise_email(text: str) -> str | None:
    """The address as email-validator normalises it, or None when it is not valid."""
    plain = _PLAIN.fullmatch(text)
    if plain and _plain_fits(plain["local"], plain["domain"].lower()):
        return f"{plain['local']}@{plain['domain'].lower()}"
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


def user_email(text: str) -> str | None:
    """A HubSpot user's email as the tool keys it (owners, agents): normalised, lower case,
    surrounding blanks ignored; None when it is not valid."""
    email = normalise_email(text.strip())
    return None if email is None else email.lower()


def _plain_fits(local: str, domain: str) -> bool:
    """The length limits and reserved names (the pattern cannot say them)."""
    labels = domain.split(".")
    return (len(local) <= 64 and len(domain) <= 253 and len(local) + len(domain) < 254
            and all(len(label) <= 63 for label in labels) and labels[-1] not in _RESERVED)
