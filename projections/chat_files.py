"""A session's file list (guide §16.2.2, SES-07): the files sent to the conference chat,
with Date and Time, Sender, Name and Size (MB); a file an admin deleted keeps its row
with `deleted_at`. Rows of sessions deleted from Call History go (SES-10)."""

from __future__ import annotations

from typing import Any

from domain.messaging.files import ChatFile
from domain.messaging.message import ChatMessage
from domain.operations.report_deletion import ReportDeletion
from projections.duck import DuckDBProjection
from projections.engine import on
from projections.report_deletions import in_sessions
from projections.report_paging import Step
from projections.report_spec import CsvLayout, FilterValues, Report, equals

SORTABLE = ("date", "sender", "name", "size")
MB = 1024 * 1024


class ChatFilesReport(DuckDBProjection):
    name = "chat_files"
    table = "chat_files"
    key_column = "file_id"
    """A deletion marks every message row of the file."""
    columns = ("seq", "date", "message_id", "session_id", "sender", "file_id", "name", "size")
    table_ddl = """
        CREATE TABLE IF NOT EXISTS chat_files (
            seq BIGINT NOT NULL,
            date TIMESTAMPTZ NOT NULL,
            message_id VARCHAR PRIMARY KEY,
            session_id VARCHAR NOT NULL,
            sender VARCHAR NOT NULL,
            file_id VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            size BIGINT NOT NULL,
            deleted_at TIMESTAMPTZ
        )
    """

    @on(ChatMessage.Created)
    def sent(self, seq: int, event: Any) -> None:
        file = getattr(event, "file", None)
        if file is None or event.session_id is None:
            return  # text only, or a personal chat
        self.rows.append(
            (
                seq,
                event.timestamp,
                str(event.originator_id),
                event.session_id,
                event.sender,
                file["file_id"],
                file["name"],
                file["size"],
            )
        )

    @on(ChatFile.Deleted)
    def deleted(self, seq: int, event: Any) -> None:
        self.updates.append(("deleted_at", event.at, str(event.originator_id)))

    @on(ReportDeletion.SessionsDeleted)
    def sessions_deleted(self, seq: int, event: Any) -> None:
        condition = in_sessions(event.session_ids, event.through)
        self.deletions_of(self.table).append(condition)


def _with_size_mb(row: dict[str, Any]) -> None:
    row["size_mb"] = size_mb(row["size"])


def _size_mb_step(_: FilterValues) -> Step:
    return _with_size_mb


FILES_REPORT = Report(
    name="files",
    projection="chat_files",
    table="chat_files",
    columns=("date", "message_id", "session_id", "sender", "file_id", "name", "size", "deleted_at"),
    sortable=SORTABLE,
    filters=(equals("session_id", by_route=True),),
    each=_size_mb_step,
    csv=CsvLayout(
        "files.csv",
        ("date", "sender", "name", "size_mb", "file_id", "deleted_at"),
        lambda r: (
            r["date"],
            r["sender"],
            r["name"],
            r["size_mb"],
            r["file_id"],
            r["deleted_at"] or "",
        ),
    ),
)
query = FILES_REPORT.rows


def size_mb(size: int) -> float:
    return round(size / MB, 2)
