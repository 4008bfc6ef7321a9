"""The HubSpot gateway: the only package that imports `hubspot`."""

from ..domain.moments import epoch_ms
from .hubspot import Gateway
from .transport import RetryPolicy

__all__ = ["Gateway", "RetryPolicy", "epoch_ms"]
