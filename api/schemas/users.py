"""Users (API.md `users`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from api.schemas.common import EMAIL, Body, CallString, Reply, omitted


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


# -- request bodies (domain/identity/users_service.py) ----------------------------------

Profile = Annotated[str | None, Field(max_length=256)]


class UserChange(Body):
    """`PATCH users/{user_id}`: the fields to change; null clears a profile field. A user
    editing their own account may change the profile and password only."""

    email: Profile = Field(None, pattern=rf"^$|{EMAIL}", description="an e-mail address")
    display_name: Profile = Field(None, description="default: first and last name, or the ID")
    first_name: Profile = None
    last_name: Profile = None
    company: Profile = None
    mobile_phone: Profile = None
    work_phone: Profile = None
    home_phone: Profile = None
    sip_number: Profile = None
    password: str = omitted(min_length=1, description="checked against the password policy")
    groups: list[str] = Field([], description="group IDs; none: the user is in @no_group")
    is_active: bool = True


class UserCreate(UserChange):
    """`POST users` (Registry mode): `id` is fixed at creation (§13.2 item 3)."""

    id: str = Field(max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$", description="kept in lower case")
    password: str = Field(min_length=1, description="checked against the password policy")


class BandwidthLimits(Body):
    """Incoming and outgoing limits in kbit/s (§13.2.3); null: no own limit."""

    max_inbound_kbps: Annotated[int, Field(ge=16, le=100_000)] | None = None
    max_outbound_kbps: Annotated[int, Field(ge=16, le=100_000)] | None = None


class ContactCreate(Body):
    """A personal address-book entry (§13.2.4)."""

    call_string: CallString
    display_name: str | None = Field(None, max_length=256, description="default: call_string")
