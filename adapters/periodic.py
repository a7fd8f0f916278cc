"""A background thread that does one thing every so often, and stops when asked."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod

log = logging.getLogger(__name__)


class PeriodicJob(ABC):
    name = "periodic-job"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @abstractmethod
    def interval_seconds(self) -> float: ...

    @abstractmethod
    def tick(self) -> None: ...

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval_seconds()):
            try:
                self.tick()
            except Exception:  # NATS or a directory away: try again next time
                log.warning("%s failed", self.name, exc_info=True)
