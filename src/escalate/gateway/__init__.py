"""The HubSpot gateway: the only package that imports `hubspot`."""

from .hubspot import TICKET_PROPERTIES, Gateway
from .transport import RetryPolicy

__all__ = ["TICKET_PROPERTIES", "Gateway", "RetryPolicy"]
