"""Conferences (guide §14, API.md `conferences`): CRUD, run and stop, PIN, lock,
layout, invitations and webinar registrations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response

from adapters.bootstrap import QuorumSystem
from api import visibility
from api.auth import Principal, System, client_ip, reading, signed_in_with, writing_own
from api.routes.settings import _expected_version
from api.schemas.common import Listing, documented_body
from api.schemas.conferences import (
    Conference,
    ConferenceChange,
    ConferenceCreate,
    ConferenceId,
    ConferenceList,
    InvitationAdd,
    InvitationsAdd,
    LayoutChange,
    LockChange,
    PinChange,
    Registration,
    RegistrationForm,
)
from domain.sessions.service import Caller
from domain.shared.actor import Actor, acting_as
from domain.shared.errors import NotFound, invalid
from projections import conferences as view
from projections.report_query import MAX_PAGE_SIZE

router = APIRouter(prefix="/conferences", tags=["conferences"])


def _shown(system: QuorumSystem, cid: str, response: Response | None = None) -> dict[str, Any]:
    system.fresh("conferences")
    row = view.get_conference(system.sql_engine, cid)
    if row is None:
        raise NotFound(f"no conference {cid!r}")
    if response is not None:
        response.headers["ETag"] = f'"{row.version}"'
    shown = view.details(row)
    methods = shown.get("join_methods")
    if methods is None:  # the server's default for the access type (§14.7.3)
        defaults = system.settings.get().section("conferences")
        methods = defaults[f"{row.access}_join_methods"]
    return {
        **shown,
        "url": f"https://{system.config.server_name}/c/{row.shown_cid}",
        "effective_join_methods": methods,
    }


@router.get("", response_model=ConferenceList)
def list_conferences(
    principal: Annotated[Principal, signed_in_with("conferences:read")],
    system: System,
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
    system.fresh("conferences")
    filters = {
        "topic": topic,
        "owner": owner,
        "participant": participant,
        "state": state,
        "access": access,
        "mode": mode,
        "visible_to": visibility.party(principal),
    }
    total, rows = view.list_conferences(
        system.sql_engine, filters, page, page_size, sort_field, sort_order == 1
    )
    return {"cnt": total, "conferences": [view.details(r) for r in rows]}


@router.post(
    "",
    status_code=201,
    response_model=Conference,
    openapi_extra=documented_body(ConferenceCreate),
)
def create_conference(
    body: dict[str, Any],
    principal: Annotated[Principal, writing_own("conferences:write")],
    system: System,
) -> dict[str, Any]:
    body = visibility.conference_to_create(system, principal, body)
    with acting_as(principal.actor):
        conference = system.conferences.create(body)
    return _shown(system, conference.cid)


@router.get("/{cid}", response_model=Conference)
def get_conference(
    cid: str,
    response: Response,
    principal: Annotated[Principal, signed_in_with("conferences:read")],
    system: System,
) -> dict[str, Any]:
    visibility.check_may_see(system, principal, cid)
    return _shown(system, cid, response)


@router.patch(
    "/{cid}",
    response_model=Conference,
    openapi_extra=documented_body(ConferenceChange, partial=True),
)
def edit_conference(
    cid: str,
    body: dict[str, Any],
    response: Response,
    principal: Annotated[Principal, writing_own("conferences:write")],
    system: System,
    if_match: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Refused (409) while running: then only PIN, lock, layout and ID change (§14.3)."""
    # What GET adds for the conference page may come back unchanged in a PATCH.
    body = {k: v for k, v in body.items() if k not in ("url", "effective_join_methods")}
    visibility.check_may_change(system, principal, cid)
    visibility.check_owner_field(principal, body)
    with acting_as(principal.actor):
        conference, _ = system.conferences.edit(cid, body, _expected_version(if_match))
    return _shown(system, conference.cid, response)


@router.delete("/{cid}", status_code=204)
def delete_conference(
    cid: str, principal: Annotated[Principal, writing_own("conferences:write")], system: System
) -> None:
    visibility.check_may_change(system, principal, cid)
    with acting_as(principal.actor):
        system.conferences.delete(cid)


@router.post("/{cid}/run", response_model=Conference)
def run_conference(
    cid: str, principal: Annotated[Principal, writing_own("conferences:write")], system: System
) -> dict[str, Any]:
    visibility.check_may_change(system, principal, cid)
    with acting_as(principal.actor):
        session_id = system.conferences.run(cid, visibility.start_cause(principal))
    return {**_shown(system, cid), "session_id": session_id}


@router.post("/{cid}/stop", response_model=Conference)
def stop_conference(
    cid: str, principal: Annotated[Principal, writing_own("conferences:write")], system: System
) -> dict[str, Any]:
    visibility.check_may_change(system, principal, cid)
    with acting_as(principal.actor):
        system.conferences.stop(cid, visibility.end_cause(principal))
    return _shown(system, cid)


@router.put("/{cid}/id", response_model=Conference, openapi_extra=documented_body(ConferenceId))
def change_conference_id(
    cid: str,
    body: dict[str, Any],
    principal: Annotated[Principal, writing_own("conferences:write")],
    system: System,
) -> dict[str, Any]:
    """A new CID, before the start or while running (§3.4)."""
    visibility.check_may_change(system, principal, cid)
    new_cid = body.get("id")
    if set(body) != {"id"} or not isinstance(new_cid, str):
        raise invalid("id", 'give {"id": "new-cid"}', reason="required")
    with acting_as(principal.actor):
        conference = system.conferences.change_cid(cid, new_cid)
    return _shown(system, conference.cid)


@router.put("/{cid}/pin", response_model=Conference, openapi_extra=documented_body(PinChange))
def change_pin(
    cid: str,
    body: dict[str, Any],
    principal: Annotated[Principal, writing_own("conferences:write")],
    system: System,
) -> dict[str, Any]:
    """`{"pin": "123456"}`, `{"pin": true}` to generate one, `{"pin": null}` to remove it."""
    visibility.check_may_change(system, principal, cid)
    if set(body) != {"pin"}:
        raise invalid("pin", 'give {"pin": ...}', reason="required")
    with acting_as(principal.actor):
        system.conferences.set_pin(cid, body["pin"])
    return _shown(system, cid)


@router.put("/{cid}/lock", response_model=Conference, openapi_extra=documented_body(LockChange))
def change_lock(
    cid: str,
    body: dict[str, Any],
    principal: Annotated[Principal, writing_own("conferences:write")],
    system: System,
) -> dict[str, Any]:
    """Only a running conference is locked; it unlocks when its session ends (§14.3.1)."""
    visibility.check_may_change(system, principal, cid)
    if set(body) != {"locked"} or not isinstance(body["locked"], bool):
        raise invalid("locked", 'give {"locked": true|false}')
    with acting_as(principal.actor):
        system.sessions.set_lock(cid, body["locked"], Caller(admin=principal.name))
    return _shown(system, cid)


@router.put("/{cid}/layout", response_model=Conference, openapi_extra=documented_body(LayoutChange))
def change_layout(
    cid: str,
    body: dict[str, Any],
    principal: Annotated[Principal, writing_own("conferences:write")],
    system: System,
) -> dict[str, Any]:
    visibility.check_may_change(system, principal, cid)
    with acting_as(principal.actor):
        system.conferences.set_layout(cid, body.get("layout"))
    return _shown(system, cid)


@router.get("/{cid}/invitations", response_model=Listing)
def list_invitations(
    cid: str,
    principal: Annotated[Principal, signed_in_with("conferences.invitations:read")],
    system: System,
) -> dict[str, Any]:
    visibility.check_may_see(system, principal, cid)
    invitations = _shown(system, cid).get("invitations", [])
    # `invitations` is the original API v4's name for the list.
    return {"cnt": len(invitations), "list": invitations, "invitations": invitations}


@router.post(
    "/{cid}/invitations",
    status_code=201,
    response_model=Listing,
    openapi_extra=documented_body(InvitationsAdd, InvitationAdd),
)
def add_invitations(
    cid: str,
    body: dict[str, Any],
    principal: Annotated[Principal, writing_own("conferences.invitations:write")],
    system: System,
) -> dict[str, Any]:
    """`{"invitations": [{"id": ..., "display_name": ..., "is_moderator": ...}]}`, or one
    as the original API v4 takes it: `{"invitation": {...}}` (answered in kind)."""
    visibility.check_may_change(system, principal, cid)
    single = body.get("invitation")
    if single is not None and "invitations" in body:
        raise invalid("invitation", "give either invitation or invitations")
    entries = [single] if single is not None else body.get("invitations")
    if not isinstance(entries, list):
        raise invalid("invitations", "must be a list", reason="required")
    with acting_as(principal.actor):
        added = system.conferences.invite(cid, entries)
    reply: dict[str, Any] = {"cnt": len(added), "list": added}
    return {**reply, "invitation": added[0]} if single is not None else reply


@router.delete("/{cid}/invitations/{invitation_id}", status_code=204)
def remove_invitation(
    cid: str,
    invitation_id: str,
    principal: Annotated[Principal, writing_own("conferences.invitations:write")],
    system: System,
) -> None:
    visibility.check_may_change(system, principal, cid)
    with acting_as(principal.actor):
        system.conferences.uninvite(cid, invitation_id)


@router.post(
    "/{cid}/registrations",
    status_code=201,
    response_model=Registration,
    openapi_extra=documented_body(RegistrationForm),
)
def register(cid: str, body: dict[str, Any], request: Request, system: System) -> dict[str, Any]:
    """Webinar registration (§14.4.8): open to guests, no token needed."""
    guest = Actor(kind="guest", name=str(body.get("email") or "guest")[:256], ip=client_ip(request))
    with acting_as(guest):
        return system.conferences.register(cid, body)


@router.get("/{cid}/registrations", response_model=Listing)
def list_registrations(
    cid: str, _: Annotated[Principal, reading("conferences:read")], system: System
) -> dict[str, Any]:
    system.fresh("conferences")
    row = view.get_conference(system.sql_engine, cid)
    if row is None:
        raise NotFound(f"no conference {cid!r}")
    return {"cnt": len(row.registrants), "list": row.registrants}
