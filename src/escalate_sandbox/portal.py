"""What every handler works on: the portal's stored state, the test knobs and the clock."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .knobs import Control
    from .store import Store


@dataclass
class Portal:
    """The sandbox portal a request is served from."""

    store: Store
    control: Control
    demo_tickets: bool = False  # a reset seeds overdue tickets to practise on
    # Derived state kept between requests (search indexes), keyed by object type.
    indexes: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def now_ms() -> int:
        return int(time.time() * 1000)
