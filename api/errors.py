"""Every refusal as API.md's error body; never a 500 for bad input, 503 when NATS is away."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from eventsourcing.persistence import IntegrityError, OperationalError, PersistenceError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.identity.directory_port import DirectoryNotConfigured, DirectoryUnavailable
from domain.identity.sign_in_service import AccountLocked
from domain.licensing.terms import LicenceUnavailable
from domain.shared.errors import (
    AlreadyExists,
    Conflict,
    DomainError,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthorized,
)

log = logging.getLogger(__name__)

STATUS_OF: list[tuple[type[DomainError], int, str]] = [
    (InvalidInput, 400, "invalid"),
    (LicenceUnavailable, 403, "licenceUnavailable"),
    (AccountLocked, 423, "locked"),
    (Unauthorized, 401, "accessTokenInvalid"),
    (Forbidden, 403, "forbidden"),
    (NotFound, 404, "notFound"),
    (AlreadyExists, 409, "uniqueValueAlreadyInUse"),
    (Conflict, 409, "conflict"),
]


def status_of(e: DomainError) -> tuple[int, str]:
    """The HTTP status and reason of a refusal (also used by the gateway's frames)."""
    for cls, status, reason in STATUS_OF:
        if isinstance(e, cls):
            return status, reason
    return 400, "invalid"


def error_body(
    status: int, message: str, problems: list[FieldProblem] | None = None, reason: str = ""
) -> dict[str, Any]:
    errors = [
        {
            "reason": p.reason,
            "message": p.message,
            "locationType": "parameter",
            "location": p.field,
        }
        for p in problems or []
    ]
    if not errors and reason:
        errors = [{"reason": reason, "message": message}]
    return {"error": {"code": status, "message": message, "errors": errors}}


def error_response(
    status: int,
    message: str,
    problems: list[FieldProblem] | None = None,
    reason: str = "",
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(status, message, problems, reason), status, headers=headers)


_UNION_MEMBER = re.compile(r"^(?:str|bool|int|float|constrained-\w+|[\w-]+\[.*\])$")
"""How pydantic names the members of a union in an error's location (`pin.bool`)."""


def field_problems(errors: Sequence[Any]) -> list[FieldProblem]:
    """One problem per field, at the field's own location: a value no member of a union
    (`pin: str | bool | None`) takes is one problem, its messages joined."""
    merged: dict[str, FieldProblem] = {}
    for err in errors:
        location = [
            str(part)
            for part in err.get("loc", ())
            if part not in ("body", "query")
            and not (isinstance(part, str) and _UNION_MEMBER.match(part))
        ]
        field = ".".join(location) or "body"
        reason = "required" if err.get("type") == "missing" else "invalid"
        message = str(err.get("msg", "invalid value"))
        if field not in merged:
            merged[field] = FieldProblem(field, reason, message)
        elif message not in merged[field].message:
            joined = f"{merged[field].message}, or {message.removeprefix('Input should be ')}"
            merged[field] = FieldProblem(field, merged[field].reason, joined)
    return list(merged.values())


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, e: DomainError) -> JSONResponse:
        status, reason = status_of(e)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return error_response(status, e.message, e.problems, reason, headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, e: RequestValidationError) -> JSONResponse:
        problems = field_problems(e.errors())
        message = "; ".join(f"{p.field}: {p.message}" for p in problems)
        return error_response(400, message, problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, e: StarletteHTTPException) -> JSONResponse:
        reason = {
            404: "notFound",
            405: "invalid",
            401: "accessTokenInvalid",
            502: "backendError",
            503: "backendError",
        }.get(e.status_code, "invalid")
        return error_response(e.status_code, str(e.detail), reason=reason)

    @app.exception_handler(DirectoryUnavailable)
    async def directory_down(_: Request, e: DirectoryUnavailable) -> JSONResponse:
        if isinstance(e, DirectoryNotConfigured):
            problems = [FieldProblem(f"ldap.{k}", "required", "is not set") for k in e.missing]
            return error_response(409, str(e), problems)
        return error_response(502, str(e), reason="backendError")

    @app.exception_handler(IntegrityError)
    async def integrity_error(_: Request, e: IntegrityError) -> JSONResponse:
        return error_response(409, "changed by someone else at the same time", reason="conflict")

    @app.exception_handler(OperationalError)
    async def store_down(_: Request, e: OperationalError) -> JSONResponse:
        return _unavailable(e)

    @app.exception_handler(PersistenceError)
    async def store_error(_: Request, e: PersistenceError) -> JSONResponse:
        return _unavailable(e)

    @app.exception_handler(FutureTimeout)
    async def store_timeout(_: Request, e: FutureTimeout) -> JSONResponse:
        return _unavailable(e)


def _unavailable(e: Exception) -> JSONResponse:
    log.warning("event store unavailable: %s", e)
    return error_response(
        503,
        "the event store (NATS JetStream) is unavailable; nothing was changed, try again",
        reason="backendError",
        headers={"Retry-After": "2"},
    )
