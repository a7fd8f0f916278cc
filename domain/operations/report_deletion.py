"""Rows deleted from a report by an administrator (guide §16, §16.1.1, §16.6; RPT-04,
SES-10, WE-13, WE-14). The deletion is itself a fact on the stream, with what it matched
and how many rows, so a rebuilt report deletes the same rows and the Events report
shows who did it.

A deletion by filter (RPT-04) records the criteria as the administrator gave them, the
same criteria as the report's projection applies them (`filters`: dates as ISO text),
and `through`: the last stream sequence the counts saw. The projections delete the
matching rows of sequence `through` or before, so rows added after the count stay and
the count is exact. A Call History deletion also names its sessions
(`SessionsDeleted`, in chunks), because other reports cascade over the same ones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from eventsourcing.domain import event

from domain.shared.audited import AuditedAggregate
from domain.shared.errors import invalid

ENDPOINTS = "endpoints"
EVENTS = "events"
CALL_HISTORY = "call_history"
CHAT = "chat"
CONFIG_CHANGES = "config_changes"
DEFAULT_RETENTION_DAYS = 180
"""The guide's default for connection logs (§16.6, WE-14)."""
SESSIONS_PER_EVENT = 5000
"""Session IDs per `SessionsDeleted` fact (~100 kB, under NATS's 1 MB payload)."""
MAX_SESSIONS = SESSIONS_PER_EVENT * 900
"""All the chunks of one deletion go in one atomic batch (at most 1000 messages)."""


@dataclass
class ReportDeletion(AuditedAggregate):
    report: str
    criteria: dict[str, Any]
    """As the administrator gave them (the request's filter parameters)."""
    count: int
    filters: dict[str, Any] | None = None
    """The criteria as the report's projection applies them (`filters_record`)."""
    through: int = 0
    """The last stream sequence counted: later rows are never deleted by this."""
    cascade_count: int = 0
    """Chat messages of the deleted Call History sessions (SES-10, CHAT-06)."""

    class Created(AuditedAggregate.Created, AuditedAggregate.Event):
        report: str
        criteria: dict[str, Any]
        count: int
        filters: dict[str, Any] | None = None  # deletions before RPT-04 had none
        through: int = 0
        cascade_count: int = 0

    class SessionsDeleted(AuditedAggregate.Event):
        session_ids: list[str]
        through: int

    def delete_sessions(self, session_ids: Sequence[str]) -> None:
        if len(session_ids) > MAX_SESSIONS:
            raise invalid("criteria", f"more than {MAX_SESSIONS} sessions: narrow the filter")
        for start in range(0, len(session_ids), SESSIONS_PER_EVENT):
            chunk = list(session_ids[start : start + SESSIONS_PER_EVENT])
            self._sessions_deleted(session_ids=chunk, through=self.through)

    @event(SessionsDeleted)
    def _sessions_deleted(self, session_ids: list[str], through: int) -> None:
        pass


def older_than(days: object, at: datetime) -> datetime:
    """The cutoff of "older than `days` days"; `days` as the API received it."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 36_500:
        raise invalid("older_than_days", "a whole number of days from 1 to 36500")
    return at - timedelta(days=days)


def filters_record(filters: Mapping[str, Any]) -> dict[str, Any]:
    """A report's filter values as JSON-able values (the ones set only)."""
    record: dict[str, Any] = {}
    for name, value in filters.items():
        if value is None or value == ():
            continue
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        record[name] = value
    return record
