"""A recording of a conference session or a P2P call (guide §16.5, §9.6).

A media node records; what it publishes are facts on the recording: it started, it
finished (with the file it produced), and later it was deleted, by an administrator
or by the retention rule (REC-07). The bytes live outside the event store, under the
file ID the `Finished` fact names."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.shared.audited import AuditedAggregate

NO_TITLE = "(no title)"
"""The conference name the report shows for a P2P call recording (§16.5)."""
MANUAL, AUTOMATIC = "manual", "automatic"
"""How a recording was deleted: by an administrator, or by the retention rule."""


@dataclass
class Recording(AuditedAggregate):
    session_id: str
    conference_id: str
    """The conference's ID (CID); empty for a P2P call."""
    conference_name: str
    owner: str
    started_at: datetime
    duration: int | None = field(default=None, init=False)
    """Seconds; None while recording."""
    size: int | None = field(default=None, init=False)
    """Bytes of the file."""
    file_id: str | None = field(default=None, init=False)
    file_format: str | None = field(default=None, init=False)
    deleted_at: datetime | None = field(default=None, init=False)

    class Started(AuditedAggregate.Created, AuditedAggregate.Event):
        session_id: str
        conference_id: str
        conference_name: str
        owner: str
        started_at: datetime

    class Finished(AuditedAggregate.Event):
        session_id: str
        duration: int
        size: int
        file_id: str
        file_format: str

    class Deleted(AuditedAggregate.Event):
        session_id: str
        how: str
        """MANUAL (an administrator) or AUTOMATIC (retention)."""
        at: datetime

    @property
    def recording_id(self) -> str:
        return str(self.id)

    @property
    def finished(self) -> bool:
        return self.file_id is not None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def finish(self, duration: int, size: int, file_id: str, file_format: str) -> None:
        self._finished(
            session_id=self.session_id,
            duration=duration,
            size=size,
            file_id=file_id,
            file_format=file_format,
        )

    @event(Finished)
    def _finished(
        self, session_id: str, duration: int, size: int, file_id: str, file_format: str
    ) -> None:
        self.duration, self.size = duration, size
        self.file_id, self.file_format = file_id, file_format

    @event(Deleted)
    def _deleted(self, session_id: str, how: str, at: datetime) -> None:
        self.deleted_at = at

    def delete(self, how: str, at: datetime) -> bool:
        """False if it was already deleted (nothing to record)."""
        if self.deleted:
            return False
        self._deleted(session_id=self.session_id, how=how, at=at)
        return True


def recording_uuid(value: object) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None
