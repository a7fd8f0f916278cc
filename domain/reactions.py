"""What follows an outcome in another context, in one table: the composition root
builds the bus (`domain/shared/bus.py`) with it, and the services publish to the bus.

Each handler runs right after the publisher's save, in its thread; the outcomes a
handler returns are handled before the next handler."""

from __future__ import annotations

from domain.licensing.licensing_service import ProLicenceLost
from domain.sessions.attendance import Attendance
from domain.sessions.lifecycle import SessionEnded, SessionStarted
from domain.shared.bus import Table


def reactions(attendance: Attendance) -> Table:
    return {
        # conferencing's start and end (domain/conferencing/runs.py) -> sessions
        SessionStarted: [attendance.ring_online_invitees],
        SessionEnded: [attendance.send_everyone_away],
        # licensing -> sessions: a lost PRO licence ends the user's participations
        ProLicenceLost: [attendance.evict],
    }
