"""The signaling gateway: `GET /api/v4/ws` (API.md). One socket = one endpoint.

The gateway keeps only open sockets; everything else is an event on the stream.
Status changes fan out over NATS (`quorum.gw.status.<user>`), so a client on one
gateway process sees a contact's change made on another.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from adapters.bootstrap import QuorumSystem
from adapters.jetstream.factory import nats_servers
from adapters.pushes import KICK_SUBJECT, STATUS_SUBJECT, USER_SUBJECT, status_push, user_push
from adapters.tokens import InvalidToken
from api.auth import user_agent_of
from api.errors import status_of
from api.ws import conference_methods, protocol
from api.ws.devices import DeviceLink
from api.ws.fanout import Fanout
from api.ws.liveness import Liveness
from api.ws.sockets import LocalSockets, send_all
from domain.conferencing.invitations import REGISTRANT_PREFIX
from domain.licensing.terms import ONLINE, unavailable
from domain.messaging.message import ChatMessage, message_view
from domain.sessions.admission import GUEST, REGISTRANT, USER
from domain.sessions.service import Caller
from domain.shared.actor import Actor, acting_as
from domain.shared.clock import now
from domain.shared.errors import (
    Conflict,
    DomainError,
    FieldProblem,
    Forbidden,
    InvalidInput,
    Unauthorized,
)
from domain.signaling.endpoint import new_endpoint_id
from domain.signaling.service import StatusChange
from projections import directory
from projections.endpoints_report import ConnectedEndpoint, connected_elsewhere
from projections.report_calls import ReportsUnavailable

log = logging.getLogger(__name__)
router = APIRouter(tags=["signaling"])
LOST = "connection lost"
GUEST_PREFIX = "#guest:"
"""Guests' IDs: `#guest:` and 16 hex digits, one per socket."""
AWAKE_NOT_NEEDED = ("status.get", "license.get", "logout")
"""What a sleeping endpoint may still do without waking up."""
SESSION_LEAVE_CAUSES = {"logout": "hangup", "closed": "hangup", "admin": "removed"}
"""How a socket's end reads in a conference's participant list; otherwise the
connection was lost."""


@dataclass(eq=False)
class Connection:
    socket: WebSocket
    ip: str | None
    user_id: str | None = None
    endpoint_id: str | None = None
    guest: bool = False
    """A guest without an account (public conferences only, §5.4)."""
    display_name: str | None = None
    contacts: set[str] = field(default_factory=set)
    """User IDs in this user's address book: whose status changes are pushed here."""
    sleeping: bool = False
    """Put to sleep by its OS: it hears pushes but holds no online licence (§5.1)."""
    errors_in_a_row: int = 0
    closing_cause: str | None = None
    """Set when the server closes the socket on purpose (e.g. 'admin')."""
    user_agent: str | None = None
    app_name: str | None = None

    def actor(self, name: str | None = None, endpoint_id: str | None = None) -> Actor:
        """Who acts through this socket, for the events it causes."""
        return Actor(
            kind="user",
            name=name or self.user_id or "?",
            ip=self.ip,
            app_name=self.app_name,
            user_agent=self.user_agent,
            endpoint_id=endpoint_id or self.endpoint_id,
        )


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
        sent = await send_all(sockets, protocol.push(message["event"], message["data"]))
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
            await send_all(watchers, protocol.push("status", change))

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
            for update in self.system.calls.end_calls_of(user_id, endpoint_id):
                if update.ended_now:
                    data = {"call_id": str(update.call.id), "by": user_id, "cause": LOST}
                    self.notify(update.call.other(user_id), "call.ended", data)
                for change in update.status_changes:
                    self.announce(change)
            self.announce(self.system.endpoints.disconnect(endpoint_id, cause))

    def _depart_remote(self, endpoint: ConnectedEndpoint) -> None:
        self.depart_endpoint(endpoint.user_id, endpoint.endpoint_id, LOST, endpoint.ip)

    def _connected_elsewhere(self) -> list[ConnectedEndpoint]:
        """Endpoints of other gateways, from the Endpoints read model once up to date."""
        try:
            return self.system.report_calls.call(connected_elsewhere, self.gateway_id).value
        except ReportsUnavailable:
            return []  # no report service yet: the next beat asks again


def gateway_of(websocket: WebSocket) -> Gateway:
    gateway: Gateway = websocket.app.state.gateway
    return gateway


@router.websocket("/ws")
async def signaling(websocket: WebSocket) -> None:
    gateway = gateway_of(websocket)
    system = gateway.system
    await websocket.accept()
    connection = Connection(
        websocket,
        websocket.client.host if websocket.client else None,
        user_agent=user_agent_of(websocket),
    )
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
        await connection.socket.send_text(protocol.error(request_id, status_of(e)[0], e))
        return True
    connection.errors_in_a_row = 0
    await connection.socket.send_text(protocol.reply(request_id, result))
    if method == "auth" and connection.user_id is not None:
        gateway.connections.index(connection)
        # After the auth reply, so the client hears it first.
        await run_in_threadpool(_deliver_waiting_messages, gateway, connection.user_id)
    return method != "logout"


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
    with acting_as(connection.actor()):
        if method == "endpoint.update":
            endpoint = system.endpoints.update_info(connection.endpoint_id, params)
            return {"endpoint_id": endpoint.endpoint_id, **endpoint.info}
        if method == "endpoint.sleep":
            if connection.guest:
                raise Forbidden("a guest holds no online licence to give back")
            endpoint = system.endpoints.set_sleeping(connection.endpoint_id, params.get("sleeping"))
            connection.sleeping = endpoint.sleeping
            return {"endpoint_id": endpoint.endpoint_id, "sleeping": endpoint.sleeping}
        if method == "status.get":
            users = params.get("users")
            if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
                raise InvalidInput.of([FieldProblem("users", "required", "a list of user IDs")])
            return {"statuses": {u: system.endpoints.status(u) for u in users[:500]}}
        if connection.sleeping and method not in AWAKE_NOT_NEEDED:
            raise Conflict(
                "the endpoint is asleep and holds no online licence; wake it first",
                [FieldProblem("method", "conflict", "send endpoint.sleep {sleeping: false}")],
            )
        if method.startswith("conference."):
            return _conference_method(gateway, connection, method, params)
        if connection.guest:
            raise Forbidden("guests take part in public conferences only (§5.4)")
        if method in ("license.get", "license.request"):
            licence = (
                system.licensing.request(connection.user_id)
                if method == "license.request"
                else system.licensing.licence_of(connection.user_id)
            )
            return {**licence, **system.licensing.client_switches()}
        if method.startswith("call."):
            return _call_method(gateway, connection, method, params)
        if method == "chat.send":
            message = system.messaging.send(
                connection.user_id, params.get("to"), params.get("text"), params.get("file_id")
            )
            gateway.notify(message.recipient, "chat.message", _chat_push(system, message))
            return {"message_id": str(message.id)}
        if method == "logout":
            gateway.depart(connection, "logout")
            return {"logged_out": True}
    raise AssertionError(f"method {method} is listed but not handled")


def _conference_method(
    gateway: Gateway, connection: Connection, method: str, params: dict[str, Any]
) -> dict[str, Any]:
    user, endpoint = connection.user_id, connection.endpoint_id
    assert user is not None and endpoint is not None
    if method == "conference.join":
        kind = USER
        if connection.guest:
            kind = REGISTRANT if user.startswith(REGISTRANT_PREFIX) else GUEST
        return conference_methods.join(
            gateway.system, user, kind, endpoint, connection.display_name, params
        )
    if method == "conference.chat":
        return _conference_chat(gateway, connection, params)
    caller = Caller(user_id=user, endpoint_id=endpoint)
    return conference_methods.HANDLERS[method](gateway.system.sessions, caller, params)


def _conference_chat(
    gateway: Gateway, connection: Connection, params: dict[str, Any]
) -> dict[str, Any]:
    """A message to everyone joined (§16.3); each is an event."""
    system = gateway.system
    user, endpoint = connection.user_id, connection.endpoint_id
    assert user is not None and endpoint is not None
    session, recipients = system.sessions.chat_audience(
        params.get("cid"), Caller(user_id=user, endpoint_id=endpoint)
    )
    message = system.messaging.send_to_session(
        user, session.session_id, session.cid, recipients, params.get("text"), params.get("file_id")
    )
    for recipient in recipients:
        gateway.notify(recipient, "conference.message", _chat_push(system, message, recipient))
    return {"message_id": str(message.id)}


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
    if isinstance(info.get("app_name"), str):
        connection.app_name = info["app_name"][:200]
    # Named before the sign-in, so its login row says which endpoint signed in (§16.1).
    endpoint_id = new_endpoint_id()
    token = params.get("token")
    issued: str | None = None
    if "guest_name" in params or "registrant_id" in params:
        user_id = _guest(connection, params)
    elif isinstance(token, str) and token:
        try:
            claims = system.tokens.verify(token)
        except InvalidToken:
            raise Unauthorized("the token is invalid or has expired") from None
        if claims.kind != "user":
            raise Unauthorized("a user's access token is needed")
        user_id = system.sign_in.authenticate(claims.subject, claims.session_id).user_id
    else:
        _online_licence_left(system)
        missing = [n for n in ("login", "password") if not isinstance(params.get(n), str)]
        if missing:
            raise InvalidInput.of(
                [
                    FieldProblem(n, "required", "give a token, or login and password")
                    for n in missing
                ]
            )
        with acting_as(connection.actor(params["login"][:256], endpoint_id)):
            session = system.sign_in.sign_in(params["login"], params["password"], connection.ip)
        user_id = session.user_id
        issued = system.tokens.issue(user_id, "user", session.session_id, session.access_expires_at)
    with acting_as(connection.actor(user_id, endpoint_id)):
        endpoint, change = system.endpoints.connect(
            user_id, connection.ip, gateway.gateway_id, info, connection.guest, endpoint_id
        )
    connection.user_id, connection.endpoint_id = user_id, endpoint.endpoint_id
    if not connection.guest:
        source = system.users.source()
        connection.contacts = {
            e["call_string"] for e in directory.address_book(system.sql_engine, user_id, source)
        }
    gateway.announce(change)
    result: dict[str, Any] = {"user_id": user_id, "endpoint_id": endpoint.endpoint_id}
    if issued is not None:
        result["token"] = issued
    return result


def _online_licence_left(system: QuorumSystem) -> None:
    """Refuse before the password is checked, so a sign-in that cannot connect is not
    recorded as a login; the endpoint's save makes the final decision."""
    pool = system.licensing.pool()
    if pool.available(ONLINE, now()) <= 0:
        raise unavailable(
            "login",
            f"all {pool.total(ONLINE, now())} online licences are in use; try again later",
        )


def _guest(connection: Connection, params: dict[str, Any]) -> str:
    """A guest of a public conference (§5.4): a display name, or the ID of a webinar
    registration (`#guest2:…`, the secret of the registrant's unique link)."""
    registrant = params.get("registrant_id")
    name = params.get("guest_name")
    if registrant is not None and not (
        isinstance(registrant, str) and registrant.startswith(REGISTRANT_PREFIX)
    ):
        raise InvalidInput.of(
            [FieldProblem("registrant_id", "invalid", f"must start with {REGISTRANT_PREFIX}")]
        )
    if registrant is None and (not isinstance(name, str) or not name.strip() or len(name) > 256):
        raise InvalidInput.of(
            [FieldProblem("guest_name", "invalid", "a display name of 1 to 256 characters")]
        )
    connection.guest = True
    connection.display_name = name.strip() if isinstance(name, str) else None
    return str(registrant) if registrant else f"{GUEST_PREFIX}{secrets.token_hex(8)}"


def _deliver_waiting_messages(gateway: Gateway, user_id: str) -> None:
    """Messages sent while the user was offline reach them when they connect (§16.3)."""
    for message in gateway.system.messaging.waiting_for(user_id):
        gateway.notify(user_id, "chat.message", _chat_push(gateway.system, message))


def _chat_push(
    system: QuorumSystem, message: ChatMessage, recipient: str | None = None
) -> dict[str, Any]:
    """A file comes with its link only to recipients whose groups allow downloading."""
    may_download = system.files.may_download(recipient or message.recipient)
    return message_view(message, may_download)
