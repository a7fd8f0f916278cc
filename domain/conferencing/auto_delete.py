"""Automatic conference deletion (guide §14.7.1; FEATURES CSET-01..03, WE-16, Z-19,
Z-24). Two settings, each off by default with a prefilled number of days (1..10 000):
- one-time scheduled conferences N days (30) after their end: the scheduled end, or
  the end of a session that went on longer or was launched later;
- virtual rooms not launched for more than N days (365), counting from their creation
  when never launched.
Recurring conferences are never deleted automatically (Z-19); a running one neither.
The sweep runs every 60 minutes; Call History and chats of deleted conferences stay.

The settings live in the `conferences` settings section (`domain.settings.conferences`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.conferencing.conference import Conference
from domain.conferencing.schedule import NONE, ONCE, from_unix
from domain.settings.conferences import AUTO_DELETE_DEFAULTS, AUTO_DELETE_RULES
from domain.shared.validation import validate_patch

SWEEP_INTERVAL = timedelta(minutes=60)


@dataclass(frozen=True)
class AutoDeletion:
    one_time_enabled: bool = False
    one_time_days: int = 30
    virtual_rooms_enabled: bool = False
    virtual_rooms_days: int = 365

    @classmethod
    def from_settings(cls, section: Mapping[str, Any]) -> AutoDeletion:
        """From the settings section's values (checked: InvalidInput names the field)."""
        checked = validate_patch(section, AUTO_DELETE_RULES, "unknown conference setting")
        values = {**AUTO_DELETE_DEFAULTS, **checked}
        return cls(
            one_time_enabled=values["delete_one_time_enabled"],
            one_time_days=values["delete_one_time_after_days"],
            virtual_rooms_enabled=values["delete_virtual_rooms_enabled"],
            virtual_rooms_days=values["delete_virtual_rooms_after_days"],
        )


def deletable(conference: Conference, settings: AutoDeletion, now: datetime) -> bool:
    if conference.deleted or conference.is_running:
        return False
    schedule = conference.schedule
    if schedule["type"] == ONCE:
        if not settings.one_time_enabled:
            return False
        end = from_unix(schedule["start_time"] + schedule["duration"])
        if conference.last_ended_at is not None and conference.last_ended_at > end:
            end = conference.last_ended_at
        return now - end >= timedelta(days=settings.one_time_days)
    if schedule["type"] == NONE:
        if not settings.virtual_rooms_enabled:
            return False
        launched = conference.last_started_at or conference.created_on
        return now - launched > timedelta(days=settings.virtual_rooms_days)
    return False  # recurring (Z-19)
