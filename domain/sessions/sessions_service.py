"""Use cases of live sessions (guide §2.3, §3.5, §14.3): join, wait, admit, leave,
remove, moderators, podium, media, lock and PIN, calls into the session.

Each command is one load-check-save of the session aggregate (retried on a
concurrent change); the statuses of the users involved and the pushes to the
participants follow the save."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.conferencing.conference import Conference
from domain.conferencing.conferences_service import ConferencesService
from domain.conferencing.invitations import ENDPOINT as ENDPOINT_INVITATION
from domain.conferencing.invitations import USER as USER_INVITATION
from domain.conferencing.invitations import kind as invitation_kind
from domain.conferencing.schedule import NONE
from domain.identity.groups_service import GroupsService
from domain.identity.users_service import UsersService
from domain.licensing.licensing_service import HOT_ATTEMPTS, Licences
from domain.licensing.terms import unavailable
from domain.sessions.admission import (
    ENDPOINT,
    GUEST,
    REGISTRANT,
    USER,
    Joiner,
    check_may_join,
    waits,
)
from domain.sessions.attendance import Attendance, view
from domain.sessions.lifecycle import open_session
from domain.sessions.session import (
    JOINED,
    MODERATOR,
    OWNER,
    PARTICIPANT,
    WAITING,
    LiveSession,
    Participant,
    new_participant_id,
)
from domain.shared.application import QuorumStore, find, with_retries
from domain.shared.bus import Publish, ignore
from domain.shared.clock import now
from domain.shared.errors import Conflict, FieldProblem, Forbidden, NotFound, invalid
from domain.signaling.endpoints_service import EndpointsService
from domain.signaling.ports import Pushes


@dataclass(frozen=True)
class Requester:
    """Who asks: a participant from their client, or an admin through the API."""

    user_id: str | None = None
    endpoint_id: str | None = None
    admin: str | None = None

    @property
    def name(self) -> str:
        return self.admin or self.user_id or "?"


@dataclass(frozen=True)
class Joined:
    session: LiveSession
    participant: Participant


class SessionsService:
    def __init__(
        self,
        store: QuorumStore,
        conferences: ConferencesService,
        users: UsersService,
        groups: GroupsService,
        endpoints: EndpointsService,
        pushes: Pushes,
        licensing: Licences,
        attendance: Attendance | None = None,
        publish: Publish = ignore,
    ) -> None:
        self.store = store
        self.licensing = licensing
        self.conferences = conferences
        self.users = users
        self.groups = groups
        self.endpoints = endpoints
        self.pushes = pushes
        self.attendance = attendance or Attendance(
            store, licensing, endpoints, pushes, conferences.runs
        )
        self.publish = publish
        """Reports what follows a leave (the end of a room left empty)."""

    # -- reading ----------------------------------------------------------------------

    def running(self, cid: str) -> tuple[Conference, LiveSession]:
        conference = self.conferences.get(cid)
        session = self._session_of(conference)
        if session is None:
            raise Conflict(
                f"conference {conference.cid} is not running",
                [FieldProblem("cid", "conflict", "the conference is not running")],
            )
        return conference, session

    def participants(self, cid: str, requester: Requester) -> list[dict[str, Any]]:
        """What the requester may see: a waiting participant sees nobody (§3.5); only
        moderators and admins see who waits."""
        _, session = self.running(cid)
        if requester.admin is None:
            own = self._own(session, requester)
            if own["state"] == WAITING:
                raise _waiting("the participant list")
        sees_waiting = requester.admin is not None or session.is_moderator(requester.user_id or "")
        return [view(p) for p in session.present() if p["state"] == JOINED or sees_waiting]

    def chat_audience(self, cid: str, requester: Requester) -> tuple[LiveSession, list[str]]:
        """The session and the user IDs a group-chat message from the requester reaches:
        the other joined participants. No chat in the waiting room (§3.5); a guest
        writes only when the webinar allows it (§14.4.7)."""
        conference, session = self.running(cid)
        own = self._own(session, requester)
        if own["state"] == WAITING:
            raise _waiting("chat")
        permissions = conference.param("guest_permissions") or {}
        if own["kind"] in (GUEST, REGISTRANT) and not permissions.get("send_messages", True):
            raise Forbidden(
                "guests may not send messages in this webinar (§14.4.7)",
                [FieldProblem("text", "invalid", "guests may not send messages here")],
            )
        others = {p["user_id"] for p in session.joined()} - {own["user_id"]}
        return session, sorted(others)

    def not_joined(self, cid: str) -> list[dict[str, Any]]:
        """Invitees not connected (the real-time manager's list, §14.3.2)."""
        conference, session = self.running(cid)
        present = {p["user_id"].lower() for p in session.present()}
        invited = conference.invitations
        if conference.owner not in {i["id"] for i in invited}:
            owner = {"id": conference.owner, "display_name": conference.owner, "is_moderator": True}
            invited = [owner, *invited]
        return [i for i in invited if i["id"].lower() not in present]

    # -- joining and leaving ----------------------------------------------------------

    def join(
        self,
        cid: str,
        *,
        user_id: str,
        kind: str,
        endpoint_id: str | None,
        display_name: str | None = None,
        pin: str | None = None,
        account: str | None = None,
    ) -> Joined:
        """Join by CID (§3.5, §14.4.6.1); joining a stopped virtual room starts it.
        The participant takes the licences of its kind in the same save (§5.2-§5.4);
        `account` is the user a SIP/H.323 device is signed in as (an online licence)."""

        def attempt() -> Joined:
            conference = self.conferences.get(cid)
            session = self._session_of(conference) or self._start_for(conference, user_id)
            joiner = self._joiner(conference, session, user_id, kind, display_name)
            check_may_join(
                conference,
                joiner,
                pin=pin,
                present=len(session.present()),
                guests_present=sum(p["kind"] in (GUEST, REGISTRANT) for p in session.present()),
            )
            participant = self._participant(conference, joiner, endpoint_id)
            pool = self.licensing.pool()
            refusal = self.licensing.take_for_participant(
                pool, kind, user_id, participant["participant_id"], session.session_id, account
            )
            if refusal is not None:
                self.store.save(pool)  # a PRO refusal is an event (pro_license_limit)
                raise unavailable("cid", refusal)
            session.join(participant)
            self.store.save(session, pool)  # one atomic batch: never more than licensed
            return Joined(session, session.participants[participant["participant_id"]])

        joined = with_retries(attempt, attempts=HOT_ATTEMPTS)
        self._set_status(joined.session, joined.participant, active=True)
        self._announce(joined.session, joined.participant, joined.participant["state"])
        return joined

    def leave(self, cid: str, requester: Requester) -> None:
        """The requester hangs up (from the endpoint they joined with)."""
        _, session = self.running(cid)
        self._leave(session.session_id, self._own(session, requester)["participant_id"], "hangup")

    def leave_endpoint(self, user_id: str, endpoint_id: str, cause: str) -> None:
        """The endpoint went away: it leaves every session it was in (recorded once)."""
        for session_id in self.endpoints.conferences_of(user_id):
            session = find(self.store, LiveSession.create_id(session_id), LiveSession)
            participant = session.of_endpoint(endpoint_id) if session else None
            if participant is not None:
                self._leave(session_id, participant["participant_id"], cause)

    def leave_device(self, cid: str, participant_id: str, cause: str) -> None:
        """A SIP/H.323/RTSP device hung up or was lost (told by the device gateway)."""
        _, session = self.running(cid)
        participant = session.get(participant_id)
        if participant["kind"] != ENDPOINT:
            raise invalid("participant_id", "not a SIP/H.323/RTSP participant")
        self._leave(session.session_id, participant["participant_id"], cause)

    def remove(self, cid: str, participant_id: str, requester: Requester) -> None:
        conference, session = self.running(cid)
        self._moderating(conference, session, requester)
        self._leave(session.session_id, session.get(participant_id)["participant_id"], "removed")

    def _leave(self, session_id: str, participant_id: str, cause: str) -> None:
        for outcome in self.attendance.leave(session_id, participant_id, cause):
            self.publish(outcome)

    # -- moderating (§2.3, §14.3) -----------------------------------------------------

    def admit(self, cid: str, participant_id: str, requester: Requester) -> Participant:
        return self._moderate(cid, participant_id, requester, lambda s, p: s.admit(p), "admitted")

    def set_moderator(
        self, cid: str, participant_id: str, granted: bool, requester: Requester
    ) -> Participant:
        return self._moderate(
            cid,
            participant_id,
            requester,
            lambda s, p: s.set_moderator(s.participants[p]["user_id"], granted),
        )

    def set_podium(
        self, cid: str, participant_id: str, on: bool, requester: Requester
    ) -> Participant:
        return self._moderate(cid, participant_id, requester, lambda s, p: s.set_podium(p, on))

    def set_media(
        self,
        cid: str,
        participant_id: str,
        microphone: bool | None,
        camera: bool | None,
        requester: Requester,
    ) -> Participant:
        """None: that device as it is."""
        return self._moderate(
            cid, participant_id, requester, lambda s, p: s.set_media(p, microphone, camera)
        )

    def speaking(self, cid: str, requester: Requester) -> list[Participant]:
        """A smart meeting's client reports voice activity or content (§3.3)."""

        def attempt() -> tuple[LiveSession, list[tuple[str, bool]]]:
            _, session = self.running(cid)
            own = self._own(session, requester)
            changes = session.speaking(own["participant_id"])
            if changes:
                self.store.save(session)
            return session, changes

        session, changes = with_retries(attempt)
        changed = [session.participants[pid] for pid, _ in changes]
        for participant in changed:
            self._announce(session, participant, "updated")
        return changed

    def set_lock(self, cid: str, locked: bool, requester: Requester) -> Conference:
        conference, session = self.running(cid)
        self._moderating(conference, session, requester)
        conference = self.conferences.set_lock(conference.cid, locked)
        self._tell_everyone(session, "conference.state", _state(conference))
        return conference

    def set_pin(self, cid: str, pin: str | bool | None, requester: Requester) -> Conference:
        """Change or disable the PIN of a running conference (LIVE-02)."""
        conference, session = self.running(cid)
        self._moderating(conference, session, requester)
        conference = self.conferences.set_pin(conference.cid, pin)
        self._tell_everyone(session, "conference.state", _state(conference))
        return conference

    def end(self, cid: str, requester: Requester) -> str:
        """The owner or a moderator ends the conference for everyone."""
        conference, session = self.running(cid)
        self._moderating(conference, session, requester)
        return self.conferences.stop(conference.cid, "admin" if requester.admin else "moderator")

    # -- calling people in (§14.3.1, §16.2.2) -----------------------------------------

    def invite(self, cid: str, recipients: list[str], requester: Requester) -> list[str]:
        """Call users or devices into the running conference; returns who was called."""
        conference, session = self.running(cid)
        self._moderating(conference, session, requester)
        # Checked here, once the requester is known to moderate (a frame's value as sent).
        if not isinstance(recipients, list) or not recipients:
            raise invalid("participants", "a non-empty list of user IDs or call strings")
        called = [self._recipient(r, f"participants.{i}") for i, r in enumerate(recipients)]
        return self._call(conference, called, requester.name)

    def call_again(self, cid: str, requester: Requester) -> list[str]:
        """Re-invite every invitee not connected ("Call again", LIVE-05)."""
        conference, session = self.running(cid)
        self._moderating(conference, session, requester)
        recipients = [
            i["id"]
            for i in self.not_joined(cid)
            if invitation_kind(i["id"]) in (USER_INVITATION, ENDPOINT_INVITATION)
        ]
        return self._call(conference, recipients, requester.name)

    def _call(self, conference: Conference, recipients: list[str], by: str) -> list[str]:
        return self.attendance.call(conference, recipients, by)

    def _recipient(self, value: str, field: str) -> str:
        if not isinstance(value, str) or not value:
            raise invalid(field, "a user ID or a call string")
        if invitation_kind(value) == ENDPOINT_INVITATION:
            return value
        if invitation_kind(value) != USER_INVITATION:
            raise invalid(field, "only users and SIP/H.323/RTSP devices can be called in")
        user = self.users.find(value)
        if user is None:
            raise NotFound(f"no user {value!r}", [FieldProblem(field, "notFound", "no such user")])
        return user.user_id

    # -- helpers ----------------------------------------------------------------------

    def _session_of(self, conference: Conference) -> LiveSession | None:
        if not conference.is_running or conference.session_id is None:
            return None
        session = find(self.store, LiveSession.create_id(conference.session_id), LiveSession)
        return session or open_session(conference)  # started before sessions were kept

    def _start_for(self, conference: Conference, user_id: str) -> LiveSession:
        if conference.schedule["type"] != NONE:
            raise Conflict(
                f"conference {conference.cid} has not started",
                [FieldProblem("cid", "conflict", "the conference has not started")],
            )
        session_id = self.conferences.start_session(conference, "participant")
        return self._load(session_id)

    def _load(self, session_id: str) -> LiveSession:
        return self.attendance.load(session_id)

    def _joiner(
        self,
        conference: Conference,
        session: LiveSession,
        user_id: str,
        kind: str,
        display_name: str | None,
    ) -> Joiner:
        name = display_name or user_id
        operator = False
        if kind == USER:
            user = self.users.get(user_id)
            name = str(user.profile.get("display_name") or user_id)
            operator = self.groups.rights_of(user.group_ids)["operator"]
        calls = session.invitations_of(user_id)
        pre_invited = user_id in session.pre_invited or (
            kind == REGISTRANT and user_id in conference.registrant_ids
        )
        return Joiner(
            user_id=user_id,
            display_name=name,
            kind=kind,
            moderator=operator or user_id in conference.moderators or session.is_moderator(user_id),
            pre_invited=pre_invited,
            invited_live=bool(calls),
            invited_while_locked=any(c["while_locked"] for c in calls),
        )

    def _participant(
        self, conference: Conference, joiner: Joiner, endpoint_id: str | None
    ) -> Participant:
        interpretation = conference.param("interpretation") or {}
        device = joiner.kind == ENDPOINT  # SIP/H.323 ignore the mute-on-join flags
        return {
            "participant_id": new_participant_id(),
            "user_id": joiner.user_id,
            "display_name": joiner.display_name,
            "kind": joiner.kind,
            "endpoint_id": endpoint_id,
            "state": WAITING if waits(conference, joiner) else JOINED,
            "role": OWNER
            if joiner.user_id == conference.owner
            else MODERATOR
            if joiner.moderator
            else PARTICIPANT,
            "podium": False,
            "microphone": device or not conference.param("on_join_mute_mic"),
            "camera": device or not conference.param("on_join_mute_camera"),
            "interpreter": any(
                i["user_id"] == joiner.user_id for i in interpretation.get("interpreters", [])
            ),
            "joined_at": now().isoformat(),
        }

    def _own(self, session: LiveSession, requester: Requester) -> Participant:
        """The requester's participant: the one on their endpoint, else their only one."""
        own = [
            p
            for p in session.of_user(requester.user_id or "")
            if requester.endpoint_id is None or p["endpoint_id"] == requester.endpoint_id
        ]
        if not own:
            raise Forbidden(
                "you are not in this conference",
                [FieldProblem("cid", "invalid", "not a participant of this conference")],
            )
        return own[0]

    def _moderating(
        self, conference: Conference, session: LiveSession, requester: Requester
    ) -> None:
        """Admins, and the owner, moderators and operators taking part (§2.3)."""
        if requester.admin is not None:
            return
        own = self._own(session, requester)
        if own["state"] == WAITING:
            raise _waiting("moderation")
        if own["role"] == PARTICIPANT and not session.is_moderator(own["user_id"]):
            raise Forbidden("only the owner, moderators and operators can do this (§2.3)")

    def _moderate(
        self,
        cid: str,
        participant_id: str,
        requester: Requester,
        change: Callable[[LiveSession, str], object],
        announced: str = "updated",
    ) -> Participant:
        """A moderator's `change` to one participant, saved when it changed anything."""

        def attempt() -> tuple[LiveSession, Participant]:
            conference, session = self.running(cid)
            self._moderating(conference, session, requester)
            target = session.get(participant_id)["participant_id"]
            version = session.version
            change(session, target)
            if session.version != version:
                self.store.save(session)
            return session, session.participants[target]

        session, participant = with_retries(attempt)
        if announced == "updated":
            # a moderator named or unnamed applies to every connection of that user
            for p in session.of_user(participant["user_id"]):
                self._announce(session, p, announced)
        else:
            self._announce(session, participant, announced)
        return participant

    def _set_status(self, session: LiveSession, participant: Participant, active: bool) -> None:
        self.attendance.set_status(session, participant, active)

    def _announce(
        self, session: LiveSession, participant: Participant, change: str, cause: str = ""
    ) -> None:
        self.attendance.announce(session, participant, change, cause)

    def _tell_everyone(self, session: LiveSession, event: str, data: dict[str, Any]) -> None:
        audience = {p["user_id"] for p in session.present()}
        self.pushes.push_all(audience, event, {"cid": session.cid, **data})


def _state(conference: Conference) -> dict[str, Any]:
    return {
        "session_id": conference.session_id,
        "locked": conference.locked,
        "pin_required": conference.pin is not None,
    }


def _waiting(what: str) -> Forbidden:
    message = f"a participant in the waiting room has no {what} until admitted (§3.5)"
    return Forbidden(message, [FieldProblem("cid", "invalid", "in the waiting room")])
