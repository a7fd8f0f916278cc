"""Users (API.md `users`)."""

from __future__ import annotations

from typing import Any

from api.schemas.common import Reply


class GroupRef(Reply):
    id: str
    display_name: str


class User(Reply):
    id: str
    uid: str
    login_name: str
    email: str | None = None
    display_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    groups: list[GroupRef]
    mobile_phone: str | None = None
    work_phone: str | None = None
    home_phone: str | None = None
    sip_number: str | None = None
    is_active: bool
    status: int
    locked_until: str | None = None


class UserDetail(User):
    rights: Any = None
    app_settings: dict[str, Any] | None = None


class UserList(Reply):
    cnt: int
    users: list[User]


class AppSettings(Reply):
    """The user's own client settings and those in force once their groups' apply."""

    own: dict[str, Any]
    effective: dict[str, Any]


class Disconnected(Reply):
    ended_sessions: int


class Contact(Reply):
    """A personal address-book entry."""

    id: str | None = None
    call_string: str
    display_name: str | None = None
