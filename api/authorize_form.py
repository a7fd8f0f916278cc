"""The authorize page's anti-CSRF token (RFC 6749 §10.12, OWASP double-submit, signed).

GET /oauth2/authorize puts a random nonce in a cookie (HttpOnly, SameSite=Strict) and
a token in the form: an HMAC of the nonce, the form's request (client, redirect URL,
state, scope) and an expiry, keyed by a key derived from the server's token key. The
POST is honoured only when the token matches its own cookie and fields, so another site
can neither forge the form (it cannot read or set our cookie) nor reuse a token it
fetched itself (the token is bound to a nonce its victim's browser does not have)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from adapters.keystore import KeyStore
from adapters.tokens import SIGNING_KEY

AuthorizeParams = Mapping[str, str]
"""The authorize request's query or form fields (browsers send every value as text)."""

COOKIE = "quorum_authorize"
FIELD = "csrf_token"
VALIDITY = timedelta(minutes=30)
BOUND = ("response_type", "client_id", "redirect_uri", "state", "scope")
_NONCE = re.compile(r"[A-Za-z0-9_-]{32,64}")
HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'; default-src 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}
"""On every page of the flow: never framed (clickjacking), never cached, no referrer."""


def form_key(keystore: KeyStore) -> bytes:
    """Its own key, derived from the token key: a form token is never a JWT signature."""
    root = keystore.read_or_create(SIGNING_KEY).encode()
    return hmac.new(root, b"quorum oauth2/authorize form", hashlib.sha256).digest()


def nonce_of(cookie: str | None) -> str | None:
    return cookie if cookie is not None and _NONCE.fullmatch(cookie) else None


def new_nonce() -> str:
    return secrets.token_urlsafe(32)


def _mac(key: bytes, nonce: str, params: AuthorizeParams, expires: int) -> str:
    fields = [str(params.get(name) or "") for name in BOUND]
    message = "\x00".join([nonce, str(expires), *fields]).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def issue(key: bytes, nonce: str, params: AuthorizeParams, at: datetime) -> str:
    expires = int((at + VALIDITY).timestamp())
    return f"{expires}.{_mac(key, nonce, params, expires)}"


def valid(
    key: bytes, nonce: str | None, token: object, params: AuthorizeParams, at: datetime
) -> bool:
    if nonce is None or not isinstance(token, str):
        return False
    expires, _, mac = token.partition(".")
    if not expires.isdigit() or int(expires) < at.timestamp():
        return False
    return hmac.compare_digest(mac, _mac(key, nonce, params, int(expires)))
