"""The Conference Recordings report (guide §16.5; FEATURES RECR-01..04): one row per
finished recording that was not deleted — conference name ("(no title)" for a P2P
call), session ID, start, duration, owner, conference ID and size in MB. It has no
CSV export (§18.9, RECR-04)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from domain.recordings.recording import Recording
from projections.duck import DuckDBProjection
from projections.engine import on
from projections.report_spec import Condition, Filter, Report, contains, dates, equals

MB = 1024 * 1024
SHOWN = (
    "recording_id",
    "conference_name",
    "session_id",
    "date",
    "duration",
    "owner",
    "conference_id",
    "size_mb",
    "size",
    "file_format",
)
"""`date` is the start of the recording; `duration` in seconds, `size` in bytes."""
SORTABLE = SHOWN[1:]


class RecordingsReport(DuckDBProjection):
    name = "recordings"
    table = "recordings"
    key_column = "recording_id"
    columns = (
        "seq",
        "recording_id",
        "date",
        "conference_name",
        "session_id",
        "owner",
        "conference_id",
    )
    table_ddl = """
        CREATE TABLE IF NOT EXISTS recordings (
            seq BIGINT NOT NULL,
            recording_id VARCHAR PRIMARY KEY,
            date TIMESTAMPTZ NOT NULL,
            conference_name VARCHAR NOT NULL,
            session_id VARCHAR NOT NULL,
            owner VARCHAR NOT NULL,
            conference_id VARCHAR NOT NULL,
            duration BIGINT,
            size BIGINT,
            size_mb DOUBLE,
            file_format VARCHAR
        )
    """

    @on(Recording.Started)
    def started(self, seq: int, event: Any) -> None:
        self.rows.append(
            (
                seq,
                str(event.originator_id),
                event.started_at,
                event.conference_name,
                event.session_id,
                event.owner,
                event.conference_id,
            )
        )

    @on(Recording.Finished)
    def finished(self, seq: int, event: Any) -> None:
        key = str(event.originator_id)
        self.updates.append(("duration", event.duration, key))
        self.updates.append(("size", event.size, key))
        self.updates.append(("size_mb", round(event.size / MB, 1), key))
        self.updates.append(("file_format", event.file_format, key))

    @on(Recording.Deleted)
    def deleted(self, seq: int, event: Any) -> None:
        self.deletions_of(self.table).append(("recording_id = ?", [str(event.originator_id)]))


def _conference(cid: Any) -> Iterator[Condition]:
    if cid:
        yield "lower(conference_id) = ?", [cid.lower()]


RECORDINGS_REPORT = Report(
    name="recordings",
    projection="recordings",
    table="recordings",
    columns=SHOWN,
    sortable=SORTABLE,
    filters=(
        *dates(what="the start"),
        contains("conference_name", description="Part of the name, any case"),
        contains("conference_id", description="Part of the conference ID, any case"),
        equals("owner", by_route=True),
        equals("recording_id", by_route=True),
        Filter("cid", "text", _conference, by_route=True),
    ),
    always=("duration IS NOT NULL",),  # still recording: not a file yet
)
"""No CSV export (§18.9, RECR-04). `cid`: one conference's recordings, its conference
ID exactly, in any case."""
query = RECORDINGS_REPORT.rows


def ended_before(database: Any, cutoff: datetime) -> list[str]:
    """Recordings that ended before `cutoff`: the retention sweep's candidates."""
    found = (
        database.cursor()
        .execute(
            "SELECT recording_id, date, duration FROM recordings WHERE duration IS NOT NULL "
            "AND date < ?",
            [cutoff],
        )
        .fetchall()
    )
    return [r[0] for r in found if r[1] + timedelta(seconds=r[2]) < cutoff]
