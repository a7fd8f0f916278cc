"""The signaling gateway: `GET /api/v4/ws` (API.md). One socket = one endpoint.

The gateway keeps only open sockets; everything else is an event on the stream.
Status changes fan out over NATS (`quorum.gw.status.<user>`), so a client on one
gateway process sees a contact's change made on another.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from nats.aio.msg import Msg
from starlette.concurrency import run_in_threadpool

from adapters.jetstream.loop import run_sync
from adapters.system import QuorumSystem
from adapters.tokens import InvalidToken
from api.errors import STATUS_OF
from api.ws import protocol
from domain.messaging.message import ChatMessage
from domain.shared.actor import Actor, acting_as
from domain.shared.errors import DomainError, FieldProblem, InvalidInput, Unauthorized
from domain.signaling.service import StatusChange
from projections import directory

log = logging.getLogger(__name__)
router = APIRouter(tags=["signaling"])
STATUS_SUBJECT = "quorum.gw.status"
KICK_SUBJECT = "quorum.gw.disconnect"
USER_SUBJECT = "quorum.gw.user"
"""Pushes addressed to one user's sockets, on whichever gateway they are."""


@dataclass(eq=False)
class Connection:
    socket: WebSocket
    ip: str | None
    user_id: str | None = None
    endpoint_id: str | None = None
    contacts: set[str] = field(default_factory=set)
    """User IDs in this user's address book: whose status changes are pushed here."""
    errors_in_a_row: int = 0
    closing_cause: str | None = None
    """Set when the server closes the socket on purpose (e.g. 'admin')."""


class Gateway:
    def __init__(self, system: QuorumSystem) -> None:
        self.system = system
        self.gateway_id = uuid.uuid4().hex[:12]
        self.connections: set[Connection] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        self._subscriptions: list[Any] = []

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

        async def on_status(msg: Msg) -> None:
            if self.loop is not None:
                asyncio.run_coroutine_threadsafe(self._fan_out(json.loads(msg.data)), self.loop)

        async def on_kick(msg: Msg) -> None:
            if self.loop is not None:
                user_id = json.loads(msg.data)["user_id"]
                asyncio.run_coroutine_threadsafe(self._close_user(user_id), self.loop)

        async def on_user_push(msg: Msg) -> None:
            if self.loop is not None:
                asyncio.run_coroutine_threadsafe(
                    self._push_to_user(json.loads(msg.data)), self.loop
                )

        nc = self.system.recorder.client.nc
        self._subscriptions = [
            run_sync(nc.subscribe(f"{STATUS_SUBJECT}.>", cb=on_status)),
            run_sync(nc.subscribe(f"{KICK_SUBJECT}.>", cb=on_kick)),
            run_sync(nc.subscribe(f"{USER_SUBJECT}.>", cb=on_user_push)),
        ]

    def stop(self) -> None:
        """Sockets still open when the gateway stops are recorded as gone."""
        for connection in list(self.connections):
            if connection.endpoint_id is not None:
                try:
                    self.depart(connection, "server")
                except Exception:  # NATS may already be gone
                    log.warning("could not record the end of %s", connection.endpoint_id)
        for subscription in self._subscriptions:
            try:
                run_sync(subscription.unsubscribe(), timeout=5)
            except Exception:  # the connection may be gone
                pass

    def announce(self, change: StatusChange | None) -> None:
        if change is None:
            return
        body = {"user_id": change.user_id, "previous": change.previous, "new": change.new}
        nc = self.system.recorder.client.nc
        run_sync(nc.publish(f"{STATUS_SUBJECT}.{change.user_id}", json.dumps(body).encode()))

    def notify(self, user_id: str, event: str, data: dict[str, Any]) -> None:
        """Push `event` to every socket of `user_id`, on every gateway."""
        body = json.dumps({"user_id": user_id, "event": event, "data": data}).encode()
        run_sync(self.system.recorder.client.nc.publish(f"{USER_SUBJECT}.{user_id}", body))

    async def _push_to_user(self, message: dict[str, Any]) -> None:
        sent = False
        for connection in list(self.connections):
            if connection.user_id == message["user_id"] and connection.endpoint_id:
                try:
                    await connection.socket.send_text(
                        protocol.push(message["event"], message["data"])
                    )
                    sent = True
                except Exception:  # the socket is closing
                    pass
        if sent and message["event"] == "chat.message":
            # Handed to a client: recorded as delivered (offline ones wait, §16.3).
            await run_in_threadpool(
                self.system.messaging.delivered,
                message["user_id"],
                [message["data"]["message_id"]],
            )

    def ring_timeout(self, call_id: str) -> None:
        """An unanswered call becomes a missed call after the ring time (§13.2.2)."""

        def expire() -> None:
            try:
                with acting_as(Actor(kind="system", name="system")):
                    call = self.system.calls.miss_if_ringing(call_id)
                if call is not None:
                    for user in call.parties():
                        self.notify(user, "call.missed", {"call_id": call_id, "reason": "timeout"})
            except Exception:  # NATS away at that moment: the call stays ringing
                log.warning("ring timeout of %s not recorded", call_id, exc_info=True)

        timer = threading.Timer(self.system.config.call_ring_seconds, expire)
        timer.daemon = True
        timer.start()

    def disconnect_user(self, user_id: str) -> None:
        """Close the user's sockets on every gateway (users/{id}/disconnect, §13.2)."""
        nc = self.system.recorder.client.nc
        body = json.dumps({"user_id": user_id}).encode()
        run_sync(nc.publish(f"{KICK_SUBJECT}.{user_id}", body))

    async def _close_user(self, user_id: str) -> None:
        for connection in list(self.connections):
            if connection.user_id == user_id:
                connection.closing_cause = "admin"
                try:
                    await connection.socket.close(code=4001, reason="disconnected by an admin")
                except Exception:  # already closing
                    pass

    async def _fan_out(self, change: dict[str, Any]) -> None:
        for connection in list(self.connections):
            if change["user_id"] in connection.contacts:
                try:
                    await connection.socket.send_text(protocol.push("status", change))
                except Exception:  # the socket is closing; its own loop records it
                    pass

    def depart(self, connection: Connection, cause: str) -> None:
        if connection.endpoint_id is None:
            return
        endpoint_id, connection.endpoint_id = connection.endpoint_id, None
        user_id = connection.user_id or "?"
        actor = Actor(kind="user", name=user_id, ip=connection.ip)
        with acting_as(actor):
            for update in self.system.calls.end_calls_of(user_id, endpoint_id):
                other = update.call.other(user_id)
                self.notify(other, "call.ended", {"call_id": str(update.call.id), "by": user_id})
                for change in update.status_changes:
                    self.announce(change)
            self.announce(self.system.endpoints.disconnect(endpoint_id, cause))


def gateway_of(websocket: WebSocket) -> Gateway:
    gateway: Gateway = websocket.app.state.gateway
    return gateway


@router.websocket("/ws")
async def signaling(websocket: WebSocket) -> None:
    gateway = gateway_of(websocket)
    system = gateway.system
    await websocket.accept()
    connection = Connection(websocket, websocket.client.host if websocket.client else None)
    gateway.connections.add(connection)
    cause = "closed"
    try:
        while True:
            try:
                text = await asyncio.wait_for(
                    websocket.receive_text(), system.config.ws_heartbeat_seconds
                )
            except TimeoutError:
                cause = "timeout"
                await websocket.close(code=4408, reason="no heartbeat")
                return
            if not await _handle(gateway, connection, text):
                cause = "logout"
                await websocket.close(code=1000)
                return
            if connection.errors_in_a_row >= protocol.MAX_PROTOCOL_ERRORS:
                cause = "protocol"
                await websocket.close(code=1008, reason="too many broken frames")
                return
    except WebSocketDisconnect:
        pass
    finally:
        gateway.connections.discard(connection)
        await run_in_threadpool(gateway.depart, connection, connection.closing_cause or cause)


async def _handle(gateway: Gateway, connection: Connection, text: str) -> bool:
    """Answer one frame; False when the client logged out."""
    request_id: Any = None
    try:
        request_id, method, params = protocol.parse(text)
        result = await run_in_threadpool(_dispatch, gateway, connection, method, params)
    except DomainError as e:
        connection.errors_in_a_row += 1
        await connection.socket.send_text(protocol.error(request_id, _status(e), e))
        return True
    connection.errors_in_a_row = 0
    await connection.socket.send_text(protocol.reply(request_id, result))
    if method == "auth" and connection.user_id is not None:
        # After the auth reply, so the client hears it first.
        await run_in_threadpool(_deliver_waiting_messages, gateway, connection.user_id)
    return method != "logout"


def _status(e: DomainError) -> int:
    for cls, status, _reason in STATUS_OF:
        if isinstance(e, cls):
            return status
    return 400


def _dispatch(
    gateway: Gateway, connection: Connection, method: str, params: dict[str, Any]
) -> dict[str, Any]:
    if method == "ping":
        return {"pong": True}
    if method == "auth":
        return _auth(gateway, connection, params)
    if connection.user_id is None or connection.endpoint_id is None:
        raise Unauthorized("the first request must be auth")
    system = gateway.system
    with acting_as(Actor(kind="user", name=connection.user_id, ip=connection.ip)):
        if method == "endpoint.update":
            endpoint = system.endpoints.update_info(connection.endpoint_id, params)
            return {"endpoint_id": endpoint.endpoint_id, **endpoint.info}
        if method == "status.get":
            users = params.get("users")
            if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
                raise InvalidInput.of([FieldProblem("users", "required", "a list of user IDs")])
            return {"statuses": {u: system.endpoints.status(u) for u in users[:500]}}
        if method.startswith("call."):
            return _call_method(gateway, connection, method, params)
        if method == "chat.send":
            message = system.messaging.send(
                connection.user_id, params.get("to"), params.get("text")
            )
            gateway.notify(message.recipient, "chat.message", _chat_push(message))
            return {"message_id": str(message.id)}
        if method == "logout":
            gateway.depart(connection, "logout")
            return {"logged_out": True}
    raise AssertionError(f"method {method} is listed but not handled")


def _call_method(
    gateway: Gateway, connection: Connection, method: str, params: dict[str, Any]
) -> dict[str, Any]:
    """Point-to-point calls (§3.1): the other party hears of each step at once."""
    calls = gateway.system.calls
    user, endpoint = connection.user_id, connection.endpoint_id
    assert user is not None and endpoint is not None
    if method == "call.invite":
        call = calls.invite(user, endpoint, params.get("to"))
        call_id = str(call.id)
        if call.outcome == "missed":
            gateway.notify(call.callee, "call.missed", {"call_id": call_id, "from": user})
        else:
            gateway.notify(
                call.callee,
                "call.incoming",
                {"call_id": call_id, "session_id": call.session_id, "from": user},
            )
            gateway.ring_timeout(call_id)
        return {"call_id": call_id, "session_id": call.session_id, "state": call.state}
    wanted = params.get("call_id")
    if method == "call.accept":
        update = calls.accept(wanted, user, endpoint)
        gateway.notify(update.call.caller, "call.accepted", {"call_id": str(update.call.id)})
        for change in update.status_changes:
            gateway.announce(change)
        return {"call_id": str(update.call.id), "state": update.call.state}
    if method == "call.reject":
        call = calls.reject(wanted, user)
        gateway.notify(call.caller, "call.rejected", {"call_id": str(call.id)})
        return {"call_id": str(call.id), "state": call.state}
    update = calls.hang_up(wanted, user)
    other = update.call.other(user)
    gateway.notify(other, "call.ended", {"call_id": str(update.call.id), "by": user})
    for change in update.status_changes:
        gateway.announce(change)
    return {"call_id": str(update.call.id), "state": update.call.state}


def _auth(gateway: Gateway, connection: Connection, params: dict[str, Any]) -> dict[str, Any]:
    if connection.user_id is not None:
        raise InvalidInput.of([FieldProblem("method", "invalid", "already authenticated")])
    system = gateway.system
    info: dict[str, Any] = {k: params[k] for k in ("app_name", "app_version", "os") if k in params}
    token = params.get("token")
    issued: str | None = None
    if isinstance(token, str) and token:
        try:
            claims = system.tokens.verify(token)
        except InvalidToken:
            raise Unauthorized("the token is invalid or has expired") from None
        if claims.kind != "user":
            raise Unauthorized("a user's access token is needed")
        user_id = system.sign_in.authenticate(claims.subject, claims.session_id).user_id
    else:
        missing = [n for n in ("login", "password") if not isinstance(params.get(n), str)]
        if missing:
            raise InvalidInput.of(
                [
                    FieldProblem(n, "required", "give a token, or login and password")
                    for n in missing
                ]
            )
        actor = Actor(
            kind="user",
            name=params["login"][:256],
            ip=connection.ip,
            app_name=params.get("app_name"),
        )
        with acting_as(actor):
            session = system.sign_in.sign_in(params["login"], params["password"], connection.ip)
        user_id = session.user_id
        issued = system.tokens.issue(user_id, "user", session.session_id, session.access_expires_at)
    actor = Actor(kind="user", name=user_id, ip=connection.ip, app_name=info.get("app_name"))
    with acting_as(actor):
        endpoint, change = system.endpoints.connect(
            user_id, connection.ip, gateway.gateway_id, info
        )
    connection.user_id, connection.endpoint_id = user_id, endpoint.endpoint_id
    source = system.users.source()
    connection.contacts = {
        e["call_string"] for e in directory.address_book(system.sql_engine, user_id, source)
    }
    gateway.announce(change)
    result: dict[str, Any] = {"user_id": user_id, "endpoint_id": endpoint.endpoint_id}
    if issued is not None:
        result["token"] = issued
    return result


def _deliver_waiting_messages(gateway: Gateway, user_id: str) -> None:
    """Messages sent while the user was offline reach them when they connect (§16.3)."""
    for message in gateway.system.messaging.waiting_for(user_id):
        gateway.notify(user_id, "chat.message", _chat_push(message))


def _chat_push(message: ChatMessage) -> dict[str, Any]:
    return {
        "message_id": str(message.id),
        "from": message.sender,
        "text": message.text,
        "sent_at": message.created_on.isoformat(),
    }
