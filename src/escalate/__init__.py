"""escalate: support escalations to HubSpot tickets from the terminal."""

__version__ = "0.1.0"
