"""A session opens with its conference's start and closes with its end, in the same
atomic save, so no participant can be in a session of a stopped conference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.conferencing.conference import Conference
from domain.conferencing.invitations import USER, kind
from domain.conferencing.modes import speakers
from domain.conferencing.runs import RunRecord
from domain.sessions.session import LiveSession, Participant
from domain.shared.application import QuorumStore, find


@dataclass(frozen=True)
class SessionStarted:
    """A conference started, and its session opened (saved together)."""

    conference: Conference
    session: LiveSession


@dataclass(frozen=True)
class SessionEnded:
    """A conference ended, and its session closed with everyone in it sent away."""

    session: LiveSession
    left: list[Participant]


class SessionRecords:
    """The live session as the record of a conference's run (conferencing's
    `RunRecords` port)."""

    def __init__(self, store: QuorumStore) -> None:
        self.store = store

    def opening(self, conference: Conference) -> RunRecord | None:
        session = open_session(conference)
        return RunRecord(session, SessionStarted(conference, session))

    def closing(self, session_id: str, cause: str, at: datetime) -> RunRecord | None:
        closed = close_session(self.store, session_id, cause, at)
        if closed is None:
            return None
        return RunRecord(closed[0], SessionEnded(*closed))


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
