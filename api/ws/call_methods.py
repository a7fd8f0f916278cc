"""`call.*` (docs/signaling.md): point-to-point calls (§3.1). The calls service
records each step and tells the other party; the ring timer is the process's."""

from __future__ import annotations

from typing import Any

from api.ws import params
from api.ws.method import Method, Request


def _call_id(request: Request) -> str:
    return params.text(request.params, "call_id", "is not a call ID")


def _invite(request: Request) -> dict[str, Any]:
    to = params.text(request.params, "to", "whom to call", reason="required")
    call = request.system.calls.invite(request.user_id, request.endpoint_id, to)
    return {"call_id": str(call.id), "session_id": call.session_id, "state": call.state}


def _accept(request: Request) -> dict[str, Any]:
    update = request.system.calls.accept(_call_id(request), request.user_id, request.endpoint_id)
    return {"call_id": str(update.call.id), "state": update.call.state}


def _reject(request: Request) -> dict[str, Any]:
    call = request.system.calls.reject(_call_id(request), request.user_id)
    return {"call_id": str(call.id), "state": call.state}


def _hang_up(request: Request) -> dict[str, Any]:
    update = request.system.calls.hang_up(_call_id(request), request.user_id)
    return {"call_id": str(update.call.id), "state": update.call.state}


METHODS = {
    "call.invite": Method(_invite),
    "call.accept": Method(_accept),
    "call.reject": Method(_reject),
    "call.hangup": Method(_hang_up),
}
