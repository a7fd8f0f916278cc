"""Chat messages (guide §16.3): each message is a fact; delivery is another."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

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


@dataclass
class Mailbox(AuditedAggregate):
    """A user's messages not yet handed to any of their applications."""

    user_id: str
    waiting: list[str] = field(default_factory=list, init=False)

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        user_id: str

    class Queued(AuditedAggregate.Event):
        message_id: str

    class Emptied(AuditedAggregate.Event):
        message_ids: list[str]

    @staticmethod
    def create_id(user_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/quorum/mailboxes/{user_id.lower()}")

    @event(Queued)
    def queue(self, message_id: str) -> None:
        self.waiting = [*self.waiting, message_id]

    def take(self, message_ids: list[str]) -> bool:
        taken = [m for m in message_ids if m in self.waiting]
        if taken:
            self._emptied(message_ids=taken)
        return bool(taken)

    @event(Emptied)
    def _emptied(self, message_ids: list[str]) -> None:
        self.waiting = [m for m in self.waiting if m not in message_ids]
