"""The gateway's `conference.*` methods (docs/signaling.md): joining by CID, the waiting
room, moderation and group chat. The rules live in `domain.sessions`; this module
only maps frames to use cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.bootstrap import QuorumSystem
from domain.sessions.admission import REGISTRANT
from domain.sessions.service import Caller, SessionsService
from domain.shared.errors import FieldProblem, Forbidden

Handler = Callable[[SessionsService, Caller, dict[str, Any]], dict[str, Any]]


def _participants(s: SessionsService, c: Caller, p: dict[str, Any]) -> dict[str, Any]:
    return {"participants": s.participants(p.get("cid"), c)}


def _leave(s: SessionsService, c: Caller, p: dict[str, Any]) -> dict[str, Any]:
    s.leave(p.get("cid"), c)
    return {"left": True}


def _admit(s: SessionsService, c: Caller, p: dict[str, Any]) -> dict[str, Any]:
    return {"participant": s.admit(p.get("cid"), p.get("participant_id"), c)}


def _remove(s: SessionsService, c: Caller, p: dict[str, Any]) -> dict[str, Any]:
    s.remove(p.get("cid"), p.get("participant_id"), c)
    return {"removed": True}


def _moderator(s: SessionsService, c: Caller, p: dict[str, Any]) -> dict[str, Any]:
    return {"participant": s.set_moderator(p.get("cid"), p.get("participant_id"), p.get("on"), c)}


def _podium(s: SessionsService, c: Caller, p: dict[str, Any]) -> dict[str, Any]:
    return {"participant": s.set_podium(p.get("cid"), p.get("participant_id"), p.get("on"), c)}


def _media(s: SessionsService, c: Caller, p: dict[str, Any]) -> dict[str, Any]:
    participant = s.set_media(
        p.get("cid"), p.get("participant_id"), p.get("microphone"), p.get("camera"), c
    )
    return {"participant": participant}


def _speaking(s: SessionsService, c: Caller, p: dict[str, Any]) -> dict[str, Any]:
    return {"changed": s.speaking(p.get("cid"), c)}


def _lock(s: SessionsService, c: Caller, p: dict[str, Any]) -> dict[str, Any]:
    return {"locked": s.set_lock(p.get("cid"), p.get("locked"), c).locked}


def _pin(s: SessionsService, c: Caller, p: dict[str, Any]) -> dict[str, Any]:
    return {"pin_required": s.set_pin(p.get("cid"), p.get("pin"), c).pin is not None}


def _invite(s: SessionsService, c: Caller, p: dict[str, Any]) -> dict[str, Any]:
    return {"called": s.invite(p.get("cid"), p.get("participants"), c)}


def _end(s: SessionsService, c: Caller, p: dict[str, Any]) -> dict[str, Any]:
    return {"session_id": s.end(p.get("cid"), c)}


HANDLERS: dict[str, Handler] = {
    "conference.participants": _participants,
    "conference.leave": _leave,
    "conference.admit": _admit,
    "conference.remove": _remove,
    "conference.moderator": _moderator,
    "conference.podium": _podium,
    "conference.media": _media,
    "conference.speaking": _speaking,
    "conference.lock": _lock,
    "conference.pin": _pin,
    "conference.invite": _invite,
    "conference.end": _end,
}
"""Every `conference.*` method except `join` (which may re-key a registrant's socket)."""


def join(
    system: QuorumSystem,
    user_id: str,
    kind: str,
    endpoint_id: str,
    display_name: str | None,
    params: dict[str, Any],
) -> dict[str, Any]:
    """Join by CID; a registrant must be registered for this webinar."""
    if kind == REGISTRANT:
        conference = system.conferences.get(str(params.get("cid") or ""))
        if user_id not in conference.registrant_ids:
            raise Forbidden(
                "no such registration for this webinar",
                [FieldProblem("registrant_id", "invalid", "not registered for this webinar")],
            )
        display_name = next(
            (r["display_name"] for r in conference.registrants if r["id"] == user_id),
            display_name,
        )
    joined = system.sessions.join(
        params.get("cid"),
        user_id=user_id,
        kind=kind,
        endpoint_id=endpoint_id,
        display_name=display_name,
        pin=params.get("pin"),
    )
    participant = joined.participant
    caller = Caller(user_id=user_id, endpoint_id=endpoint_id)
    listed = (
        system.sessions.participants(params.get("cid"), caller)
        if participant["state"] == "joined"
        else []
    )
    return {
        "cid": joined.session.cid,
        "session_id": joined.session.session_id,
        "participant": participant,
        "participants": listed,
    }
