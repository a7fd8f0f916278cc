"""Typed arguments read from a frame's params: the sessions use cases take typed values,
so a frame's JSON is checked here, each bad one refused naming its field."""

from __future__ import annotations

from typing import Any

from domain.shared.errors import invalid


def cid(params: dict[str, Any]) -> str:
    value = params.get("cid")
    if not isinstance(value, str) or not value:
        raise invalid("cid", "the conference ID (CID) is required", reason="required")
    return value


def participant_id(params: dict[str, Any]) -> str:
    """As given: an ID that names no participant is the session's NotFound."""
    return str(params.get("participant_id"))


def flag(params: dict[str, Any], name: str, field: str | None = None) -> bool:
    """`params[name]`, true or false; a bad one is refused as `field` (default: name)."""
    value = params.get(name)
    if not isinstance(value, bool):
        raise invalid(field or name, "must be true or false")
    return value


def optional_flag(params: dict[str, Any], name: str) -> bool | None:
    """None: absent or null (unchanged)."""
    return None if params.get(name) is None else flag(params, name)


def pin_change(params: dict[str, Any]) -> str | bool | None:
    """A new PIN (digits), true to require one, null or false for none."""
    value = params.get("pin")
    if value is not None and not isinstance(value, str | bool):
        raise invalid("pin", "must be a PIN of digits, true to generate one, or null")
    return value


def typed_pin(params: dict[str, Any]) -> str | None:
    """The PIN a joiner typed (a number is read as its digits)."""
    value = params.get("pin")
    return None if value is None else str(value)


def call_list(params: dict[str, Any], name: str) -> list[str]:
    """User IDs or call strings to call in."""
    value = params.get(name)
    if not isinstance(value, list) or not value:
        raise invalid(name, "a non-empty list of user IDs or call strings")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise invalid(f"{name}.{i}", "a user ID or a call string")
    return value
