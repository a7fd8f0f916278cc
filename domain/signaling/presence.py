"""A user's status (guide §13.1, §16.1; FEATURES ID-12), derived from their connected
endpoints, calls and conference sessions: -2 inactive, 0 offline, 1 online while any
endpoint is connected, 2 busy in a call or a conference, 5 in a conference as its
owner."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.shared.audited import AuditedAggregate

INACTIVE, OFFLINE, ONLINE, BUSY, OWNER = -2, 0, 1, 2, 5


@dataclass
class Presence(AuditedAggregate):
    user_id: str
    endpoints: list[str] = field(default_factory=list, init=False)
    calls: list[str] = field(default_factory=list, init=False)
    """Active calls (call IDs): busy while any."""
    conferences: list[str] = field(default_factory=list, init=False)
    """Sessions the user is in (session IDs): busy while any."""
    owning: list[str] = field(default_factory=list, init=False)
    """Of those, the sessions of conferences the user owns: status 5."""
    status: int = field(default=OFFLINE, init=False)

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        user_id: str

    class EndpointsChanged(AuditedAggregate.Event):
        endpoints: list[str]

    class CallsChanged(AuditedAggregate.Event):
        calls: list[str]

    class ConferencesChanged(AuditedAggregate.Event):
        conferences: list[str]
        owning: list[str]

    class StatusChanged(AuditedAggregate.Event):
        user_id: str
        previous: int
        new: int

    @staticmethod
    def create_id(user_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/quorum/presence/{user_id.lower()}")

    def connect(self, endpoint_id: str) -> bool:
        """Returns whether the status changed."""
        if endpoint_id not in self.endpoints:
            self._endpoints_changed(endpoints=[*self.endpoints, endpoint_id])
        return self._derive()

    def disconnect(self, endpoint_id: str) -> bool:
        if endpoint_id in self.endpoints:
            self._endpoints_changed(endpoints=[e for e in self.endpoints if e != endpoint_id])
        return self._derive()

    def in_call(self, call_id: str, active: bool) -> bool:
        calls = [c for c in self.calls if c != call_id] + ([call_id] if active else [])
        if calls != self.calls:
            self._calls_changed(calls=calls)
        return self._derive()

    def in_conference(self, session_id: str, active: bool, as_owner: bool) -> bool:
        conferences = [c for c in self.conferences if c != session_id]
        owning = [c for c in self.owning if c != session_id]
        if active:
            conferences.append(session_id)
            if as_owner:
                owning.append(session_id)
        if (conferences, owning) != (self.conferences, self.owning):
            self._conferences_changed(conferences=conferences, owning=owning)
        return self._derive()

    @event(ConferencesChanged)
    def _conferences_changed(self, conferences: list[str], owning: list[str]) -> None:
        self.conferences, self.owning = list(conferences), list(owning)

    @event(CallsChanged)
    def _calls_changed(self, calls: list[str]) -> None:
        self.calls = list(calls)

    def _derive(self) -> bool:
        if not self.endpoints:
            status = OFFLINE
        elif self.owning:
            status = OWNER
        elif self.calls or self.conferences:
            status = BUSY
        else:
            status = ONLINE
        if status == self.status:
            return False
        self._status_changed(user_id=self.user_id, previous=self.status, new=status)
        return True

    @event(EndpointsChanged)
    def _endpoints_changed(self, endpoints: list[str]) -> None:
        self.endpoints = list(endpoints)

    @event(StatusChanged)
    def _status_changed(self, user_id: str, previous: int, new: int) -> None:
        self.status = new
