"""Conference IDs (guide §3.4, FEATURES ID-05..07): generated ones are digits only;
custom ones are Latin letters, digits, '_' and '-'. Unique without regard to case,
shown as given. Changeable before the start and while running."""

from __future__ import annotations

import re
import secrets

from domain.shared.errors import invalid

GENERATED_LENGTH = 10
"""Like the guide's samples (`0477158272`)."""
MAX_LENGTH = 64
"""The guide gives no limit; 64 like a user ID."""
_CID = re.compile(r"^[A-Za-z0-9_\-]+$")


def check_cid(value: object, field: str = "id") -> str:
    if not isinstance(value, str) or not value:
        raise invalid(field, "a conference ID is required", reason="required")
    if len(value) > MAX_LENGTH:
        raise invalid(field, f"must be at most {MAX_LENGTH} characters", reason="tooLong")
    if not _CID.match(value):
        raise invalid(field, "may contain only Latin letters, digits, '_' and '-' (§3.4)")
    return value


def generate_cid() -> str:
    """Ten random digits (§3.4: generated CIDs consist of digits)."""
    return "".join(secrets.choice("0123456789") for _ in range(GENERATED_LENGTH))


def same_cid(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def display_form(cid: str) -> str:
    """How clients and call strings show a conference (FEATURES ID-06)."""
    return f"\\c\\{cid}"
