"""A session's file list (guide §16.2.2, SES-07): the files sent to the conference chat,
with Date and Time, Sender, Name and Size (MB); a file an admin deleted keeps its row
with `deleted_at`. Rows of sessions deleted from Call History go (SES-10)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.messaging.files import ChatFile
from domain.messaging.message import ChatMessage
from domain.operations.report_deletion import ReportDeletion
from projections.duck import DuckDBProjection
from projections.engine import on
from projections.report_deletions import in_sessions
from projections.report_query import ReportQuery, run_report

SORTABLE = ("date", "sender", "name", "size")
MB = 1024 * 1024


@dataclass(frozen=True)
class FileFilters:
    session_id: str


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


def query(database: Any, filters: FileFilters, **paging: Any) -> tuple[int, list[dict[str, Any]]]:
    def where(q: ReportQuery) -> None:
        q.equals("session_id", filters.session_id)

    def with_size_mb(row: dict[str, Any]) -> None:
        row["size_mb"] = size_mb(row["size"])

    return run_report(
        database,
        "chat_files",
        ("date", "message_id", "session_id", "sender", "file_id", "name", "size", "deleted_at"),
        SORTABLE,
        where,
        each=with_size_mb,
        **paging,
    )


def size_mb(size: int) -> float:
    return round(size / MB, 2)
