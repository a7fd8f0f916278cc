"""FastAPI dependencies that name a use case or a query, one module per context."""

from __future__ import annotations

from typing import Any

from fastapi import Request


def composed(request: Request) -> Any:
    """The application composed at start-up (the one place routes reach it)."""
    return request.app.state.system
