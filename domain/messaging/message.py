"""Chat messages (guide §16.3): each message is a fact; delivery is another."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from eventsourcing.domain import event

from domain.shared.audited import AuditedAggregate

MAX_TEXT = 4096


@dataclass
class ChatMessage(AuditedAggregate):
    sender: str
    recipient: str
    """A user ID (personal chat); group chat in a session comes with conference joining."""
    text: str
    session_id: str | None
    delivered_at: datetime | None = field(default=None, init=False)

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        """Sent."""

        sender: str
        recipient: str
        text: str
        session_id: str | None

    class Delivered(AuditedAggregate.Event):
        at: datetime

    def deliver(self, at: datetime) -> bool:
        if self.delivered_at is not None:
            return False
        self._delivered(at=at)
        return True

    @event(Delivered)
    def _delivered(self, at: datetime) -> None:
        self.delivered_at = at
