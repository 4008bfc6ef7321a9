"""The domain: pure values and rules, no I/O and no clock of its own."""
