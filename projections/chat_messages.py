"""The Chat Messages report (guide §16.3) and each user's undelivered messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.messaging.message import ChatMessage
from projections.duck import DuckDBProjection
from projections.engine import on
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


def query(database: Any, filters: ChatFilters, **paging: Any) -> tuple[int, list[dict[str, Any]]]:
    def where(q: ReportQuery) -> None:
        q.date_range("date", filters.date_from, filters.date_to)
        q.equals("sender", filters.sender)
        q.equals("recipient", filters.recipient)
        q.equals("session_id", filters.session_id)

    return run_report(
        database,
        "chat_messages",
        (*ChatMessagesReport.columns[1:], "delivered_at"),
        SORTABLE,
        where,
        json_columns=(),
        **paging,
    )
