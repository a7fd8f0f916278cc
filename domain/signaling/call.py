"""Point-to-point calls (guide §3.1, §13.2.2): invite, ring, accept or reject, hang up;
an unanswered call is missed. A call is a session of the call history ("Video call")."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from eventsourcing.domain import event

from domain.shared.audited import AuditedAggregate
from domain.shared.errors import Conflict, FieldProblem

RINGING, ACTIVE, ENDED = "ringing", "active", "ended"
RING_SECONDS = 30.0
"""How long a call rings before it is missed."""


def new_session_id() -> str:
    return secrets.token_hex(8)


@dataclass
class Call(AuditedAggregate):
    session_id: str
    caller: str
    callee: str
    caller_endpoint: str
    state: str = field(default=RINGING, init=False)
    callee_endpoint: str | None = field(default=None, init=False)
    answered_at: datetime | None = field(default=None, init=False)
    ended_at: datetime | None = field(default=None, init=False)
    outcome: str | None = field(default=None, init=False)
    """'completed', 'rejected', 'missed' or 'cancelled'."""

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        """The caller invites the callee; the callee's endpoints ring."""

        session_id: str
        caller: str
        callee: str
        caller_endpoint: str

    class Accepted(AuditedAggregate.Event):
        endpoint_id: str
        at: datetime

    class Rejected(AuditedAggregate.Event):
        at: datetime

    class Missed(AuditedAggregate.Event):
        at: datetime
        reason: str
        """'timeout' or 'offline'."""

    class Ended(AuditedAggregate.Event):
        by: str
        cause: str
        """'hangup', 'cancelled' (the caller hung up while ringing), 'connection lost'."""
        at: datetime

    def parties(self) -> tuple[str, str]:
        return self.caller, self.callee

    def other(self, user_id: str) -> str:
        return self.callee if user_id == self.caller else self.caller

    def _expect(self, *states: str) -> None:
        if self.state not in states:
            raise Conflict(
                f"the call is {self.state}",
                [FieldProblem("call_id", "conflict", f"the call is {self.state}")],
            )

    def accept(self, endpoint_id: str, at: datetime) -> None:
        self._expect(RINGING)
        self._accepted(endpoint_id=endpoint_id, at=at)

    @event(Accepted)
    def _accepted(self, endpoint_id: str, at: datetime) -> None:
        self.state, self.callee_endpoint, self.answered_at = ACTIVE, endpoint_id, at

    def reject(self, at: datetime) -> None:
        self._expect(RINGING)
        self._rejected(at=at)

    @event(Rejected)
    def _rejected(self, at: datetime) -> None:
        self.state, self.ended_at, self.outcome = ENDED, at, "rejected"

    def miss(self, at: datetime, reason: str) -> bool:
        if self.state != RINGING:
            return False  # answered or ended meanwhile
        self._missed(at=at, reason=reason)
        return True

    @event(Missed)
    def _missed(self, at: datetime, reason: str) -> None:
        self.state, self.ended_at, self.outcome = ENDED, at, "missed"

    def end(self, by: str, cause: str, at: datetime) -> bool:
        if self.state == ENDED:
            return False  # recorded once, whoever notices first
        self._ended(by=by, cause=cause, at=at)
        return True

    @event(Ended)
    def _ended(self, by: str, cause: str, at: datetime) -> None:
        self.outcome = "completed" if self.state == ACTIVE else "cancelled"
        self.state, self.ended_at = ENDED, at
