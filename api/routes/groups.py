"""Groups (guide §13.3): rights, members, bandwidth limits, address book."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Query

from api.auth import Principal, reading, writing
from api.dependencies.identity import DirectoryQuery, DirectoryView, Groups, Users, UserStorage
from api.routes.users import user_view
from api.schemas.groups import (
    AddressBookChange,
    Group,
    GroupChange,
    GroupCreate,
    GroupImport,
    GroupList,
    MemberAdd,
)
from api.schemas.settings import Section
from api.schemas.users import BandwidthLimits, User, UserList
from domain.identity.groups_service import AddressBook, GroupFields, NewGroup
from domain.identity.rights import BandwidthLimits as Limits
from domain.shared.actor import acting_as
from domain.shared.errors import NotFound, invalid
from projections import directory
from projections.directory import GroupRow
from projections.report_paging import MAX_PAGE_SIZE

router = APIRouter(prefix="/groups", tags=["groups"])


def group_view(row: GroupRow) -> dict[str, Any]:
    return {
        "id": row.group_id,
        "display_name": row.display_name,
        "builtin": row.builtin,
        "source": row.source,
        "rights": row.rights,
    }


def _row(view: DirectoryView, group_id: str) -> GroupRow:
    row = directory.get_group(view.fresh(), group_id)
    if row is None:
        raise NotFound(f"no group {group_id!r}")
    return row


@router.get("", response_model=GroupList)
def list_groups(
    _: Annotated[Principal, reading("groups:read")], view: DirectoryQuery
) -> dict[str, Any]:
    rows = directory.list_groups(view.fresh(), view.source())
    return {"cnt": len(rows), "groups": [group_view(r) for r in rows]}


@router.post("", status_code=201, response_model=Group)
def create_group(
    body: GroupCreate,
    principal: Annotated[Principal, writing("groups:write")],
    groups: Groups,
    view: DirectoryQuery,
) -> dict[str, Any]:
    with acting_as(principal.actor):
        group = groups.create(cast(NewGroup, body.given()))
    return group_view(_row(view, group.group_id))


@router.post("/import", status_code=201, response_model=Group)
def import_group(
    body: GroupImport,
    principal: Annotated[Principal, writing("groups:write")],
    storage: UserStorage,
    view: DirectoryQuery,
) -> dict[str, Any]:
    """Import a directory group by its DN (LDAP mode, §13.3.2); its rights and
    address book are then set here, its members come from the directory."""
    with acting_as(principal.actor):
        group = storage.import_group(body.dn)
    return group_view(_row(view, group.group_id))


@router.get("/{group_id}", response_model=Group)
def get_group(
    group_id: str, _: Annotated[Principal, reading("groups:read")], view: DirectoryQuery
) -> dict[str, Any]:
    return group_view(_row(view, group_id))


@router.patch("/{group_id}", response_model=Group)
def edit_group(
    group_id: str,
    body: GroupChange,
    principal: Annotated[Principal, writing("groups:write")],
    groups: Groups,
    view: DirectoryQuery,
) -> dict[str, Any]:
    with acting_as(principal.actor):
        groups.edit(group_id, cast(GroupFields, body.given()))
    return group_view(_row(view, group_id))


@router.delete("/{group_id}", status_code=204)
def delete_group(
    group_id: str, principal: Annotated[Principal, writing("groups:write")], groups: Groups
) -> None:
    """The group goes; its members' accounts stay (§13.3.4)."""
    with acting_as(principal.actor):
        groups.delete(group_id)


@router.get("/{group_id}/users", response_model=UserList)
def group_members(
    group_id: str,
    _: Annotated[Principal, reading("groups:read")],
    view: DirectoryQuery,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> dict[str, Any]:
    _row(view, group_id)
    engine = view.fresh()
    total, rows = directory.list_users(
        engine, view.source(), {}, None, page, page_size, group_id=group_id
    )
    return {"cnt": total, "users": [user_view(engine, view.server_name, r) for r in rows]}


@router.post("/{group_id}/users", status_code=201, response_model=User)
def add_member(
    group_id: str,
    body: MemberAdd,
    principal: Annotated[Principal, writing("groups:write")],
    users: Users,
    view: DirectoryQuery,
) -> dict[str, Any]:
    if group_id == "@no_group":
        raise invalid("group_id", "@no_group holds the users who are in no other group")
    with acting_as(principal.actor):
        user = users.add_to_group(body.user_id, group_id)
    engine = view.fresh()
    row = directory.get_user(engine, user.user_id, user.source)
    assert row is not None
    return user_view(engine, view.server_name, row)


@router.delete("/{group_id}/users/{user_id}", status_code=204)
def remove_member(
    group_id: str,
    user_id: str,
    principal: Annotated[Principal, writing("groups:write")],
    users: Users,
) -> None:
    with acting_as(principal.actor):
        users.remove_from_group(user_id, group_id)


@router.get("/{group_id}/addressbook", response_model=Section)
def get_group_address_book(
    group_id: str, _: Annotated[Principal, reading("groups:read")], view: DirectoryQuery
) -> dict[str, Any]:
    return dict(_row(view, group_id).address_book)


@router.patch("/{group_id}/addressbook", response_model=Section)
def change_group_address_book(
    group_id: str,
    body: AddressBookChange,
    principal: Annotated[Principal, writing("groups:write")],
    groups: Groups,
    view: DirectoryQuery,
) -> dict[str, Any]:
    """Who the members see (all users, chosen groups, no one) and manual entries
    (§13.3.5); a PATCH replaces only the keys it gives."""
    current = dict(_row(view, group_id).address_book)
    book = cast(AddressBook, {**current, **body.given()})
    with acting_as(principal.actor):
        groups.change_address_book(group_id, book)
    return dict(_row(view, group_id).address_book)


@router.get("/{group_id}/app-settings", response_model=Section)
def get_group_app_settings(
    group_id: str, _: Annotated[Principal, reading("groups:read")], view: DirectoryQuery
) -> dict[str, Any]:
    return dict(_row(view, group_id).app_settings)


@router.patch("/{group_id}/app-settings", response_model=Section)
def change_group_app_settings(
    group_id: str,
    body: BandwidthLimits,
    principal: Annotated[Principal, writing("groups:write")],
    groups: Groups,
    view: DirectoryQuery,
) -> dict[str, Any]:
    limits = cast(Limits, body.given())
    with acting_as(principal.actor):
        groups.change_app_settings(group_id, limits)
    return dict(_row(view, group_id).app_settings)
