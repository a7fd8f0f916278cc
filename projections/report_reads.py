"""The report-query boundary: every report read and count the API makes is a call of a
registered function on a reports database, answered in-process (`LocalReports`) or by
a report replica over NATS (`adapters.report_replica.NatsReports`), with the same
Python values either way.

A declared report (projections/report_spec.py) is callable once it is in `DECLARED`.
To make another function callable, add it to its projection's tuple in `OTHERS`: its
first parameter is the reports database; its other arguments and its result are plain
JSON values, datetimes, tuples or the dataclasses named in its signature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar

from projections import (
    call_history,
    chat_files,
    chat_messages,
    config_changes,
    endpoints_report,
    events_report,
    recordings_report,
)
from projections.duck import ReportsDatabase
from projections.engine import ProjectionRunner
from projections.report_codec import Codec, dataclasses_of
from projections.report_spec import Report


def projection_of(name: str) -> str:
    return name.rsplit(".", 1)[0]


DECLARED: tuple[Report, ...] = (
    config_changes.CONFIG_CHANGES_REPORT,
    events_report.EVENTS_REPORT,
    endpoints_report.ENDPOINTS_REPORT,
    call_history.CALLS_REPORT,
    call_history.PARTICIPANTS_REPORT,
    call_history.INVITES_REPORT,
    chat_messages.CHAT_REPORT,
    chat_files.FILES_REPORT,
    recordings_report.RECORDINGS_REPORT,
)
"""Every report declaration: each one's `rows` is callable, and `count` when it is
deleted by filter."""
DELETABLE = {report.deletion: report for report in DECLARED if report.deletion}
"""The declaration of each report deleted by filter, by its `ReportDeletion` name."""
OTHERS: dict[str, tuple[Callable[..., Any], ...]] = {
    # projection name: the other functions callable on its tables
    "endpoints": (endpoints_report.count_older, endpoints_report.connected_elsewhere),
    "call_history": (call_history.deletable_sessions,),
    "chat": (chat_messages.count_in_sessions,),
    "recordings": (recordings_report.ended_before,),
}


FUNCTIONS: dict[str, Callable[..., Any]] = {
    **{f"{report.projection}.{report.call}": report.rows for report in DECLARED},
    **{f"{report.projection}.count_matching": report.count for report in DELETABLE.values()},
    **{
        f"{projection}.{function.__name__}": function
        for projection, functions in OTHERS.items()
        for function in functions
    },
}
"""Call name (`events.query`, `endpoints.count_older`, …) → function."""
REPORTS: dict[str, tuple[Callable[..., Any], ...]] = {}
"""Projection name → the functions callable on its tables."""
for _name, _function in FUNCTIONS.items():
    REPORTS[projection_of(_name)] = (*REPORTS.get(projection_of(_name), ()), _function)

FRESHNESS_WAIT = 5.0
"""How long a call waits for its projection to apply what was stored before it."""

_NAMES = {function: name for name, function in FUNCTIONS.items()}

CODEC = Codec(dataclasses_of(FUNCTIONS.values()))

P = ParamSpec("P")
T = TypeVar("T")


class ReportsUnavailable(Exception):
    """No report service answered (none running, or too slow)."""


class ReportReadFailed(Exception):
    """The report service answered that the call failed (a bug, not bad input)."""


class UnknownRead(ReportReadFailed):
    pass


@dataclass(frozen=True)
class Answer(Generic[T]):
    value: T
    fresh: bool
    """The projection had applied the stream up to the call's start (read-your-writes);
    False after waiting `FRESHNESS_WAIT` in vain: the answer may miss the latest events."""
    position: int
    """The last stream sequence the projection had applied when it answered."""
    replica: str | None = None
    """The report replica that answered (None: in-process)."""


class ReportReads(Protocol):
    def read(
        self, function: Callable[Concatenate[Any, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> Answer[T]:
        """`function(reports database, *args, **kwargs)`, once fresh."""
        ...


def name_of(function: Callable[..., Any]) -> str:
    name = _NAMES.get(function)
    if name is None:
        raise UnknownRead(f"{function.__module__}.{function.__name__} is not in REPORTS")
    return name


class LocalReports:
    """Report reads on this process's DuckDB reports."""

    def __init__(
        self,
        database: ReportsDatabase,
        runners: Mapping[str, ProjectionRunner],
        head: Callable[[], int],
        wait: float = FRESHNESS_WAIT,
    ) -> None:
        self.database = database
        self.runners = runners
        self.head = head
        """The stream's last sequence now: a call waits until its projection applied it."""
        self.wait = wait

    def read(
        self, function: Callable[Concatenate[Any, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> Answer[T]:
        answer: Answer[T] = self.run(name_of(function), args, kwargs, self.head(), self.wait)
        return answer

    def run(
        self,
        name: str,
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        fresh_to: int,
        wait: float,
    ) -> Answer[Any]:
        """Call `name` once its projection has applied `fresh_to` (or `wait` is over)."""
        function = FUNCTIONS.get(name)
        if function is None:
            raise UnknownRead(f"no report read {name!r}")
        runner = self.runners[projection_of(name)]
        fresh = runner.wait_until_applied(fresh_to, wait)
        position = runner.projection.position()
        return Answer(function(self.database, *args, **kwargs), fresh, position)
