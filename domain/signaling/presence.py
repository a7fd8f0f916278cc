"""A user's status (guide §13.1, §16.1; FEATURES ID-12), derived from their connected
endpoints: -2 inactive, 0 offline, 1 online while any endpoint is connected. Busy (2)
and conference owner (5) come with calls and conferences."""

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
    status: int = field(default=OFFLINE, init=False)

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        user_id: str

    class EndpointsChanged(AuditedAggregate.Event):
        endpoints: list[str]

    class CallsChanged(AuditedAggregate.Event):
        calls: list[str]

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

    @event(CallsChanged)
    def _calls_changed(self, calls: list[str]) -> None:
        self.calls = list(calls)

    def _derive(self) -> bool:
        status = BUSY if self.calls and self.endpoints else ONLINE if self.endpoints else OFFLINE
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
