"""Groups (API.md `groups`)."""

from __future__ import annotations

from typing import Any

from api.schemas.common import Reply


class Group(Reply):
    id: str
    display_name: str
    builtin: bool
    source: str
    rights: Any


class GroupList(Reply):
    cnt: int
    groups: list[Group]
