"""Conference PINs (guide §14.3.1 item 5, §14.4.6.1 items 2-3; FEATURES CONF-C-06,
Z-12). Enabling a PIN generates one of six digits (like the guide's `453861`); an admin
may set another. Digits only, so that SIP/H.323 endpoints can dial
`00<conf_id>,<pin>@<server>`. Not allowed while webinar registration is on (REGN-08)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from domain.shared.errors import invalid

GENERATED_LENGTH = 6
MAX_LENGTH = 16
_PIN = re.compile(r"^[0-9]+$")

PinGenerator = Callable[[], str]


def generate_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(GENERATED_LENGTH))


def check_pin(
    value: Any, current: str | None, generate: PinGenerator, field: str = "pin"
) -> str | None:
    """`null` or `false` removes the PIN, `true` asks for one (keeping the current PIN,
    else generating one), a string of digits sets it."""
    if value is None or value is False:
        return None
    if value is True:
        return current or generate()
    if not isinstance(value, str) or not value:
        raise invalid(field, "must be a PIN of digits, true to generate one, or null")
    if len(value) > MAX_LENGTH:
        raise invalid(field, f"must be at most {MAX_LENGTH} digits", reason="tooLong")
    if not _PIN.match(value):
        raise invalid(field, "may contain only digits")
    return value
