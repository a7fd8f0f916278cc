"""In-process token buckets: how often one client or one IP address may ask
`oauth2/token` for a token. Each API process keeps its own buckets (a scaled-out
deployment allows the sum of its processes; a proxy's limit can sit in front)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

MAX_KEYS = 100_000
"""Buckets kept (least recently used dropped first): bounded memory under a flood."""


class TokenBuckets:
    def __init__(self, capacity: float, per_second: float) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float | None:
        """None if `key` may go ahead (one token taken), else seconds until it may."""
        at = time.monotonic()
        with self._lock:
            tokens, since = self._buckets.pop(key, (self.capacity, at))
            tokens = min(self.capacity, tokens + (at - since) * self.per_second)
            if tokens >= 1:
                self._remember(key, tokens - 1, at)
                return None
            self._remember(key, tokens, at)
            return (1 - tokens) / self.per_second

    def _remember(self, key: str, tokens: float, at: float) -> None:
        self._buckets[key] = (tokens, at)
        if len(self._buckets) > MAX_KEYS:
            self._buckets.popitem(last=False)


class TokenRequestLimits:
    """Per registered application: 30 at once, then one every 2 s; per IP address:
    300 at once (a burst of client sign-ins behind one NAT), then 5 a second."""

    def __init__(self) -> None:
        self.per_client = TokenBuckets(30, 0.5)
        self.per_ip = TokenBuckets(300, 5)
