"""Who is in a session, as a save changes it: leaving (by hanging up, by an
eviction, at the end), the calls into a session, and the statuses and pushes that
follow (guide §5.2.1, §14.1, §14.3, §16.2.2).

It publishes nothing: the reactions it handles (`domain/reactions.py`) and the
leaves it performs return what follows (a room emptied by the last leave ends)."""

from __future__ import annotations

from typing import Any

from domain.conferencing.conference import Conference
from domain.conferencing.invitations import USER as USER_INVITATION
from domain.conferencing.invitations import kind as invitation_kind
from domain.conferencing.runs import ConferenceRuns
from domain.licensing.licensing_service import HOT_ATTEMPTS, Licences, ProLicenceLost
from domain.sessions.admission import GUEST, REGISTRANT, USER
from domain.sessions.lifecycle import SessionEnded, SessionStarted
from domain.sessions.session import (
    JOINED,
    PARTICIPANT,
    SERVER,
    LiveSession,
    Participant,
)
from domain.shared.application import QuorumStore, find, with_retries
from domain.shared.clock import now
from domain.shared.errors import Conflict, FieldProblem
from domain.signaling.endpoints_service import EndpointsService
from domain.signaling.ports import Pushes


class Attendance:
    def __init__(
        self,
        store: QuorumStore,
        licences: Licences,
        endpoints: EndpointsService,
        pushes: Pushes,
        runs: ConferenceRuns,
    ) -> None:
        self.store = store
        self.licences = licences
        self.endpoints = endpoints
        self.pushes = pushes
        self.runs = runs

    # -- reactions --------------------------------------------------------------------

    def ring_online_invitees(self, started: SessionStarted) -> list[object]:
        """The server calls the online invitees at the start (§14.1, §16.2.2)."""
        conference, session = started.conference, started.session
        if not conference.param("auto_invite"):
            return []
        online = [
            r
            for r in session.pre_invited
            if invitation_kind(r) == USER_INVITATION and self.endpoints.status(r) > 0
        ]
        if online:
            self.call(conference, online, SERVER)
        return []

    def send_everyone_away(self, ended: SessionEnded) -> list[object]:
        """Licences back, statuses and a push to everyone the end sent away."""
        session, left = ended.session, ended.left
        self._release_all(left)
        users = {p["user_id"]: p for p in left}  # one status change per user
        for participant in users.values():
            self.set_status(session, participant, active=False)
        data = {"cid": session.cid, "session_id": session.session_id}
        self.pushes.push_all(users, "conference.ended", data)
        return []

    def evict(self, lost: ProLicenceLost) -> list[object]:
        """The user lost their PRO licence: out of every running conference (§5.2.1)."""
        follow_ups: list[object] = []
        for session_id in self.endpoints.conferences_of(lost.user_id):
            session = find(self.store, LiveSession.create_id(session_id), LiveSession)
            in_it = session.of_user(lost.user_id) if session and not session.ended else []
            for participant in in_it:
                follow_ups += self.leave(session_id, participant["participant_id"], lost.cause)
        return follow_ups

    # -- queries ----------------------------------------------------------------------

    def participations(self, user_id: str) -> list[str]:
        """The user's participant IDs in running sessions."""
        found = []
        for session_id in self.endpoints.conferences_of(user_id):
            session = find(self.store, LiveSession.create_id(session_id), LiveSession)
            if session is not None and not session.ended:
                found += [p["participant_id"] for p in session.of_user(user_id)]
        return found

    # -- changes ----------------------------------------------------------------------

    def leave(self, session_id: str, participant_id: str, cause: str) -> list[object]:
        """The participant leaves (licences back in the same save); a virtual room
        its last participant left ends: the end's outcomes come back."""

        def attempt() -> tuple[LiveSession, Participant | None]:
            session = self.load(session_id)
            left = session.leave(participant_id, cause, now())
            if left is not None:
                pool = self.licences.pool()
                self.licences.release_participant(pool, left["user_id"], participant_id)
                self.store.save(session, pool)
            return session, left

        session, left = with_retries(attempt, attempts=HOT_ATTEMPTS)
        if left is None:
            return []
        if not session.of_user(left["user_id"]):
            self.set_status(session, left, active=False)
        self.announce(session, left, "left", cause=cause)
        if not session.present():
            return self.runs.stop_empty_room(session.cid, session.session_id)
        return []

    def call(self, conference: Conference, recipients: list[str], by: str) -> list[str]:
        """Call `recipients` into the running session; returns who was called."""

        def attempt() -> LiveSession:
            session = self.load(str(conference.session_id))
            present = {p["user_id"] for p in session.present()}
            for recipient in recipients:
                if recipient not in present:
                    session.invite(recipient, by, now(), while_locked=conference.locked)
            self.store.save(session)
            return session

        session = with_retries(attempt)
        present = {p["user_id"] for p in session.present()}
        called = [r for r in recipients if r not in present]
        for recipient in called:
            self._ring(conference, session, recipient, by)
        return called

    def load(self, session_id: str) -> LiveSession:
        session = find(self.store, LiveSession.create_id(session_id), LiveSession)
        if session is None or session.ended:
            raise Conflict(
                "the conference is not running",
                [FieldProblem("cid", "conflict", "the conference is not running")],
            )
        return session

    # -- telling people ---------------------------------------------------------------

    def set_status(self, session: LiveSession, participant: Participant, active: bool) -> None:
        """Presence knows which sessions a socket's user is in, guests included, so a
        closing socket leaves them all (and gives its licences back)."""
        if participant["kind"] not in (USER, GUEST, REGISTRANT):
            return
        change = self.endpoints.set_in_conference(
            participant["user_id"],
            session.session_id,
            active,
            as_owner=participant["user_id"] == session.owner,
        )
        if change is not None:
            self.pushes.status(change)

    def announce(
        self, session: LiveSession, participant: Participant, change: str, cause: str = ""
    ) -> None:
        """Joined participants hear of joined ones; only moderators hear of those who
        wait; the participant always hears of their own change."""
        data: dict[str, Any] = {
            "cid": session.cid,
            "session_id": session.session_id,
            "change": change,
            "participant": view(participant),
        }
        if cause:
            data["cause"] = cause
        seen = participant["state"] == JOINED
        audience = {
            p["user_id"]
            for p in session.joined()
            if seen or p["role"] != PARTICIPANT or session.is_moderator(p["user_id"])
        }
        self.pushes.push_all(audience | {participant["user_id"]}, "conference.participant", data)

    def _ring(self, conference: Conference, session: LiveSession, user_id: str, by: str) -> None:
        if invitation_kind(user_id) == USER_INVITATION:
            self.pushes.push(
                user_id,
                "conference.invitation",
                {
                    "cid": conference.cid,
                    "session_id": session.session_id,
                    "topic": conference.topic,
                    "from": by,
                },
            )

    def _release_all(self, left: list[Participant]) -> None:
        """Licences of everyone a session's end sent away (saved after the end itself)."""
        if not left:
            return

        def attempt() -> None:
            pool = self.licences.pool()
            for participant in left:
                self.licences.release_participant(
                    pool, participant["user_id"], participant["participant_id"]
                )
            self.store.save(pool)

        with_retries(attempt, attempts=HOT_ATTEMPTS)


def view(participant: Participant) -> dict[str, Any]:
    """A participant as clients and the API show it."""
    return dict(participant)
