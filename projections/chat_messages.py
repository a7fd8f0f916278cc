"""The Chat Messages report (guide §16.3) and each user's undelivered messages. Rows go
when an administrator deletes them by filter (RPT-04) or deletes their sessions from
Call History (SES-10, CHAT-06)."""

from __future__ import annotations

from typing import Any

from domain.messaging.message import ChatMessage
from domain.operations.report_deletion import CHAT, ReportDeletion
from projections.duck import DuckDBProjection
from projections.engine import on
from projections.report_deletions import in_sessions
from projections.report_spec import CsvLayout, Report, count, dates, equals

SORTABLE = ("date", "sender", "recipient", "session_id")


class ChatMessagesReport(DuckDBProjection):
    name = "chat"
    table = "chat_messages"
    key_column = "message_id"
    columns = (
        "seq",
        "date",
        "message_id",
        "sender",
        "recipient",
        "message",
        "session_id",
        "file_id",
        "file_name",
        "file_size",
    )
    table_ddl = """
        CREATE TABLE IF NOT EXISTS chat_messages (
            seq BIGINT NOT NULL,
            date TIMESTAMPTZ NOT NULL,
            message_id VARCHAR PRIMARY KEY,
            sender VARCHAR NOT NULL,
            recipient VARCHAR NOT NULL,
            message VARCHAR NOT NULL,
            session_id VARCHAR,
            delivered_at TIMESTAMPTZ,
            file_id VARCHAR,
            file_name VARCHAR,
            file_size BIGINT
        );
        -- Tables made before chat files had no file columns.
        ALTER TABLE chat_messages ADD COLUMN IF NOT EXISTS file_id VARCHAR;
        ALTER TABLE chat_messages ADD COLUMN IF NOT EXISTS file_name VARCHAR;
        ALTER TABLE chat_messages ADD COLUMN IF NOT EXISTS file_size BIGINT;
    """

    @on(ChatMessage.Created)
    def sent(self, seq: int, event: Any) -> None:
        file = getattr(event, "file", None) or {}  # events before chat files have none
        self.rows.append(
            (
                seq,
                event.timestamp,
                str(event.originator_id),
                event.sender,
                event.recipient,
                event.text,
                event.session_id,
                file.get("file_id"),
                file.get("name"),
                file.get("size"),
            )
        )

    @on(ChatMessage.Delivered)
    def delivered(self, seq: int, event: Any) -> None:
        self.updates.append(("delivered_at", event.at, str(event.originator_id)))

    @on(ReportDeletion.Created)
    def rows_deleted(self, seq: int, event: Any) -> None:
        deleted = CHAT_REPORT.deletion_of(event)
        if deleted is not None:
            self.deletions_of(self.table).append(deleted)

    @on(ReportDeletion.SessionsDeleted)
    def sessions_deleted(self, seq: int, event: Any) -> None:
        condition = in_sessions(event.session_ids, event.through)
        self.deletions_of(self.table).append(condition)


CHAT_REPORT = Report(
    name="chat",
    projection="chat",
    table="chat_messages",
    columns=(*ChatMessagesReport.columns[1:], "delivered_at"),
    sortable=SORTABLE,
    filters=(*dates(), equals("sender"), equals("recipient"), equals("session_id")),
    csv=CsvLayout(
        "chat.csv",
        ("date", "sender", "recipient", "message", "session_id", "file_name", "file_size"),
        lambda r: (
            r["date"],
            r["sender"],
            r["recipient"],
            r["message"],
            r["session_id"] or "",
            r["file_name"] or "",
            r["file_size"] if r["file_size"] is not None else "",
        ),
    ),
    deletion=CHAT,
)
query = CHAT_REPORT.rows
count_matching = CHAT_REPORT.count


def count_in_sessions(database: Any, session_ids: list[str], through: int) -> int:
    """The messages a Call History deletion of these sessions takes along (SES-10)."""
    return count(database, "chat_messages", in_sessions(session_ids, through))
