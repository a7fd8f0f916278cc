"""Every signaling method, by name: its handler and what it asks of the socket
(docs/signaling.md lists the same names; a test keeps them equal)."""

from __future__ import annotations

from typing import Any

from api.ws import (
    call_methods,
    chat_methods,
    conference_methods,
    connection_methods,
    endpoint_methods,
    licence_methods,
)
from api.ws.connection import Connection
from api.ws.gateway import Gateway
from api.ws.method import Method, Request
from domain.sessions.guests import check_guest_may
from domain.shared.actor import acting_as
from domain.shared.errors import Conflict, FieldProblem, Unauthorized

METHODS: dict[str, Method] = {
    **connection_methods.METHODS,
    **endpoint_methods.METHODS,
    **licence_methods.METHODS,
    **call_methods.METHODS,
    **chat_methods.METHODS,
    **conference_methods.METHODS,
}


def dispatch(
    gateway: Gateway, connection: Connection, name: str, params: dict[str, Any]
) -> dict[str, Any]:
    """Answer one request; `name` is a key of METHODS (frames.parse checked it)."""
    method = METHODS[name]
    request = Request(gateway, connection, params)
    if not method.signed_in:
        return method.handle(request)
    if not connection.authenticated:
        raise Unauthorized("the first request must be auth")
    if connection.guest:
        check_guest_may(method.needs)
    with acting_as(connection.actor()):
        if connection.sleeping and not method.while_asleep:
            raise Conflict(
                "the endpoint is asleep and holds no online licence; wake it first",
                [FieldProblem("method", "conflict", "send endpoint.sleep {sleeping: false}")],
            )
        return method.handle(request)
