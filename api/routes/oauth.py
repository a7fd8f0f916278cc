"""`oauth2/token` (guide §15.1): the built-in public client `quorum-client` (password and
refresh_token grants, the API's error body) and registered OAuth applications
(client_credentials, password, authorization_code, refresh_token; RFC 6749 error bodies);
`oauth2/revoke`; the authorization-code flow's login page is in `oauth_authorize`."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from adapters.bootstrap import QuorumSystem
from adapters.tokens import InvalidToken
from api.auth import System, client_ip, user_agent_of
from api.errors import error_response
from api.schemas.common import Empty
from api.schemas.oauth import TOKEN_BODY, TOKEN_ERRORS
from domain.identity.sign_in_service import AccountLocked
from domain.oauth import permissions as perms
from domain.oauth.application import OAuthApplication
from domain.oauth.oauth_service import IssuedToken, OAuthRefused
from domain.shared.actor import Actor, acting_as
from domain.shared.clock import now
from domain.shared.errors import (
    DomainError,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthorized,
    invalid,
)

router = APIRouter(prefix="/oauth2", tags=["oauth2"])

PUBLIC_CLIENT = "quorum-client"
"""The built-in public client of client applications and the personal area."""
GRANTS = ("password", "refresh_token")
APP_GRANTS = ("client_credentials", "password", "authorization_code", "refresh_token")


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


def _basic_credentials(request: Request) -> dict[str, str]:
    """client_id and client_secret from HTTP Basic authentication (RFC 6749 §2.3.1)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return {}
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return {}
    client_id, sep, secret = decoded.partition(":")
    return {"client_id": unquote(client_id), "client_secret": unquote(secret)} if sep else {}


def oauth_error(refused: OAuthRefused, headers: dict[str, str] | None = None) -> JSONResponse:
    """RFC 6749 §5.2's body, plus the API's `errors` list naming the field."""
    problem = {"reason": refused.error, "message": refused.message}
    if refused.field:
        problem |= {"locationType": "parameter", "location": refused.field}
    body = {
        "error": refused.error,
        "error_description": refused.message,
        "code": refused.status,
        "errors": [problem],
    }
    if refused.status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Basic realm="oauth2"'}
    return JSONResponse(body, refused.status, headers=headers)


@router.post("/token", response_model=TokenReply, responses=TOKEN_ERRORS, openapi_extra=TOKEN_BODY)
async def token(request: Request, system: System) -> Any:
    ip = client_ip(request) or "-"
    wait = system.token_limits.per_ip.take(ip)
    body = {**await _form_or_json(request), **_basic_credentials(request)}
    client_id = body.get("client_id")
    if client_id in (None, "", PUBLIC_CLIENT):
        if wait is not None:
            return _too_many(wait, None)
        _required(body, "grant_type", "client_id")
        if body["grant_type"] not in GRANTS:
            raise invalid("grant_type", f"supported here: {', '.join(GRANTS)}")
        return await run_in_threadpool(_grant, request, system, body)
    if wait is None:
        wait = system.token_limits.per_client.take(str(client_id)[:256])
    if wait is not None:
        refused = OAuthRefused("too_many_requests", "too many token requests; slow down", 429)
        return _too_many(wait, refused)
    try:
        return await run_in_threadpool(_app_grant, request, system, body)
    except OAuthRefused as refused:
        await run_in_threadpool(_record, request, system, body, refused)
        return oauth_error(refused)
    except InvalidInput as e:
        field = e.problems[0].field if e.problems else ""
        bad_request = OAuthRefused("invalid_request", e.message, 400, field)
        await run_in_threadpool(_record, request, system, body, bad_request)
        return oauth_error(bad_request)
    except (Unauthorized, Forbidden, AccountLocked) as e:
        # A refused sign-in: the user's Events row (login, result 1) names the application.
        return oauth_error(OAuthRefused("invalid_grant", e.message, 400, "username"))


original_token_url = APIRouter(tags=["oauth2"])
"""The original product's token URL at the server's root, `/oauth2/v1/token`, which its
API v4 scripts call: the same endpoint as `/api/v4/oauth2/token`."""
original_token_url.add_api_route(
    "/oauth2/v1/token",
    token,
    methods=["POST"],
    response_model=TokenReply,
    responses=TOKEN_ERRORS,
    openapi_extra=TOKEN_BODY,
    summary="Token (the original product's URL)",
)


def _too_many(wait: float, refused: OAuthRefused | None) -> JSONResponse:
    headers = {"Retry-After": str(max(1, round(wait + 0.5)))}
    if refused is not None:
        return oauth_error(refused, headers)
    message = "too many token requests; slow down"
    return error_response(429, message, reason="rateLimitExceeded", headers=headers)


def _record(request: Request, system: QuorumSystem, body: dict[str, Any], refused: Any) -> None:
    client_id = body.get("client_id")
    app = system.oauth.find(client_id)
    name = client_id[:256] if isinstance(client_id, str) else "-"
    actor = Actor(
        "oauth_app", name, client_ip(request), app.name if app else None, user_agent_of(request)
    )
    with acting_as(actor):
        system.oauth.record_refusal(client_id, body.get("grant_type"), refused)


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


# -- registered applications ------------------------------------------------------------


def _app_grant(request: Request, system: QuorumSystem, body: dict[str, Any]) -> TokenReply:
    grant = body.get("grant_type")
    if not isinstance(grant, str) or not grant:
        raise OAuthRefused("invalid_request", "grant_type is required", field="grant_type")
    app = system.oauth.authenticate_client(body.get("client_id"), body.get("client_secret"))
    if grant not in APP_GRANTS:
        message = f"supported grants: {', '.join(APP_GRANTS)}"
        raise OAuthRefused("unsupported_grant_type", message, field="grant_type")
    ip, agent = client_ip(request), user_agent_of(request)
    as_app = Actor("oauth_app", app.client_id, ip, app.name, agent)
    if grant == "client_credentials":
        scope = _scope(body, app)
        with acting_as(as_app):
            issued = system.oauth.issue(app.client_id, grant, app.client_id, "server", scope)
    elif grant == "password":
        _required(body, "username", "password")
        scope = _scope(body, app)
        with acting_as(Actor("user", body["username"][:256], ip, app.name, agent)):
            session = system.sign_in.sign_in(body["username"], body["password"], ip)
            issued = system.oauth.issue(
                app.client_id, grant, session.user_id, "user", scope, session.session_id
            )
    elif grant == "authorization_code":
        with acting_as(as_app):
            issued = system.oauth.redeem_code(
                app.client_id, body.get("code"), body.get("redirect_uri")
            )
    else:
        issued = _refresh(system, app, body, as_app)
    return _reply(system, issued)


def _scope(body: dict[str, Any], app: OAuthApplication) -> list[str]:
    try:
        return perms.requested(body.get("scope"), app.permissions)
    except InvalidInput as e:
        raise OAuthRefused("invalid_scope", e.message, field="scope") from None


def _refresh(
    system: QuorumSystem, app: OAuthApplication, body: dict[str, Any], actor: Actor
) -> IssuedToken:
    """24 h of access, no new refresh token, the original token's scope (§15.1)."""
    token = body.get("refresh_token")
    if not isinstance(token, str) or not token:
        raise OAuthRefused("invalid_request", "refresh_token is required", field="refresh_token")
    try:
        claims = system.tokens.verify(token)
    except InvalidToken:
        raise OAuthRefused(
            "invalid_grant", "the refresh token is invalid or has expired", field="refresh_token"
        ) from None
    if claims.kind != "app_refresh" or claims.app_id != app.client_id or not claims.token_id:
        message = "not a refresh token of this application"
        raise OAuthRefused("invalid_grant", message, field="refresh_token")
    record = system.oauth.refresh_of(app.client_id, claims.token_id)
    if record["scope"] == "user":
        try:
            system.sign_in.authenticate(claims.subject, claims.session_id)
        except Unauthorized:
            message = "the user's session has ended"
            raise OAuthRefused("invalid_grant", message, field="refresh_token") from None
    with acting_as(Actor(actor.kind, claims.subject, actor.ip, app.name, actor.user_agent)):
        return system.oauth.issue(
            app.client_id,
            "refresh_token",
            claims.subject,
            record["scope"],
            record["permissions"],
            claims.session_id,
            parent=claims.token_id,
        )


def _reply(system: QuorumSystem, issued: IssuedToken) -> TokenReply:
    app_id = issued.application.client_id

    def sign(kind: str, expires_at: Any) -> str:
        return system.tokens.issue_app(
            kind, issued.subject, issued.session_id, expires_at, issued.token_id, app_id,
            issued.scope, issued.permissions,
        )  # fmt: skip

    refresh = None
    if issued.refresh_expires_at is not None:
        refresh = sign("app_refresh", issued.refresh_expires_at)
    return TokenReply(
        access_token=sign("app", issued.expires_at),
        expires_in=round((issued.expires_at - now()).total_seconds()),
        refresh_token=refresh,
        scope=" ".join(issued.permissions),
    )


# -- revocation ---------------------------------------------------------------------------


@router.post("/revoke", response_model=Empty)
async def revoke(request: Request, system: System) -> dict[str, Any]:
    """Ends the session or application token of an access or refresh token (RFC 7009:
    always 200)."""
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
    elif claims.kind in ("app", "app_refresh") and claims.app_id and claims.token_id:
        actor = Actor("oauth_app", claims.app_id, client_ip(request), None, user_agent_of(request))
        with acting_as(actor):
            try:
                system.oauth.revoke(claims.app_id, claims.token_id)
            except (NotFound, DomainError):
                return
