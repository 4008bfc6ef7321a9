"""HubSpot calls for history and bulk changes: property history, batch updates (a mixin of
`Gateway`)."""

from __future__ import annotations


class HistoryCalls:
    """Property history and batch writes. Methods use `self._call` and `self._client`."""
