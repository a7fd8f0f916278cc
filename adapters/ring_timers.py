"""The ring timers of point-to-point calls (§13.2.2), owned by the process: a call
rung through a gateway that stops meanwhile is still missed on time.

One thread holds the due times of every ringing call; it starts with the first call
and stops with the system. A process killed outright loses its timers: such a call
stays ringing in the history until a party ends it."""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable

from domain.shared.actor import SYSTEM, acting_as

log = logging.getLogger(__name__)


class RingTimers:
    def __init__(self, ring_seconds: Callable[[], float], miss: Callable[[str], object]) -> None:
        """`ring_seconds()` is read when a call starts ringing; `miss(call_id)` misses
        the call if it still rings."""
        self.ring_seconds = ring_seconds
        self.miss = miss
        self._due: list[tuple[float, str]] = []
        """(monotonic due time, call ID), soonest first."""
        self._changed = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def ring(self, call_id: str) -> None:
        with self._changed:
            if self._stopping:
                return
            heapq.heappush(self._due, (time.monotonic() + self.ring_seconds(), call_id))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="quorum-ring-timers", daemon=True
                )
                self._thread.start()
            self._changed.notify()

    def stop(self) -> None:
        """Timers still pending are dropped: their calls stay ringing."""
        with self._changed:
            self._stopping = True
            self._changed.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=30)

    def pending(self) -> int:
        with self._changed:
            return len(self._due)

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._stopping and not self._is_due():
                    wait = self._due[0][0] - time.monotonic() if self._due else None
                    self._changed.wait(wait)
                if self._stopping:
                    return
                _, call_id = heapq.heappop(self._due)
            self._expire(call_id)

    def _is_due(self) -> bool:
        return bool(self._due) and self._due[0][0] <= time.monotonic()

    def _expire(self, call_id: str) -> None:
        try:
            with acting_as(SYSTEM):
                self.miss(call_id)
        except Exception:  # NATS away at that moment: the call stays ringing
            log.warning("ring timeout of %s not recorded", call_id, exc_info=True)
