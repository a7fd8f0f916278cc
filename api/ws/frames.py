"""The signaling protocol's frames (API.md 'Signaling gateway'; docs/signaling.md):
requests in, replies, errors and pushes out."""

from __future__ import annotations

import json
from collections.abc import Container
from typing import Any

from domain.shared.errors import DomainError, FieldProblem, InvalidInput

MAX_FRAME_BYTES = 64 * 1024
MAX_PROTOCOL_ERRORS = 10
"""After this many broken frames in a row the socket is closed."""


class ProtocolError(InvalidInput):
    """A frame the gateway cannot take: answered with an error frame."""


def parse(text: str, methods: Container[str]) -> tuple[Any, str, dict[str, Any]]:
    """(id, method, params) of a request frame naming one of `methods`."""
    if len(text.encode()) > MAX_FRAME_BYTES:
        raise _problem("frame", "tooLong", f"frames are limited to {MAX_FRAME_BYTES} bytes")
    try:
        frame = json.loads(text)
    except ValueError:
        raise _problem("frame", "invalid", "not JSON") from None
    if not isinstance(frame, dict):
        raise _problem("frame", "invalid", "must be a JSON object")
    method = frame.get("method")
    if not isinstance(method, str) or not method:
        raise _problem("method", "required", "every request names a method")
    if method not in methods:
        raise _problem("method", "invalid", f"unknown method {method!r}")
    params = frame.get("params", {})
    if not isinstance(params, dict):
        raise _problem("params", "invalid", "must be an object")
    return frame.get("id"), method, params


def reply(request_id: Any, result: Any) -> str:
    return json.dumps({"id": request_id, "result": result})


def error(request_id: Any, status: int, e: DomainError) -> str:
    from api.errors import error_body

    body = error_body(status, e.message, e.problems)["error"]
    return json.dumps({"id": request_id, "error": body})


def push(event: str, data: dict[str, Any]) -> str:
    return json.dumps({"event": event, "data": data})


def _problem(field: str, reason: str, message: str) -> ProtocolError:
    return ProtocolError(f"{field}: {message}", [FieldProblem(field, reason, message)])
