"""Launch types (guide §3.2, §14.4.1; FEATURES CONF-03): a virtual room ("none"), one
scheduled meeting ("once") or a weekly recurrence on chosen days ("week").

Stored shape, always with every key:
`{type, start_time, duration, days, time, time_offset}`
- `start_time`: Unix seconds. For "once" the start; for "week" the earliest moment the
  recurrence may start.
- `duration`: seconds, positive.
- `days` ("week"): weekdays 0..6, **0 = Sunday** (the JavaScript/cron numbering).
- `time` ("week"): "HH:MM", the local time of day of each occurrence; when omitted, the
  local time of day of `start_time`.
- `time_offset`: minutes east of UTC of the scheduler's time zone (Moscow = 180). Days
  and `time` are local to it; it does not move `start_time`, which is absolute.

Accepted too, as the original API v4's clients send them: `days` as weekday names
("monday"…), and `special_time_offset` instead of `time_offset`, with which `time` is
UTC (the original stores `time` in UTC and applies the offset for display).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from domain.conferencing.checks import array, obj, one_of, unix_time, whole
from domain.shared.errors import invalid

NONE = "none"
ONCE = "once"
WEEKLY = "week"
TYPES = (NONE, ONCE, WEEKLY)
KEYS = ("type", "start_time", "duration", "days", "time", "time_offset")
_V4_OFFSET = "special_time_offset"
WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
DAY = 24 * 60 * 60
WEEK = 7 * DAY
MAX_DURATION = WEEK
MIN_OFFSET, MAX_OFFSET = -12 * 60, 14 * 60
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

VIRTUAL_ROOM: dict[str, Any] = {
    "type": NONE,
    "start_time": None,
    "duration": None,
    "days": [],
    "time": None,
    "time_offset": 0,
}


def check_schedule(value: Any, field: str = "schedule") -> dict[str, Any]:
    body = _from_v4(obj(value, field, (*KEYS, _V4_OFFSET)), field)
    kind = one_of(body.get("type", NONE), f"{field}.type", TYPES)
    offset = whole(body.get("time_offset", 0), f"{field}.time_offset", MIN_OFFSET, MAX_OFFSET)
    if kind == NONE:
        for name in ("start_time", "duration", "time"):
            if body.get(name) is not None:
                raise invalid(f"{field}.{name}", "a virtual room has no schedule (§3.2)")
        if body.get("days"):
            raise invalid(f"{field}.days", "a virtual room has no schedule (§3.2)")
        return {**VIRTUAL_ROOM, "time_offset": offset}
    if body.get("start_time") is None:
        raise invalid(
            f"{field}.start_time", "a scheduled conference needs a start time", "required"
        )
    start = unix_time(body["start_time"], f"{field}.start_time")
    duration = _duration(body.get("duration"), f"{field}.duration")
    if kind == ONCE:
        if body.get("days"):
            raise invalid(f"{field}.days", "days are for weekly schedules only")
        if body.get("time") is not None:
            raise invalid(f"{field}.time", "the time of day is for weekly schedules only")
        return {
            **VIRTUAL_ROOM,
            "type": ONCE,
            "start_time": start,
            "duration": duration,
            "time_offset": offset,
        }
    days = _days(body.get("days"), f"{field}.days")
    if duration > shortest_gap(days):
        raise invalid(
            f"{field}.duration",
            "occurrences would overlap: the duration must not exceed the time between "
            "two chosen days",
        )
    time = body.get("time")
    if time is None:
        time = local(start, offset).strftime("%H:%M")
    elif not isinstance(time, str) or not _TIME.match(time):
        raise invalid(f"{field}.time", "must be a local time of day as HH:MM")
    return {
        "type": WEEKLY,
        "start_time": start,
        "duration": duration,
        "days": days,
        "time": time,
        "time_offset": offset,
    }


def _from_v4(body: Mapping[str, Any], field: str) -> dict[str, Any]:
    """`special_time_offset` with a UTC `time` as `time_offset` with a local `time`."""
    if _V4_OFFSET not in body:
        return dict(body)
    shown = f"{field}.{_V4_OFFSET}"
    offset = whole(body[_V4_OFFSET], shown, MIN_OFFSET, MAX_OFFSET)
    converted = {k: v for k, v in body.items() if k != _V4_OFFSET}
    if "time_offset" in body:
        if body["time_offset"] != offset:
            raise invalid(shown, "differs from time_offset: give one of them")
        return converted  # both given: `time` is local, as with time_offset alone
    converted["time_offset"] = offset
    time = body.get("time")
    if isinstance(time, str) and _TIME.match(time):
        local = int(time[:2]) * 60 + int(time[3:]) + offset
        minutes = local % (24 * 60)
        converted["time"] = f"{minutes // 60:02d}:{minutes % 60:02d}"
        shift = local // (24 * 60)  # the UTC time of day was on the local day before/after
        days = body.get("days")
        if shift and isinstance(days, list):
            converted["days"] = [(_day(d, f"{field}.days") + shift) % 7 for d in days]
    return converted


def _duration(value: Any, field: str) -> int:
    if value is None:
        raise invalid(field, "a scheduled conference needs a duration", reason="required")
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise invalid(field, "must be a positive number of seconds")
    if value > MAX_DURATION:
        raise invalid(field, f"must be at most {MAX_DURATION} seconds (one week)")
    return value


def _days(value: Any, field: str) -> list[int]:
    if not value:
        raise invalid(field, "a weekly schedule needs at least one day", reason="required")
    days = array(value, field, 7)
    checked = {_day(d, field) for d in days}
    if len(checked) != len(days):
        raise invalid(field, "lists a day twice")
    return sorted(checked)


def _day(value: Any, field: str) -> int:
    """0..6 (0 = Sunday), or a weekday's English name."""
    if isinstance(value, str) and value.lower() in WEEKDAYS:
        return WEEKDAYS.index(value.lower())
    return whole(value, field, 0, 6)


def shortest_gap(days: list[int]) -> int:
    """Seconds between the two closest chosen weekdays (a week for a single day)."""
    if len(days) == 1:
        return WEEK
    ordered = sorted(days)
    gaps = [b - a for a, b in pairwise(ordered)]
    gaps.append(7 - ordered[-1] + ordered[0])
    return min(gaps) * DAY


def from_unix(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def local(seconds: int, offset_minutes: int) -> datetime:
    """Wall-clock time at UTC + offset, as a UTC-labelled datetime."""
    return from_unix(seconds) + timedelta(minutes=offset_minutes)


def is_scheduled(schedule: dict[str, Any]) -> bool:
    return bool(schedule.get("type") in (ONCE, WEEKLY))
