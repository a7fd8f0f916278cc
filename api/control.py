"""Requests that `quorum` commands send to a running server over its NATS.

While `quorum serve` runs it owns the report database, so `quorum projections`
asks it (request/reply on `<control_subject>.projections.*`) instead of opening
the files itself.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from adapters.bootstrap import QuorumSystem
from adapters.jetstream.loop import run_sync
from projections.engine import rebuild_together


def projection_statuses(system: QuorumSystem) -> list[dict[str, Any]]:
    statuses = []
    for runner in system.runners.values():
        status = runner.status()
        statuses.append(
            {
                "name": status.name,
                "position": status.position,
                "head": status.head,
                "lag": status.lag,
            }
        )
    return statuses


class ControlService:
    def __init__(self, system: QuorumSystem, subject: str) -> None:
        self.system = system
        self.subject = subject
        self._subscriptions: list[Subscription] = []

    def start(self) -> None:
        run_sync(self._subscribe())

    async def _subscribe(self) -> None:
        nc = self.system.recorder.client.nc
        self._subscriptions = [
            await nc.subscribe(f"{self.subject}.projections.status", cb=self._status),
            await nc.subscribe(f"{self.subject}.projections.rebuild", cb=self._rebuild),
        ]

    def stop(self) -> None:
        async def unsubscribe() -> None:
            for sub in self._subscriptions:
                await sub.unsubscribe()

        try:
            run_sync(unsubscribe(), timeout=5)
        except Exception:  # the connection may be gone already
            pass

    async def _status(self, msg: Msg) -> None:
        # The work talks to NATS synchronously: run it off the NATS loop.
        statuses = await asyncio.to_thread(projection_statuses, self.system)
        await msg.respond(json.dumps({"projections": statuses}).encode())

    async def _rebuild(self, msg: Msg) -> None:
        try:
            asked = json.loads(msg.data)
            every = asked.get("all") is True
            name = "" if every else asked["name"]
        except (ValueError, KeyError, TypeError, AttributeError):
            await msg.respond(
                json.dumps({"error": 'expected {"name": ...} or {"all": true}'}).encode()
            )
            return
        if every:
            # Every read model from one read of the stream, on the followers' threads.
            await asyncio.to_thread(rebuild_together, list(self.system.runners.values()))
            await msg.respond(json.dumps({"rebuilding": list(self.system.runners)}).encode())
            return
        runner = self.system.runners.get(name)
        if runner is None:
            known = ", ".join(self.system.runners)
            await msg.respond(
                json.dumps({"error": f"no projection {name!r}; known: {known}"}).encode()
            )
            return
        await asyncio.to_thread(runner.rebuild)
        await msg.respond(json.dumps({"rebuilding": name}).encode())
