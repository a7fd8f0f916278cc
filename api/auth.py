"""Who is calling, and may they? Every route but the public ones (server status, sign-in,
the token endpoint, the authorize page, webinar registration) depends on one of
`reader`, `writer`, `own_account`, `signed_in` or `user_or_writer`. Routes open to OAuth
applications declare the permissions a token needs with `reading(...)`, `writing(...)`,
`signed_in_with(...)` or `writing_own(...)` (guide §15.2); who may call what is pinned by
tests/api/test_authorization_matrix.py."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Security, WebSocket
from fastapi.openapi.models import (
    OAuthFlowAuthorizationCode,
    OAuthFlowClientCredentials,
    OAuthFlowPassword,
    OAuthFlows,
)
from fastapi.security import OAuth2, SecurityScopes

from adapters.bootstrap import QuorumSystem
from adapters.tokens import InvalidToken, TokenClaims
from domain.oauth.application import OAuthApplication
from domain.oauth.permissions import PERMISSIONS
from domain.settings.model import ServerSettings
from domain.shared.actor import Actor
from domain.shared.errors import DomainError, Forbidden, Unauthorized

LOCALHOSTS = {"127.0.0.1", "::1", "localhost"}


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    """'admin' (may change anything), 'security' (read-only) or 'user' (a server user
    signed in through oauth2/token: their own account only)."""
    via: str
    """'session' (a sign-in), 'api_key' (guide §12.2) or 'localhost'."""
    session_id: str | None
    preferences: dict[str, Any]
    ip: str | None
    user_agent: str | None
    app_id: str | None = None
    """An OAuth application's token (`via` 'oauth_app'): the application's client ID."""
    app_name: str | None = None
    scope: str | None = None
    """'server' (client_credentials: acts as an administrator) or 'user' (acts as `name`)."""
    permissions: frozenset[str] | None = None
    """An application token's permissions, general ones expanded; None: not limited."""

    @property
    def actor(self) -> Actor:
        if self.via == "oauth_app":
            kind = "oauth_app" if self.scope == "server" else "user"
            return Actor(kind, self.name, self.ip, self.app_name, self.user_agent)
        kind = "api_key" if self.via == "api_key" else self.role
        return Actor(kind=kind, name=self.name, ip=self.ip, user_agent=self.user_agent)

    @property
    def is_admin(self) -> bool:
        return self.role in ("admin", "security")


def system_of(request: Request) -> QuorumSystem:
    system: QuorumSystem = request.app.state.system
    return system


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query_params.get("access_token") or None


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def user_agent_of(request: Request | WebSocket) -> str | None:
    return (request.headers.get("user-agent") or "")[:200] or None


def check_admin_address(settings: ServerSettings, ip: str | None) -> None:
    """Admin access only from allow-listed networks when the list is on (§12.2)."""
    security = settings.security
    if not security["admin_ip_allowlist_enabled"]:
        return
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        raise Forbidden("admin access is not allowed from this address") from None
    for network in security["admin_ip_allowlist"]:
        if address in ipaddress.ip_network(network):
            return
    raise Forbidden("admin access is not allowed from this address")


TOKEN_URL = "/api/v4/oauth2/token"


def _described(permission: str) -> str:
    """'users:read' → 'read users'; a general one ('users') reads and changes."""
    name, _, access = permission.partition(":")
    verb = {"read": "read", "write": "change"}.get(access, "read and change")
    return f"{verb} {name}"


SCOPES = {permission: _described(permission) for permission in PERMISSIONS}

OAUTH2 = OAuth2(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(tokenUrl=TOKEN_URL, scopes=SCOPES),
        password=OAuthFlowPassword(tokenUrl=TOKEN_URL, scopes=SCOPES),
        authorizationCode=OAuthFlowAuthorizationCode(
            authorizationUrl="/api/v4/oauth2/authorize",
            tokenUrl=TOKEN_URL,
            scopes=SCOPES,
        ),
    ),
    scheme_name="OAuth2",
    description=(
        "Bearer tokens: an OAuth application's (with the permissions each route lists), "
        "an administrator's from POST /admin/session, or the API secret key."
    ),
    auto_error=False,
)
"""Documents the bearer token in OpenAPI; `authenticated` reads the token itself (it also
accepts `?access_token=`)."""


def authenticated(
    request: Request, _documented: Annotated[str | None, Depends(OAUTH2)]
) -> Principal:
    note_caller(request, None)
    system = system_of(request)
    settings = system.settings.get()
    ip = client_ip(request)
    agent = user_agent_of(request)
    token = bearer_token(request)
    claims = _user_claims(system, token)
    if claims is not None and claims.kind == "app":
        return _application(request, system, claims, settings)
    if claims is not None:
        user = system.sign_in.authenticate(claims.subject, claims.session_id)
        return Principal(user.user_id, "user", "session", claims.session_id, {}, ip, agent)
    check_admin_address(settings, ip)
    if token is None:
        if settings.security["localhost_without_auth"] and ip in LOCALHOSTS:
            return Principal("localhost", "admin", "localhost", None, {}, ip, agent)
        raise Unauthorized("an access token is required (Authorization: Bearer <token>)")
    if settings.accepts_api_secret(token):
        return Principal("api_key", "admin", "api_key", None, {}, ip, agent)
    try:
        claims = system.tokens.verify(token)
    except InvalidToken:
        raise Unauthorized("the access token is invalid or has expired") from None
    if claims.kind != "admin":
        raise Unauthorized("this token is not valid here")
    account = system.admins.authenticate(claims.subject, claims.session_id)
    return Principal(
        account.name, account.role, "session", claims.session_id, account.preferences, ip, agent
    )


def _user_claims(system: QuorumSystem, token: str | None) -> TokenClaims | None:
    if token is None:
        return None
    try:
        claims = system.tokens.verify(token)
    except InvalidToken:
        return None
    return claims if claims.kind in ("user", "app") else None


def live_application(system: QuorumSystem, claims: TokenClaims) -> OAuthApplication:
    """The application whose access token `claims` are, while the token's record in it is
    live (read from the store, so a revocation in any process counts at once)."""
    if claims.kind != "app" or claims.app_id is None or claims.token_id is None:
        raise Unauthorized("the access token is invalid or has expired")
    try:
        return system.oauth.check_token(claims.app_id, claims.token_id)
    except DomainError:
        raise Unauthorized("the access token is revoked or has expired") from None


CALLER = "quorum.caller"
"""Request scope key `authenticated` fills for api/app_audit.py: None once it ran, the
Principal of an application token once it accepted one."""


def note_caller(request: Request, principal: Principal | None) -> None:
    request.scope[CALLER] = principal


def _application(
    request: Request, system: QuorumSystem, claims: TokenClaims, settings: ServerSettings
) -> Principal:
    """An OAuth application's access token (`live_application`). Which routes it may use
    is `permitted`'s rule."""
    app = live_application(system, claims)
    ip, agent = client_ip(request), user_agent_of(request)
    session_id: str | None = None
    if claims.scope == "server":
        check_admin_address(settings, ip)
        name, role = app.client_id, "admin"
    else:
        user = system.sign_in.authenticate(claims.subject, claims.session_id)
        name, role, session_id = user.user_id, "user", claims.session_id
    principal = Principal(
        name,
        role,
        "oauth_app",
        session_id,
        {},
        ip,
        agent,
        app_id=app.client_id,
        app_name=app.name,
        scope="server" if role == "admin" else "user",
        permissions=app.granted(list(claims.permissions or ())),
    )
    note_caller(request, principal)  # its calls go to the Events report (api/app_audit.py)
    return principal


def permitted(principal: Principal, security_scopes: SecurityScopes) -> None:
    """An OAuth application's token may use a route only when the route declares the
    permissions it needs (`Security(..., scopes=[...])`, guide §15.2) and the token has
    them all. Routes that declare none are closed to applications (least privilege)."""
    if principal.permissions is None:
        return
    if not security_scopes.scopes:
        raise Forbidden("this route is not open to OAuth applications")
    for permission in security_scopes.scopes:
        if permission not in principal.permissions:
            raise Forbidden(f"the application lacks the permission {permission!r}")


def reader(
    principal: Annotated[Principal, Depends(authenticated)], security_scopes: SecurityScopes
) -> Principal:
    """Reads: every administrator, security admins included."""
    if not principal.is_admin:
        raise Forbidden("this needs an administrator")
    permitted(principal, security_scopes)
    return principal


def writer(
    principal: Annotated[Principal, Depends(authenticated)], security_scopes: SecurityScopes
) -> Principal:
    """Changes to the server: full administrators only (security admins are read-only)."""
    if principal.role == "user":
        raise Forbidden("this needs an administrator")
    if principal.role != "admin":
        raise Forbidden("security administrators have read-only access")
    permitted(principal, security_scopes)
    return principal


def own_account(
    principal: Annotated[Principal, Depends(authenticated)], security_scopes: SecurityScopes
) -> Principal:
    """Changes to the caller's own admin account (log out, preferences): any admin."""
    if not principal.is_admin:
        raise Forbidden("this needs an administrator")
    permitted(principal, security_scopes)
    return principal


def signed_in(
    principal: Annotated[Principal, Depends(authenticated)], security_scopes: SecurityScopes
) -> Principal:
    """Any caller with a valid token; the route checks whose object it touches."""
    permitted(principal, security_scopes)
    return principal


def user_or_writer(
    principal: Annotated[Principal, Depends(authenticated)], security_scopes: SecurityScopes
) -> Principal:
    """Changes by a full administrator, or by a user to their own objects (the route
    checks whose, api/visibility.py); security admins are read-only."""
    if principal.role == "security":
        raise Forbidden("security administrators have read-only access")
    permitted(principal, security_scopes)
    return principal


def may_read_user(principal: Principal, user_id: str) -> None:
    if not principal.is_admin and principal.name != user_id.lower():
        raise Forbidden("a user may only read their own account")


def may_change_user(principal: Principal, user_id: str) -> None:
    if principal.role == "security":
        raise Forbidden("security administrators have read-only access")
    if principal.role == "user" and principal.name != user_id.lower():
        raise Forbidden("a user may only change their own account")


Reader = Annotated[Principal, Depends(reader)]
Writer = Annotated[Principal, Depends(writer)]
OwnAccount = Annotated[Principal, Depends(own_account)]
SignedIn = Annotated[Principal, Depends(signed_in)]
System = Annotated[QuorumSystem, Depends(system_of)]


def reading(*permissions: str) -> Any:
    """`Annotated[Principal, reading("users:read")]`: a reader, and the OAuth permissions
    an application's token needs on this route."""
    return Security(reader, scopes=list(permissions))


def writing(*permissions: str) -> Any:
    """`Annotated[Principal, writing("users:write")]`: a writer, and the OAuth permissions."""
    return Security(writer, scopes=list(permissions))


def signed_in_with(*permissions: str) -> Any:
    """Any signed-in caller (the route checks whose object it touches), and the OAuth
    permissions an application's token needs here."""
    return Security(signed_in, scopes=list(permissions))


def writing_own(*permissions: str) -> Any:
    """A full administrator, or a user changing their own objects (the route checks
    which), and the OAuth permissions an application's token needs here."""
    return Security(user_or_writer, scopes=list(permissions))
