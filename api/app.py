"""The HTTP API: FastAPI under /api/v4 (API.md)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from adapters.bootstrap import QuorumSystem
from api import errors
from api.app_audit import ApplicationAudit
from api.routes import (
    admin,
    aliases,
    conference_logs,
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
from api.schemas.errors import ERRORS
from api.version import VERSION
from api.ws import socket_route
from api.ws.gateway import Gateway

PREFIX = "/api/v4"
DOCS_ASSETS = "/docs-assets"


def create_app(system: QuorumSystem, restart: Callable[[], list[str]] | None = None) -> FastAPI:
    """`restart`: an administrator's restart, when `quorum serve` can start itself again
    (api/routes/server.py)."""
    signaling = Gateway(system)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        signaling.start(asyncio.get_running_loop())
        yield
        await run_in_threadpool(signaling.stop)

    # /docs and /redoc serve their JS and CSS from the installed package, never a CDN.
    app = FastAPIOffline(
        lifespan=lifespan,
        static_url=DOCS_ASSETS,
        title="Quorum",
        version=VERSION,
        description="Event-sourced video-conferencing server: the administration API.",
    )
    app.state.system = system
    app.state.gateway = signaling
    app.state.restart = restart

    errors.install(app)
    app.add_middleware(ApplicationAudit)  # OAuth applications' calls -> Events report
    for module in (
        server,
        admin,
        settings,
        users,
        groups,
        aliases,
        conferences,
        conference_logs,
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
        app.include_router(module.router, prefix=PREFIX, responses=ERRORS)
    app.include_router(socket_route.router, prefix=PREFIX)
    app.include_router(oauth.original_token_url, responses=ERRORS)
    _document_errors_as_sent(app)
    return app


def _document_errors_as_sent(app: FastAPI) -> None:
    """Bad input is a 400 with the API's error body (api/errors.py), never FastAPI's
    422: drop the 422 replies FastAPI documents on its own, and their schemas."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    operation.get("responses", {}).pop("422", None)
                    for status, reply in operation.get("responses", {}).items():
                        if status >= "400":
                            _errors_media_type(reply)
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _errors_media_type(reply: dict[str, Any]) -> None:
    """FastAPI documents a route's errors in its success media type: a CSV export or a
    download still refuses in JSON; the login page refuses with an HTML page."""
    content = reply.get("content", {})
    if "text/html" in content:
        content["text/html"] = {"schema": {"type": "string"}}
        return
    for media in [m for m in content if m != "application/json"]:
        content.setdefault("application/json", content.pop(media))
