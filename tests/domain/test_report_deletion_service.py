"""The report-deletion use case on its own (RPT-04, SES-10): counts from the reports'
port, one `ReportDeletion` saved per deletion, none when refused."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from domain.operations.report_deletion import CALL_HISTORY, EVENTS, ReportDeletion
from domain.operations.report_deletion_service import Counted, Filters, ReportDeletions
from domain.shared.errors import Conflict, InvalidInput


class Counts:
    def __init__(self, fresh: bool = True) -> None:
        self.fresh = fresh
        self.asked: list[tuple[str, int]] = []

    def matching(self, report: str, filters: Filters, through: int) -> Counted[int]:
        self.asked.append((report, through))
        return Counted(3, self.fresh)

    def deletable_sessions(self, filters: Filters, through: int) -> Counted[list[str]]:
        return Counted(["s1", "s2"], self.fresh)

    def chat_in_sessions(self, session_ids: Sequence[str], through: int) -> Counted[int]:
        return Counted(5, self.fresh)

    def older_connections(self, cutoff: datetime) -> int:
        return 7


def service(counts: Counts) -> tuple[ReportDeletions, list[ReportDeletion]]:
    saved: list[ReportDeletion] = []
    return ReportDeletions(counts, lambda: 42, saved.append), saved


def test_a_deletion_counts_up_to_the_stream_head_and_records_what_it_matched() -> None:
    counts = Counts()
    deletions, saved = service(counts)
    since = datetime(2025, 1, 1, tzinfo=UTC)
    given = {"date_from": "2025-01-01", "source": None}
    assert deletions.delete_matching(EVENTS, given, {"date_from": since}, False) == 3
    assert counts.asked == [(EVENTS, 42)]
    (deletion,) = saved
    assert (deletion.report, deletion.count, deletion.through) == (EVENTS, 3, 42)
    assert deletion.criteria == {"date_from": "2025-01-01"}
    assert deletion.filters == {"date_from": since.isoformat()}


def test_sessions_go_with_their_chat_messages() -> None:
    deletions, saved = service(Counts())
    assert deletions.delete_sessions({}, {}, True) == (2, 5)
    (deletion,) = saved
    assert (deletion.report, deletion.cascade_count, deletion.criteria) == (
        CALL_HISTORY,
        5,
        {"all": True},
    )


def test_no_filter_without_all_and_a_lagging_report_are_refused_and_save_nothing() -> None:
    deletions, saved = service(Counts(fresh=False))
    with pytest.raises(InvalidInput):
        deletions.delete_matching(EVENTS, {"source": None}, {}, False)
    with pytest.raises(Conflict):
        deletions.delete_matching(EVENTS, {"source": "user"}, {"source": "user"}, False)
    assert saved == []


def test_old_connections_default_to_180_days_and_refuse_a_bad_age() -> None:
    deletions, saved = service(Counts())
    count, _ = deletions.delete_old_connections(None)
    assert count == 7 and saved[0].criteria["older_than_days"] == 180
    with pytest.raises(InvalidInput):
        deletions.delete_old_connections(0)
    assert len(saved) == 1
