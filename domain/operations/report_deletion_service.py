"""Deleting report rows (RPT-04, SES-10, WE-14): the use case behind the reports'
`DELETE` routes. It counts what a deletion removes up to the stream head and records
a `ReportDeletion`; the reports then delete the same rows (the count is exact).

The counts come from the reports and the head from the event store, through the
ports below: the domain does no I/O of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from domain.operations.report_deletion import (
    CALL_HISTORY,
    DEFAULT_RETENTION_DAYS,
    ENDPOINTS,
    ReportDeletion,
    filters_record,
    older_than,
)
from domain.shared.clock import now
from domain.shared.errors import Conflict, invalid

T = TypeVar("T")
Filters = Mapping[str, Any]
"""A report's filter values, as its projection applies them."""


@dataclass(frozen=True)
class Counted(Generic[T]):
    value: T
    fresh: bool
    """The report had applied the stream up to the count's `through`."""


class DeletionCounts(Protocol):
    """What the reports would delete, counting the rows of sequence `through` or before."""

    def matching(self, report: str, filters: Filters, through: int) -> Counted[int]: ...

    def deletable_sessions(self, filters: Filters, through: int) -> Counted[list[str]]:
        """The Call History sessions matching, except those running or recorded."""
        ...

    def chat_in_sessions(self, session_ids: Sequence[str], through: int) -> Counted[int]: ...

    def older_connections(self, cutoff: datetime) -> int: ...


class StreamHead(Protocol):
    def __call__(self) -> int:
        """The stream's last sequence now (0 when empty)."""
        ...


class ReportDeletions:
    """One deletion at a time: each counts after the one before it was applied."""

    def __init__(
        self,
        counts: DeletionCounts,
        head: StreamHead,
        save: Callable[[ReportDeletion], object],
    ) -> None:
        self.counts = counts
        self.head = head
        self.save = save
        self._one_at_a_time = threading.Lock()

    def delete_matching(
        self, report: str, given: Mapping[str, Any], filters: Filters, everything: bool
    ) -> int:
        """Delete the rows of `report` its filters match; `given`: the filter parameters
        as the administrator gave them. Returns the count."""
        criteria = criteria_given(given, everything)
        with self._one_at_a_time:
            through = self.head()
            count = fresh(self.counts.matching(report, filters, through))
            self.save(
                ReportDeletion(
                    report=report,
                    criteria=criteria,
                    count=count,
                    filters=filters_record(filters),
                    through=through,
                )
            )
        return count

    def delete_sessions(
        self, given: Mapping[str, Any], filters: Filters, everything: bool
    ) -> tuple[int, int]:
        """Delete the Call History sessions the filters match (except those running or
        recorded) with their chat messages; returns both counts."""
        criteria = criteria_given(given, everything)
        with self._one_at_a_time:
            through = self.head()
            sessions = fresh(self.counts.deletable_sessions(filters, through))
            cascade = fresh(self.counts.chat_in_sessions(sessions, through))
            deletion = ReportDeletion(
                report=CALL_HISTORY,
                criteria=criteria,
                count=len(sessions),
                filters=filters_record(filters),
                through=through,
                cascade_count=cascade,
            )
            deletion.delete_sessions(sessions)
            self.save(deletion)
        return len(sessions), cascade

    def delete_old_connections(self, older_than_days: int | None) -> tuple[int, datetime]:
        """Delete the connection logs of endpoints gone before the cutoff (default 180
        days ago); returns the count and the cutoff."""
        days = DEFAULT_RETENTION_DAYS if older_than_days is None else older_than_days
        cutoff = older_than(days, now())
        count = self.counts.older_connections(cutoff)
        criteria = {"older_than_days": days, "before": cutoff.isoformat()}
        self.save(ReportDeletion(report=ENDPOINTS, criteria=criteria, count=count))
        return count, cutoff


def criteria_given(given: Mapping[str, Any], everything: bool) -> dict[str, Any]:
    """The filter parameters as the administrator gave them; refuses none at all."""
    criteria = {k: v for k, v in given.items() if v is not None and v != []}
    if not criteria and not everything:
        raise invalid("all", "give at least one filter, or all=true to delete every row")
    return {**criteria, "all": True} if everything else criteria


def fresh(counted: Counted[T]) -> T:
    """A count from a report that has applied the stream up to the deletion."""
    if not counted.fresh:
        raise Conflict("the report is catching up with the stream; nothing was deleted")
    return counted.value
