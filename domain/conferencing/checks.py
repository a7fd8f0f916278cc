"""Shape checks for JSON values: each returns the value to keep or raises InvalidInput
naming the (dotted) field, e.g. `schedule.days` or `invitations.2.id`."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from domain.shared.errors import FieldProblem, InvalidInput, invalid

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_UNIX_TIME = 253402300799
"""31 Dec 9999 23:59:59 UTC."""


def boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise invalid(field, "must be true or false")
    return value


def whole(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise invalid(field, f"must be a whole number from {low} to {high}")
    return value


def unix_time(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_UNIX_TIME:
        raise invalid(field, "must be a time in Unix seconds")
    return value


def text(value: Any, field: str, max_length: int, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise invalid(field, "must be a string")
    value = value.strip()
    if required and not value:
        raise invalid(field, "is required", reason="required")
    if len(value) > max_length:
        raise invalid(field, f"must be at most {max_length} characters", reason="tooLong")
    return value


def one_of(value: Any, field: str, choices: Collection[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise invalid(field, f"must be one of: {', '.join(choices)}")
    return value


def email(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _EMAIL.match(value.strip()) or len(value) > 256:
        raise invalid(field, "is not an e-mail address")
    return value.strip()


def obj(value: Any, field: str, allowed: Collection[str]) -> Mapping[str, Any]:
    """A JSON object whose keys are all among `allowed`."""
    if not isinstance(value, dict):
        raise invalid(field, f"must be an object with {', '.join(allowed)}")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise InvalidInput.of(
            [FieldProblem(f"{field}.{name}", "invalid", "unknown field") for name in unknown]
        )
    return value


def array(value: Any, field: str, max_items: int) -> list[Any]:
    if not isinstance(value, list):
        raise invalid(field, "must be a list")
    if len(value) > max_items:
        raise invalid(field, f"must have at most {max_items} items", reason="tooLong")
    return value
