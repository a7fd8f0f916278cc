"""The signaling gateway of one process: its open sockets, the pushes it delivers to
them, and the departures it records. One socket = one endpoint (API.md).

The gateway keeps only open sockets; everything else is an event on the stream.
Status changes fan out over NATS (`quorum.gw.status.<user>`), so a client on one
gateway process sees a contact's change made on another. The socket loop is
`api.ws.socket_route`; the methods are `api.ws.method_table`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Coroutine
from typing import Any

from fastapi import WebSocket
from starlette.concurrency import run_in_threadpool

from adapters.bootstrap import QuorumSystem
from adapters.jetstream.factory import nats_servers
from adapters.pushes import KICK_SUBJECT, STATUS_SUBJECT, USER_SUBJECT, status_push, user_push
from api.ws import frames
from api.ws.connection import Connection
from api.ws.devices import DeviceLink
from api.ws.fanout import Fanout
from api.ws.liveness import Liveness
from api.ws.sockets import LocalSockets, send_all
from domain.shared.actor import Actor, acting_as
from domain.signaling.endpoints_service import StatusChange
from projections.endpoints_report import ConnectedEndpoint, connected_elsewhere
from projections.report_reads import ReportsUnavailable

log = logging.getLogger(__name__)
LOST = "connection lost"
SESSION_LEAVE_CAUSES = {"logout": "hangup", "closed": "hangup", "admin": "removed"}
"""How a socket's end reads in a conference's participant list; otherwise the
connection was lost."""


class Gateway:
    def __init__(self, system: QuorumSystem) -> None:
        self.system = system
        self.gateway_id = uuid.uuid4().hex[:12]
        self.connections = LocalSockets()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.fanout = Fanout(
            nats_servers(system.store.env["QUORUM_NATS_URL"]), f"quorum-gw-{self.gateway_id}"
        )
        self.fanout.on(f"{STATUS_SUBJECT}.>", self._on_status)
        self.fanout.on(f"{KICK_SUBJECT}.>", self._on_kick)
        self.fanout.on(f"{USER_SUBJECT}.>", self._on_user_push)
        self.devices = DeviceLink(system, self.fanout)
        self.liveness = Liveness(
            self.gateway_id,
            self.fanout,
            lambda: system.config.gw_heartbeat_seconds,
            self._connected_elsewhere,
            self._depart_remote,
        )

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.fanout.start()
        self.liveness.start()

    def stop(self) -> None:
        """Sockets still open when the gateway stops are recorded as gone."""
        self.liveness.stop()
        for connection in list(self.connections):
            if connection.endpoint_id is not None:
                try:
                    self.depart(connection, "server")
                except Exception:  # NATS may already be gone
                    log.warning("could not record the end of %s", connection.endpoint_id)
        self.fanout.stop()

    def announce(self, change: StatusChange | None) -> None:
        if change is None:
            return
        self.fanout.publish(*status_push(change))

    def notify(self, user_id: str, event: str, data: dict[str, Any]) -> None:
        """Push `event` to every socket of `user_id`, on every gateway."""
        self.fanout.publish(*user_push(user_id, event, data))

    # The three handlers run on the NATS loop thread; sockets belong to the API's loop.
    async def _on_status(self, change: dict[str, Any]) -> None:
        self._on_api_loop(self._fan_out(change))

    async def _on_kick(self, body: dict[str, Any]) -> None:
        self._on_api_loop(self._close_user(body["user_id"]))

    async def _on_user_push(self, message: dict[str, Any]) -> None:
        self._on_api_loop(self._push_to_user(message))

    def _on_api_loop(self, work: Coroutine[Any, Any, None]) -> None:
        if self.loop is None or self.loop.is_closed():
            work.close()
            return
        asyncio.run_coroutine_threadsafe(work, self.loop)

    async def _push_to_user(self, message: dict[str, Any]) -> None:
        sockets = [c for c in self.connections.of_user(message["user_id"]) if c.endpoint_id]
        if not sockets:
            return
        sent = await send_all(sockets, frames.push(message["event"], message["data"]))
        if sent and message["event"] == "chat.message":
            # Handed to a client: recorded as delivered (offline ones wait, §16.3).
            await run_in_threadpool(
                self.system.messaging.delivered,
                message["user_id"],
                [message["data"]["message_id"]],
            )

    def disconnect_user(self, user_id: str) -> None:
        """Close the user's sockets on every gateway (users/{id}/disconnect, §13.2)."""
        self.fanout.publish(f"{KICK_SUBJECT}.{user_id}", {"user_id": user_id})

    async def _close_user(self, user_id: str) -> None:
        for connection in list(self.connections):
            if connection.user_id == user_id:
                connection.closing_cause = "admin"
                try:
                    await connection.socket.close(code=4001, reason="disconnected by an admin")
                except Exception:  # already closing
                    pass

    async def _fan_out(self, change: dict[str, Any]) -> None:
        watchers = self.connections.watching(change["user_id"])
        if watchers:  # a closing socket refuses; its own handler records its end
            await send_all(watchers, frames.push("status", change))

    def depart(self, connection: Connection, cause: str) -> None:
        if connection.endpoint_id is None:
            return
        endpoint_id, connection.endpoint_id = connection.endpoint_id, None
        self.depart_endpoint(connection.user_id or "?", endpoint_id, cause, connection.ip)

    def depart_endpoint(self, user_id: str, endpoint_id: str, cause: str, ip: str | None) -> None:
        """The endpoint is gone (a socket of this gateway, or one of a gateway gone
        silent): it leaves its sessions, its calls end with "connection lost", then its
        departure is recorded. Recorded once whoever notices first (optimistic
        concurrency, idempotent ends); only that one tells the other party."""
        with acting_as(Actor(kind="user", name=user_id, ip=ip, endpoint_id=endpoint_id)):
            self.system.sessions.leave_endpoint(
                user_id, endpoint_id, SESSION_LEAVE_CAUSES.get(cause, LOST)
            )
            self.system.calls.end_calls_of(user_id, endpoint_id)
            self.announce(self.system.endpoints.disconnect(endpoint_id, cause))

    def _depart_remote(self, endpoint: ConnectedEndpoint) -> None:
        self.depart_endpoint(endpoint.user_id, endpoint.endpoint_id, LOST, endpoint.ip)

    def _connected_elsewhere(self) -> list[ConnectedEndpoint]:
        """Endpoints of other gateways, from the Endpoints read model once up to date."""
        try:
            return self.system.report_reads.read(connected_elsewhere, self.gateway_id).value
        except ReportsUnavailable:
            return []  # no report service yet: the next beat asks again


def gateway_of(websocket: WebSocket) -> Gateway:
    gateway: Gateway = websocket.app.state.gateway
    return gateway
