"""Licences (API.md `license`): the bodies an administrator loads or changes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from api.schemas.bodies import Body, documented, one_of, unset
from domain.licensing.terms import EDITIONS, EXTENSIONS, MAX_COUNT

Extension = Annotated[str, one_of(EXTENSIONS)]

Count = Annotated[int, documented(minimum=0, maximum=MAX_COUNT, description="licences")]
"""domain/licensing/terms.py `check_terms` enforces the range (and every other value)."""


class LicenceLoad(Body):
    """`PUT license`: a whole licence (§5, §9.1.1); fewer PRO licences than are in use
    redistributes them at once."""

    edition: str = documented("annual", enum=list(EDITIONS))
    online: Count
    pro: Count
    guest: Count
    gateway: Count
    extensions: list[Extension] = Field(
        ["public_conferences", "ldap", "sip_gateway"],
        description="omitted: the free extensions; given: exactly those listed",
    )
    expires_at: str | None = Field(
        None, json_schema_extra={"format": "date"}, description="a date (YYYY-MM-DD); null: never"
    )


class ProSettings(Body):
    """`PUT license/pro` (§9.1.2): only the keys given change."""

    groups: list[str] = unset(
        description="group IDs whose members get permanent licences, by priority"
    )
    allow_request: bool = unset(description="users may ask for a PRO licence")
    show_info: bool = unset(description="users see their licence information")
