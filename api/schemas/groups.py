"""Groups (API.md `groups`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.schemas.bodies import Body, CallString, documented, unset
from api.schemas.common import Reply
from domain.identity.group import ADDRESS_BOOK_MODES
from domain.identity.groups_service import MAX_NAME


class Group(Reply):
    id: str
    display_name: str
    builtin: bool
    source: str
    rights: Any


class GroupList(Reply):
    cnt: int
    groups: list[Group]


# -- request bodies (domain/identity/groups_service.py enforces each value rule) -------


class Rights(Body):
    """What members may do (§13.3.1); several groups: a right allowed by any one wins.
    At creation an omitted right is allowed (`operator` is not); an edit changes only
    the rights it gives."""

    addressbook_edit: bool = True
    p2p_calls: bool = True
    create_conferences: bool = True
    screen_sharing: bool = True
    remote_control: bool = True
    slideshow: bool = True
    file_send: bool = True
    file_download: bool = True
    recording: bool = True
    operator: bool = False


NAME = {"minLength": 1, "maxLength": MAX_NAME}


class GroupChange(Body):
    """Built-in and imported groups keep their names."""

    display_name: str = unset(**NAME)
    rights: Rights = unset()


class GroupCreate(Body):
    """`POST groups` (Registry mode; in LDAP mode groups are imported)."""

    display_name: str = documented(**NAME)
    rights: Rights = Field(default_factory=Rights)


class GroupImport(Body):
    dn: str = Field(description="the directory group's distinguished name")


class MemberAdd(Body):
    user_id: str


class AddressBookEntry(Body):
    id: str | None = Field(None, description="kept when given; generated otherwise")
    call_string: CallString
    display_name: str | None = Field(None, description="default: call_string")


class AddressBookChange(Body):
    """Who the members see, and manual entries (§13.3.5); each key given replaces it."""

    mode: str = unset(enum=list(ADDRESS_BOOK_MODES))
    groups: list[str] = unset(description="group IDs whose members are shown (mode groups)")
    entries: list[AddressBookEntry] = unset()
