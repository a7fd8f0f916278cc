"""`endpoint.update`, `endpoint.sleep` and `status.get` (docs/signaling.md): the
socket's own endpoint, and the presence of others."""

from __future__ import annotations

from typing import Any

from api.ws.method import Method, Request
from domain.sessions.guests import Needs
from domain.shared.errors import FieldProblem, InvalidInput, invalid

MAX_USERS = 500
"""Statuses answered per `status.get`."""


def _update(request: Request) -> dict[str, Any]:
    endpoint = request.system.endpoints.update_info(request.endpoint_id, request.params)
    return {"endpoint_id": endpoint.endpoint_id, **endpoint.info}


def _sleep(request: Request) -> dict[str, Any]:
    sleeping = request.params.get("sleeping")
    if not isinstance(sleeping, bool):
        raise invalid("sleeping", "must be true or false")
    endpoint = request.system.endpoints.set_sleeping(request.endpoint_id, sleeping)
    request.connection.sleeping = endpoint.sleeping
    return {"endpoint_id": endpoint.endpoint_id, "sleeping": endpoint.sleeping}


def _statuses(request: Request) -> dict[str, Any]:
    users = request.params.get("users")
    if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
        raise InvalidInput.of([FieldProblem("users", "required", "a list of user IDs")])
    endpoints = request.system.endpoints
    return {"statuses": {u: endpoints.status(u) for u in users[:MAX_USERS]}}


METHODS = {
    "endpoint.update": Method(_update, while_asleep=True, needs=Needs.NOTHING),
    "endpoint.sleep": Method(_sleep, while_asleep=True, needs=Needs.ONLINE_LICENCE),
    "status.get": Method(_statuses, while_asleep=True),
}
