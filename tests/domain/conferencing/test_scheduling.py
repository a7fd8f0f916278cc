"""Scheduled launches (guide §3.2, §14.4.1; FEATURES CONF-03): a one-time conference
starts at its start time and stops after its duration; a weekly one on its chosen days
at its local time of day (time_offset minutes east of UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain.conferencing.conferences_service import ConferencesService
from domain.conferencing.due_actions import due_actions
from domain.conferencing.occurrences import Occurrence, next_occurrence, occurrence_at
from domain.conferencing.schedule import check_schedule
from tests.domain.clock import Clock
from tests.domain.conferencing.conftest import unix


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def weekly(
    start: datetime, days: list[int], offset: int, duration: int = 3600, time: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "week",
        "start_time": unix(start),
        "duration": duration,
        "days": days,
        "time_offset": offset,
    }
    if time is not None:
        body["time"] = time
    return check_schedule(body)


ONCE = check_schedule({"type": "once", "start_time": unix(utc(2026, 3, 3, 10)), "duration": 7200})


def test_a_one_time_conference_has_one_occurrence() -> None:
    occurrence = Occurrence(utc(2026, 3, 3, 10), utc(2026, 3, 3, 12))
    assert next_occurrence(ONCE, utc(2026, 3, 1)) == occurrence
    assert next_occurrence(ONCE, utc(2026, 3, 3, 10)) == occurrence
    assert next_occurrence(ONCE, utc(2026, 3, 3, 10, 0, 1)) is None
    assert occurrence_at(ONCE, utc(2026, 3, 3, 11)) == occurrence
    assert occurrence_at(ONCE, utc(2026, 3, 3, 12)) is None


def test_a_virtual_room_has_no_occurrences() -> None:
    room = check_schedule({"type": "none"})
    assert next_occurrence(room, utc(2026, 3, 1)) is None
    assert occurrence_at(room, utc(2026, 3, 1)) is None


def test_weekly_on_chosen_local_days_and_time() -> None:
    """Mondays and Wednesdays at 09:00 Moscow time (UTC+3) = 06:00 UTC."""
    schedule = weekly(utc(2026, 3, 2, 6), days=[1, 3], offset=180)
    assert schedule["time"] == "09:00"
    after_monday = next_occurrence(schedule, utc(2026, 3, 2, 7))
    assert after_monday == Occurrence(utc(2026, 3, 4, 6), utc(2026, 3, 4, 7))
    after_wednesday = next_occurrence(schedule, utc(2026, 3, 4, 6, 30))
    assert after_wednesday is not None and after_wednesday.start == utc(2026, 3, 9, 6)
    assert occurrence_at(schedule, utc(2026, 3, 9, 6, 59)) == Occurrence(
        utc(2026, 3, 9, 6), utc(2026, 3, 9, 7)
    )


def test_weekly_days_are_local_days() -> None:
    """Mondays 21:00 at UTC-5 are Tuesdays 02:00 UTC; Mondays 07:00 at UTC+10 are
    Sundays 21:00 UTC."""
    west = weekly(utc(2026, 3, 1), days=[1], offset=-300, time="21:00")
    found = next_occurrence(west, utc(2026, 3, 1))
    assert found is not None and found.start == utc(2026, 3, 3, 2)
    east = weekly(utc(2026, 3, 1), days=[1], offset=600, time="07:00")
    found = next_occurrence(east, utc(2026, 3, 1))
    assert found is not None and found.start == utc(2026, 3, 1, 21)


def test_a_recurrence_never_starts_before_its_start_time() -> None:
    schedule = weekly(utc(2026, 3, 4, 12), days=[1, 3], offset=0, time="09:00")
    found = next_occurrence(schedule, utc(2026, 1, 1))
    assert found is not None and found.start == utc(2026, 3, 9, 9)


def test_the_scheduler_starts_and_stops_a_one_time_conference(
    conferences: ConferencesService, clock: Clock
) -> None:
    conferences.create({"id": "once", "topic": "T", "owner": "jane", "schedule": ONCE})
    assert conferences.follow_schedule("once") == []
    clock.set(utc(2026, 3, 3, 10))
    assert conferences.follow_schedule("once") == ["start"]
    started = conferences.get("once")
    assert started.is_running and started.last_started_at == utc(2026, 3, 3, 10)
    clock.advance(hours=1)
    assert conferences.follow_schedule("once") == []
    clock.set(utc(2026, 3, 3, 12))
    assert conferences.follow_schedule("once") == ["stop"]
    assert not conferences.get("once").is_running
    clock.advance(days=7)
    assert conferences.follow_schedule("once") == []


def test_a_conference_stopped_by_an_admin_is_not_restarted_in_that_occurrence(
    conferences: ConferencesService, clock: Clock
) -> None:
    conferences.create({"id": "once", "topic": "T", "owner": "jane", "schedule": ONCE})
    clock.set(utc(2026, 3, 3, 10, 5))
    assert conferences.follow_schedule("once") == ["start"]
    clock.advance(minutes=10)
    conferences.stop("once")
    clock.advance(minutes=10)
    assert conferences.follow_schedule("once") == []


def test_a_conference_launched_early_stops_at_the_end_of_its_occurrence(
    conferences: ConferencesService, clock: Clock
) -> None:
    """§14.1: an admin may launch a scheduled conference by hand."""
    conferences.create({"id": "once", "topic": "T", "owner": "jane", "schedule": ONCE})
    clock.set(utc(2026, 3, 3, 9, 30))
    conferences.run("once")
    clock.set(utc(2026, 3, 3, 10))
    assert conferences.follow_schedule("once") == []
    clock.set(utc(2026, 3, 3, 12))
    assert conferences.follow_schedule("once") == ["stop"]


def test_back_to_back_occurrences_stop_then_start(conferences: ConferencesService) -> None:
    schedule = weekly(
        utc(2026, 3, 2), days=[0, 1, 2, 3, 4, 5, 6], offset=0, duration=24 * 3600, time="00:00"
    )
    conference = conferences.create(
        {"id": "always", "topic": "T", "owner": "jane", "schedule": schedule}
    )
    assert due_actions(conference, utc(2026, 3, 2, 0)) == ["start"]
    with_session = conferences.get("always")
    with_session.start("0" * 16, "schedule", utc(2026, 3, 2, 0))
    assert due_actions(with_session, utc(2026, 3, 2, 23)) == []
    assert due_actions(with_session, utc(2026, 3, 3, 0)) == ["stop", "start"]


def test_virtual_rooms_are_never_started_by_the_scheduler(
    conferences: ConferencesService, clock: Clock
) -> None:
    conferences.create({"id": "room", "topic": "T", "owner": "jane"})
    clock.advance(days=30)
    assert conferences.follow_schedule("room") == []
    assert due_actions(conferences.get("room"), clock.now + timedelta(days=1)) == []


def test_an_api_v4_utc_time_of_day_moves_the_weekdays_when_it_crosses_midnight() -> None:
    """The original API v4 sends `time` in UTC with `special_time_offset`: Monday 22:30
    UTC in Moscow (+180) is Tuesday 01:30 local; Saturday 01:00 UTC in New York (-300)
    is Friday 20:00 local."""
    start = unix(utc(2026, 3, 2))
    base = {"type": "week", "start_time": start, "duration": 3600}
    moscow = check_schedule(
        {**base, "days": ["monday"], "time": "22:30", "special_time_offset": 180}
    )
    assert (moscow["days"], moscow["time"], moscow["time_offset"]) == ([2], "01:30", 180)
    new_york = {**base, "days": [6, "sunday"], "time": "01:00", "special_time_offset": -300}
    shown = check_schedule(new_york)
    assert (shown["days"], shown["time"], shown["time_offset"]) == ([5, 6], "20:00", -300)
    same_day = check_schedule(
        {**base, "days": ["friday"], "time": "09:00", "special_time_offset": 180}
    )
    assert (same_day["days"], same_day["time"]) == ([5], "12:00")
