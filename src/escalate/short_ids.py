"""How an outbox entry's id is shown and typed: its first characters, enough to name it.

Its own module, importing nothing: the Ctrl-C guard (cli/rescue.py) uses it while Python
may still be importing everything else."""

SHORT_ID = 8


def short_id(entry_id: str) -> str:
    """The entry id as the agent sees and types it."""
    return entry_id[:SHORT_ID]
