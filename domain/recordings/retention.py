"""Automatic deletion of old recordings (guide §9.6 item 7; FEATURES REC-07, Z-4).

A recording is kept `keep_days` days after it ended; then the sweep deletes it. One
sweep is one `RecordingsExpired` fact with its count: the Events report's single
`delete_video_recordings` row (source server), however many recordings went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.recordings.recording import Recording
from domain.shared.audited import AuditedAggregate

SWEEP_EVERY = timedelta(days=1)


@dataclass
class RecordingsExpired(AuditedAggregate):
    keep_days: int
    before: datetime
    """Recordings that ended before this moment were deleted."""
    recording_ids: list[str]
    count: int

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        keep_days: int
        before: datetime
        recording_ids: list[str]
        count: int


def cutoff(at: datetime, keep_days: int) -> datetime:
    return at - timedelta(days=keep_days)


def expired(recording: Recording, before: datetime) -> bool:
    """Finished, not yet deleted, and ended before `before`."""
    if recording.deleted or recording.duration is None:
        return False
    return recording.started_at + timedelta(seconds=recording.duration) < before
