"""Periodic synchronisation with the LDAP directory (guide §13.8: users and groups are
kept in step automatically). Runs in `quorum serve`; does nothing in Registry mode."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from domain.identity.storage import UserStorageService
from domain.shared.actor import SYSTEM, acting_as

log = logging.getLogger(__name__)


class DirectorySyncer:
    def __init__(self, storage: UserStorageService, interval_seconds: Callable[[], float]) -> None:
        self.storage = storage
        self.interval_seconds = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="directory-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval_seconds()):
            try:
                if self.storage.mode() == "ldap":
                    with acting_as(SYSTEM):
                        self.storage.sync()
            except Exception:  # the directory or NATS is away: try again next time
                log.warning("directory synchronisation failed", exc_info=True)
