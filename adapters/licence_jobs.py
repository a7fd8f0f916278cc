"""Permanent PRO licences are handed out again at every start of the server and then
every 24 hours from that start (guide §5.2.1 item 5, §9.1.2; FEATURES LIC-PRO-09).

The 24 hours are read on the domain clock, so a test that moves the clock sees the
automatic run without waiting a day."""

from __future__ import annotations

import logging
from datetime import datetime

from adapters.periodic import PeriodicJob
from domain.licensing.distribution import TEMPORARY_VALIDITY as EVERY
from domain.licensing.licensing_service import LicensingService
from domain.shared.actor import SYSTEM, acting_as
from domain.shared.clock import now

log = logging.getLogger(__name__)


class LicenceRedistribution(PeriodicJob):
    name = "licence-redistribution"

    def __init__(self, licensing: LicensingService, tick_seconds: float = 60.0) -> None:
        super().__init__()
        self.licensing = licensing
        self.tick_seconds = tick_seconds
        self.last_run: datetime | None = None

    def interval_seconds(self) -> float:
        return self.tick_seconds

    def at_start(self) -> list[str]:
        """The distribution of a (re)start: who lost a licence."""
        return self._distribute(manual=True)

    def tick(self) -> None:
        if self.last_run is None or now() - self.last_run >= EVERY:
            self._distribute(manual=False)

    def _distribute(self, manual: bool) -> list[str]:
        self.last_run = now()
        with acting_as(SYSTEM):
            lost = self.licensing.redistribute(manual)
        if lost:
            log.info("PRO licences redistributed; %d user(s) lost theirs", len(lost))
        return lost
