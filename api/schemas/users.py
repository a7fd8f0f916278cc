"""Users (API.md `users`)."""

from __future__ import annotations

from typing import Any

from api.schemas.bodies import EMAIL, Body, CallString, Located, documented, unset
from api.schemas.common import Reply
from domain.identity.ids import MAX_LENGTH as ID_LENGTH
from domain.identity.rights import BANDWIDTH_KBPS
from domain.identity.users_service import MAX_FIELD


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


# -- request bodies (domain/identity/users_service.py enforces each value rule) --------


class _Profile(Body):
    """The profile fields; null clears one."""

    email: str | None = unset(
        maxLength=MAX_FIELD, pattern=rf"^$|{EMAIL}", description="an e-mail address"
    )
    display_name: str | None = unset(
        maxLength=MAX_FIELD, description="default: first and last name, or the ID"
    )
    first_name: str | None = unset(maxLength=MAX_FIELD)
    last_name: str | None = unset(maxLength=MAX_FIELD)
    company: str | None = unset(maxLength=MAX_FIELD)
    mobile_phone: str | None = unset(maxLength=MAX_FIELD)
    work_phone: str | None = unset(maxLength=MAX_FIELD)
    home_phone: str | None = unset(maxLength=MAX_FIELD)
    sip_number: str | None = unset(maxLength=MAX_FIELD)


class UserChange(_Profile):
    """`PATCH users/{user_id}`: the fields to change; null clears a profile field. A user
    editing their own account may change the profile and password only."""

    password: str = unset(minLength=1, description="checked against the password policy")
    groups: list[str] = unset(description="group IDs; none: the user is in @no_group")
    is_active: bool = unset()


class UserCreate(_Profile):
    """`POST users` (Registry mode): `id` is fixed at creation (§13.2 item 3)."""

    id: str = documented(
        maxLength=ID_LENGTH, pattern=r"^[A-Za-z0-9_.\-]+$", description="kept in lower case"
    )
    password: str = documented(minLength=1, description="checked against the password policy")
    groups: list[str] = documented([], description="group IDs; none: the user is in @no_group")
    is_active: bool = True


KBPS = {"minimum": BANDWIDTH_KBPS[0], "maximum": BANDWIDTH_KBPS[1]}


class BandwidthLimits(Located):
    """Incoming and outgoing limits in kbit/s (§13.2.3); null: no own limit."""

    location = "app_settings"

    max_inbound_kbps: int | None = unset(**KBPS)
    max_outbound_kbps: int | None = unset(**KBPS)


class ContactCreate(Body):
    """A personal address-book entry (§13.2.4)."""

    call_string: CallString
    display_name: str | None = documented(
        None, maxLength=MAX_FIELD, description="default: call_string"
    )
