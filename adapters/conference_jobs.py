"""Conferences that act on their own (guide §14.4.1, §14.7.1): scheduled ones start and
end at their times, and old ones are deleted when the settings say so.

Each step re-reads the conference and saves through optimistic concurrency, so several
processes running this job never start a conference twice; the state lives in the
stream, so a restart picks up where it was.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from adapters.periodic import PeriodicJob
from domain.conferencing.auto_delete import SWEEP_INTERVAL, AutoDeletion, deletable
from domain.conferencing.conferences_service import ConferencesService
from domain.settings.conferences import AUTO_DELETE_RULES
from domain.settings.settings_service import SettingsService
from domain.shared.actor import SYSTEM, acting_as
from domain.shared.clock import now

log = logging.getLogger(__name__)

SCHEDULE_TICK = 5.0


class ConferenceJobs(PeriodicJob):
    name = "conference-jobs"

    def __init__(
        self,
        conferences: ConferencesService,
        settings: SettingsService,
        candidates: Callable[[], list[str]],
        all_cids: Callable[[], list[str]],
        tick_seconds: float = SCHEDULE_TICK,
    ) -> None:
        super().__init__()
        self.conferences = conferences
        self.settings = settings
        self.candidates = candidates
        """CIDs with a schedule or running (from the read model)."""
        self.all_cids = all_cids
        self.tick_seconds = tick_seconds
        self._last_sweep = 0.0

    def interval_seconds(self) -> float:
        return self.tick_seconds

    def follow_schedules(self) -> list[tuple[str, str]]:
        """Start and stop what is due now; returns (cid, action) pairs done."""
        done = []
        with acting_as(SYSTEM):
            for cid in self.candidates():
                try:
                    for action in self.conferences.follow_schedule(cid):
                        done.append((cid, action))
                except Exception:  # one bad conference must not stop the others
                    log.warning("schedule of %s not followed", cid, exc_info=True)
        return done

    def sweep(self) -> list[str]:
        """Delete what automatic deletion allows now (§14.7.1)."""
        section = self.settings.get().section("conferences")
        rules = AutoDeletion.from_settings(
            {k: v for k, v in section.items() if k in AUTO_DELETE_RULES}
        )
        deleted = []
        with acting_as(SYSTEM):
            for cid in self.all_cids():
                conference = self.conferences.find(cid)
                due = conference is not None and deletable(conference, rules, now())
                if due and self.conferences.auto_delete(cid, rules):
                    deleted.append(cid)
        return deleted

    def tick(self) -> None:
        self.follow_schedules()
        if time.monotonic() - self._last_sweep >= SWEEP_INTERVAL.total_seconds():
            self._last_sweep = time.monotonic()
            self.sweep()
