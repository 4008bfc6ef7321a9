"""Fixed rules the tool and HubSpot agree on, each defined once. Pure constants."""

from __future__ import annotations

# HubSpot's limit for one string property (`content`, `hs_note_body`).
MAX_TEXT = 65_536

# What a normalised policy number looks like unless ESCALATE_POLICY_PATTERN says otherwise.
DEFAULT_POLICY_PATTERN = r"^[A-Z0-9][A-Z0-9/-]{2,39}$"
# The longest policy number matched against the pattern: it bounds what any pattern costs.
MAX_POLICY_CHARS = 60
