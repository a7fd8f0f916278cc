"""Conferences (guide §14, API.md `conferences`): CRUD, run and stop, PIN, lock,
layout, invitations and webinar registrations."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Query, Request, Response

from api import visibility
from api.auth import Principal, client_ip, reading, signed_in_with, writing_own
from api.dependencies import ExpectedVersion
from api.dependencies.conferencing import (
    Conferences,
    ConferencesQuery,
    ConferencesView,
    CreationRight,
    Sessions,
)
from api.schemas.common import Listing
from api.schemas.conferences import (
    Conference,
    ConferenceChange,
    ConferenceCreate,
    ConferenceId,
    ConferenceList,
    InvitationsOrOne,
    LayoutChange,
    LockChange,
    PinChange,
    Registration,
    RegistrationForm,
)
from domain.conferencing.parameters import ConferenceFields
from domain.sessions.sessions_service import Requester
from domain.shared.actor import Actor, acting_as
from domain.shared.errors import invalid
from projections import conferences as view
from projections.report_paging import MAX_PAGE_SIZE

router = APIRouter(prefix="/conferences", tags=["conferences"])
SHOWN_ONLY = ("url", "effective_join_methods")
"""What GET adds for the conference page: it may come back unchanged in a PATCH."""


def _shown(
    conferences: ConferencesQuery, cid: str, response: Response | None = None
) -> dict[str, Any]:
    row = conferences.get(cid)
    if response is not None:
        response.headers["ETag"] = f'"{row.version}"'
    return conferences.shown(row)


@router.get("", response_model=ConferenceList)
def list_conferences(
    principal: Annotated[Principal, signed_in_with("conferences:read")],
    conferences: ConferencesView,
    topic: str | None = None,
    owner: str | None = None,
    participant: str | None = None,
    state: str | None = None,
    access: str | None = None,
    mode: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    sort_field: str = "created_at",
    sort_order: Annotated[int, Query(ge=0, le=1)] = 1,
) -> dict[str, Any]:
    """Ongoing conferences first, then by the chosen order (§14.1)."""
    if sort_field not in view.SORTABLE:
        raise invalid("sort_field", f"sort by one of {', '.join(view.SORTABLE)}")
    filters = {
        "topic": topic,
        "owner": owner,
        "participant": participant,
        "state": state,
        "access": access,
        "mode": mode,
        "visible_to": visibility.party(principal),
    }
    total, rows = conferences.page(filters, page, page_size, sort_field, sort_order == 1)
    return {"cnt": total, "conferences": [view.details(r) for r in rows]}


@router.post(
    "",
    status_code=201,
    response_model=Conference,
)
def create_conference(
    principal: Annotated[Principal, writing_own("conferences:write")],
    # Not even `topic` is required here: the domain names what is missing, and a user's
    # own conference needs no `owner`.
    body: ConferenceCreate,
    conferences: Conferences,
    shown: ConferencesView,
    may_create: CreationRight,
) -> dict[str, Any]:
    fields = cast(ConferenceFields, body.given())
    owner = visibility.new_conference_owner(principal, fields.get("owner"), may_create)
    if owner is not None:
        fields["owner"] = owner
    with acting_as(principal.actor):
        conference = conferences.create(fields)
    return _shown(shown, conference.cid)


@router.get("/{cid}", response_model=Conference)
def get_conference(
    cid: str,
    response: Response,
    principal: Annotated[Principal, signed_in_with("conferences:read")],
    conferences: ConferencesView,
) -> dict[str, Any]:
    visibility.check_may_see(conferences, principal, cid)
    return _shown(conferences, cid, response)


@router.patch(
    "/{cid}",
    response_model=Conference,
)
def edit_conference(
    cid: str,
    response: Response,
    principal: Annotated[Principal, visibility.changing("conferences:write")],
    body: ConferenceChange,
    conferences: Conferences,
    shown: ConferencesView,
    expected_version: ExpectedVersion,
) -> dict[str, Any]:
    """Refused (409) while running: then only PIN, lock, layout and ID change (§14.3)."""
    changes = cast(ConferenceFields, body.given(ignored=SHOWN_ONLY))
    visibility.check_owner_field(principal, changes.get("owner"))
    with acting_as(principal.actor):
        conference, _ = conferences.edit(cid, changes, expected_version)
    return _shown(shown, conference.cid, response)


@router.delete("/{cid}", status_code=204)
def delete_conference(
    cid: str,
    principal: Annotated[Principal, visibility.changing("conferences:write")],
    conferences: Conferences,
) -> None:
    with acting_as(principal.actor):
        conferences.delete(cid)


@router.post("/{cid}/run", response_model=Conference)
def run_conference(
    cid: str,
    principal: Annotated[Principal, visibility.changing("conferences:write")],
    conferences: Conferences,
    shown: ConferencesView,
) -> dict[str, Any]:
    with acting_as(principal.actor):
        session_id = conferences.run(cid, visibility.start_cause(principal))
    return {**_shown(shown, cid), "session_id": session_id}


@router.post("/{cid}/stop", response_model=Conference)
def stop_conference(
    cid: str,
    principal: Annotated[Principal, visibility.changing("conferences:write")],
    conferences: Conferences,
    shown: ConferencesView,
) -> dict[str, Any]:
    with acting_as(principal.actor):
        conferences.stop(cid, visibility.end_cause(principal))
    return _shown(shown, cid)


@router.put("/{cid}/id", response_model=Conference)
def change_conference_id(
    cid: str,
    principal: Annotated[Principal, visibility.changing("conferences:write")],
    body: ConferenceId,
    conferences: Conferences,
    shown: ConferencesView,
) -> dict[str, Any]:
    """A new CID, before the start or while running (§3.4)."""
    with acting_as(principal.actor):
        conference = conferences.change_cid(cid, body.id)
    return _shown(shown, conference.cid)


@router.put("/{cid}/pin", response_model=Conference)
def change_pin(
    cid: str,
    principal: Annotated[Principal, visibility.changing("conferences:write")],
    body: PinChange,
    conferences: Conferences,
    shown: ConferencesView,
) -> dict[str, Any]:
    """`{"pin": "123456"}`, `{"pin": true}` to generate one, `{"pin": null}` to remove it."""
    with acting_as(principal.actor):
        conferences.set_pin(cid, body.pin)
    return _shown(shown, cid)


@router.put("/{cid}/lock", response_model=Conference)
def change_lock(
    cid: str,
    principal: Annotated[Principal, visibility.changing("conferences:write")],
    body: LockChange,
    sessions: Sessions,
    shown: ConferencesView,
) -> dict[str, Any]:
    """Only a running conference is locked; it unlocks when its session ends (§14.3.1)."""
    with acting_as(principal.actor):
        sessions.set_lock(cid, body.locked, Requester(admin=principal.name))
    return _shown(shown, cid)


@router.put("/{cid}/layout", response_model=Conference)
def change_layout(
    cid: str,
    principal: Annotated[Principal, visibility.changing("conferences:write")],
    body: LayoutChange,
    conferences: Conferences,
    shown: ConferencesView,
) -> dict[str, Any]:
    with acting_as(principal.actor):
        conferences.set_layout(cid, body.given().get("layout"))
    return _shown(shown, cid)


@router.get("/{cid}/invitations", response_model=Listing)
def list_invitations(
    cid: str,
    principal: Annotated[Principal, signed_in_with("conferences.invitations:read")],
    conferences: ConferencesView,
) -> dict[str, Any]:
    visibility.check_may_see(conferences, principal, cid)
    invitations = _shown(conferences, cid).get("invitations", [])
    # `invitations` is the original API v4's name for the list.
    return {"cnt": len(invitations), "list": invitations, "invitations": invitations}


@router.post(
    "/{cid}/invitations",
    status_code=201,
    response_model=Listing,
)
def add_invitations(
    cid: str,
    principal: Annotated[Principal, visibility.changing("conferences.invitations:write")],
    body: InvitationsOrOne,
    conferences: Conferences,
) -> dict[str, Any]:
    """`{"invitations": [{"id": ..., "display_name": ..., "is_moderator": ...}]}`, or one
    as the original API v4 takes it: `{"invitation": {...}}` (answered in kind)."""
    given = body.given()
    single = given.get("invitation")
    if single is not None and "invitations" in given:
        raise invalid("invitation", "give either invitation or invitations")
    entries = [single] if single is not None else given.get("invitations")
    if entries is None:
        raise invalid("invitations", "must be a list", reason="required")
    with acting_as(principal.actor):
        added = conferences.invite(cid, entries)
    reply: dict[str, Any] = {"cnt": len(added), "list": added}
    return {**reply, "invitation": added[0]} if single is not None else reply


@router.delete("/{cid}/invitations/{invitation_id}", status_code=204)
def remove_invitation(
    cid: str,
    invitation_id: str,
    principal: Annotated[Principal, visibility.changing("conferences.invitations:write")],
    conferences: Conferences,
) -> None:
    with acting_as(principal.actor):
        conferences.uninvite(cid, invitation_id)


@router.post(
    "/{cid}/registrations",
    status_code=201,
    response_model=Registration,
)
def register(
    cid: str,
    body: RegistrationForm,
    request: Request,
    conferences: Conferences,
) -> dict[str, Any]:
    """Webinar registration (§14.4.8): open to guests, no token needed."""
    guest = Actor(kind="guest", name=(body.email or "guest")[:256], ip=client_ip(request))
    with acting_as(guest):
        return conferences.register(cid, body.given())


@router.get("/{cid}/registrations", response_model=Listing)
def list_registrations(
    cid: str, _: Annotated[Principal, reading("conferences:read")], conferences: ConferencesView
) -> dict[str, Any]:
    row = conferences.get(cid)
    return {"cnt": len(row.registrants), "list": row.registrants}
