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
    """'admin' for administrator sessions (more kinds arrive with OAuth)."""
    session_id: str
    expires_at: int


class TokenIssuer:
    def __init__(self, keystore: KeyStore) -> None:
        self._key = keystore.read_or_create(SIGNING_KEY)

    def issue(self, subject: str, kind: str, session_id: str, expires_at: datetime) -> str:
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": subject,
            "kind": kind,
            "sid": session_id,
            "exp": int(expires_at.timestamp()),
        }
        return str(jwt.encode(claims, self._key, algorithm=ALGORITHM))

    def verify(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(token, self._key, algorithms=[ALGORITHM], issuer=ISSUER)
        except JWTError as e:
            raise InvalidToken(str(e)) from None
        try:
            return TokenClaims(
                subject=str(claims["sub"]),
                kind=str(claims["kind"]),
                session_id=str(claims["sid"]),
                expires_at=int(claims["exp"]),
            )
        except (KeyError, ValueError) as e:
            raise InvalidToken(f"malformed token: {e}") from None
