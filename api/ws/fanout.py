"""The gateways' own NATS subjects, on a faststream `NatsBroker` (ARCHITECTURE §3:
service-to-service messages use faststream on the event store's NATS).

The broker lives on the process's NATS loop thread (`adapters.jetstream.loop`), so
synchronous callers in any worker thread publish with one hand-off, and handlers run
there too: they hand socket work to the API's loop themselves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from faststream.nats import NatsBroker

from adapters.jetstream.loop import background_loop, run_sync

ALIVE_SUBJECT = "quorum.gw.alive"
"""`.<gateway>`: a gateway's heartbeat."""
TIMEOUT = 10.0

Handler = Callable[[Any], Awaitable[Any]]
log = logging.getLogger(__name__)


class Fanout:
    def __init__(self, servers: list[str], name: str) -> None:
        # Every message would be logged at INFO otherwise; apply_types off: handlers
        # take the decoded JSON body as it is.
        self.broker = NatsBroker(
            servers, name=name, log_level=logging.DEBUG, apply_types=False, graceful_timeout=5
        )
        self.loop = background_loop()
        self._sending: set[asyncio.Task[None]] = set()
        self.started = False

    def on(self, subject: str, handler: Handler, queue: str = "") -> None:
        """Before `start`: `handler(body)` for every message on `subject` (wildcards
        too); with a `queue`, one process of the group takes each message. What the
        handler returns answers a request."""
        self.broker.subscriber(subject, queue=queue)(handler)

    def start(self) -> None:
        run_sync(self.broker.start(), timeout=TIMEOUT)
        self.started = True

    def stop(self) -> None:
        if not self.started:
            return
        self.started = False
        try:
            run_sync(self.broker.stop(), timeout=TIMEOUT)
        except Exception:  # NATS may already be gone
            log.warning("the gateway's NATS connection did not close cleanly", exc_info=True)

    def publish(self, subject: str, body: dict[str, Any]) -> None:
        """From any thread. On the broker's own loop it is sent without waiting."""
        if _running_loop() is self.loop:
            task = self.loop.create_task(self.publish_async(subject, body))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)
            return
        run_sync(self.publish_async(subject, body), timeout=TIMEOUT)

    async def publish_async(self, subject: str, body: dict[str, Any]) -> None:
        await self.broker.publish(body, subject)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
