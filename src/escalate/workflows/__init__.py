"""Workflows: what each command does, over the domain and the gateway; no terminal I/O."""
