"""A conference (guide §3, §14; API.md `conferences`): its parameters, its CID, its
sessions, its lock, its registrants. The ID is random: the CID can change, so its
uniqueness is kept by the CID index (`cid_index.ConferenceId`).

The aggregate guards what depends on its state (a running conference is not edited or
deleted; only a running one is locked); the parameters are checked before they reach
it (`parameters.check_parameters`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from eventsourcing.domain import event

from domain.conferencing.parameters import PUBLIC
from domain.shared.audited import AuditedAggregate
from domain.shared.changes import changes_between
from domain.shared.errors import Conflict, FieldProblem

Change = dict[str, Any]
"""{"parameter": name, "previous": value, "new": value} (the §16.4 report's rows)."""

STOPPED = "stopped"
RUNNING = "running"
START_CAUSES = ("admin", "schedule", "participant")
"""Launched by an admin (§14.1), by its schedule, or by a participant joining a room."""
END_CAUSES = ("admin", "schedule", "empty", "moderator", "server")
"""Stopped by an admin (§14.3.1), at the end of its occurrence, when the last
participant left, by the owner or a moderator for everyone, or by a server shutdown."""
DELETE_CAUSES = ("admin", "auto")
"""Deleted by an admin or owner, or by the automatic deletion (§14.7.1)."""


@dataclass
class Conference(AuditedAggregate):
    cid: str
    """The conference ID (§3.4), as given; unique without regard to case."""
    parameters: dict[str, Any]
    """Everything `parameters.PARAMETERS` lists, checked and with defaults applied."""
    state: str = field(default=STOPPED, init=False)
    session_id: str | None = field(default=None, init=False)
    """The ongoing session: 16 hex digits, new at each start (FEATURES ID-08)."""
    locked: bool = field(default=False, init=False)
    """Only while running: back to unlocked whenever a session ends (§14.3.1)."""
    registrants: list[dict[str, Any]] = field(default_factory=list, init=False)
    """Webinar registrants {id (#guest2:…), display_name, email, answers} (§14.4.8)."""
    last_started_at: datetime | None = field(default=None, init=False)
    last_ended_at: datetime | None = field(default=None, init=False)
    sessions: int = field(default=0, init=False)
    """How many sessions it has had."""
    deleted: bool = field(default=False, init=False)

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        cid: str
        parameters: dict[str, Any]

    class Edited(AuditedAggregate.Event):
        cid: str
        """The conference's ID at the time (the report's `id: X -> X` row)."""
        changes: list[Change]

    class CidChanged(AuditedAggregate.Event):
        previous: str
        new: str

    class PinChanged(AuditedAggregate.Event):
        previous: str | None
        new: str | None

    class LockChanged(AuditedAggregate.Event):
        locked: bool

    class LayoutChanged(AuditedAggregate.Event):
        previous: dict[str, Any] | None
        new: dict[str, Any] | None

    class InvitationsAdded(AuditedAggregate.Event):
        invitations: list[dict[str, Any]]

    class InvitationRemoved(AuditedAggregate.Event):
        invitation_id: str

    class SessionStarted(AuditedAggregate.Event):
        session_id: str
        cause: str
        at: datetime

    class SessionEnded(AuditedAggregate.Event):
        session_id: str
        cause: str
        at: datetime

    class Registered(AuditedAggregate.Event):
        registrant: dict[str, Any]
        invitation: dict[str, Any]

    class Deleted(AuditedAggregate.Event):
        cid: str
        cause: str

    # -- reading ----------------------------------------------------------------------

    def param(self, name: str) -> Any:
        return self.parameters.get(name)

    @property
    def topic(self) -> str:
        return str(self.parameters["topic"])

    @property
    def owner(self) -> str:
        return str(self.parameters["owner"])

    @property
    def access(self) -> str:
        return str(self.parameters["access"])

    @property
    def is_public(self) -> bool:
        return self.access == PUBLIC

    @property
    def mode(self) -> str:
        return str(self.parameters["mode"])

    @property
    def schedule(self) -> dict[str, Any]:
        schedule: dict[str, Any] = self.parameters["schedule"]
        return schedule

    @property
    def invitations(self) -> list[dict[str, Any]]:
        invitations: list[dict[str, Any]] = self.parameters["invitations"]
        return invitations

    @property
    def pin(self) -> str | None:
        pin: str | None = self.parameters["pin"]
        return pin

    @property
    def registration(self) -> dict[str, Any] | None:
        registration: dict[str, Any] | None = self.parameters["registration"]
        return registration

    @property
    def is_running(self) -> bool:
        return self.state == RUNNING

    @property
    def registrant_ids(self) -> set[str]:
        return {r["id"] for r in self.registrants}

    @property
    def moderators(self) -> set[str]:
        """The owner and the invitees marked as moderators (§14.4.2)."""
        return {self.owner, *(i["id"] for i in self.invitations if i["is_moderator"])}

    def details(self) -> dict[str, Any]:
        """The API's `conference` object."""
        return {
            "id": self.cid,
            **self.parameters,
            "state": self.state,
            "session_id": self.session_id,
            "locked": self.locked,
            "created_at": int(self.created_on.timestamp()),
        }

    def read_only(self) -> dict[str, Any]:
        """The read-only fields as `details` shows them (an edit may send them back)."""
        shown = self.details()
        return {k: shown[k] for k in ("state", "session_id", "created_at", "locked")}

    # -- changing ---------------------------------------------------------------------

    def ensure_editable(self) -> None:
        if self.is_running:
            raise Conflict(
                f"conference {self.cid} is running: only its PIN, lock, layout, ID and "
                "participants can be changed, or it can be stopped (§14.3)",
                [FieldProblem("state", "conflict", "the conference is running")],
            )

    def edit(self, parameters: dict[str, Any]) -> list[Change]:
        self.ensure_editable()
        changes = changes_between(self.parameters, parameters)
        if changes:
            self._edited(cid=self.cid, changes=changes)
        return changes

    @event(Edited)
    def _edited(self, cid: str, changes: list[Change]) -> None:
        self.parameters = {**self.parameters, **{c["parameter"]: c["new"] for c in changes}}

    def change_cid(self, new: str) -> bool:
        if new == self.cid:
            return False
        self._cid_changed(previous=self.cid, new=new)
        return True

    @event(CidChanged)
    def _cid_changed(self, previous: str, new: str) -> None:
        self.cid = new

    def set_pin(self, pin: str | None) -> bool:
        if pin == self.pin:
            return False
        self._pin_changed(previous=self.pin, new=pin)
        return True

    @event(PinChanged)
    def _pin_changed(self, previous: str | None, new: str | None) -> None:
        self.parameters = {**self.parameters, "pin": new}

    def set_lock(self, locked: bool) -> bool:
        if not self.is_running:
            raise Conflict(
                f"conference {self.cid} is not running; only an ongoing conference is "
                "locked (§14.3.1)",
                [FieldProblem("locked", "conflict", "the conference is not running")],
            )
        if locked == self.locked:
            return False
        self._lock_changed(locked=locked)
        return True

    @event(LockChanged)
    def _lock_changed(self, locked: bool) -> None:
        self.locked = locked

    def set_layout(self, layout: dict[str, Any] | None) -> bool:
        previous = self.parameters.get("layout")
        if layout == previous:
            return False
        self._layout_changed(previous=previous, new=layout)
        return True

    @event(LayoutChanged)
    def _layout_changed(self, previous: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        self.parameters = {**self.parameters, "layout": new}

    def add_invitations(self, invitations: list[dict[str, Any]]) -> None:
        self._invitations_added(invitations=invitations)

    @event(InvitationsAdded)
    def _invitations_added(self, invitations: list[dict[str, Any]]) -> None:
        self.parameters = {**self.parameters, "invitations": [*self.invitations, *invitations]}

    @event(InvitationRemoved)
    def remove_invitation(self, invitation_id: str) -> None:
        self.parameters = {
            **self.parameters,
            "invitations": [i for i in self.invitations if i["id"] != invitation_id],
        }

    def start(self, session_id: str, cause: str, at: datetime) -> None:
        if self.is_running:
            raise Conflict(
                f"conference {self.cid} is already running (session {self.session_id})",
                [FieldProblem("state", "conflict", "the conference is running")],
            )
        self._session_started(session_id=session_id, cause=cause, at=at)

    @event(SessionStarted)
    def _session_started(self, session_id: str, cause: str, at: datetime) -> None:
        self.state, self.session_id, self.locked = RUNNING, session_id, False
        self.last_started_at = at
        self.sessions += 1

    def end(self, cause: str, at: datetime) -> str:
        if not self.is_running or self.session_id is None:
            raise Conflict(
                f"conference {self.cid} is not running",
                [FieldProblem("state", "conflict", "the conference is not running")],
            )
        ended = self.session_id
        self._session_ended(session_id=ended, cause=cause, at=at)
        return ended

    @event(SessionEnded)
    def _session_ended(self, session_id: str, cause: str, at: datetime) -> None:
        self.state, self.session_id = STOPPED, None
        self.locked = False  # §14.3.1: every end unlocks
        self.last_ended_at = at

    def register(self, registrant: dict[str, Any]) -> None:
        invitation = {
            "id": registrant["id"],
            "display_name": registrant["display_name"],
            "is_moderator": False,
        }
        self._registered(registrant=registrant, invitation=invitation)

    @event(Registered)
    def _registered(self, registrant: dict[str, Any], invitation: dict[str, Any]) -> None:
        self.registrants = [*self.registrants, registrant]
        self.parameters = {**self.parameters, "invitations": [*self.invitations, invitation]}

    def delete(self, cause: str) -> None:
        if self.is_running:
            raise Conflict(
                f"conference {self.cid} is running; stop it before deleting it (§14.1)",
                [FieldProblem("state", "conflict", "the conference is running")],
            )
        self._deleted(cid=self.cid, cause=cause)

    @event(Deleted)
    def _deleted(self, cid: str, cause: str) -> None:
        self.deleted = True
