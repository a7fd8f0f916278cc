"""Gateway heartbeats. A gateway process killed outright runs no code to record its
sockets' departures: the others notice its silence and record them instead.

Every gateway publishes `quorum.gw.alive.<gateway>` every interval and listens to the
others'. An endpoint the Endpoints read model still shows connected through a gateway
silent for MISSED of its intervals (or never heard since this one has listened for
MISSED of its own) is departed with cause "connection lost". Two survivors may do it
at the same moment: the aggregates' optimistic concurrency and idempotent `end` /
`disconnect` record it once.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from api.ws.fanout import ALIVE_SUBJECT, Fanout
from projections.endpoints_report import ConnectedEndpoint

MISSED = 3
CAUSE = "connection lost"
log = logging.getLogger(__name__)


class Liveness:
    def __init__(
        self,
        gateway_id: str,
        fanout: Fanout,
        interval: Callable[[], float],
        connected_elsewhere: Callable[[], list[ConnectedEndpoint]],
        depart: Callable[[ConnectedEndpoint], None],
    ) -> None:
        self.gateway_id = gateway_id
        self.fanout = fanout
        self.interval = interval
        self.connected_elsewhere = connected_elsewhere
        self.depart = depart
        self._heard: dict[str, tuple[float, float]] = {}
        """gateway → (when last heard, its interval), monotonic seconds."""
        self._listening_since = time.monotonic()
        self._stopping = threading.Event()
        self._beating: Future[None] | None = None
        self._thread: threading.Thread | None = None
        fanout.on(f"{ALIVE_SUBJECT}.>", self._heartbeat)

    def start(self) -> None:
        """After the fan-out's broker has started."""
        self._listening_since = time.monotonic()
        self._beating = asyncio.run_coroutine_threadsafe(self._beat(), self.fanout.loop)
        self._thread = threading.Thread(
            target=self._watch, name=f"quorum-gw-liveness-{self.gateway_id}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._beating is not None:
            self._beating.cancel()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def silent(self, gateway: str, now: float) -> bool:
        if gateway == self.gateway_id:
            return False
        heard = self._heard.get(gateway)
        if heard is None:
            return now - self._listening_since > MISSED * self.interval()
        at, interval = heard
        return now - at > MISSED * interval

    def sweep(self) -> int:
        """Depart the endpoints of silent gateways; how many this call recorded or saw."""
        now = time.monotonic()
        gone = [e for e in self.connected_elsewhere() if self.silent(e.gateway, now)]
        random.shuffle(gone)  # two survivors then mostly take different ones first
        for endpoint in gone:
            if self._stopping.is_set():
                break
            try:
                self.depart(endpoint)
            except Exception:  # NATS away: the next sweep tries again
                log.warning("could not depart endpoint %s", endpoint.endpoint_id, exc_info=True)
        return len(gone)

    async def _heartbeat(self, body: dict[str, Any]) -> None:
        self._heard[str(body["gateway_id"])] = (time.monotonic(), float(body["interval"]))

    async def _beat(self) -> None:
        subject = f"{ALIVE_SUBJECT}.{self.gateway_id}"
        while True:
            interval = self.interval()
            try:
                await self.fanout.publish_async(
                    subject, {"gateway_id": self.gateway_id, "interval": interval}
                )
            except Exception:
                log.warning("gateway heartbeat not sent", exc_info=True)
            await asyncio.sleep(interval)

    def _watch(self) -> None:
        while not self._stopping.wait(self.interval()):
            try:
                self.sweep()
            except Exception:  # the read model or NATS away: the next sweep tries again
                log.warning("gateway liveness sweep failed", exc_info=True)
