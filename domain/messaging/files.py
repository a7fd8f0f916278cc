"""Files sent in chats (guide §13.3.1 rights 7-8, §16.2.2 file list, §9.5).

A `ChatFile` is the fact that a user uploaded a file; its bytes live outside the event
store (a port, `FileBytes`: the JetStream Object Store in production). Each message
that carries the file records `Shared` on it, in the same save as the message, so who
may download it is read from the file's own events: its sender, the recipients of the
messages that carried it, and whoever took part in a session it was sent in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO, Protocol

from eventsourcing.domain import event

from domain.shared.audited import AuditedAggregate
from domain.shared.errors import DomainError, NotFound

MAX_NAME = 255
DEFAULT_CONTENT_TYPE = "application/octet-stream"
SEND_RIGHT, DOWNLOAD_RIGHT = "file_send", "file_download"


class FileTooLarge(DomainError):
    """Over the size limit (`QUORUM_MAX_FILE_MB`); the API answers 413."""


class FileGone(NotFound):
    """The file was deleted by an administrator; the API answers 410."""


class FileBytes(Protocol):
    """Where the bytes of chat files are kept, by file ID."""

    def put(self, file_id: str, data: BinaryIO) -> int:
        """Store `data` (read to its end); returns the number of bytes stored."""

    def get(self, file_id: str, into: BinaryIO) -> bool:
        """Write the bytes into `into`; False if there are none."""

    def delete(self, file_id: str) -> bool:
        """Remove the bytes; False if there were none."""


@dataclass
class ChatFile(AuditedAggregate):
    name: str
    size: int
    content_type: str
    sender: str
    shared_with: list[str] = field(default_factory=list, init=False)
    """Every user a message carrying the file was addressed to."""
    sessions: list[str] = field(default_factory=list, init=False)
    """Conference sessions whose group chat the file was sent to."""
    deleted_at: datetime | None = field(default=None, init=False)

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        """Uploaded."""

        name: str
        size: int
        content_type: str
        sender: str

    class Shared(AuditedAggregate.Event):
        """Attached to a message (personal: one recipient; group: the session's)."""

        message_id: str
        recipients: list[str]
        session_id: str | None

    class Deleted(AuditedAggregate.Event):
        """Removed from the server by an administrator (§16.2.2)."""

        at: datetime

    @property
    def file_id(self) -> str:
        return str(self.id)

    @property
    def uploaded(self) -> datetime:
        return self.created_on

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def summary(self) -> dict[str, Any]:
        """What a message carries: `{file_id, name, size}`."""
        return {"file_id": self.file_id, "name": self.name, "size": self.size}

    @event(Shared)
    def share(self, message_id: str, recipients: list[str], session_id: str | None) -> None:
        self.shared_with = sorted({*self.shared_with, *recipients})
        if session_id is not None and session_id not in self.sessions:
            self.sessions = [*self.sessions, session_id]

    def delete(self, at: datetime) -> bool:
        if self.deleted:
            return False
        self._deleted(at=at)
        return True

    @event(Deleted)
    def _deleted(self, at: datetime) -> None:
        self.deleted_at = at


def clean_name(value: object) -> str:
    """The file's own name, without any directory a client sent along."""
    name = os.path.basename(str(value or "").replace("\\", "/")).strip()
    name = "".join(c for c in name if c.isprintable())
    return name[:MAX_NAME] or "file"
