"""User IDs (guide §2.2, §13.2 item 3): Latin letters, digits, '_', '-', '.'; fixed at
creation; compared without regard to case and kept in lower case."""

from __future__ import annotations

import re

from domain.shared.errors import invalid

MAX_LENGTH = 64
_USER_ID = re.compile(r"^[A-Za-z0-9_.\-]+$")


def check_user_id(value: object, field: str = "id") -> str:
    if not isinstance(value, str) or not value:
        raise invalid(field, "is required", reason="required")
    if len(value) > MAX_LENGTH:
        raise invalid(field, f"must be at most {MAX_LENGTH} characters", reason="tooLong")
    if not _USER_ID.match(value):
        raise invalid(field, "may contain only Latin letters, digits, '_', '-' and '.'")
    return value.lower()


def uid(user_id: str, server_name: str) -> str:
    """The TrueConf-style ID `<user_id>@<server_name>` (§2.2; not an e-mail address)."""
    return f"{user_id}@{server_name}"
