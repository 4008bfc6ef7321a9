"""The HubSpot gateway: the only package that imports `hubspot`."""

from .hubspot import Gateway, epoch_ms
from .transport import RetryPolicy

__all__ = ["Gateway", "RetryPolicy", "epoch_ms"]
