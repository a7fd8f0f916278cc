"""Automatic deletion (guide §14.7.1; FEATURES CSET-01..03, WE-16, Z-19, Z-24): off by
default; one-time conferences N days after their end; virtual rooms not launched for
more than N days; never recurring or running ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.conferencing.auto_delete import AutoDeletion, deletable
from domain.conferencing.conferences_service import ConferencesService
from domain.settings.conferences import DEFAULTS
from domain.shared.errors import InvalidInput, NotFound
from tests.domain.clock import T0, Clock
from tests.domain.conferencing.conftest import unix

ONE_TIME = AutoDeletion(one_time_enabled=True, one_time_days=30)
ROOMS = AutoDeletion(virtual_rooms_enabled=True, virtual_rooms_days=365)
BOTH = AutoDeletion(True, 30, True, 365)


def test_off_by_default_with_prefilled_days() -> None:
    """Z-24: the boxes read 30 and 365 days, unchecked."""
    settings = AutoDeletion.from_settings({})
    assert settings == AutoDeletion(False, 30, False, 365)
    assert DEFAULTS["delete_one_time_after_days"] == 30


@pytest.mark.parametrize("days", [0, 10_001, -1, "30", True])
def test_days_outside_1_to_10000_are_refused(days: object) -> None:
    """WE-16 variant: N outside [1, 10 000] is rejected."""
    with pytest.raises(InvalidInput) as bad:
        AutoDeletion.from_settings({"delete_one_time_after_days": days})
    assert bad.value.problems[0].field == "delete_one_time_after_days"
    assert AutoDeletion.from_settings({"delete_virtual_rooms_after_days": 10_000})


def test_a_one_time_conference_goes_30_days_after_its_end(
    conferences: ConferencesService, clock: Clock
) -> None:
    """WE-16: ended 31 days ago, the setting at 30 days: deleted at the next sweep."""
    end = T0 + timedelta(hours=2)
    conferences.create(
        {
            "id": "once",
            "topic": "T",
            "owner": "jane",
            "schedule": {"type": "once", "start_time": unix(T0), "duration": 7200},
        }
    )
    conference = conferences.get("once")
    assert not deletable(conference, ONE_TIME, end + timedelta(days=29))
    assert deletable(conference, ONE_TIME, end + timedelta(days=30))
    assert not deletable(conference, AutoDeletion(), end + timedelta(days=3000)), "off by default"
    assert not deletable(conference, ROOMS, end + timedelta(days=3000))
    clock.set(end + timedelta(days=31))
    assert conferences.auto_delete("once", BOTH) is True
    with pytest.raises(NotFound):
        conferences.get("once")
    assert conferences.auto_delete("once", BOTH) is False


def test_a_session_that_ran_late_counts_from_its_own_end(
    conferences: ConferencesService, clock: Clock
) -> None:
    conferences.create(
        {
            "id": "once",
            "topic": "T",
            "owner": "jane",
            "schedule": {"type": "once", "start_time": unix(T0), "duration": 3600},
        }
    )
    clock.set(T0 + timedelta(days=5))
    conferences.run("once")
    clock.advance(hours=1)
    conferences.stop("once")
    conference = conferences.get("once")
    assert not deletable(conference, ONE_TIME, T0 + timedelta(days=31))
    assert deletable(conference, ONE_TIME, clock.now + timedelta(days=30))


def test_a_virtual_room_never_launched_goes_after_365_days(
    conferences: ConferencesService, clock: Clock
) -> None:
    """WE-16 variant: created 366 days ago and never launched: deleted."""
    room = conferences.create({"id": "room", "topic": "T", "owner": "jane"})
    assert not deletable(room, ROOMS, T0 + timedelta(days=365))
    assert deletable(room, ROOMS, T0 + timedelta(days=366))
    assert not deletable(room, ONE_TIME, T0 + timedelta(days=3000))


def test_a_launch_restarts_the_count_and_a_running_room_stays(
    conferences: ConferencesService, clock: Clock
) -> None:
    conferences.create({"id": "room", "topic": "T", "owner": "jane"})
    clock.advance(days=300)
    conferences.run("room")
    assert not deletable(conferences.get("room"), ROOMS, T0 + timedelta(days=1000))
    conferences.stop("room")
    launched = T0 + timedelta(days=300)
    assert not deletable(conferences.get("room"), ROOMS, launched + timedelta(days=365))
    assert deletable(conferences.get("room"), ROOMS, launched + timedelta(days=366))


def test_recurring_conferences_are_never_deleted_automatically(
    conferences: ConferencesService,
) -> None:
    """Z-19."""
    conference = conferences.create(
        {
            "id": "weekly",
            "topic": "T",
            "owner": "jane",
            "schedule": {"type": "week", "start_time": unix(T0), "duration": 3600, "days": [1]},
        }
    )
    assert not deletable(conference, BOTH, datetime(2100, 1, 1, tzinfo=UTC))
