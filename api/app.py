"""The HTTP API: FastAPI under /api/v4 (API.md)."""

from __future__ import annotations

from fastapi import FastAPI

from adapters.system import QuorumSystem
from api import errors
from api.routes import (
    admin,
    aliases,
    conferences,
    groups,
    oauth,
    reports,
    server,
    settings,
    templates,
    users,
)

VERSION = "0.1.0"
PREFIX = "/api/v4"


def create_app(system: QuorumSystem) -> FastAPI:
    app = FastAPI(
        title="Quorum",
        version=VERSION,
        description="Event-sourced video-conferencing server: the administration API.",
    )
    app.state.system = system
    errors.install(app)
    for module in (
        server,
        admin,
        settings,
        users,
        groups,
        aliases,
        conferences,
        templates,
        oauth,
        reports,
    ):
        app.include_router(module.router, prefix=PREFIX)
    return app
