"""A session opens with its conference's start and closes with its end, in the same
atomic save, so no participant can be in a session of a stopped conference."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.conferencing.conference import Conference
from domain.conferencing.invitations import USER, kind
from domain.conferencing.modes import speakers
from domain.sessions.session import LiveSession, Participant
from domain.shared.application import QuorumStore, find


class SessionHooks(Protocol):
    """What follows a start or an end once saved: calls to the invitees, statuses and
    pushes to the participants (`SessionsService`)."""

    def started(self, conference: Conference, session: LiveSession) -> None: ...

    def ended(self, session: LiveSession, left: list[Participant]) -> None: ...


class NoHooks:
    def started(self, conference: Conference, session: LiveSession) -> None:
        pass

    def ended(self, session: LiveSession, left: list[Participant]) -> None:
        pass


def open_session(conference: Conference) -> LiveSession:
    """The session of the conference's just-started run."""
    assert conference.session_id is not None
    mode = conference.mode
    cap = conference.param("max_participants")
    return LiveSession(
        session_id=conference.session_id,
        conference_id=str(conference.id),
        cid=conference.cid,
        owner=conference.owner,
        mode=mode,
        podiums=speakers(mode, conference.param("max_podiums") or 0, cap or 0),
        pre_invited=sorted(
            {conference.owner}
            | {
                i["id"].lower() if kind(i["id"]) == USER else i["id"]
                for i in conference.invitations
            }
        ),
    )


def close_session(
    store: QuorumStore, session_id: str, cause: str, at: datetime
) -> tuple[LiveSession, list[Participant]] | None:
    """The session ended with everyone in it; None for a session never opened (one
    started before sessions were recorded)."""
    session = find(store, LiveSession.create_id(session_id), LiveSession)
    if session is None:
        return None
    return session, session.end(cause, at)
