"""When the scheduler starts and stops a scheduled conference (guide §3.2, §14.4.1): a
pure function of the conference's schedule, its session times and the moment asked
about. The scheduler asks `due_actions` and runs what it returns (cause "schedule")."""

from __future__ import annotations

from datetime import datetime

from domain.conferencing.conference import Conference
from domain.conferencing.occurrences import first_ending_after, occurrence_at
from domain.conferencing.schedule import NONE

START = "start"
STOP = "stop"


def due_actions(conference: Conference, now: datetime) -> list[str]:
    """What the scheduler should do now: "stop" a session whose occurrence has ended,
    then "start" an occurrence under way that has not been held yet. A session an admin
    launched early belongs to the next occurrence and stops at its end; one stopped
    during an occurrence is not started again until the next one."""
    schedule = conference.schedule
    if conference.deleted or schedule.get("type") == NONE:
        return []
    actions: list[str] = []
    running = conference.is_running
    if running and conference.last_started_at is not None:
        held = first_ending_after(schedule, conference.last_started_at)
        if held is not None and held.end <= now:
            actions.append(STOP)
            running = False
    if not running:
        current = occurrence_at(schedule, now)
        ended = conference.last_ended_at
        if current is not None and (ended is None or ended < current.start):
            actions.append(START)
    return actions
