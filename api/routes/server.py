"""Server status (the one route that needs no token) and an administrator's restart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from api.auth import System, Writer
from api.version import VERSION
from domain.shared.actor import acting_as
from domain.shared.errors import Conflict

router = APIRouter(tags=["server"])


class ServerStatus(BaseModel):
    state: str
    server_name: str
    version: str
    started_at: datetime
    event_store_connected: bool


@router.get("/server/status", response_model=ServerStatus)
def server_status(system: System) -> ServerStatus:
    return ServerStatus(
        state="running",
        server_name=system.config.server_name,
        version=VERSION,
        started_at=system.started_at,
        event_store_connected=system.recorder.client.is_connected(),
    )


class Restarting(BaseModel):
    restarting: bool
    meetings_ended: list[str]
    """CIDs of the conferences the restart stopped (§5.2: a manual restart ends them)."""


def restart_order(request: Request) -> Callable[[], list[str]] | None:
    """What `quorum serve` gave the app to restart itself, if it did."""
    order: Callable[[], list[str]] | None = request.app.state.restart
    return order


RestartOrder = Annotated[Callable[[], list[str]] | None, Depends(restart_order)]


@router.post("/server/restart", response_model=Restarting, status_code=202)
def restart_server(principal: Writer, restart: RestartOrder) -> Restarting:
    """Restart the server: running meetings end, then it stops and starts again
    (Events report: `restart` by the administrator, then `stop` and `start`)."""
    if restart is None:
        raise Conflict("this server was not started by `quorum serve` and cannot restart itself")
    with acting_as(principal.actor):
        ended = restart()
    return Restarting(restarting=True, meetings_ended=ended)
