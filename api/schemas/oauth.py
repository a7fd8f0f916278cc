"""OAuth applications and their tokens (API.md `oauth2/applications`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from api.schemas.bodies import Body, documented, one_of, unset
from api.schemas.common import Reply
from api.schemas.errors import ErrorBody, OAuthErrorBody
from domain.oauth.application import MAX_NAME, MAX_URI
from domain.oauth.permissions import PERMISSIONS


class Application(Reply):
    id: str
    client_id: str
    name: str
    redirect_uri: str | None = None
    permissions: list[str]
    created_at: str
    updated_at: str


class ApplicationWithSecret(Application):
    """The secret appears in this reply only: Quorum keeps its hash."""

    secret: str
    client_secret: str


class ApplicationList(Reply):
    cnt: int
    applications: list[Application]


class Token(Reply):
    id: str
    grant: str
    subject: str | None = None
    scope: str
    permissions: list[str]
    issued_at: str
    expires_at: str
    refresh_expires_at: str | None = None
    parent: str | None = None
    revoked: bool
    active: bool


class TokenList(Reply):
    cnt: int
    tokens: list[Token]


class TokenRequest(BaseModel):
    """`POST oauth2/token`, as a form (RFC 6749) or as JSON; client credentials may come
    in HTTP Basic authentication instead."""

    grant_type: str = Field(
        description="password, client_credentials, authorization_code or refresh_token"
    )
    client_id: str | None = None
    client_secret: str | None = None
    username: str | None = None
    password: str | None = None
    code: str | None = None
    redirect_uri: str | None = None
    code_verifier: str | None = None
    refresh_token: str | None = None
    scope: str | None = None


def _token_body() -> dict[str, Any]:
    schema = TokenRequest.model_json_schema()
    return {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": schema},
            "application/json": {"schema": schema},
        },
    }


TOKEN_BODY: dict[str, Any] = {"requestBody": _token_body()}
"""`openapi_extra` of the token route, which reads its body itself (form or JSON)."""


def _refusal(description: str) -> dict[str, Any]:
    return {"model": ErrorBody | OAuthErrorBody, "description": description}


TOKEN_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _refusal("Refused: the API's error body (quorum-client) or RFC 6749's (applications)"),
    401: _refusal("The application's credentials are wrong (RFC 6749 invalid_client)"),
    429: _refusal("Too many token requests; `Retry-After` says when to try again"),
}


# -- request bodies (domain/oauth/oauth_service.py) -------------------------------------------

Permission = Annotated[str, one_of(PERMISSIONS)]
"""domain/oauth/permissions.py's PERMISSIONS (a test checks they stay the same)."""


REDIRECT_URI = {
    "maxLength": MAX_URI,
    "pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]+[^#]*$",
    "description": "an absolute http(s) URL without a #fragment; https://localhost/ for "
    "applications that do not use the authorization-code grant",
}
PERMISSIONS_DOC = "a general permission (users) stands for its :read and :write"


class ApplicationCreate(Body):
    """`POST oauth2/applications` (§15.3); the ID and the secret are generated."""

    name: str = documented(minLength=1, maxLength=MAX_NAME)
    redirect_uri: str = documented(**REDIRECT_URI)
    permissions: list[Permission] = documented([], uniqueItems=True, description=PERMISSIONS_DOC)


class ApplicationChange(Body):
    """`PATCH oauth2/applications/{id}`: name, redirect URL, permissions; the ID stays."""

    name: str = unset(minLength=1, maxLength=MAX_NAME)
    redirect_uri: str = unset(**REDIRECT_URI)
    permissions: list[Permission] = unset(uniqueItems=True, description=PERMISSIONS_DOC)
