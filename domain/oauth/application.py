"""OAuth 2.0 applications (guide §15.3, §15.4): name, redirect URL, permissions and a
hashed secret; the tokens issued to them and the authorization codes in flight.

Issued tokens are facts with their ID (the JWT's `jti`), never the token text; a token
is valid while its record here is, so revoking is one event that every API process
sees on its next read of the aggregate. Records of expired tokens and codes are dropped
when the next one is issued, so the state stays the size of the live tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.oauth import permissions as perms
from domain.oauth.codes import CodeRecord
from domain.shared.audited import AuditedAggregate
from domain.shared.changes import changes_between
from domain.shared.errors import invalid

MAX_NAME = 256
MAX_URI = 2000
SERVER = "server"
USER = "user"


def check_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid("name", "is required", reason="required")
    if len(value) > MAX_NAME:
        raise invalid("name", f"at most {MAX_NAME} characters", reason="tooLong")
    return value.strip()


def check_redirect_uri(value: object) -> str:
    """An absolute http(s) URL without a fragment (RFC 6749 §3.1.2); `https://localhost/`
    for applications that do not use the authorization-code grant (§15.3)."""
    if not isinstance(value, str) or not value:
        raise invalid("redirect_uri", "is required", reason="required")
    if len(value) > MAX_URI:
        raise invalid("redirect_uri", f"at most {MAX_URI} characters", reason="tooLong")
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.fragment:
        raise invalid("redirect_uri", "must be an absolute http(s) URL without a #fragment")
    return value


@dataclass
class OAuthApplication(AuditedAggregate):
    name: str
    redirect_uri: str
    permissions: list[str]
    secret_hash: str
    """argon2 hash of the client secret; the secret itself is shown once, never stored."""
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict, init=False)
    """Token ID -> grant, subject, scope, permissions, issued_at, expires_at,
    refresh_expires_at, parent, code_id, revoked."""
    codes: dict[str, dict[str, Any]] = field(default_factory=dict, init=False)
    """SHA-256 of a code -> `CodeRecord` fields."""
    deleted: bool = field(default=False, init=False)

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        name: str
        redirect_uri: str
        permissions: list[str]
        secret_hash: str

    class Edited(AuditedAggregate.Event):
        changes: list[dict[str, Any]]

    class SecretRegenerated(AuditedAggregate.Event):
        secret_hash: str

    class Deleted(AuditedAggregate.Event):
        pass

    class TokenIssued(AuditedAggregate.Event):
        token_id: str
        grant: str
        subject: str
        scope: str
        permissions: list[str]
        expires_at: str
        refresh_expires_at: str | None
        parent: str | None
        code_id: str | None
        issued_at: str

    class TokenRevoked(AuditedAggregate.Event):
        token_ids: list[str]
        """The token and those issued from it (refreshes, the same code)."""
        reason: str

    class CodeIssued(AuditedAggregate.Event):
        code_id: str
        user_id: str
        session_id: str
        redirect_uri: str
        permissions: list[str]
        expires_at: str
        issued_at: str

    class CodeRedeemed(AuditedAggregate.Event):
        code_id: str

    @property
    def client_id(self) -> str:
        return self.id.hex

    @staticmethod
    def id_of(client_id: str) -> UUID | None:
        try:
            return UUID(hex=client_id) if len(client_id) == 32 else None
        except ValueError:
            return None

    def edit(self, values: dict[str, Any]) -> list[dict[str, Any]]:
        current: dict[str, Any] = {
            "name": self.name,
            "redirect_uri": self.redirect_uri,
            "permissions": self.permissions,
        }
        changes = changes_between(current, values)
        if changes:
            self._edited(changes=changes)
        return changes

    @event(Edited)
    def _edited(self, changes: list[dict[str, Any]]) -> None:
        for change in changes:
            setattr(self, change["parameter"], change["new"])

    @event(SecretRegenerated)
    def regenerate_secret(self, secret_hash: str) -> None:
        self.secret_hash = secret_hash

    @event(Deleted)
    def delete(self) -> None:
        self.deleted = True
        self.tokens = {}
        self.codes = {}

    # -- tokens ------------------------------------------------------------------------

    def issue_token(
        self,
        token_id: str,
        grant: str,
        subject: str,
        scope: str,
        permissions: list[str],
        at: datetime,
        expires_at: datetime,
        refresh_expires_at: datetime | None = None,
        parent: str | None = None,
        code_id: str | None = None,
    ) -> None:
        self._token_issued(
            token_id=token_id,
            grant=grant,
            subject=subject,
            scope=scope,
            permissions=permissions,
            expires_at=expires_at.isoformat(),
            refresh_expires_at=refresh_expires_at.isoformat() if refresh_expires_at else None,
            parent=parent,
            code_id=code_id,
            issued_at=at.isoformat(),
        )

    @event(TokenIssued)
    def _token_issued(
        self,
        token_id: str,
        grant: str,
        subject: str,
        scope: str,
        permissions: list[str],
        expires_at: str,
        refresh_expires_at: str | None,
        parent: str | None,
        code_id: str | None,
        issued_at: str,
    ) -> None:
        at = issued_at
        self.tokens = {k: t for k, t in self.tokens.items() if _last_expiry(t) > at}
        self.codes = {k: c for k, c in self.codes.items() if c["expires_at"] > at}
        self.tokens[token_id] = {
            "grant": grant,
            "subject": subject,
            "scope": scope,
            "permissions": permissions,
            "issued_at": at,
            "expires_at": expires_at,
            "refresh_expires_at": refresh_expires_at,
            "parent": parent,
            "code_id": code_id,
            "revoked": False,
        }

    def revoke_token(self, token_id: str, reason: str = "revoked") -> list[str]:
        """Revoke a token and every token issued from it; the IDs revoked."""
        ids = [token_id, *self._issued_from(token_id)]
        ids = [i for i in ids if i in self.tokens and not self.tokens[i]["revoked"]]
        if ids:
            self._token_revoked(token_ids=ids, reason=reason)
        return ids

    def _issued_from(self, token_id: str) -> list[str]:
        found: list[str] = []
        frontier = [token_id]
        while frontier:
            parent = frontier.pop()
            children = [k for k, t in self.tokens.items() if t["parent"] == parent]
            found.extend(children)
            frontier.extend(children)
        return found

    @event(TokenRevoked)
    def _token_revoked(self, token_ids: list[str], reason: str) -> None:
        for token_id in token_ids:
            self.tokens[token_id]["revoked"] = True

    def token_valid(self, token_id: str, at: datetime, refresh: bool = False) -> bool:
        record = self.tokens.get(token_id)
        if self.deleted or record is None or record["revoked"]:
            return False
        expiry = record["refresh_expires_at"] if refresh else record["expires_at"]
        return expiry is not None and datetime.fromisoformat(expiry) > at

    def granted(self, token_permissions: list[str]) -> frozenset[str]:
        """A token's permissions as the application has them now (an edit narrowing the
        application's permissions narrows its tokens at once)."""
        return perms.expand(token_permissions) & perms.expand(self.permissions)

    # -- authorization codes -----------------------------------------------------------

    def issue_code(self, code: CodeRecord, code_id: str, at: datetime) -> None:
        self._code_issued(
            code_id=code_id,
            user_id=code.user_id,
            session_id=code.session_id,
            redirect_uri=code.redirect_uri,
            permissions=code.permissions,
            expires_at=code.expires_at,
            issued_at=at.isoformat(),
        )

    @event(CodeIssued)
    def _code_issued(
        self,
        code_id: str,
        user_id: str,
        session_id: str,
        redirect_uri: str,
        permissions: list[str],
        expires_at: str,
        issued_at: str,
    ) -> None:
        at = issued_at
        self.codes = {k: c for k, c in self.codes.items() if c["expires_at"] > at}
        self.codes[code_id] = {
            "user_id": user_id,
            "session_id": session_id,
            "redirect_uri": redirect_uri,
            "permissions": permissions,
            "expires_at": expires_at,
            "redeemed": False,
        }

    def code(self, code_id: str) -> CodeRecord | None:
        record = self.codes.get(code_id)
        return CodeRecord(**record) if record is not None else None

    @event(CodeRedeemed)
    def redeem_code(self, code_id: str) -> None:
        self.codes[code_id]["redeemed"] = True

    def tokens_of_code(self, code_id: str) -> list[str]:
        return [k for k, t in self.tokens.items() if t["code_id"] == code_id]


def _last_expiry(token: dict[str, Any]) -> str:
    return max(token["expires_at"], token["refresh_expires_at"] or "")


@dataclass
class ApplicationIndex(AuditedAggregate):
    """The IDs of the applications, in creation order: the list reads the applications
    themselves (authoritative, a handful per server) through this one aggregate."""

    client_ids: list[str] = field(default_factory=list, init=False)

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        pass

    class Added(AuditedAggregate.Event):
        client_id: str

    class Removed(AuditedAggregate.Event):
        client_id: str

    @staticmethod
    def create_id() -> UUID:
        return UUID("5d1f0c52-0a7e-4f3c-9a61-0a0a0a0a0a0a")

    @event(Added)
    def add(self, client_id: str) -> None:
        self.client_ids.append(client_id)

    @event(Removed)
    def remove(self, client_id: str) -> None:
        self.client_ids.remove(client_id)


@dataclass
class ClientRequests(AuditedAggregate):
    """Refused token requests of one client ID (known or not), for the Events report."""

    client_id: str

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        client_id: str

    @staticmethod
    def create_id(client_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/quorum/oauth-clients/{client_id}")

    class Refused(AuditedAggregate.Event):
        grant: str
        error: str
        reason: str

    @event(Refused)
    def refused(self, grant: str, error: str, reason: str) -> None:
        pass
