"""Old recordings are deleted once a day when the Recordings settings say so (guide §9.6
item 7; FEATURES REC-07). The day is read on the domain clock, so a test that moves
the clock sees the sweep without waiting; the candidates come from the Conference
Recordings report, and the domain checks each one again before deleting it."""

from __future__ import annotations

import logging
from datetime import datetime

from adapters.periodic import PeriodicJob
from domain.recordings.recordings_service import RecordingsService
from domain.recordings.retention import SWEEP_EVERY, RecordingsExpired, cutoff
from domain.shared.actor import SYSTEM, acting_as
from domain.shared.clock import now
from projections import recordings_report
from projections.report_reads import ReportReads, ReportsUnavailable

log = logging.getLogger(__name__)


class RecordingRetention(PeriodicJob):
    name = "recording-retention"

    def __init__(
        self,
        recordings: RecordingsService,
        reports: ReportReads,
        tick_seconds: float = 60.0,
    ) -> None:
        super().__init__()
        self.recordings = recordings
        self.reports = reports
        """Where the candidates come from: this process's reports or a report replica."""
        self.tick_seconds = tick_seconds
        self.last_run: datetime | None = None

    def interval_seconds(self) -> float:
        return self.tick_seconds

    def tick(self) -> None:
        if self.last_run is None or now() - self.last_run >= SWEEP_EVERY:
            self.sweep()

    def sweep(self) -> RecordingsExpired | None:
        self.last_run = at = now()
        keep_days = self.recordings.section()["auto_delete_days"]
        if keep_days is None:
            return None  # keep forever
        try:
            found = self.reports.read(recordings_report.ended_before, cutoff(at, keep_days))
        except ReportsUnavailable:
            log.warning("no report service answered: recordings are swept at the next tick")
            self.last_run = None
            return None
        candidates = found.value
        with acting_as(SYSTEM):
            done = self.recordings.delete_expired(at, keep_days, candidates)
        if done is not None:
            log.info("%d recording(s) older than %d days deleted", done.count, keep_days)
        return done
