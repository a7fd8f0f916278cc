"""Authorization codes (RFC 6749 §4.1, guide §15.1): short-lived and single-use. Only a
code's SHA-256 is ever stored or put in an event; a code used twice revokes the tokens
issued from it (RFC 6749 §4.1.2)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

CODE_VALIDITY = timedelta(seconds=60)


def new_code() -> str:
    return secrets.token_urlsafe(32)


def code_id(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


@dataclass
class CodeRecord:
    user_id: str
    session_id: str
    redirect_uri: str
    permissions: list[str]
    expires_at: str
    """ISO 8601 (UTC)."""
    redeemed: bool = False


class CodeRefused(Exception):
    """Why a code buys no token: 'unknown', 'expired', 'reused' or 'redirect_uri'."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_redeemable(record: CodeRecord | None, redirect_uri: object, at: datetime) -> CodeRecord:
    """The code's record if it may be exchanged now for tokens, else `CodeRefused`."""
    if record is None:
        raise CodeRefused("unknown")
    if record.redeemed:
        raise CodeRefused("reused")
    if datetime.fromisoformat(record.expires_at) <= at:
        raise CodeRefused("expired")
    if redirect_uri != record.redirect_uri:
        raise CodeRefused("redirect_uri")
    return record
