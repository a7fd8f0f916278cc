"""A conference's running session (guide §2.3, §3.5, §14.3): its participants (one per
connection), their roles, the podium, who was called in, and how each one left.

The aggregate is the consistency point of a session: every join, admission and
podium change goes through it with optimistic concurrency, so two gateway processes
can never let in more participants than the conference allows."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.conferencing.modes import ALL_ON_SCREEN, LECTURE, SMART
from domain.shared.audited import AuditedAggregate
from domain.shared.errors import Conflict, FieldProblem, NotFound

JOINED, WAITING = "joined", "waiting"
OWNER, MODERATOR, PARTICIPANT = "owner", "moderator", "participant"
LEAVE_CAUSES = ("hangup", "removed", "connection lost", "conference ended", "licence")
"""Hung up, removed by a moderator or an admin, the connection went away, the
conference ended for everyone, the participant lost their licence."""
SERVER = "server"
"""The inviter of the calls the server makes when a session starts (§16.2.2)."""

Participant = dict[str, Any]
"""{participant_id, user_id, display_name, kind, endpoint_id, state, role, podium,
microphone, camera, interpreter, joined_at}"""


def new_participant_id() -> str:
    return secrets.token_hex(8)


@dataclass
class LiveSession(AuditedAggregate):
    session_id: str
    conference_id: str
    cid: str
    owner: str
    mode: str
    podiums: int
    """How many may be on the podium at once (`modes.speakers`)."""
    pre_invited: list[str]
    """Invitation IDs on the list when the session started (lower case for users)."""
    participants: dict[str, Participant] = field(default_factory=dict, init=False)
    moderators: list[str] = field(default_factory=list, init=False)
    """User IDs made moderators during the session."""
    invited: list[dict[str, Any]] = field(default_factory=list, init=False)
    """Calls into the session: {recipient, by, at, while_locked}."""
    podium_order: list[str] = field(default_factory=list, init=False)
    """Participants on the podium, the longest there first (smart meetings replace it)."""
    ended: bool = field(default=False, init=False)

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        session_id: str
        conference_id: str
        cid: str
        owner: str
        mode: str
        podiums: int
        pre_invited: list[str]

    class Joined(AuditedAggregate.Event):
        participant: Participant

    class Admitted(AuditedAggregate.Event):
        participant_id: str

    class Left(AuditedAggregate.Event):
        participant_id: str
        user_id: str
        cause: str
        at: datetime

    class Invited(AuditedAggregate.Event):
        recipient: str
        by: str
        """A user ID, an admin's name, or `server` for the calls made at the start."""
        at: datetime
        while_locked: bool

    class ModeratorChanged(AuditedAggregate.Event):
        user_id: str
        granted: bool

    class PodiumChanged(AuditedAggregate.Event):
        participant_id: str
        on: bool
        reason: str
        """'moderator', 'voice' (smart meeting) or 'left'."""

    class MediaChanged(AuditedAggregate.Event):
        participant_id: str
        microphone: bool
        camera: bool

    class Ended(AuditedAggregate.Event):
        cause: str
        at: datetime

    @staticmethod
    def create_id(session_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/quorum/sessions/{session_id}")

    # -- reading ----------------------------------------------------------------------

    def present(self) -> list[Participant]:
        return list(self.participants.values())

    def joined(self) -> list[Participant]:
        return [p for p in self.participants.values() if p["state"] == JOINED]

    def get(self, participant_id: object) -> Participant:
        participant = self.participants.get(str(participant_id))
        if participant is None:
            raise NotFound(
                f"no participant {participant_id} in session {self.session_id}",
                [FieldProblem("participant_id", "notFound", "not in this conference")],
            )
        return participant

    def of_endpoint(self, endpoint_id: str) -> Participant | None:
        return next(
            (p for p in self.participants.values() if p["endpoint_id"] == endpoint_id), None
        )

    def of_user(self, user_id: str) -> list[Participant]:
        return [p for p in self.participants.values() if p["user_id"] == user_id]

    def is_moderator(self, user_id: str) -> bool:
        """Named in this session, or present as owner, moderator or operator."""
        if user_id == self.owner or user_id in self.moderators:
            return True
        return any(p["role"] != PARTICIPANT for p in self.of_user(user_id))

    def invitations_of(self, recipient: str) -> list[dict[str, Any]]:
        return [i for i in self.invited if i["recipient"] == recipient]

    # -- changing ---------------------------------------------------------------------

    def join(self, participant: Participant) -> None:
        self._expect_running()
        endpoint_id = participant.get("endpoint_id")
        if endpoint_id and self.of_endpoint(endpoint_id) is not None:
            raise Conflict(
                "this endpoint is already in the conference",
                [FieldProblem("cid", "conflict", "already joined from this endpoint")],
            )
        joined = participant["state"] == JOINED
        participant = {**participant, "podium": joined and self._podium_on_join(participant)}
        self._joined(participant=participant)

    @event(Joined)
    def _joined(self, participant: Participant) -> None:
        self.participants = {**self.participants, participant["participant_id"]: participant}
        if participant["podium"]:
            self.podium_order = [*self.podium_order, participant["participant_id"]]

    def admit(self, participant_id: str) -> Participant:
        participant = self.get(participant_id)
        if participant["state"] != WAITING:
            raise Conflict(
                f"{participant['display_name']} is not in the waiting room",
                [FieldProblem("participant_id", "conflict", "not waiting")],
            )
        self._admitted(participant_id=participant_id)
        if self._podium_on_join(participant) and self._free_podiums() > 0:
            self._podium_changed(participant_id=participant_id, on=True, reason="moderator")
        return self.participants[participant_id]

    @event(Admitted)
    def _admitted(self, participant_id: str) -> None:
        self._update(participant_id, state=JOINED)

    def leave(self, participant_id: str, cause: str, at: datetime) -> Participant | None:
        """None when the participant had already left (recorded once)."""
        participant = self.participants.get(participant_id)
        if participant is None:
            return None
        self._left(
            participant_id=participant_id, user_id=participant["user_id"], cause=cause, at=at
        )
        return participant

    @event(Left)
    def _left(self, participant_id: str, user_id: str, cause: str, at: datetime) -> None:
        self.participants = {k: v for k, v in self.participants.items() if k != participant_id}
        self.podium_order = [p for p in self.podium_order if p != participant_id]

    def invite(self, recipient: str, by: str, at: datetime, while_locked: bool) -> None:
        self._expect_running()
        self._invited(recipient=recipient, by=by, at=at, while_locked=while_locked)

    @event(Invited)
    def _invited(self, recipient: str, by: str, at: datetime, while_locked: bool) -> None:
        call = {"recipient": recipient, "by": by, "at": at, "while_locked": while_locked}
        self.invited = [*self.invited, call]

    def set_moderator(self, user_id: str, granted: bool) -> bool:
        if user_id == self.owner:
            raise Conflict(
                "the owner is always a moderator",
                [FieldProblem("moderator", "conflict", "the owner is always a moderator")],
            )
        if granted == (user_id in self.moderators) and all(
            p["role"] == (MODERATOR if granted else PARTICIPANT) for p in self.of_user(user_id)
        ):
            return False
        self._moderator_changed(user_id=user_id, granted=granted)
        return True

    @event(ModeratorChanged)
    def _moderator_changed(self, user_id: str, granted: bool) -> None:
        others = [m for m in self.moderators if m != user_id]
        self.moderators = [*others, user_id] if granted else others
        for p in self.of_user(user_id):
            self._update(p["participant_id"], role=MODERATOR if granted else PARTICIPANT)

    def set_podium(self, participant_id: str, on: bool) -> bool:
        """A moderator gives or takes the podium (role-based and smart meetings)."""
        participant = self.get(participant_id)
        if participant["podium"] == on:
            return False
        if on:
            self._check_may_take_podium(participant)
            if self._free_podiums() <= 0:
                raise Conflict(
                    f"all {self.podiums} podiums are taken",
                    [FieldProblem("podium", "conflict", f"all {self.podiums} podiums are taken")],
                )
        elif self.mode in (ALL_ON_SCREEN, LECTURE):
            raise self._fixed_podium()
        self._podium_changed(participant_id=participant_id, on=on, reason="moderator")
        return True

    def speaking(self, participant_id: str) -> list[tuple[str, bool]]:
        """A smart meeting gives the podium to whoever speaks or shares content; when
        every podium is taken, the one there longest gives way. Returns the changes."""
        participant = self.get(participant_id)
        if self.mode != SMART:
            raise Conflict(
                "only a smart meeting follows voice activity (§3.3)",
                [FieldProblem("cid", "conflict", "the conference is not a smart meeting")],
            )
        if participant["podium"]:
            return []
        self._check_may_take_podium(participant)
        changes: list[tuple[str, bool]] = []
        if self._free_podiums() <= 0 and self.podium_order:
            longest = self.podium_order[0]
            self._podium_changed(participant_id=longest, on=False, reason="voice")
            changes.append((longest, False))
        self._podium_changed(participant_id=participant_id, on=True, reason="voice")
        return [*changes, (participant_id, True)]

    @event(PodiumChanged)
    def _podium_changed(self, participant_id: str, on: bool, reason: str) -> None:
        self._update(participant_id, podium=on)
        rest = [p for p in self.podium_order if p != participant_id]
        self.podium_order = [*rest, participant_id] if on else rest

    def set_media(self, participant_id: str, microphone: bool | None, camera: bool | None) -> bool:
        participant = self.get(participant_id)
        mic = participant["microphone"] if microphone is None else microphone
        cam = participant["camera"] if camera is None else camera
        if (mic, cam) == (participant["microphone"], participant["camera"]):
            return False
        self._media_changed(participant_id=participant_id, microphone=mic, camera=cam)
        return True

    @event(MediaChanged)
    def _media_changed(self, participant_id: str, microphone: bool, camera: bool) -> None:
        self._update(participant_id, microphone=microphone, camera=camera)

    def end(self, cause: str, at: datetime) -> list[Participant]:
        """Everyone still there leaves with "conference ended"; returns them."""
        if self.ended:
            return []
        everyone = self.present()
        for p in everyone:
            self._left(
                participant_id=p["participant_id"],
                user_id=p["user_id"],
                cause="conference ended",
                at=at,
            )
        self._ended(cause=cause, at=at)
        return everyone

    @event(Ended)
    def _ended(self, cause: str, at: datetime) -> None:
        self.ended = True

    # -- rules ------------------------------------------------------------------------

    def _podium_on_join(self, participant: Participant) -> bool:
        """All on screen: everyone speaks; a lecture: the lecturer (owner) alone."""
        if participant["interpreter"]:
            return False
        if self.mode == ALL_ON_SCREEN:
            return True
        return self.mode == LECTURE and participant["user_id"] == self.owner

    def _check_may_take_podium(self, participant: Participant) -> None:
        if self.mode in (ALL_ON_SCREEN, LECTURE):
            raise self._fixed_podium()
        if participant["state"] != JOINED:
            raise Conflict(
                "a participant in the waiting room cannot take the podium (§3.5)",
                [FieldProblem("podium", "conflict", "the participant is waiting")],
            )
        if participant["interpreter"]:
            raise Conflict(
                "an interpreter is not placed in the layout (§14.4.3)",
                [FieldProblem("podium", "conflict", "the participant is an interpreter")],
            )

    def _fixed_podium(self) -> Conflict:
        why = "everyone is on screen" if self.mode == ALL_ON_SCREEN else "only the lecturer speaks"
        return Conflict(
            f"the podium is fixed in this mode: {why} (§3.3)",
            [FieldProblem("podium", "conflict", why)],
        )

    def _free_podiums(self) -> int:
        return self.podiums - len(self.podium_order)

    def _expect_running(self) -> None:
        if self.ended:
            raise Conflict(
                f"session {self.session_id} has ended",
                [FieldProblem("cid", "conflict", "the conference is not running")],
            )

    def _update(self, participant_id: str, **values: Any) -> None:
        current = self.participants[participant_id]
        self.participants = {**self.participants, participant_id: {**current, **values}}
