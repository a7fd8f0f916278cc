"""Real-time management of a running conference (guide §14.3.2; API.md
`conferences/{id}/participants`, `…/invite`): who is in, who waits, who was invited
and has not joined; admit, remove, moderators, podium, microphones and cameras."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from api import visibility
from api.auth import Principal, signed_in_with, writing_own
from api.dependencies.conferencing import ConferencesView, Sessions
from api.schemas.conferences import (
    Called,
    Participant,
    ParticipantChange,
    Participants,
    ParticipantsCall,
)
from domain.sessions.sessions_service import Requester
from domain.shared.actor import acting_as
from domain.shared.errors import invalid

router = APIRouter(prefix="/conferences", tags=["conferences"])
CHANGES = ("admitted", "moderator", "podium", "microphone", "camera")


@router.get("/{cid}/participants", response_model=Participants)
def list_participants(
    cid: str,
    principal: Annotated[Principal, signed_in_with("conferences.participants:read")],
    sessions: Sessions,
    conferences: ConferencesView,
) -> dict[str, Any]:
    """Joined and waiting participants, and the invitees who have not joined."""
    participants = sessions.participants(cid, visibility.requester(conferences, principal, cid))
    not_joined = sessions.not_joined(cid)
    return {
        "cnt": len(participants),
        "list": participants,
        "not_joined": not_joined,
    }


@router.post(
    "/{cid}/participants",
    response_model=Called,
)
def add_participants(
    cid: str,
    principal: Annotated[Principal, writing_own("conferences.participants:write")],
    requester: Annotated[Requester, visibility.managing("conferences.participants:write")],
    body: ParticipantsCall,
    sessions: Sessions,
) -> dict[str, Any]:
    """`{"participants": ["user_id" | "#sip:…", …]}`: called into the conference now."""
    with acting_as(principal.actor):
        called = sessions.invite(cid, body.participants, requester)
    return {"called": called}


@router.post("/{cid}/invite", response_model=Called)
def call_again(
    cid: str,
    principal: Annotated[Principal, writing_own("conferences.participants:write")],
    sessions: Sessions,
    conferences: ConferencesView,
) -> dict[str, Any]:
    """ "Call again": every invitee not connected is called (§14.3.2)."""
    with acting_as(principal.actor):
        called = sessions.call_again(cid, visibility.requester(conferences, principal, cid))
    return {"called": called}


@router.patch(
    "/{cid}/participants/{participant_id}",
    response_model=Participant,
)
def change_participant(
    cid: str,
    participant_id: str,
    principal: Annotated[Principal, writing_own("conferences.participants:write")],
    requester: Annotated[Requester, visibility.managing("conferences.participants:write")],
    body: ParticipantChange,
    sessions: Sessions,
) -> dict[str, Any]:
    """Any of `admitted: true`, `moderator`, `podium`, `microphone`, `camera`."""
    given = body.model_fields_set
    if not given:
        raise invalid("body", f"give any of {', '.join(CHANGES)}", reason="required")
    participant: dict[str, Any] = {}
    with acting_as(principal.actor):
        if "admitted" in given:
            if body.admitted is not True:
                raise invalid("admitted", "only true: a participant is admitted, not sent back")
            participant = sessions.admit(cid, participant_id, requester)
        if "moderator" in given:
            participant = sessions.set_moderator(cid, participant_id, body.moderator, requester)
        if "podium" in given:
            participant = sessions.set_podium(cid, participant_id, body.podium, requester)
        if "microphone" in given or "camera" in given:
            participant = sessions.set_media(
                cid, participant_id, body.microphone, body.camera, requester
            )
    return participant


@router.delete("/{cid}/participants/{participant_id}", status_code=204)
def remove_participant(
    cid: str,
    participant_id: str,
    principal: Annotated[Principal, writing_own("conferences.participants:write")],
    sessions: Sessions,
    conferences: ConferencesView,
) -> None:
    with acting_as(principal.actor):
        sessions.remove(cid, participant_id, visibility.requester(conferences, principal, cid))
