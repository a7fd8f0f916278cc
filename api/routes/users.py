"""User accounts (guide §13.1, §13.2): list, search, create, edit, delete, disconnect,
unlock, bandwidth, address book, CSV export."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import Engine

from api.auth import (
    Principal,
    System,
    may_change_user,
    may_read_user,
    reading,
    signed_in_with,
    writing,
)
from api.csv_export import ViewerFormat, csv_response
from api.dependencies.identity import DirectoryQuery, DirectoryView, Groups, Users
from api.report_routes import Order, Paging, answer
from api.schemas.common import CsvFile, Listing
from api.schemas.reports import UserCallsPage
from api.schemas.users import (
    AppSettings,
    BandwidthLimits,
    Contact,
    ContactCreate,
    Disconnected,
    UserChange,
    UserCreate,
    UserDetail,
    UserList,
)
from domain.identity.groups_service import GroupsService
from domain.identity.ids import uid
from domain.identity.rights import BandwidthLimits as Limits
from domain.identity.rights import effective_bandwidth, effective_rights
from domain.identity.users_service import NewContact, NewUser, UserFields, UsersService
from domain.shared.actor import acting_as
from domain.shared.errors import Forbidden, NotFound, invalid
from projections import directory
from projections.call_history import CALLS_REPORT
from projections.directory import UserRow
from projections.report_paging import MAX_PAGE_SIZE

router = APIRouter(prefix="/users", tags=["users"])

EXPORT_COLUMNS = (
    "id",
    "uid",
    "display_name",
    "first_name",
    "last_name",
    "email",
    "company",
    "groups",
    "mobile_phone",
    "work_phone",
    "home_phone",
    "sip_number",
    "is_active",
)
USERS_CSV = ViewerFormat(timezone="UTC", encoding="utf-8", delimiter=";")
"""§13.1: the user list exports in UTF-8 with ';', whatever the admin's preferences."""


def user_view(engine: Engine, server_name: str, row: UserRow) -> dict[str, Any]:
    groups = directory.groups_of(engine, row.user_id, row.source)
    return {
        "id": row.user_id,
        "uid": uid(row.user_id, server_name),
        "login_name": row.user_id,
        "email": row.email,
        "display_name": row.display_name,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "company": row.company,
        "groups": [{"id": g.group_id, "display_name": g.display_name} for g in groups],
        "mobile_phone": row.mobile_phone,
        "work_phone": row.work_phone,
        "home_phone": row.home_phone,
        "sip_number": row.sip_number,
        "is_active": row.is_active,
        "status": row.status if row.is_active else -2,
        "locked_until": row.locked_until.isoformat() if row.locked_until else None,
    }


def _row(view: DirectoryView, user_id: str) -> tuple[Engine, UserRow]:
    engine = view.fresh()
    row = directory.get_user(engine, user_id, view.source())
    if row is None:
        raise NotFound(f"no user {user_id!r}")
    return engine, row


def _detail(view: DirectoryView, user_id: str) -> dict[str, Any]:
    engine, row = _row(view, user_id)
    groups = directory.groups_of(engine, row.user_id, row.source)
    return {
        **user_view(engine, view.server_name, row),
        "rights": effective_rights(g.rights for g in groups),
        "app_settings": {
            "own": row.app_settings,
            "effective": effective_bandwidth(row.app_settings, [g.app_settings for g in groups]),
        },
    }


@router.get("", response_model=UserList)
def list_users(
    _: Annotated[Principal, reading("users:read")],
    view: DirectoryQuery,
    login_name: str | None = None,
    display_name: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    search: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    sort_field: str = "user_id",
    sort_order: Annotated[int, Query(ge=0, le=1)] = 0,
) -> dict[str, Any]:
    sort_field = "user_id" if sort_field in ("id", "login_name") else sort_field
    if sort_field not in directory.USER_SORTABLE:
        raise invalid("sort_field", f"sort by one of {', '.join(directory.USER_SORTABLE)}")
    engine = view.fresh()
    filters = {
        "login_name": login_name,
        "display_name": display_name,
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
    }
    total, rows = directory.list_users(
        engine,
        view.source(),
        filters,
        search,
        page,
        page_size,
        sort_field,
        sort_order == 1,
    )
    return {"cnt": total, "users": [user_view(engine, view.server_name, r) for r in rows]}


@router.post("", status_code=201, response_model=UserDetail)
def create_user(
    body: UserCreate,
    principal: Annotated[Principal, writing("users:write")],
    users: Users,
    view: DirectoryQuery,
) -> dict[str, Any]:
    with acting_as(principal.actor):
        user = users.create(cast(NewUser, body.given()))
    return _detail(view, user.user_id)


@router.get("/export", response_model=None, response_class=CsvFile)
def export_users(_: Annotated[Principal, reading("users:read")], view: DirectoryQuery) -> Response:
    engine = view.fresh()
    __, rows = directory.list_users(engine, view.source(), {}, None, 1, 10**9)
    lines = []
    for row in rows:
        user = user_view(engine, view.server_name, row)
        user["groups"] = ", ".join(g["id"] for g in user["groups"])
        lines.append([user[c] for c in EXPORT_COLUMNS])
    return csv_response("users.csv", EXPORT_COLUMNS, lines, USERS_CSV)


@router.get("/{user_id}", response_model=UserDetail)
def get_user(
    user_id: str,
    principal: Annotated[Principal, signed_in_with("users:read")],
    view: DirectoryQuery,
) -> dict[str, Any]:
    may_read_user(principal, user_id)
    return _detail(view, user_id)


def user_changer(
    user_id: str, principal: Annotated[Principal, signed_in_with("users:write")]
) -> Principal:
    """Who may change this account (an administrator, or its own user), refused before
    the body is looked at."""
    may_change_user(principal, user_id)
    return principal


UserChanger = Annotated[Principal, Depends(user_changer)]


@router.patch("/{user_id}", response_model=UserDetail)
def edit_user(
    user_id: str,
    principal: UserChanger,
    body: UserChange,
    users: Users,
    view: DirectoryQuery,
) -> dict[str, Any]:
    change = cast(UserFields, body.given())
    with acting_as(principal.actor):
        user = users.edit(user_id, change, by_user=principal.role == "user")
    return _detail(view, user.user_id)


@router.delete("/{user_id}", status_code=204)
def delete_user(
    user_id: str, principal: Annotated[Principal, writing("users:write")], users: Users
) -> None:
    with acting_as(principal.actor):
        users.delete(user_id)


@router.post("/{user_id}/disconnect", response_model=Disconnected)
def disconnect_user(
    user_id: str,
    request: Request,
    principal: Annotated[Principal, writing("users:write")],
    users: Users,
) -> dict[str, Any]:
    """Ends every session of the user and closes their client applications' sockets on
    every gateway (§13.2 item 2)."""
    with acting_as(principal.actor):
        ended = users.disconnect(user_id)
    request.app.state.gateway.disconnect_user(user_id.lower())
    return {"ended_sessions": len(ended)}


@router.post("/{user_id}/unlock", response_model=UserDetail)
def unlock_user(
    user_id: str,
    principal: Annotated[Principal, writing("users:write")],
    users: Users,
    view: DirectoryQuery,
) -> dict[str, Any]:
    with acting_as(principal.actor):
        users.unlock(user_id)
    return _detail(view, user_id)


@router.get("/{user_id}/app-settings", response_model=AppSettings)
def get_app_settings(
    user_id: str,
    principal: Annotated[Principal, signed_in_with("users:read")],
    view: DirectoryQuery,
) -> dict[str, Any]:
    may_read_user(principal, user_id)
    detail: dict[str, Any] = _detail(view, user_id)["app_settings"]
    return detail


@router.patch("/{user_id}/app-settings", response_model=AppSettings)
def change_app_settings(
    user_id: str,
    body: BandwidthLimits,
    principal: Annotated[Principal, writing("users:write")],
    users: Users,
    view: DirectoryQuery,
) -> dict[str, Any]:
    limits = cast(Limits, body.given())
    with acting_as(principal.actor):
        users.change_app_settings(user_id, limits)
    detail: dict[str, Any] = _detail(view, user_id)["app_settings"]
    return detail


@router.get("/{user_id}/addressbook", response_model=Listing)
def get_address_book(
    user_id: str,
    principal: Annotated[Principal, signed_in_with("users:read")],
    view: DirectoryQuery,
) -> dict[str, Any]:
    may_read_user(principal, user_id)
    engine, row = _row(view, user_id)
    entries = directory.address_book(engine, row.user_id, row.source)
    return {"cnt": len(entries), "list": entries}


def contact_adder(principal: UserChanger, users: Users, groups: Groups) -> Principal:
    """A user adds to their own book only if their groups allow it; refused before the
    body is looked at."""
    if principal.role == "user" and not _may_edit_book(users, groups, principal.name):
        raise Forbidden("your groups do not allow editing the address book")
    return principal


@router.post("/{user_id}/addressbook", status_code=201, response_model=Contact)
def add_contact(
    user_id: str,
    principal: Annotated[Principal, Depends(contact_adder)],
    body: ContactCreate,
    users: Users,
) -> dict[str, Any]:
    with acting_as(principal.actor):
        return users.add_contact(user_id, cast(NewContact, body.given()))


@router.delete("/{user_id}/addressbook/{entry_id}", status_code=204)
def remove_contact(
    user_id: str,
    entry_id: str,
    principal: Annotated[Principal, signed_in_with("users:write")],
    users: Users,
) -> None:
    may_change_user(principal, user_id)
    with acting_as(principal.actor):
        users.remove_contact(user_id, entry_id)


def _may_edit_book(users: UsersService, groups: GroupsService, user_id: str) -> bool:
    user = users.get(user_id)
    return groups.rights_of(user.group_ids)["addressbook_edit"]


@router.get("/{user_id}/calls", response_model=UserCallsPage)
def user_calls(
    user_id: str,
    principal: Annotated[Principal, signed_in_with("logs.calls:read")],
    system: System,
    response: Response,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> dict[str, Any]:
    """The user's own call history (§13.2.2): incoming, outgoing, missed, conference."""
    may_read_user(principal, user_id)
    user = user_id.lower()
    found = answer(
        CALLS_REPORT,
        {"participant": user},
        principal,
        system,
        response,
        Order(),
        Paging(page=page, page_size=page_size),
    )
    assert isinstance(found, dict)
    for row in found["list"]:
        row["type"] = _call_type(row, user)
    return found


def _call_type(row: dict[str, Any], user: str) -> str:
    if row["mode"] != "Video call":
        return "conference"
    if row["owner"] == user:
        return "outgoing"
    return "missed" if row["outcome"] in ("missed", "cancelled") else "incoming"
