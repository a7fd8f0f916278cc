"""FastAPI dependencies that name a use case or a query, one module per context."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from adapters.bootstrap import QuorumSystem
from domain.shared.errors import invalid


def composed(request: Request) -> QuorumSystem:
    """The application composed at start-up (the one place routes reach it)."""
    system: QuorumSystem = request.app.state.system
    return system


def expected_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    """The version an `If-Match: "<ETag>"` edit expects (None: any)."""
    if if_match is None:
        return None
    try:
        return int(if_match.strip().strip('"').removeprefix("W/").strip('"'))
    except ValueError:
        raise invalid("If-Match", "must be the ETag of a previous GET") from None


ExpectedVersion = Annotated[int | None, Depends(expected_version)]
