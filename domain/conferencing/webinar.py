"""Restrictions for webinar guests (guide §14.4.7; FEATURES CONF-WEB-01/02, Z-23):
`guest_permissions: {send_messages, send_audio, send_video}` (all allowed, as in the
guide's screenshot) and `guests_limit: null | 1..50` (null: until the licence's guest
pool runs out; the effective cap is the smaller of the two). Public conferences only."""

from __future__ import annotations

from typing import Any

from domain.conferencing.checks import boolean, obj, whole

PERMISSIONS = ("send_messages", "send_audio", "send_video")
DEFAULT_GUEST_PERMISSIONS = dict.fromkeys(PERMISSIONS, True)
MAX_GUESTS_LIMIT = 50


def check_guest_permissions(
    value: Any, current: dict[str, Any], field: str = "guest_permissions"
) -> dict[str, bool]:
    body = obj(value, field, PERMISSIONS)
    merged = {**current, **body}
    return {name: boolean(merged[name], f"{field}.{name}") for name in PERMISSIONS}


def check_guests_limit(value: Any, field: str = "guests_limit") -> int | None:
    return None if value is None else whole(value, field, 1, MAX_GUESTS_LIMIT)


def effective_guests_limit(guests_limit: int | None, free_guest_licences: int) -> int:
    return free_guest_licences if guests_limit is None else min(guests_limit, free_guest_licences)
