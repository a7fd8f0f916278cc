"""Call strings (guide §10.2.2, §13.2.4, FEATURES ID-11): what an address-book entry
or an alias points at."""

from __future__ import annotations

import re
from typing import Any

from domain.shared.errors import FieldProblem, InvalidInput

PREFIXES = ("#sip:", "#h323:", "#tel:", "#mailto:", "#rtsp:", "\\c\\")
_USER = re.compile(r"^[A-Za-z0-9_.\-]+(@[A-Za-z0-9_.\-#]+)?$")
MAX_LENGTH = 256


def check_call_string(value: Any, field: str = "call_string") -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput.of([FieldProblem(field, "required", "a call string is required")])
    value = value.strip()
    if len(value) > MAX_LENGTH:
        raise InvalidInput.of(
            [FieldProblem(field, "tooLong", f"must be at most {MAX_LENGTH} characters")]
        )
    if value.startswith(PREFIXES) or _USER.match(value):
        return value
    raise InvalidInput.of(
        [
            FieldProblem(
                field,
                "invalid",
                "must be a user ID (user or user@server), a conference (\\c\\CID) or "
                "#sip:, #h323:, #tel:, #mailto:, #rtsp: followed by an address",
            )
        ]
    )


def is_local_user(call_string: str) -> bool:
    return bool(_USER.match(call_string)) and "@" not in call_string
