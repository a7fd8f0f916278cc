"""The API's error body (API.md 'Conventions'), documented once for every route."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorItem(BaseModel):
    reason: str = Field(description="required, invalid, notFound, forbidden, conflict, …")
    message: str
    locationType: str | None = None
    location: str | None = Field(None, description="the field or parameter at fault")


class ErrorDetail(BaseModel):
    code: int = Field(description="the HTTP status")
    message: str
    errors: list[ErrorItem]


class ErrorBody(BaseModel):
    error: ErrorDetail


class OAuthErrorBody(BaseModel):
    """RFC 6749 §5.2's error body, plus the API's `errors` list naming the field."""

    error: str = Field(description="invalid_request, invalid_client, invalid_grant, …")
    error_description: str
    code: int
    errors: list[ErrorItem]


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("Bad input: `errors[].location` names the field"),
    401: _error("No token, or an invalid or expired one"),
    403: _error("The caller may not do this (role, OAuth permission or licence)"),
    404: _error("No such object"),
    409: _error("Conflicts with the current state, or a unique value already in use"),
    429: _error("Too many requests; `Retry-After` says when to try again"),
    503: _error("The event store (NATS JetStream) is unavailable; nothing was changed"),
}
"""Documented on every route when the routers are included (api/app.py)."""


def only(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Error responses a single route adds to ERRORS (e.g. 410 for a deleted file)."""
    extra = {
        406: _error("This report has no CSV export"),
        410: _error("The object existed but is gone"),
        413: _error("The upload is larger than allowed"),
        423: _error("The account is locked after too many failed sign-ins"),
        502: _error("A backend (LDAP directory, report service) did not answer"),
    }
    return {status: extra[status] for status in statuses}
