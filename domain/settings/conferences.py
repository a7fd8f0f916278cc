"""The Conferences settings section (guide §14.7.1, §14.7.3): automatic deletion of old
conferences (`domain.conferencing.auto_delete` applies it) and the default ways of
joining per access type (`domain.conferencing.connection` applies them).

`DEFAULTS` and `RULES` are written for `domain.settings.rules.Section`."""

from __future__ import annotations

from typing import Any

from domain.shared.validation import Rule

JOIN_METHODS = ("client_apps", "webrtc", "qr_code", "sip_h323")
MIN_DAYS, MAX_DAYS = 1, 10_000

AUTO_DELETE_DEFAULTS: dict[str, Any] = {
    "delete_one_time_enabled": False,
    "delete_one_time_after_days": 30,
    "delete_virtual_rooms_enabled": False,
    "delete_virtual_rooms_after_days": 365,
}


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_DAYS <= value <= MAX_DAYS:
        raise ValueError(f"must be a whole number of days from {MIN_DAYS} to {MAX_DAYS}")
    return value


AUTO_DELETE_RULES: dict[str, Rule] = {
    "delete_one_time_enabled": _flag,
    "delete_one_time_after_days": _days,
    "delete_virtual_rooms_enabled": _flag,
    "delete_virtual_rooms_after_days": _days,
}


def ordered_join_methods(methods: list[Any]) -> list[str]:
    """`methods` in the order of JOIN_METHODS; ValueError if one is unknown or twice."""
    for method in methods:
        if method not in JOIN_METHODS:
            raise ValueError(f"{method!r} is not one of: {', '.join(JOIN_METHODS)}")
    if len(set(methods)) != len(methods):
        raise ValueError("lists a way to join twice")
    return [m for m in JOIN_METHODS if m in methods]


def join_methods(value: Any) -> list[str]:
    """Ways of joining conferences by default (§14.7.3); one list per access type."""
    if not isinstance(value, list) or not value:
        raise ValueError(f"must be a non-empty list of {', '.join(JOIN_METHODS)}")
    return ordered_join_methods(value)


DEFAULTS: dict[str, Any] = {
    **AUTO_DELETE_DEFAULTS,
    "private_join_methods": list(JOIN_METHODS),
    "public_join_methods": list(JOIN_METHODS),
}

RULES: dict[str, Rule] = {
    **AUTO_DELETE_RULES,
    "private_join_methods": join_methods,
    "public_join_methods": join_methods,
}
