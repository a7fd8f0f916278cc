"""The counts a report deletion needs (domain/operations/report_deletion_service.py),
asked through the report reads, in-process or of a report replica."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.operations.report_deletion_service import Counted, Filters
from projections import call_history, chat_messages, endpoints_report
from projections.report_reads import DELETABLE, ReportReads


class ReportCounts:
    def __init__(self, calls: ReportReads) -> None:
        self.calls = calls

    def matching(self, report: str, filters: Filters, through: int) -> Counted[int]:
        found = self.calls.read(DELETABLE[report].count, filters, through)
        return Counted(found.value, found.fresh)

    def deletable_sessions(self, filters: Filters, through: int) -> Counted[list[str]]:
        found = self.calls.read(call_history.deletable_sessions, filters, through)
        return Counted(found.value, found.fresh)

    def chat_in_sessions(self, session_ids: Sequence[str], through: int) -> Counted[int]:
        found = self.calls.read(chat_messages.count_in_sessions, list(session_ids), through)
        return Counted(found.value, found.fresh)

    def older_connections(self, cutoff: datetime) -> int:
        return self.calls.read(endpoints_report.count_older, cutoff).value
