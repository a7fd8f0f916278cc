"""The counts a report deletion needs (domain/operations/report_deletion_service.py),
asked through the report calls, in-process or of a report replica."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.operations.report_deletion_service import Counted, Filters
from projections import call_history, chat_messages, endpoints_report
from projections.report_calls import DELETABLE, ReportCalls


class ReportCounts:
    def __init__(self, calls: ReportCalls) -> None:
        self.calls = calls

    def matching(self, report: str, filters: Filters, through: int) -> Counted[int]:
        found = self.calls.call(DELETABLE[report].count, filters, through)
        return Counted(found.value, found.fresh)

    def deletable_sessions(self, filters: Filters, through: int) -> Counted[list[str]]:
        found = self.calls.call(call_history.deletable_sessions, filters, through)
        return Counted(found.value, found.fresh)

    def chat_in_sessions(self, session_ids: Sequence[str], through: int) -> Counted[int]:
        found = self.calls.call(chat_messages.count_in_sessions, list(session_ids), through)
        return Counted(found.value, found.fresh)

    def older_connections(self, cutoff: datetime) -> int:
        return self.calls.call(endpoints_report.count_older, cutoff).value
