"""Bearer tokens: JWTs signed (HS256, python-jose) with a key from the data dir."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jose import JWTError, jwt

from adapters.keystore import KeyStore

SIGNING_KEY = "jwt-signing-key"
ALGORITHM = "HS256"
ISSUER = "quorum"


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class TokenClaims:
    subject: str
    kind: str
    """'admin' (an administrator's session), 'user' and 'refresh' (the built-in client),
    'app' and 'app_refresh' (an OAuth application's access and refresh tokens)."""
    session_id: str
    expires_at: int
    token_id: str | None = None
    """`jti`: an application token's record in its application (never the token text)."""
    app_id: str | None = None
    scope: str | None = None
    """'server' or 'user' (an application token)."""
    permissions: tuple[str, ...] | None = None


class TokenIssuer:
    def __init__(self, keystore: KeyStore) -> None:
        self._key = keystore.read_or_create(SIGNING_KEY)

    def issue(
        self, subject: str, kind: str, session_id: str, expires_at: datetime, **extra: Any
    ) -> str:
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": subject,
            "kind": kind,
            "sid": session_id,
            "exp": int(expires_at.timestamp()),
            **extra,
        }
        return str(jwt.encode(claims, self._key, algorithm=ALGORITHM))

    def issue_app(
        self,
        kind: str,
        subject: str,
        session_id: str,
        expires_at: datetime,
        token_id: str,
        app_id: str,
        scope: str,
        permissions: list[str],
    ) -> str:
        """An OAuth application's access ('app') or refresh ('app_refresh') token."""
        return self.issue(
            subject,
            kind,
            session_id,
            expires_at,
            jti=token_id,
            app=app_id,
            scope=scope,
            perms=permissions,
        )

    def verify(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(token, self._key, algorithms=[ALGORITHM], issuer=ISSUER)
        except JWTError as e:
            raise InvalidToken(str(e)) from None
        try:
            perms = claims.get("perms")
            return TokenClaims(
                subject=str(claims["sub"]),
                kind=str(claims["kind"]),
                session_id=str(claims["sid"]),
                expires_at=int(claims["exp"]),
                token_id=_optional(claims.get("jti")),
                app_id=_optional(claims.get("app")),
                scope=_optional(claims.get("scope")),
                permissions=tuple(str(p) for p in perms) if isinstance(perms, list) else None,
            )
        except (KeyError, ValueError, TypeError) as e:
            raise InvalidToken(f"malformed token: {e}") from None


def _optional(value: object) -> str | None:
    return None if value is None else str(value)
