"""Server status: the one route that needs no token."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from api.auth import System

router = APIRouter(tags=["server"])


class ServerStatus(BaseModel):
    state: str
    server_name: str
    version: str
    started_at: datetime
    event_store_connected: bool


@router.get("/server/status", response_model=ServerStatus)
def server_status(system: System) -> ServerStatus:
    from api.app import VERSION

    return ServerStatus(
        state="running",
        server_name=system.config.server_name,
        version=VERSION,
        started_at=system.started_at,
        event_store_connected=system.recorder.client.is_connected(),
    )
