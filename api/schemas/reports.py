"""Report replies (API.md 'Reports'): pages of rows, and what a deletion removed."""

from __future__ import annotations

from api.schemas.common import Reply


class Deleted(Reply):
    """How many rows a deletion removed (and, per report, what it cascaded to)."""

    deleted: int


class Endpoint(Reply):
    """One row of the Endpoints report (guide §16.6)."""

    endpoint_id: str


class Call(Reply):
    """One row of the Call History report (guide §16.2): the session and its figures."""

    session_id: str
