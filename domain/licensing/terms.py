"""What a licence grants (guide §5, §9.1.1; FEATURES B, K): a count per connection
type, the extensions switched on, and an expiry date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain.shared.errors import DomainError, FieldProblem, InvalidInput
from domain.shared.validation import JsonObject

ONLINE = "online"
"""Authorised endpoints, one per device (§5.1)."""
PRO = "pro"
"""Users taking part in group conferences, one per account (§5.2)."""
GUEST = "guest"
"""Guests in public conferences (§5.4)."""
GATEWAY = "gateway"
"""SIP/H.323/RTSP participants (§5.3)."""
POOLS = (ONLINE, PRO, GUEST, GATEWAY)

EXTENSIONS = (
    "public_conferences",
    "federation",
    "interpretation",
    "streaming",
    "multicast",
    "dlp",
    "directory",
    "license_manager",
    "border_controller",
    "sdk",
    "ldap",
    "sip_gateway",
)
FREE_EXTENSIONS = ("public_conferences", "ldap", "sip_gateway")
"""Free with every edition (§5 table): LDAP, the gateway and webinars (their
connections still need licences); a loaded licence that omits `extensions` has
these, one that lists them has exactly those listed (EXT-09 can switch webinars off)."""
EDITIONS = ("free", "trial", "annual", "lifetime")

Terms = dict[str, Any]
"""{"edition", "online", "pro", "guest", "gateway", "extensions": [...], "expires_at"}."""

FREE: Terms = {
    "edition": "free",
    ONLINE: 12,
    PRO: 12,
    GUEST: 1,
    GATEWAY: 1,
    "extensions": list(FREE_EXTENSIONS),
    "expires_at": None,
}
"""A server nobody has registered yet: TrueConf Server Free's 1 guest and 1 gateway
connection (§4.1, §4.3); the guide gives no online/PRO figure beyond "free for up to
12 users" (§7.1, FEATURES EXT-05), so 12 of each."""

MAX_COUNT = 1_000_000


class LicenceUnavailable(DomainError):
    """No licence of the kind needed is free, or the extension is not licensed."""


def check_terms(body: JsonObject) -> Terms:
    """A whole licence as an admin loads it; every bad field is named."""
    problems: list[FieldProblem] = []
    terms: Terms = {}
    known = {"edition", *POOLS, "extensions", "expires_at"}
    for name in body:
        if name not in known:
            problems.append(FieldProblem(name, "invalid", "unknown licence field"))
    edition = body.get("edition", "annual")
    if edition not in EDITIONS:
        problems.append(FieldProblem("edition", "invalid", f"one of {', '.join(EDITIONS)}"))
    terms["edition"] = edition
    for pool in POOLS:
        value = body.get(pool)
        if value is None:
            problems.append(FieldProblem(pool, "required", "a count of licences is needed"))
        elif isinstance(value, bool) or not isinstance(value, int):
            problems.append(FieldProblem(pool, "invalid", "must be a whole number"))
        elif not 0 <= value <= MAX_COUNT:
            problems.append(FieldProblem(pool, "invalid", f"must be from 0 to {MAX_COUNT}"))
        terms[pool] = value
    given = body.get("extensions", list(FREE_EXTENSIONS))
    extensions = [e for e in given if isinstance(e, str)] if isinstance(given, list) else []
    if not isinstance(given, list) or len(extensions) != len(given):
        problems.append(FieldProblem("extensions", "invalid", "must be a list of names"))
    else:
        unknown = sorted(set(extensions) - set(EXTENSIONS))
        if unknown:
            problems.append(
                FieldProblem("extensions", "invalid", f"unknown extension(s): {', '.join(unknown)}")
            )
        terms["extensions"] = sorted(set(extensions))
    terms["expires_at"] = _expiry(body.get("expires_at"), problems)
    if problems:
        raise InvalidInput.of(problems)
    return terms


def _expiry(value: Any, problems: list[FieldProblem]) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            pass
    problems.append(FieldProblem("expires_at", "invalid", "a date (YYYY-MM-DD) or null"))
    return None


def is_expired(terms: Terms, at: datetime) -> bool:
    expiry = terms.get("expires_at")
    return expiry is not None and at.date() > date.fromisoformat(expiry)


def unavailable(field: str, message: str) -> LicenceUnavailable:
    return LicenceUnavailable(message, [FieldProblem(field, "licenceUnavailable", message)])
