"""The gateway's `conference.*` methods (docs/signaling.md): joining by CID, the waiting
room, moderation and calling people in (group chat is in `chat_methods`). The rules
live in `domain.sessions`; this module only maps frames to use cases."""

from __future__ import annotations

from typing import Any, cast

from api.ws import params
from api.ws.method import Handler, Method, Request
from domain.sessions.admission import REGISTRANT, USER
from domain.sessions.guests import Needs, kind_of_guest, registrant_name
from domain.shared.errors import invalid


def _join(r: Request) -> dict[str, Any]:
    """Join by CID; a registrant must be registered for this webinar."""
    system, cid, user_id = r.system, _cid(r), r.user_id
    kind = kind_of_guest(user_id) if r.connection.guest else USER
    display_name = r.connection.display_name
    if kind == REGISTRANT:
        display_name = registrant_name(system.conferences.get(cid), user_id, display_name)
    joined = system.sessions.join(
        cid,
        user_id=user_id,
        kind=kind,
        endpoint_id=r.endpoint_id,
        display_name=display_name,
        pin=r.params.get("pin"),
    )
    participant = joined.participant
    listed = (
        system.sessions.participants(cid, r.requester) if participant["state"] == "joined" else []
    )
    return {
        "cid": joined.session.cid,
        "session_id": joined.session.session_id,
        "participant": participant,
        "participants": listed,
    }


def _participants(r: Request) -> dict[str, Any]:
    return {"participants": r.system.sessions.participants(_cid(r), r.requester)}


def _leave(r: Request) -> dict[str, Any]:
    r.system.sessions.leave(_cid(r), r.requester)
    return {"left": True}


def _admit(r: Request) -> dict[str, Any]:
    return {"participant": r.system.sessions.admit(_cid(r), _participant_id(r), r.requester)}


def _remove(r: Request) -> dict[str, Any]:
    r.system.sessions.remove(_cid(r), _participant_id(r), r.requester)
    return {"removed": True}


def _moderator(r: Request) -> dict[str, Any]:
    on = _flag(r, "on", "moderator")
    participant = r.system.sessions.set_moderator(_cid(r), _participant_id(r), on, r.requester)
    return {"participant": participant}


def _podium(r: Request) -> dict[str, Any]:
    on = _flag(r, "on", "podium")
    participant = r.system.sessions.set_podium(_cid(r), _participant_id(r), on, r.requester)
    return {"participant": participant}


def _media(r: Request) -> dict[str, Any]:
    microphone = _optional_flag(r, "microphone")
    camera = _optional_flag(r, "camera")
    participant = r.system.sessions.set_media(
        _cid(r), _participant_id(r), microphone, camera, r.requester
    )
    return {"participant": participant}


def _speaking(r: Request) -> dict[str, Any]:
    return {"changed": r.system.sessions.speaking(_cid(r), r.requester)}


# The lock, the PIN and whom to call are checked after the requester is known to
# moderate (a participant's attempt is 403 whatever it sends): by the domain, which
# takes them as sent (the casts name the type a valid frame has).
def _lock(r: Request) -> dict[str, Any]:
    locked = cast(bool, r.params.get("locked"))
    return {"locked": r.system.sessions.set_lock(_cid(r), locked, r.requester).locked}


def _pin(r: Request) -> dict[str, Any]:
    conference = r.system.sessions.set_pin(_cid(r), r.params.get("pin"), r.requester)
    return {"pin_required": conference.pin is not None}


def _invite(r: Request) -> dict[str, Any]:
    recipients = cast(list[str], r.params.get("participants"))
    called = r.system.sessions.invite(_cid(r), recipients, r.requester)
    return {"called": called}


def _end(r: Request) -> dict[str, Any]:
    return {"session_id": r.system.sessions.end(_cid(r), r.requester)}


def _cid(r: Request) -> str:
    return params.conference_id(r.params)


def _participant_id(r: Request) -> str:
    """Any value: one that names no participant is a 404, after the requester's rights."""
    return str(r.params.get("participant_id"))


def _flag(r: Request, name: str, field: str) -> bool:
    value = r.params.get(name)
    if not isinstance(value, bool):
        raise invalid(field, "must be true or false")
    return value


def _optional_flag(r: Request, name: str) -> bool | None:
    return None if r.params.get(name) is None else _flag(r, name, name)


def _in_conferences(handle: Handler) -> Method:
    """What guests do in a public conference (§5.4)."""
    return Method(handle, needs=Needs.NOTHING)


METHODS = {
    "conference.join": _in_conferences(_join),
    "conference.leave": _in_conferences(_leave),
    "conference.participants": _in_conferences(_participants),
    "conference.admit": _in_conferences(_admit),
    "conference.remove": _in_conferences(_remove),
    "conference.moderator": _in_conferences(_moderator),
    "conference.podium": _in_conferences(_podium),
    "conference.media": _in_conferences(_media),
    "conference.speaking": _in_conferences(_speaking),
    "conference.lock": _in_conferences(_lock),
    "conference.pin": _in_conferences(_pin),
    "conference.invite": _in_conferences(_invite),
    "conference.end": _in_conferences(_end),
}
