"""Groups (guide §13.3): rights, members, bandwidth limits, address book."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from adapters.bootstrap import QuorumSystem
from api.auth import Principal, System, reading, writing
from api.routes.users import user_view
from api.schemas.common import documented_body
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
from domain.shared.actor import acting_as
from domain.shared.errors import NotFound, invalid
from projections import directory
from projections.directory import GroupRow
from projections.report_query import MAX_PAGE_SIZE

router = APIRouter(prefix="/groups", tags=["groups"])


def group_view(row: GroupRow) -> dict[str, Any]:
    return {
        "id": row.group_id,
        "display_name": row.display_name,
        "builtin": row.builtin,
        "source": row.source,
        "rights": row.rights,
    }


def _row(system: QuorumSystem, group_id: str) -> GroupRow:
    system.fresh("directory")
    row = directory.get_group(system.sql_engine, group_id)
    if row is None:
        raise NotFound(f"no group {group_id!r}")
    return row


@router.get("", response_model=GroupList)
def list_groups(_: Annotated[Principal, reading("groups:read")], system: System) -> dict[str, Any]:
    system.fresh("directory")
    rows = directory.list_groups(system.sql_engine, system.users.source())
    return {"cnt": len(rows), "groups": [group_view(r) for r in rows]}


@router.post("", status_code=201, response_model=Group, openapi_extra=documented_body(GroupCreate))
def create_group(
    body: dict[str, Any], principal: Annotated[Principal, writing("groups:write")], system: System
) -> dict[str, Any]:
    with acting_as(principal.actor):
        group = system.groups.create(body)
    return group_view(_row(system, group.group_id))


@router.post(
    "/import", status_code=201, response_model=Group, openapi_extra=documented_body(GroupImport)
)
def import_group(
    body: dict[str, Any], principal: Annotated[Principal, writing("groups:write")], system: System
) -> dict[str, Any]:
    """Import a directory group by its DN (LDAP mode, §13.3.2); its rights and
    address book are then set here, its members come from the directory."""
    if set(body) != {"dn"}:
        raise invalid("dn", 'give {"dn": ...}', reason="required")
    with acting_as(principal.actor):
        group = system.storage.import_group(body["dn"])
    return group_view(_row(system, group.group_id))


@router.get("/{group_id}", response_model=Group)
def get_group(
    group_id: str, _: Annotated[Principal, reading("groups:read")], system: System
) -> dict[str, Any]:
    return group_view(_row(system, group_id))


@router.patch(
    "/{group_id}",
    response_model=Group,
    openapi_extra=documented_body(GroupChange, partial=True),
)
def edit_group(
    group_id: str,
    body: dict[str, Any],
    principal: Annotated[Principal, writing("groups:write")],
    system: System,
) -> dict[str, Any]:
    with acting_as(principal.actor):
        system.groups.edit(group_id, body)
    return group_view(_row(system, group_id))


@router.delete("/{group_id}", status_code=204)
def delete_group(
    group_id: str, principal: Annotated[Principal, writing("groups:write")], system: System
) -> None:
    """The group goes; its members' accounts stay (§13.3.4)."""
    with acting_as(principal.actor):
        system.groups.delete(group_id)


@router.get("/{group_id}/users", response_model=UserList)
def group_members(
    group_id: str,
    _: Annotated[Principal, reading("groups:read")],
    system: System,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> dict[str, Any]:
    _row(system, group_id)
    total, rows = directory.list_users(
        system.sql_engine, system.users.source(), {}, None, page, page_size, group_id=group_id
    )
    return {"cnt": total, "users": [user_view(system, r) for r in rows]}


@router.post(
    "/{group_id}/users",
    status_code=201,
    response_model=User,
    openapi_extra=documented_body(MemberAdd),
)
def add_member(
    group_id: str,
    body: dict[str, Any],
    principal: Annotated[Principal, writing("groups:write")],
    system: System,
) -> dict[str, Any]:
    if set(body) != {"user_id"} or not isinstance(body["user_id"], str):
        raise invalid("user_id", 'give {"user_id": ...}', reason="required")
    if group_id == "@no_group":
        raise invalid("group_id", "@no_group holds the users who are in no other group")
    with acting_as(principal.actor):
        user = system.users.add_to_group(body["user_id"], group_id)
    system.fresh("directory")
    row = directory.get_user(system.sql_engine, user.user_id, user.source)
    assert row is not None
    return user_view(system, row)


@router.delete("/{group_id}/users/{user_id}", status_code=204)
def remove_member(
    group_id: str,
    user_id: str,
    principal: Annotated[Principal, writing("groups:write")],
    system: System,
) -> None:
    with acting_as(principal.actor):
        system.users.remove_from_group(user_id, group_id)


@router.get("/{group_id}/addressbook", response_model=Section)
def get_group_address_book(
    group_id: str, _: Annotated[Principal, reading("groups:read")], system: System
) -> dict[str, Any]:
    return dict(_row(system, group_id).address_book)


@router.patch(
    "/{group_id}/addressbook",
    response_model=Section,
    openapi_extra=documented_body(AddressBookChange, partial=True),
)
def change_group_address_book(
    group_id: str,
    body: dict[str, Any],
    principal: Annotated[Principal, writing("groups:write")],
    system: System,
) -> dict[str, Any]:
    """Who the members see (all users, chosen groups, no one) and manual entries
    (§13.3.5); a PATCH replaces only the keys it gives."""
    current = dict(_row(system, group_id).address_book)
    with acting_as(principal.actor):
        system.groups.change_address_book(group_id, {**current, **body})
    return dict(_row(system, group_id).address_book)


@router.get("/{group_id}/app-settings", response_model=Section)
def get_group_app_settings(
    group_id: str, _: Annotated[Principal, reading("groups:read")], system: System
) -> dict[str, Any]:
    return dict(_row(system, group_id).app_settings)


@router.patch(
    "/{group_id}/app-settings",
    response_model=Section,
    openapi_extra=documented_body(BandwidthLimits, partial=True),
)
def change_group_app_settings(
    group_id: str,
    body: dict[str, Any],
    principal: Annotated[Principal, writing("groups:write")],
    system: System,
) -> dict[str, Any]:
    with acting_as(principal.actor):
        system.groups.change_app_settings(group_id, body)
    return dict(_row(system, group_id).app_settings)
