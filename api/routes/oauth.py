"""Signing in users (guide §15.1 grants, §16.1 login/logout): `oauth2/token` with the
password and refresh_token grants of the built-in public client, and revocation."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from adapters.system import QuorumSystem
from adapters.tokens import InvalidToken
from api.auth import System, client_ip, user_agent_of
from domain.shared.actor import Actor, acting_as
from domain.shared.clock import now
from domain.shared.errors import FieldProblem, InvalidInput, Unauthorized, invalid

router = APIRouter(prefix="/oauth2", tags=["oauth2"])

PUBLIC_CLIENT = "quorum-client"
"""The built-in public client of client applications and the personal area."""
GRANTS = ("password", "refresh_token")


class TokenReply(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_token: str | None = None
    scope: str = "user"


async def _form_or_json(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            raise invalid("body", "is not valid JSON") from None
        if not isinstance(body, dict):
            raise invalid("body", "must be a JSON object")
        return body
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _required(body: dict[str, Any], *names: str) -> None:
    missing = [n for n in names if not isinstance(body.get(n), str) or not body.get(n)]
    if missing:
        raise InvalidInput.of([FieldProblem(n, "required", "is required") for n in missing])


@router.post("/token", response_model=TokenReply)
async def token(request: Request, system: System) -> TokenReply:
    body = await _form_or_json(request)
    _required(body, "grant_type", "client_id")
    if body["grant_type"] not in GRANTS:
        raise invalid("grant_type", f"supported here: {', '.join(GRANTS)}")
    if body["client_id"] != PUBLIC_CLIENT:
        raise invalid("client_id", f"unknown client; client applications use {PUBLIC_CLIENT}")
    return await run_in_threadpool(_grant, request, system, body)


def _grant(request: Request, system: QuorumSystem, body: dict[str, Any]) -> TokenReply:
    ip = client_ip(request)
    agent = user_agent_of(request)
    app_name = body.get("app_name") if isinstance(body.get("app_name"), str) else None
    if body["grant_type"] == "password":
        _required(body, "username", "password")
        actor = Actor(
            kind="user", name=body["username"][:256], ip=ip, app_name=app_name, user_agent=agent
        )
        with acting_as(actor):
            session = system.sign_in.sign_in(body["username"], body["password"], ip)
    else:
        _required(body, "refresh_token")
        try:
            claims = system.tokens.verify(body["refresh_token"])
        except InvalidToken:
            raise Unauthorized("the refresh token is invalid or has expired") from None
        if claims.kind != "refresh":
            raise invalid("refresh_token", "is not a refresh token")
        session = system.sign_in.refresh(claims.subject, claims.session_id)
    access = system.tokens.issue(
        session.user_id, "user", session.session_id, session.access_expires_at
    )
    refresh = None
    if session.refresh_expires_at is not None:
        refresh = system.tokens.issue(
            session.user_id, "refresh", session.session_id, session.refresh_expires_at
        )
    return TokenReply(
        access_token=access,
        expires_in=round((session.access_expires_at - now()).total_seconds()),
        refresh_token=refresh,
    )


@router.post("/revoke")
async def revoke(request: Request, system: System) -> dict[str, Any]:
    """Signs out the session of an access or refresh token (RFC 7009: always 200)."""
    body = await _form_or_json(request)
    _required(body, "token")
    await run_in_threadpool(_revoke, request, system, body["token"])
    return {}


def _revoke(request: Request, system: QuorumSystem, token: str) -> None:
    try:
        claims = system.tokens.verify(token)
    except InvalidToken:
        return
    if claims.kind in ("user", "refresh"):
        actor = Actor(kind="user", name=claims.subject, ip=client_ip(request))
        with acting_as(actor):
            system.sign_in.sign_out(claims.subject, claims.session_id)
