"""The HTTP API: FastAPI under /api/v4 (API.md)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from adapters.system import QuorumSystem
from api import errors
from api.routes import (
    admin,
    aliases,
    conferences,
    files,
    groups,
    license,
    oauth,
    oauth_apps,
    oauth_authorize,
    participants,
    recordings,
    reports,
    server,
    settings,
    templates,
    users,
)
from api.ws import gateway
from api.ws.gateway import Gateway

VERSION = "0.1.0"
PREFIX = "/api/v4"


def create_app(system: QuorumSystem) -> FastAPI:
    signaling = Gateway(system)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        signaling.start(asyncio.get_running_loop())
        yield
        await run_in_threadpool(signaling.stop)

    app = FastAPI(
        lifespan=lifespan,
        title="Quorum",
        version=VERSION,
        description="Event-sourced video-conferencing server: the administration API.",
    )
    app.state.system = system
    app.state.gateway = signaling

    errors.install(app)
    for module in (
        server,
        admin,
        settings,
        users,
        groups,
        aliases,
        conferences,
        participants,
        recordings,
        templates,
        license,
        oauth,
        oauth_apps,
        oauth_authorize,
        reports,
        files,
    ):
        app.include_router(module.router, prefix=PREFIX)
    app.include_router(gateway.router, prefix=PREFIX)
    return app
