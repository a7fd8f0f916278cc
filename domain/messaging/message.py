"""Chat messages (guide §16.3): each message is a fact; delivery is another."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.shared.audited import AuditedAggregate

MAX_TEXT = 4096
GROUP_PREFIX = "\\c\\"
"""A group-chat message's recipient is `\\c\\<cid>` (the conference's call string),
with the session it was sent in as `session_id`."""
FILES_URL = "/api/v4/files"
UNAVAILABLE = "File unavailable: your groups do not allow downloading files"
"""What a user without the `file_download` right sees instead of a file (§13.3.1)."""


def group_recipient(cid: str) -> str:
    return f"{GROUP_PREFIX}{cid}"


@dataclass
class ChatMessage(AuditedAggregate):
    sender: str
    recipient: str
    """A user ID (personal chat), or `\\c\\<cid>` (a conference's group chat)."""
    text: str
    """May be empty when a file is attached."""
    session_id: str | None
    file: dict[str, Any] | None = None
    """`{file_id, name, size}` of an attached `ChatFile`; messages before files had none."""
    delivered_at: datetime | None = field(default=None, init=False)

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        """Sent."""

        sender: str
        recipient: str
        text: str
        session_id: str | None
        file: dict[str, Any] | None = None

    @property
    def cid(self) -> str | None:
        """The conference of a group-chat message."""
        if self.recipient.startswith(GROUP_PREFIX):
            return self.recipient[len(GROUP_PREFIX) :]
        return None

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


def message_view(message: ChatMessage, may_download: bool) -> dict[str, Any]:
    """A message as pushed to one recipient: the file's link if their groups allow
    downloading files, else the "unavailable" notice (§13.3.1, right 8)."""
    view: dict[str, Any] = {
        "message_id": str(message.id),
        "from": message.sender,
        "text": message.text,
        "sent_at": message.created_on.isoformat(),
    }
    if message.session_id is not None:
        view["session_id"] = message.session_id
    if message.cid is not None:
        view["cid"] = message.cid
    if message.file is not None:
        name, size = message.file["name"], message.file["size"]
        if may_download:
            file_id = message.file["file_id"]
            view["file"] = {
                "file_id": file_id,
                "name": name,
                "size": size,
                "url": f"{FILES_URL}/{file_id}",
            }
        else:
            view["file"] = {"name": name, "size": size, "available": False, "notice": UNAVAILABLE}
    return view
