"""`GET /api/v4/ws` (API.md, docs/signaling.md): one socket's loop. Each frame is
parsed, answered from the method table and replied to; the socket's end is recorded."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from api.auth import user_agent_of
from api.errors import status_of
from api.ws import frames
from api.ws.chat_methods import deliver_waiting_messages
from api.ws.connection import Connection
from api.ws.gateway import Gateway, gateway_of
from api.ws.method_table import METHODS, dispatch
from domain.shared.errors import DomainError

router = APIRouter(tags=["signaling"])


@router.websocket("/ws")
async def signaling(websocket: WebSocket) -> None:
    gateway = gateway_of(websocket)
    config = gateway.system.config
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
                text = await asyncio.wait_for(websocket.receive_text(), config.ws_heartbeat_seconds)
            except TimeoutError:
                cause = "timeout"
                await websocket.close(code=4408, reason="no heartbeat")
                return
            if not await _handle(gateway, connection, text):
                cause = "logout"
                await websocket.close(code=1000)
                return
            if connection.errors_in_a_row >= frames.MAX_PROTOCOL_ERRORS:
                cause = "protocol"
                await websocket.close(code=1008, reason="too many broken frames")
                return
    except WebSocketDisconnect:
        pass
    finally:
        gateway.connections.discard(connection)
        await run_in_threadpool(gateway.depart, connection, connection.closing_cause or cause)


async def _handle(gateway: Gateway, connection: Connection, text: str) -> bool:
    """Answer one frame; False when the socket is to close (logout)."""
    request_id: Any = None
    was_authenticated = connection.authenticated
    try:
        request_id, method, params = frames.parse(text, METHODS)
        result = await run_in_threadpool(dispatch, gateway, connection, method, params)
    except DomainError as e:
        connection.errors_in_a_row += 1
        await connection.socket.send_text(frames.error(request_id, status_of(e)[0], e))
        return True
    connection.errors_in_a_row = 0
    await connection.socket.send_text(frames.reply(request_id, result))
    if not was_authenticated and connection.user_id is not None:
        gateway.connections.index(connection)
        # After the auth reply, so the client hears it first (§16.3).
        await run_in_threadpool(deliver_waiting_messages, gateway, connection.user_id)
    return not METHODS[method].ends_connection
