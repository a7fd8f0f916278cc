"""Aliases (API.md `aliases`); their replies are in api/schemas/conferences.py."""

from __future__ import annotations

from api.schemas.bodies import Body, CallString, documented
from domain.identity.alias import ALIAS_PATTERN, MAX_LENGTH


class AliasCreate(Body):
    """A short name (Latin letters and digits) standing for a call string (§13.4)."""

    alias: str = documented(maxLength=MAX_LENGTH, pattern=ALIAS_PATTERN)
    call_string: CallString
