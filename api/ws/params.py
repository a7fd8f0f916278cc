"""Reading a request frame's params into typed arguments."""

from __future__ import annotations

from typing import Any

from domain.shared.errors import invalid


def text(params: dict[str, Any], name: str, rule: str, reason: str = "invalid") -> str:
    """A non-empty string, else a 400 naming `name` with `rule`."""
    value = params.get(name)
    if not isinstance(value, str) or not value:
        raise invalid(name, rule, reason)
    return value


def optional_text(params: dict[str, Any], name: str, rule: str) -> str | None:
    """A string or absent (null), else a 400 naming `name` with `rule`."""
    value = params.get(name)
    if value is not None and not isinstance(value, str):
        raise invalid(name, rule)
    return value


def conference_id(params: dict[str, Any]) -> str:
    return text(params, "cid", "the conference ID (CID) is required", reason="required")
