"""Use cases on OAuth applications (guide §15): create, edit, delete, regenerate the
secret; issue, list and revoke tokens; issue and redeem authorization codes."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Required, TypedDict

from domain.oauth import permissions as perms
from domain.oauth.application import (
    USER,
    ApplicationIndex,
    ClientRequests,
    OAuthApplication,
    check_name,
    check_redirect_uri,
)
from domain.oauth.codes import (
    CODE_VALIDITY,
    CodeRecord,
    CodeRefused,
    check_redeemable,
    code_id,
    new_code,
)
from domain.shared.application import QuorumStore, find, with_retries
from domain.shared.clock import now
from domain.shared.errors import DomainError, NotFound, invalid
from domain.shared.passwords import PasswordHasher

ACCESS_VALIDITY = timedelta(hours=1)
REFRESH_VALIDITY = timedelta(days=7)
REFRESHED_ACCESS_VALIDITY = timedelta(hours=24)
"""§15.1: client_credentials 1 h; password and authorization_code 1 h + refresh 7 days;
refresh_token 24 h and no new refresh token."""

EDIT_RULES: dict[str, Callable[[Any], Any]] = {
    "name": check_name,
    "redirect_uri": check_redirect_uri,
    "permissions": perms.checked,
}


class ApplicationFields(TypedDict, total=False):
    """What an administrator sets on an application (EDIT_RULES checks each)."""

    name: str
    redirect_uri: str
    permissions: list[str]


class NewApplication(TypedDict, total=False):
    name: Required[str]
    redirect_uri: Required[str]
    permissions: list[str]


class OAuthRefused(DomainError):
    """A token request refused with an RFC 6749 §5.2 error code."""

    def __init__(self, error: str, description: str, status: int = 400, field: str = "") -> None:
        super().__init__(description)
        self.error = error
        self.status = status
        self.field = field


@dataclass(frozen=True)
class IssuedToken:
    token_id: str
    application: OAuthApplication
    subject: str
    scope: str
    permissions: list[str]
    session_id: str
    expires_at: datetime
    refresh_expires_at: datetime | None


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class OAuthService:
    def __init__(self, store: QuorumStore, hasher: PasswordHasher) -> None:
        self.store = store
        self.hasher = hasher

    # -- applications ------------------------------------------------------------------

    def create(self, body: NewApplication) -> tuple[OAuthApplication, str]:
        """The new application and its secret (shown once: only its hash is kept)."""
        name = check_name(body["name"])
        redirect_uri = check_redirect_uri(body["redirect_uri"])
        permissions = perms.checked(body.get("permissions", []))
        secret = new_secret()
        secret_hash = self.hasher.hash(secret)

        def attempt() -> OAuthApplication:
            app = OAuthApplication(
                name=name,
                redirect_uri=redirect_uri,
                permissions=permissions,
                secret_hash=secret_hash,
            )
            index = self._index()
            index.add(app.client_id)
            self.store.save(app, index)
            return app

        return with_retries(attempt), secret

    def find(self, client_id: object) -> OAuthApplication | None:
        if not isinstance(client_id, str):
            return None
        app_id = OAuthApplication.id_of(client_id)
        app = find(self.store, app_id, OAuthApplication) if app_id is not None else None
        return app if app is not None and not app.deleted else None

    def get(self, client_id: str) -> OAuthApplication:
        app = self.find(client_id)
        if app is None:
            raise NotFound(f"no OAuth application {client_id!r}")
        return app

    def all(self) -> list[OAuthApplication]:
        index = find(self.store, ApplicationIndex.create_id(), ApplicationIndex)
        ids = index.client_ids if index is not None else []
        return [app for app in (self.find(i) for i in ids) if app is not None]

    def edit(self, client_id: str, patch: ApplicationFields) -> tuple[OAuthApplication, list[Any]]:
        unknown = set(patch) - set(EDIT_RULES)
        if unknown:  # the ID, say: fixed at creation
            raise invalid(sorted(unknown)[0], "unknown field")
        values = {name: EDIT_RULES[name](value) for name, value in patch.items()}

        def attempt() -> tuple[OAuthApplication, list[Any]]:
            app = self.get(client_id)
            changes = app.edit(values)
            if changes:
                self.store.save(app)
            return app, changes

        return with_retries(attempt)

    def delete(self, client_id: str) -> None:
        def attempt() -> None:
            app = self.get(client_id)
            app.delete()
            index = self._index()
            if client_id in index.client_ids:
                index.remove(client_id)
            self.store.save(app, index)

        with_retries(attempt)

    def regenerate_secret(self, client_id: str) -> str:
        """A new secret; the old one obtains nothing more, issued tokens stay (§15.4)."""
        self.get(client_id)
        secret = new_secret()
        secret_hash = self.hasher.hash(secret)

        def attempt() -> None:
            app = self.get(client_id)
            app.regenerate_secret(secret_hash)
            self.store.save(app)

        with_retries(attempt)
        return secret

    def _index(self) -> ApplicationIndex:
        index = find(self.store, ApplicationIndex.create_id(), ApplicationIndex)
        return index if index is not None else ApplicationIndex()

    # -- clients and tokens --------------------------------------------------------------

    def authenticate_client(self, client_id: object, secret: object) -> OAuthApplication:
        app = self.find(client_id)
        if app is None:
            raise OAuthRefused("invalid_client", "unknown client", 401, "client_id")
        if not isinstance(secret, str) or not secret:
            raise OAuthRefused("invalid_client", "client_secret is required", 401, "client_secret")
        if not self.hasher.verify(app.secret_hash, secret):
            raise OAuthRefused("invalid_client", "wrong client secret", 401, "client_secret")
        return app

    def issue(
        self,
        client_id: str,
        grant: str,
        subject: str,
        scope: str,
        permissions: list[str],
        session_id: str = "",
        parent: str | None = None,
    ) -> IssuedToken:
        at = now()
        with_refresh = grant in ("password", "authorization_code")
        validity = REFRESHED_ACCESS_VALIDITY if grant == "refresh_token" else ACCESS_VALIDITY
        token_id = secrets.token_hex(16)
        refresh_expires_at = at + REFRESH_VALIDITY if with_refresh else None

        def attempt() -> OAuthApplication:
            app = self.get(client_id)
            app.issue_token(
                token_id,
                grant,
                subject,
                scope,
                permissions,
                at,
                at + validity,
                refresh_expires_at,
                parent,
            )
            self.store.save(app)
            return app

        app = with_retries(attempt)
        return IssuedToken(
            token_id,
            app,
            subject,
            scope,
            permissions,
            session_id,
            at + validity,
            refresh_expires_at,
        )

    def refresh_of(self, client_id: str, token_id: str) -> dict[str, Any]:
        """The record of a refresh token that may still be used."""
        app = self.get(client_id)
        if not app.token_valid(token_id, now(), refresh=True):
            raise OAuthRefused("invalid_grant", "the refresh token is revoked or has expired")
        return app.tokens[token_id]

    def revoke(self, client_id: str, token_id: str) -> list[str]:
        def attempt() -> list[str]:
            app = self.get(client_id)
            if token_id not in app.tokens:
                raise NotFound(f"no token {token_id!r} of this application")
            revoked = app.revoke_token(token_id)
            if revoked:
                self.store.save(app)
            return revoked

        return with_retries(attempt)

    def check_token(self, client_id: str, token_id: str) -> OAuthApplication:
        """The application of a live access token (authoritative: read from the store)."""
        app = self.find(client_id)
        if app is None or not app.token_valid(token_id, now()):
            raise OAuthRefused("invalid_token", "the access token is revoked or has expired", 401)
        return app

    def record_refusal(self, client_id: object, grant: object, refusal: OAuthRefused) -> None:
        name = client_id[:256] if isinstance(client_id, str) and client_id else "-"
        grant_name = grant[:64] if isinstance(grant, str) else "-"

        def attempt() -> None:
            log = find(self.store, ClientRequests.create_id(name), ClientRequests)
            if log is None:
                log = ClientRequests(client_id=name)
            log.refused(grant=grant_name, error=refusal.error, reason=refusal.message[:200])
            self.store.save(log)

        with_retries(attempt)

    # -- authorization codes -----------------------------------------------------------

    def issue_code(
        self, client_id: str, user_id: str, session_id: str, redirect_uri: str, scope: list[str]
    ) -> str:
        code = new_code()
        at = now()
        record = CodeRecord(
            user_id, session_id, redirect_uri, scope, (at + CODE_VALIDITY).isoformat()
        )

        def attempt() -> None:
            app = self.get(client_id)
            app.issue_code(record, code_id(code), at)
            self.store.save(app)

        with_retries(attempt)
        return code

    def redeem_code(self, client_id: str, code: object, redirect_uri: object) -> IssuedToken:
        """Tokens for a code, once; a second use revokes what the first one obtained."""
        if not isinstance(code, str) or not code:
            raise OAuthRefused("invalid_request", "code is required", field="code")
        key = code_id(code)
        at = now()
        token_id = secrets.token_hex(16)
        outcome: list[IssuedToken | OAuthRefused] = []

        def attempt() -> None:
            outcome.clear()
            app = self.get(client_id)
            try:
                record = check_redeemable(app.code(key), redirect_uri, at)
            except CodeRefused as refused:
                outcome.append(_code_refusal(refused.reason))
                if refused.reason == "reused":
                    for issued in app.tokens_of_code(key):
                        app.revoke_token(issued, reason="code_reused")
                    self.store.save(app)
                return
            app.redeem_code(key)
            expires_at, refresh_expires_at = at + ACCESS_VALIDITY, at + REFRESH_VALIDITY
            app.issue_token(
                token_id,
                "authorization_code",
                record.user_id,
                USER,
                record.permissions,
                at,
                expires_at,
                refresh_expires_at,
                code_id=key,
            )
            self.store.save(app)
            outcome.append(
                IssuedToken(
                    token_id,
                    app,
                    record.user_id,
                    USER,
                    record.permissions,
                    record.session_id,
                    expires_at,
                    refresh_expires_at,
                )
            )

        with_retries(attempt)
        result = outcome[0]
        if isinstance(result, OAuthRefused):
            raise result
        return result


def _code_refusal(reason: str) -> OAuthRefused:
    if reason == "redirect_uri":
        return OAuthRefused(
            "invalid_grant",
            "redirect_uri differs from the authorization request",
            field="redirect_uri",
        )
    messages = {
        "unknown": "unknown authorization code",
        "expired": "the authorization code has expired",
        "reused": "the authorization code was already used; its tokens are revoked",
    }
    return OAuthRefused("invalid_grant", messages[reason], field="code")
