"""The Chat Messages report (guide §16.3) and each user's undelivered messages. Rows go
when an administrator deletes them by filter (RPT-04) or deletes their sessions from
Call History (SES-10, CHAT-06)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.messaging.message import ChatMessage
from domain.operations.report_deletion import CHAT, ReportDeletion, filters_from
from projections.duck import DuckDBProjection
from projections.engine import on
from projections.report_deletions import Condition, count, in_sessions, matching
from projections.report_query import ReportQuery, run_report

SORTABLE = ("date", "sender", "recipient", "session_id")


@dataclass(frozen=True)
class ChatFilters:
    date_from: datetime | None = None
    date_to: datetime | None = None
    sender: str | None = None
    recipient: str | None = None
    session_id: str | None = None


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
        if event.report == CHAT:
            filters = filters_from(ChatFilters, event.filters or {})
            self.deletions_of(self.table).append(deleted(filters, event.through))

    @on(ReportDeletion.SessionsDeleted)
    def sessions_deleted(self, seq: int, event: Any) -> None:
        condition = in_sessions(event.session_ids, event.through)
        self.deletions_of(self.table).append(condition)


def _where(q: ReportQuery, filters: ChatFilters) -> None:
    q.date_range("date", filters.date_from, filters.date_to)
    q.equals("sender", filters.sender)
    q.equals("recipient", filters.recipient)
    q.equals("session_id", filters.session_id)


def deleted(filters: ChatFilters, through: int) -> Condition:
    """The rows a deletion by these filters removes (RPT-04)."""
    return matching(lambda q: _where(q, filters), through)


def count_matching(database: Any, filters: ChatFilters, through: int) -> int:
    return count(database, "chat_messages", deleted(filters, through))


def count_in_sessions(database: Any, session_ids: list[str], through: int) -> int:
    """The messages a Call History deletion of these sessions takes along (SES-10)."""
    return count(database, "chat_messages", in_sessions(session_ids, through))


def query(database: Any, filters: ChatFilters, **paging: Any) -> tuple[int, list[dict[str, Any]]]:
    return run_report(
        database,
        "chat_messages",
        (*ChatMessagesReport.columns[1:], "delivered_at"),
        SORTABLE,
        lambda q: _where(q, filters),
        json_columns=(),
        **paging,
    )
