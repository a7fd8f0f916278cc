"""When a schedule's occurrences fall (guide §3.2, §14.4.1): pure functions of the
schedule (`domain.conferencing.schedule`) and the moment asked about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from domain.conferencing.schedule import NONE, ONCE, WEEKLY, from_unix


@dataclass(frozen=True)
class Occurrence:
    start: datetime
    end: datetime


def next_occurrence(schedule: dict[str, Any], after: datetime) -> Occurrence | None:
    """The first occurrence starting at or after `after`; None for a virtual room or a
    one-time conference whose start has passed."""
    return _first(schedule, after, strict=False)


def occurrence_at(schedule: dict[str, Any], moment: datetime) -> Occurrence | None:
    """The occurrence under way at `moment` (start <= moment < end), if any."""
    found = first_ending_after(schedule, moment)
    return found if found is not None and found.start <= moment else None


def first_ending_after(schedule: dict[str, Any], moment: datetime) -> Occurrence | None:
    """The first occurrence whose end is after `moment` (occurrences never overlap)."""
    if schedule.get("type") == NONE:
        return None
    return _first(schedule, moment - timedelta(seconds=schedule["duration"]), strict=True)


def _first(schedule: dict[str, Any], bound: datetime, *, strict: bool) -> Occurrence | None:
    kind = schedule.get("type")
    if kind not in (ONCE, WEEKLY):
        return None
    first = from_unix(schedule["start_time"])
    length = timedelta(seconds=schedule["duration"])

    def fits(start: datetime) -> bool:
        return start >= first and (start > bound if strict else start >= bound)

    if kind == ONCE:
        return Occurrence(first, first + length) if fits(first) else None
    offset = timedelta(minutes=schedule["time_offset"])
    hours, minutes = (int(part) for part in schedule["time"].split(":"))
    day = (max(bound, first) + offset).date()
    for i in range(8):
        candidate = day + timedelta(days=i)
        if weekday(candidate.isoweekday()) not in schedule["days"]:
            continue
        start = datetime.combine(candidate, time(hours, minutes), first.tzinfo) - offset
        if fits(start):
            return Occurrence(start, start + length)
    return None  # pragma: no cover - a chosen day recurs within eight days


def weekday(isoweekday: int) -> int:
    """ISO weekday (Monday 1 .. Sunday 7) to the schedule's numbering (Sunday 0)."""
    return isoweekday % 7
